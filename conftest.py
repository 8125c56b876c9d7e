"""Shared fixtures: a small district tree, users per role, an API client over real HTTP."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop


@pytest.fixture(autouse=True, scope="session")
def _isolated_home(tmp_path_factory):
    # Keys, uploads and exports of a test run live in a throw-away home.
    from django.conf import settings

    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")
    # PBKDF2's cost is for production; tests create many users and check no hash strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def district(db):
    from zuofeng.orgs.tests.factories import build_small_district

    return build_small_district()


@pytest.fixture
def make_user(db):
    from zuofeng.orgs.tests.factories import make_user

    return make_user


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the whole run, driven from a thread of its own."""
    from pathlib import Path

    from zuofeng.core.tests.browser import CHROMIUM, BrowserThread

    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    thread = BrowserThread()
    yield thread
    thread.close()


@pytest.fixture(scope="session")
def artifacts():
    """test-artifacts/browser/: screenshots for a person to look at after the run."""
    import shutil

    from zuofeng.core.tests.browser import ARTIFACTS

    shutil.rmtree(ARTIFACTS / "browser", ignore_errors=True)
    (ARTIFACTS / "browser").mkdir(parents=True)
    return ARTIFACTS / "browser"
