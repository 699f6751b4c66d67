"""The OpenAPI schema and docs, and a bounded schemathesis fuzz of every operation, signed in as
an administrator and as an operator: no 5xx, and every response (errors included) conforms to
the schema's status codes, content types, headers and bodies."""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections, connection, transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from orin.wsgi import application
from tests.api.conftest import jwt_client, make_alert
from tests.factories import ClusterFactory, EventFactory, PersonFactory, ZoneFactory

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Examples per operation and role: ~145 operations x 2 roles stay within a few minutes on 2 cores
# (20 examples each were run once by hand: 12 minutes, no failure).
EXAMPLES = int(os.environ.get("ORIN_FUZZ_EXAMPLES", "5"))
# Requests that fit the schema ("positive") and requests that break it ("negative").
MODES = [GenerationMode(mode) for mode in os.environ.get("ORIN_FUZZ_MODES", "positive,negative").split(",")]


def test_schema_and_docs_are_served(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    spec = schema.json()
    assert spec["openapi"].startswith("3.")
    assert {"/api/v1/events/", "/api/v1/ingest/events", "/api/v1/alerts/{id}/acknowledge/"} <= set(spec["paths"])
    assert {"jwtAuth", "deviceKey"} <= set(spec["components"]["securitySchemes"])
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger-ui" in docs.content
    assert b"cdn." not in docs.content, "Swagger UI must come from our static files (sidecar), not a CDN"


@pytest.fixture
def keep_test_connection():
    """Requests reach the WSGI app directly (not through Django's test client), so keep Django
    from closing the test transaction's connection at the end of each request, as the client does."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_data(world, users, keep_test_connection):
    """A little of everything, so generated requests sometimes hit real rows."""
    person = PersonFactory()
    EventFactory(camera=world.cam_a, event_type="person_recognized", person=person)
    EventFactory(camera=world.cam_a, cluster=ClusterFactory(), event_type="face_detected")
    ZoneFactory(camera=world.cam_a)
    make_alert(world.cam_a)
    return users


def rollback_to(savepoint: str, callbacks: int) -> None:
    """ROLLBACK TO SAVEPOINT on the driver connection (Django's own statement would pass through
    the audit actor's execute wrapper, which first re-applies the actor settings and fails in an
    aborted transaction), forgetting the on-commit callbacks registered since."""
    with connection.connection.cursor() as cursor:
        cursor.execute(f'ROLLBACK TO SAVEPOINT "{savepoint}"')
    del connection.run_on_commit[callbacks:]


def fuzz_operation(operation, user, examples: int, failures: list[str]) -> None:
    @settings(
        max_examples=examples,
        phases=[Phase.generate],
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=st.one_of(*(operation.as_strategy(mode, headers={"Authorization": "Bearer -"}) for mode in MODES)))
    def run(case):
        # A fresh session for every request: the fuzzer signs sessions out too (logout, revoke-all).
        case.headers["Authorization"] = jwt_client(user)._credentials["HTTP_AUTHORIZATION"]
        # Each request in its own savepoint: like autocommit in production, one request's
        # database error cannot poison the next (the test transaction would otherwise abort).
        savepoint, callbacks = transaction.savepoint(), len(connection.run_on_commit)
        try:
            response = case.call()
        finally:
            rollback_to(savepoint, callbacks)
        try:
            case.validate_response(response, checks=CHECKS, headers=case.headers)
        except FailureGroup as group:
            failures.append(f"{operation.label}: {group.exceptions[0].title} ({response.status_code})\n{group}")

    try:
        run()
    except Unsatisfiable:
        if GenerationMode.NEGATIVE not in MODES:
            raise  # negative mode has nothing to break in an operation without inputs


def fuzz(user, examples: int) -> list[str]:
    """Every operation of the schema with `examples` generated requests each; returns failures."""
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 100
    failures: list[str] = []
    for operation in operations:
        fuzz_operation(operation, user, examples, failures)
    return failures


@pytest.mark.parametrize("role", ["admin", "operator"])
def test_fuzz_every_operation(fuzz_data, role):
    failures = fuzz(fuzz_data[role], EXAMPLES)
    unique = {f.split("\n", 1)[0]: f for f in failures}
    assert not unique, f"{len(unique)} failing operations:\n\n" + "\n\n".join(list(unique.values())[:15])
