"""Schemathesis against the live server's own OpenAPI description, every operation.

Generated valid (positive) and invalid (negative) requests, as a lead office at the district
root: no input may cause a 5xx, and every documented response must match its schema.
Deterministic (derandomized) and bounded, so the suite stays fast and a failure reproduces.

Schemathesis' pytest plugin (`from_fixture(...).parametrize()`) reads `Node._nodeid`, which
pytest 9.2 removed; so each operation's Hypothesis strategy is driven here through the public
`as_strategy()` API, one subtest per operation and mode.
"""

from __future__ import annotations

import datetime as dt

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from zuofeng.orgs import services
from zuofeng.orgs.tests.factories import build_small_district, id_number, make_user

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
EXAMPLES_PER_OPERATION = 25
FUZZ = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def api(live_server, settings):
    """A small district, a lead office at its root, and the schema the server describes."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    d = build_small_district()
    services.person_create(
        actor=None,
        org=d.v1,
        name="张三",
        id_number=id_number("330102", dt.date(1990, 5, 17), 12, male=True),
        phone="13800000001",
    )
    services.person_create(actor=None, org=d.w1, name="王五", phone="13700000003")
    lead = make_user("lead", ("lead_office", d.root))
    token = services.token_create(actor=None, user=lead)
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/openapi.json", timeout=10)
    return schema, {"Authorization": f"Bearer {token}"}, live_server.url


def test_every_operation_answers_within_its_schema(api, subtests):
    schema, auth, base_url = api
    operations = [result.ok() for result in schema.get_all_operations()]
    labels = {op.label for op in operations}
    # The orgs and people operations are all there (other apps may add more).
    assert {
        "GET /api/v1/orgs",
        "POST /api/v1/orgs",
        "GET /api/v1/orgs/{code}",
        "PATCH /api/v1/orgs/{code}",
        "GET /api/v1/orgs/{code}/subtree",
        "POST /api/v1/orgs/{code}/move",
        "GET /api/v1/people",
        "POST /api/v1/people",
        "GET /api/v1/people/{person_id}",
        "PATCH /api/v1/people/{person_id}",
    } <= labels
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            with subtests.test(operation=operation.label, mode=mode.value):

                @FUZZ
                @given(case=operation.as_strategy(generation_mode=mode, headers=auth))
                def check(case):
                    case.call_and_validate(
                        base_url=base_url, headers=auth, checks=CHECKS, timeout=30
                    )

                try:
                    check()
                except Unsatisfiable:
                    # A bare string path parameter has no invalid form to generate.
                    assert mode is GenerationMode.NEGATIVE
                    pytest.skip(f"no invalid input to generate for {operation.label}")
