"""What we hold about a person (name, birth date, address, contacts, preferences), as one small
read. Within `remembered_people()` each person is read at most once: intake asks for the same
person as the population register stand-in and as the addressee of the receipt."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from tereze.core.models import Person


@dataclass(frozen=True)
class PersonCard:
    iin: str
    surname: str
    given_name: str
    patronymic: str
    birth_date: dt.date
    address: str
    phone: str
    email: str
    language: str
    notify_by: list[str]

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.surname, self.given_name, self.patronymic) if p)


_FIELDS = ("iin", "surname", "given_name", "patronymic", "birth_date", "address", "phone", "email", "language",
           "notify_by")
_remembered: ContextVar[dict[str, PersonCard | None] | None] = ContextVar("tereze_people", default=None)


def person_card(iin: str) -> PersonCard | None:
    memo = _remembered.get()
    if memo is not None and iin in memo:
        return memo[iin]
    found = Person.objects.filter(iin=iin).values_list(*_FIELDS)[:1]  # columns only, no model instance
    card = PersonCard(*found[0]) if found else None
    if memo is not None:
        memo[iin] = card
    return card


@contextmanager
def remembered_people() -> Iterator[None]:
    token = _remembered.set({})
    try:
        yield
    finally:
        _remembered.reset(token)
