"""Write a parent row and the rows that belong with it in one round trip.

On PostgreSQL this is one statement: a data-modifying CTE whose first part inserts the parent
(optionally `ON CONFLICT DO NOTHING` on a unique constraint) and whose other parts insert each
further row, taking the parent's new id where they point at it. One statement is atomic by
itself, so no BEGIN/COMMIT round trips either. Elsewhere (SQLite) the same rows are saved with the
ORM inside one transaction. DESIGN.md measured round trips, not Python, as the cost of intake.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from itertools import groupby

from django.db import IntegrityError, connection, models, transaction


@cache
def _columns(model: type[models.Model]) -> list[models.Field]:  # type: ignore[type-arg]
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def _column(field: models.Field) -> str:  # type: ignore[type-arg]
    return connection.ops.quote_name(field.column or field.name)


@cache
def _statement(parent: type[models.Model], conflict_fields: tuple[str, ...],
               rows: tuple[tuple[type[models.Model], models.Field | None], ...]) -> str:  # type: ignore[type-arg]
    """The CTE for this shape of write, built once per process.

    Only table and column names from the models are interpolated (quoted); every value is a parameter."""
    quote = connection.ops.quote_name
    parent_fields = _columns(parent)
    sql = [f"WITH parent AS (INSERT INTO {quote(parent._meta.db_table)} "  # noqa: S608
           f"({', '.join(_column(f) for f in parent_fields)}) "
           f"VALUES ({', '.join(['%s'] * len(parent_fields))})"]
    if conflict_fields:
        columns = [_column(parent._meta.get_field(name)) for name in conflict_fields]  # type: ignore[arg-type]
        sql.append(f" ON CONFLICT ({', '.join(columns)}) DO NOTHING")
    sql.append(" RETURNING id)")
    for index, (model, link) in enumerate(rows):
        fields = _columns(model)
        placeholders = ["parent.id" if f is link else "%s" for f in fields]
        # Each part reads the one before, so they run in order and ids follow the order of `rows`
        # (events with the same timestamp must keep their order).
        previous = f", row{index - 1}" if index else ""
        sql.append(f", row{index} AS (INSERT INTO {quote(model._meta.db_table)} "  # noqa: S608
                   f"({', '.join(_column(f) for f in fields)}) SELECT {', '.join(placeholders)} "
                   f"FROM parent{previous} RETURNING 1)")
    sql.append(" SELECT id FROM parent")
    return "".join(sql)


def _values(obj: models.Model, fields: list[models.Field]) -> list[object]:  # type: ignore[type-arg]
    return [f.get_db_prep_save(f.pre_save(obj, add=True), connection) for f in fields]


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

    shape = tuple((type(row), _link(row, parent)) for row in rows)
    sql = _statement(type(parent), tuple(conflict_fields), shape)
    params: list[object] = _values(parent, _columns(type(parent)))
    for row, (model, link) in zip(rows, shape, strict=True):
        fields = _columns(model)
        params += [v for f, v in zip(fields, _values(row, fields), strict=True) if f is not link]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)  # type: ignore[arg-type]
        found = cursor.fetchone()
    if found is None:
        return False
    parent.pk = found[0]
    parent._state.adding = False
    for row in rows:
        _point_at(row, parent)
    return True


def _link(row: models.Model, parent: models.Model) -> models.Field | None:  # type: ignore[type-arg]
    for field in _columns(type(row)):
        if field.is_relation and field.related_model is type(parent) and getattr(row, field.name, None) is parent:
            return field
    return None


def _point_at(row: models.Model, parent: models.Model) -> None:
    link = _link(row, parent)
    if link is not None:
        setattr(row, link.attname, parent.pk)
