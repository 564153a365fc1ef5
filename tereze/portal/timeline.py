"""Plain-language names for the events of an application's history."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

EVENT_LABELS: dict[str, Promise] = {
    "draft_created": _("Draft started"),
    "submitted": _("Submitted"),
    "accepted": _("Accepted; the deadline starts"),
    "refused_at_intake": _("Not accepted: documents missing"),
    "assigned": _("Passed to the state body"),
    "reassigned": _("Passed to another official of the body"),
    "review_started": _("Review started"),
    "returned": _("Returned to you for correction (the deadline stops)"),
    "resubmitted": _("Correction handed in (the deadline runs again)"),
    "suspended": _("Suspended (the deadline stops)"),
    "resumed": _("Review resumed"),
    "approved": _("Approved"),
    "refused": _("Refused"),
    "result_ready": _("Result ready"),
    "issued": _("Result received"),
    "withdrawn": _("Withdrawn"),
    "draft_deleted": _("Draft deleted"),
    "overdue": _("Deadline missed: escalated to the body's supervisor"),
}


def event_label(kind: str) -> str:
    return str(EVENT_LABELS.get(kind, kind))
