from __future__ import annotations

from dataclasses import dataclass

import pytest

from tereze.centres.models import Centre
from tereze.core.models import Person, User
from tereze.core.tokens import forget_cached_tokens
from tereze.registry.models import Service, Standard, StateBody
from tests import factories


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    from tereze.applications.reviewers import forget_open_cases
    from tereze.core.calendar import forget_transfers
    from tereze.registry.selectors import forget_intake_cache

    forget_transfers()
    forget_cached_tokens()
    forget_intake_cache()
    forget_open_cases()


@dataclass
class World:
    body: StateBody
    service: Service
    standard: Standard
    centre: Centre
    other_centre: Centre
    operator: User
    other_operator: User
    officials: list[User]
    supervisor: User
    other_body_official: User
    applicant: Person
    citizen: User
    other_citizen: User
    auditor: User


@pytest.fixture
def world(db: None) -> World:
    body = factories.BodyFactory()
    service = factories.ServiceFactory(body=body)
    standard = factories.make_standard(service)
    centre, other_centre = factories.CentreFactory(), factories.CentreFactory()
    other_body = factories.BodyFactory()
    applicant = factories.person()
    return World(
        body=body, service=service, standard=standard, centre=centre, other_centre=other_centre,
        operator=factories.staff("operator", centre_id=centre.pk),
        other_operator=factories.staff("operator", centre_id=other_centre.pk),
        officials=[factories.staff("official", body_id=body.pk) for _ in range(3)],
        supervisor=factories.staff("body_supervisor", body_id=body.pk),
        other_body_official=factories.staff("official", body_id=other_body.pk),
        applicant=applicant, citizen=factories.citizen(applicant), other_citizen=factories.citizen(),
        auditor=factories.staff("auditor"),
    )
