"""Texts sent to applicants and officials; rendered in the recipient's language."""

from django.utils.translation import gettext_lazy as _

ACCEPTED_SUBJECT = _("Application %(number)s accepted")
ACCEPTED_BODY = _("Your application %(number)s has been accepted. The result is due by %(due)s.")
ASSIGNED_SUBJECT = _("New application %(number)s")
ASSIGNED_BODY = _("Application %(number)s has been assigned to you. It is due by %(due)s.")
RETURNED_SUBJECT = _("Application %(number)s needs a correction")
RETURNED_BODY = _("Application %(number)s was returned for correction: %(reason)s")
APPROVED_SUBJECT = _("Application %(number)s approved")
APPROVED_BODY = _("Application %(number)s was approved. Your result is ready.")
REFUSED_SUBJECT = _("Application %(number)s refused")
REFUSED_BODY = _("Application %(number)s was refused: %(reason)s. You may appeal this decision.")
COLLECTION_CODE_SUBJECT = _("Code to collect result %(number)s")
COLLECTION_CODE_BODY = _("Your code to collect the result of %(number)s: %(code)s. Give it only to the operator.")
DUE_SOON_SUBJECT = _("Application %(number)s is due tomorrow")
DUE_SOON_BODY = _("Application %(number)s is due on %(due)s.")
OVERDUE_STAFF_SUBJECT = _("Application %(number)s is overdue")
OVERDUE_STAFF_BODY = _("Application %(number)s was due on %(due)s and has not been decided.")
OVERDUE_SUBJECT = _("Application %(number)s is late")
OVERDUE_BODY = _("Application %(number)s was due on %(due)s. It has been escalated to the body's supervisor.")
ISSUED_SUBJECT = _("Result of %(number)s handed over")
ISSUED_BODY = _("You received the result of %(number)s. Please rate the service: %(url)s")
