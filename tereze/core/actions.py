"""Writes to identity and roles."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from tereze.core.identity import validate_bin, validate_iin
from tereze.core.models import User
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
