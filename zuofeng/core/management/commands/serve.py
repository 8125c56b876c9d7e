"""`zuofeng serve`: migrate and serve the application with gunicorn."""

import os
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Serve zuofeng over HTTP (gunicorn; static files served by the application)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2"))
        )
        parser.add_argument("--no-migrate", action="store_true")

    def handle(self, *args, host, port, workers, no_migrate, **opts):
        if not 0 < port < 65536:
            raise CommandError("--port must be between 1 and 65535")
        if not no_migrate:
            call_command("migrate", interactive=False, verbosity=0)
        settings.HOME.mkdir(parents=True, exist_ok=True)
        # Served by WhiteNoise from STATIC_ROOT: compressed copies, long cache headers.
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"zuofeng serving on http://{host}:{port}/ (Ctrl-C to stop)")
        self.stdout.flush()
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "zuofeng.wsgi:application",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(max(1, workers)),
            "--access-logfile",
            "-",
            "--timeout",
            "120",
        ]
        os.execv(sys.executable, argv)  # noqa: S606 - replaces this process with the server
