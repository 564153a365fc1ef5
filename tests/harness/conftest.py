from __future__ import annotations

import itertools

import pytest

from tests import factories


@pytest.fixture(autouse=True)
def _restart_serials() -> None:
    """tests.factories.new_iin runs out of valid birth dates after ~1,100 people in one process
    (1980 + n*37 days passes 2099); the harness makes many worlds, each rolled back, so restart it."""
    factories._serial = itertools.count(1)  # type: ignore[attr-defined]
