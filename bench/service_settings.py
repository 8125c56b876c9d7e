"""Settings for the service benchmark's server: the public form's per-address limit lifted (the
load generator is one address) and a minimal view beside the application's URLs."""

from zuofeng.settings import *  # noqa: F403

SERVICE_PUBLIC_LIMITS = {"submit": (10**9, 60), "lookup": (10**9, 60)}
ROOT_URLCONF = "bench.service_urls"
