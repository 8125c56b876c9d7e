"""System checks: a production deployment must not run on generated keys."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def keys_from_environment(app_configs, **kwargs):
    errors = []
    if settings.SECRET_KEY_GENERATED:
        errors.append(
            Error("ZUOFENG_SECRET_KEY is not set; a generated key is in use.", id="zuofeng.E001")
        )
    if settings.DATA_KEY_GENERATED:
        errors.append(
            Error(
                "ZUOFENG_DATA_KEY is not set; a generated key is in use. Keep the "
                "data key outside the database backup.",
                id="zuofeng.E002",
            )
        )
    return errors
