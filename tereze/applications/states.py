"""Application statuses and the one table of allowed transitions."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tereze.core.errors import TransitionNotAllowed


class Status(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")
    ACCEPTED = "accepted", _("accepted")
    REFUSED_AT_INTAKE = "refused_at_intake", _("refused at intake")
    ASSIGNED = "assigned", _("assigned to the state body")
    IN_REVIEW = "in_review", _("in review")
    RETURNED = "returned", _("returned for correction")
    RESUBMITTED = "resubmitted", _("resubmitted")
    SUSPENDED = "suspended", _("suspended")
    APPROVED = "approved", _("approved")
    REFUSED = "refused", _("refused")
    RESULT_READY = "result_ready", _("result ready")
    ISSUED = "issued", _("issued")
    WITHDRAWN = "withdrawn", _("withdrawn")


TRANSITIONS: dict[str, frozenset[str]] = {
    Status.DRAFT: frozenset({Status.SUBMITTED, Status.WITHDRAWN}),
    Status.SUBMITTED: frozenset({Status.ACCEPTED, Status.REFUSED_AT_INTAKE, Status.WITHDRAWN}),
    Status.ACCEPTED: frozenset({Status.ASSIGNED, Status.WITHDRAWN}),
    Status.ASSIGNED: frozenset({Status.IN_REVIEW, Status.WITHDRAWN}),
    Status.IN_REVIEW: frozenset({Status.RETURNED, Status.APPROVED, Status.REFUSED, Status.SUSPENDED,
                                 Status.WITHDRAWN}),
    Status.RETURNED: frozenset({Status.RESUBMITTED, Status.WITHDRAWN}),
    Status.RESUBMITTED: frozenset({Status.IN_REVIEW, Status.WITHDRAWN}),
    Status.SUSPENDED: frozenset({Status.IN_REVIEW, Status.WITHDRAWN}),
    Status.APPROVED: frozenset({Status.RESULT_READY}),
    Status.REFUSED: frozenset({Status.RESULT_READY}),
    Status.RESULT_READY: frozenset({Status.ISSUED}),
    Status.REFUSED_AT_INTAKE: frozenset(),
    Status.ISSUED: frozenset(),
    Status.WITHDRAWN: frozenset(),
}

# Work that sits with the body and whose deadline runs.
OPEN_AT_BODY = frozenset({Status.ASSIGNED, Status.IN_REVIEW, Status.RESUBMITTED})
CLOCK_RUNNING = frozenset({Status.ACCEPTED, Status.ASSIGNED, Status.IN_REVIEW, Status.RESUBMITTED})
FINISHED = frozenset({Status.REFUSED_AT_INTAKE, Status.ISSUED, Status.WITHDRAWN})


def allowed_next(current: str) -> list[str]:
    return sorted(TRANSITIONS[current])


def ensure_transition(current: str, requested: str) -> None:
    if requested not in TRANSITIONS[current]:
        raise TransitionNotAllowed(current=current, requested=requested, allowed=allowed_next(current))
