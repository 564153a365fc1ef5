from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "tereze.core"
    label = "core"

    def ready(self) -> None:
        # Every app's signal: permissions of apps migrated after core exist only by the end.
        post_migrate.connect(_sync_role_groups)


def _sync_role_groups(**kwargs: Any) -> None:
    from tereze.core.actions import role_groups_sync

    role_groups_sync()
