from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "zuofeng.core"
    label = "core"
    verbose_name = "core"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from zuofeng.core import (
            checks,  # noqa: F401  (registers system checks)
            subtree,
        )

        # SQLite rebuilds a table to alter it, dropping its triggers: every migrate puts the
        # subtree-path triggers back (idempotent).
        post_migrate.connect(subtree.ensure_after_migrate, dispatch_uid="zuofeng.subtree")
