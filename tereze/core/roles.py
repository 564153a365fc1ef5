"""Roles and the scope each belongs to. Permissions are Django's; each role is also a Group."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    BUSINESS = "business", _("Business representative")
    CONSULTANT = "consultant", _("Centre consultant")
    OPERATOR = "operator", _("Centre operator")
    CENTRE_SUPERVISOR = "centre_supervisor", _("Centre supervisor")
    CENTRE_MANAGER = "centre_manager", _("Centre manager")
    OFFICIAL = "official", _("Official of a state body")
    BODY_SUPERVISOR = "body_supervisor", _("Body supervisor")
    APPEALS_OFFICER = "appeals_officer", _("Appeals officer")
    STANDARDS_OWNER = "standards_owner", _("Standards owner")
    ANALYST = "analyst", _("Analyst")
    AUDITOR = "auditor", _("Auditor")
    ADMINISTRATOR = "administrator", _("Administrator")


CENTRE_ROLES = frozenset({Role.CONSULTANT, Role.OPERATOR, Role.CENTRE_SUPERVISOR, Role.CENTRE_MANAGER})
BODY_ROLES = frozenset({Role.OFFICIAL, Role.BODY_SUPERVISOR, Role.APPEALS_OFFICER, Role.STANDARDS_OWNER})
APPLICANT_ROLES = frozenset({Role.CITIZEN, Role.BUSINESS})
NATIONWIDE_ROLES = frozenset({Role.ANALYST, Role.AUDITOR, Role.ADMINISTRATOR})
# Roles that may sign in to the Django admin (each then sees only what its permissions and scope allow).
ADMIN_SITE_ROLES = frozenset({Role.STANDARDS_OWNER, Role.ADMINISTRATOR, Role.AUDITOR})

# app_label.codename granted to each role's group; the administrator is a superuser.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.STANDARDS_OWNER: [
        "registry.view_service", "registry.add_service", "registry.change_service",
        "registry.view_standard", "registry.add_standard", "registry.change_standard",
        "registry.view_requireddocument", "registry.add_requireddocument",
        "registry.change_requireddocument", "registry.delete_requireddocument",
        "registry.view_tier", "registry.add_tier", "registry.change_tier", "registry.delete_tier",
        "registry.view_processstep", "registry.add_processstep", "registry.change_processstep",
        "registry.delete_processstep",
        "registry.view_refusalground", "registry.add_refusalground", "registry.change_refusalground",
        "registry.delete_refusalground",
        "registry.view_statebody",
    ],
    Role.AUDITOR: ["core.view_auditentry", "core.view_notification"],
}
