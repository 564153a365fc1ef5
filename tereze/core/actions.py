"""Writes to identity and roles."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.translation import gettext as _

from tereze.core.audit import audit_record
from tereze.core.errors import ValidationFailed
from tereze.core.identity import validate_bin, validate_iin
from tereze.core.models import Language, Notification, Person, User
from tereze.core.roles import ADMIN_SITE_ROLES, ROLE_PERMISSIONS, Role


def role_groups_sync() -> None:
    """One Group per role, holding exactly the permissions in ROLE_PERMISSIONS. Idempotent."""
    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.value)
        wanted = []
        for dotted in ROLE_PERMISSIONS.get(role, []):
            app_label, codename = dotted.split(".")
            permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if permission is not None:
                wanted.append(permission)
        group.permissions.set(wanted)


@transaction.atomic
def user_create(*, username: str, role: str, password: str | None = None, iin: str | None = None,
                bin: str | None = None, body_id: int | None = None, centre_id: int | None = None,
                first_name: str = "", last_name: str = "", email: str = "", language: str = "ru") -> User:
    """Create an account in a role, in its group, scoped to its centre or body."""
    if iin:
        validate_iin(iin)
    if bin:
        validate_bin(bin)
    user = User(username=username, role=role, iin=iin or None, bin=bin or None, body_id=body_id,
                centre_id=centre_id, first_name=first_name, last_name=last_name, email=email, language=language,
                is_staff=role in ADMIN_SITE_ROLES, is_superuser=role == Role.ADMINISTRATOR)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    group, _ = Group.objects.get_or_create(name=role)
    user.groups.add(group)
    return user


@transaction.atomic
def person_update_preferences(*, iin: str, notify_by: list[str], language: str, actor: User) -> Person:
    """The citizen's own notification channels and language (used by every notification). Audited."""
    wanted = [c for c in Notification.Channel.values if c in notify_by]
    if not wanted:
        raise ValidationFailed(str(_("Choose at least one way to reach you.")),
                               {"notify_by": str(_("Choose at least one way to reach you."))})
    if language not in Language.values:
        raise ValidationFailed(str(_("Unknown language.")), {"language": str(_("Unknown language."))})
    person = Person.objects.select_for_update().get(iin=iin)
    if Notification.Channel.EMAIL in wanted and not person.email:
        message = str(_("The register has no e-mail address for you."))
        raise ValidationFailed(message, {"notify_by": message})
    if (Notification.Channel.SMS in wanted or Notification.Channel.VOICE in wanted) and not person.phone:
        message = str(_("The register has no phone number for you."))
        raise ValidationFailed(message, {"notify_by": message})
    person.notify_by, person.language = wanted, language
    person.save(update_fields=["notify_by", "language"])
    if actor.language != language:
        actor.language = language
        actor.save(update_fields=["language"])
    audit_record(actor=actor, action="portal.preferences", object_type="person", object_id=iin, subject_iin=iin,
                 detail={"notify_by": wanted, "language": language})
    return person
