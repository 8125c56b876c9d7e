"""The one settings module: everything comes from the environment through `zuofeng.conf`."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from zuofeng.conf import (
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_str,
    key_from_env_or_file,
    zuofeng_home,
)

BASE_DIR = Path(__file__).resolve().parent
HOME = zuofeng_home()

DEBUG = env_bool("ZUOFENG_DEBUG", False)
DEMO_MODE = env_bool("ZUOFENG_DEMO", False)
# The secret key comes from the environment in production; a trial install generates one
# under ZUOFENG_HOME on first use (zuofeng.conf.key_from_env_or_file); `check --deploy`
# flags that.
SECRET_KEY, SECRET_KEY_GENERATED = key_from_env_or_file(
    "ZUOFENG_SECRET_KEY", "secret.key", nbytes=48
)
DATA_KEY, DATA_KEY_GENERATED = key_from_env_or_file("ZUOFENG_DATA_KEY", "data.key")
CRYPTO_SUITE = env_choice("ZUOFENG_CRYPTO", "standard", ("standard", "gm"))

ALLOWED_HOSTS = env_list("ZUOFENG_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("ZUOFENG_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "zuofeng.core",
    "zuofeng.orgs",
    "zuofeng.rectify",
    "zuofeng.study",
    "zuofeng.service",
    "zuofeng.projects",
    "zuofeng.rules",
    "zuofeng.dashboard",
    "zuofeng.races",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "zuofeng.core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "zuofeng.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "zuofeng.orgs.middleware.SessionPolicyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "zuofeng.urls"
WSGI_APPLICATION = "zuofeng.wsgi.application"
ASGI_APPLICATION = "zuofeng.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "zuofeng.orgs.context.navigation",
            ],
        },
    }
]

_default_db = f"sqlite:///{HOME / 'zuofeng.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(env_str("DATABASE_URL", _default_db), conn_max_age=60)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so
    # two writers queue instead of failing half-way with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=15000;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 15,
    }
    DATABASES["default"]["TEST"] = {"NAME": env_str("ZUOFENG_TEST_SQLITE", "") or None}
# PostgreSQL: no JIT compilation. The figures are short aggregations whose estimated cost
# crosses the JIT threshold at a province, and compiling them took 50–100 ms of each query
# (docs/decisions.md). Options given in DATABASE_URL follow, and can turn it back on.
_NO_JIT = "-c jit=off"
# A streaming replica for indicator and dashboard reads (zuofeng.core.routers); writes and
# every other read stay on default. Tests mirror it onto default's test database.
if env_str("DATABASE_REPLICA_URL", ""):
    DATABASES["replica"] = dj_database_url.parse(
        env_str("DATABASE_REPLICA_URL", ""), conn_max_age=60
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
for _db in DATABASES.values():
    if _db["ENGINE"] == "django.db.backends.postgresql":
        _options = _db.setdefault("OPTIONS", {})
        _options["options"] = f"{_NO_JIT} {_options.get('options', '')}".strip()
DATABASE_ROUTERS = ["zuofeng.core.routers.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "orgs.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "zuofeng.orgs.auth.ZuofengBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

PASSWORD_MIN_LENGTH = env_int("ZUOFENG_PASSWORD_MIN_LENGTH", 8, minimum=8)
PASSWORD_MIN_CLASSES = env_int("ZUOFENG_PASSWORD_MIN_CLASSES", 3, minimum=1)
PASSWORD_HISTORY = env_int("ZUOFENG_PASSWORD_HISTORY", 5, minimum=0)
PASSWORD_MAX_AGE_DAYS = env_int("ZUOFENG_PASSWORD_MAX_AGE_DAYS", 90, minimum=0)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "zuofeng.orgs.passwords.ComplexityValidator"},
    {"NAME": "zuofeng.orgs.passwords.HistoryValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# 等保 lockout: 5 failures lock the account for 30 minutes (axes' own defaults are 3 and none).
AXES_FAILURE_LIMIT = env_int("ZUOFENG_LOCKOUT_FAILURES", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("ZUOFENG_LOCKOUT_MINUTES", 30, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "zuofeng.orgs.views.auth.lockout_response"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True

SESSION_IDLE_SECONDS = env_int("ZUOFENG_SESSION_IDLE_MINUTES", 30, minimum=1) * 60
SESSION_ABSOLUTE_SECONDS = env_int("ZUOFENG_SESSION_ABSOLUTE_HOURS", 12, minimum=1) * 3600
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_SECONDS
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("ZUOFENG_SECURE_COOKIES", not DEBUG and not DEMO_MODE)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("ZUOFENG_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("ZUOFENG_HSTS_SECONDS", 0, minimum=0)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("ZUOFENG_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = HOME / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = HOME / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
IMPORT_MAX_BYTES = env_int("ZUOFENG_IMPORT_MAX_MB", 20, minimum=1) * 1024 * 1024
IMPORT_MAX_UNPACKED_BYTES = env_int("ZUOFENG_IMPORT_MAX_UNPACKED_MB", 200, minimum=1) * 1024 * 1024
IMPORT_MAX_ZIP_ENTRIES = env_int("ZUOFENG_IMPORT_MAX_ZIP_ENTRIES", 1000, minimum=10)
IMPORT_MAX_ROWS = env_int("ZUOFENG_IMPORT_MAX_ROWS", 1_000_000, minimum=1)

# Warning colours of closed loops: green at this many days left or fewer, yellow at the second.
WARNING_GREEN_DAYS = env_int("ZUOFENG_WARNING_GREEN_DAYS", 20, minimum=1)
WARNING_YELLOW_DAYS = env_int("ZUOFENG_WARNING_YELLOW_DAYS", 10, minimum=0)

API_TOKEN_DAYS = env_int("ZUOFENG_API_TOKEN_DAYS", 365, minimum=1)
YOUNG_CADRE_MAX_AGE = env_int("ZUOFENG_YOUNG_CADRE_MAX_AGE", 35, minimum=18)

TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("ZUOFENG_LOG_LEVEL", "WARNING")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# Lockout is per account (等保): locking per address would lock a whole office behind one NAT.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
