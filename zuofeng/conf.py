"""Typed readers for the environment: every setting comes through these and fails fast."""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}")
    return value


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = os.environ.get(name, default).strip().lower() or default
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [part.strip() for part in raw.split(",") if part.strip()]


def zuofeng_home() -> Path:
    """The folder that holds the SQLite database, uploaded files and generated keys."""
    raw = os.environ.get("ZUOFENG_HOME")
    home = Path(raw) if raw else Path.cwd() / "var"
    return home.resolve()


def key_from_env_or_file(name: str, filename: str, *, nbytes: int = 32) -> tuple[str, bool]:
    """Return (key, generated): the key from the environment, else one kept under ZUOFENG_HOME.

    A trial install must start with no configuration, so a missing key is generated once and
    kept (mode 0600) beside the database; production sets the variable and `check --deploy`
    reports a generated key.
    """
    import base64
    import secrets

    raw = os.environ.get(name, "").strip()
    if raw:
        return raw, False
    path = zuofeng_home() / "keys" / filename
    if path.exists():
        return path.read_text().strip(), True
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = base64.b64encode(secrets.token_bytes(nbytes)).decode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key + "\n")
    return key, True
