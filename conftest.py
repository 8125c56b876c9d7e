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
