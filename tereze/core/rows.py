"""Write a parent row and the rows that belong with it in one round trip.

On PostgreSQL this is one prepared statement: a data-modifying CTE whose first part inserts the
parent (optionally `ON CONFLICT DO NOTHING` on a unique constraint) and whose other parts insert the
further rows, one part per run of rows of the same model, taking the parent's new id where they
point at it. Each row travels as one JSON document (`json_populate_record[set]` turns it into the
table's row type, so PostgreSQL converts the values; plain json, parsed once, costs less than jsonb,
which it would also build), which keeps the parameters few and lets the statement be prepared once
per connection instead of parsed and planned for every application. One
statement is atomic by itself, so no BEGIN/COMMIT round trips either. Elsewhere (SQLite) the same
rows are saved with the ORM inside one transaction. DESIGN.md measured round trips, not Python, as
the cost of intake; ADR 8 has the figures.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from itertools import groupby
from typing import TYPE_CHECKING, Any

import orjson
import psycopg
from django.db import IntegrityError, connection, models, transaction

if TYPE_CHECKING:
    Field = models.Field[Any, Any]


@cache
def _columns(model: type[models.Model]) -> list[Field]:
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def _column(field: Field) -> str:
    return connection.ops.quote_name(field.column or field.attname)


@cache
def _statement(parent: type[models.Model], conflict_fields: tuple[str, ...],
               parts: tuple[tuple[type[models.Model], Field | None, bool], ...]) -> str:
    """The CTE for this shape of write, built once per process. `parts`: (model, the field that
    points at the parent, several rows?) for each run of rows.

    Only table and column names from the models are interpolated (quoted); every value is a parameter."""
    quote = connection.ops.quote_name
    table = quote(parent._meta.db_table)
    columns = ", ".join(_column(f) for f in _columns(parent))
    sql = [f"WITH parent AS (INSERT INTO {table} ({columns}) "  # noqa: S608
           f"SELECT {columns} FROM json_populate_record(NULL::{table}, %s::json)"]
    if conflict_fields:
        conflict = [_column(parent._meta.get_field(name)) for name in conflict_fields]  # type: ignore[arg-type]
        sql.append(f" ON CONFLICT ({', '.join(conflict)}) DO NOTHING")
    sql.append(" RETURNING id)")
    for index, (model, link, several) in enumerate(parts):
        table = quote(model._meta.db_table)
        fields = _columns(model)
        values = ", ".join("parent.id" if f is link else f"r.{_column(f)}" for f in fields)
        source = (f"json_populate_recordset(NULL::{table}, %s::json) WITH ORDINALITY AS r" if several
                  else f"json_populate_record(NULL::{table}, %s::json) AS r")
        # Each part waits for the one before, so ids follow the order of the rows (events with the
        # same timestamp must keep their order); within a part, the order of the JSON array.
        previous = f", (SELECT count(*) FROM part{index - 1}) AS previous" if index else ""  # noqa: S608
        order = " ORDER BY r.ordinality" if several else ""
        sql.append(f", part{index} AS (INSERT INTO {table} ({', '.join(_column(f) for f in fields)}) "  # noqa: S608
                   f"SELECT {values} FROM parent{previous}, {source}{order} RETURNING 1)")
    sql.append(" SELECT id FROM parent")
    return "".join(sql)


def _json_value(value: object) -> object:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()  # every digit of the microseconds (Django's encoder keeps three)
    return str(value)  # Decimal, UUID, lazy translations


def _json(value: object) -> str:
    try:  # orjson takes a fifth of the time; it refuses integers beyond 64 bits, which a form may hold
        return orjson.dumps(value, default=_json_value, option=orjson.OPT_NON_STR_KEYS).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value, default=_json_value)


def _document(obj: models.Model, fields: list[Field]) -> dict[str, object]:
    return {f.column or f.attname: f.pre_save(obj, add=True) for f in fields}  # keyed by the column, as in the table


def insert_together(parent: models.Model, rows: Sequence[models.Model], *,
                    conflict_fields: Sequence[str] = ()) -> bool:
    """Insert `parent` and `rows`; rows whose foreign key points at the parent get its id.

    Returns False (and writes nothing) when the parent conflicts on `conflict_fields`.
    """
    if connection.vendor != "postgresql":
        try:
            with transaction.atomic():
                parent.save(force_insert=True)
                for row in rows:
                    _point_at(row, parent)
                for _model, group in groupby(rows, key=type):
                    batch = list(group)
                    type(batch[0])._default_manager.bulk_create(batch)
        except IntegrityError:
            if conflict_fields:
                return False
            raise
        return True

    parts, params = [], [_json(_document(parent, _columns(type(parent))))]
    for (model, link), run in groupby(rows, key=lambda row: (type(row), _link(row, parent))):
        documents = [_document(row, _columns(model)) for row in run]
        parts.append((model, link, len(documents) > 1))
        params.append(_json(documents if len(documents) > 1 else documents[0]))
    sql = _statement(type(parent), tuple(conflict_fields), tuple(parts))
    with prepared_cursor() as cursor:
        cursor.execute(sql, params, prepare=True)  # type: ignore[arg-type]
        found = cursor.fetchone()
    if found is None:
        return False
    parent.pk = found[0]
    parent._state.adding = False
    for row in rows:
        _point_at(row, parent)
    return True


@contextmanager
def prepared_cursor() -> Iterator[psycopg.Cursor[Any]]:
    """A psycopg cursor on Django's PostgreSQL connection (same transaction) for fixed statements run
    on every request: `execute(..., prepare=True)` prepares on first use, and it skips Django's
    cursor wrapper, a tenth of a millisecond per statement. Django's error wrapper still marks a
    broken connection, so the next request reconnects."""
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        yield cursor


def _link(row: models.Model, parent: models.Model) -> Field | None:
    for field in _columns(type(row)):
        if field.is_relation and field.related_model is type(parent) and getattr(row, field.name, None) is parent:
            return field
    return None


def _point_at(row: models.Model, parent: models.Model) -> None:
    link = _link(row, parent)
    if link is not None:
        setattr(row, link.attname, parent.pk)
