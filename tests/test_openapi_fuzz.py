"""The whole OpenAPI document, exercised by schemathesis against the app (in process, over WSGI)
on the seeded registry: every operation, with data that fits its schema and data that does not.

A case fails on a 5xx, a status the operation does not document, a body or a header that does
not match what it documents, or a wrong content type. Path and query slugs are drawn half from
the seeds (and one renamed seed, whose old slug answers 301) so operations reach real passports;
the write operations run again with a staff token so their bodies get past 401.

Bounded for CI (2 cores): OPENAPI_FUZZ_EXAMPLES examples per operation and phase (default 20),
a fixed seed unless OPENAPI_FUZZ_SEED is set. The summary (operations, cases, statuses) is
printed at the end of each run.
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import seed as fixed_seed
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from registry.listings import artifact_rename
from registry.models import Artifact

EXAMPLES = int(os.environ.get("OPENAPI_FUZZ_EXAMPLES", "20"))
SEED = int(os.environ.get("OPENAPI_FUZZ_SEED", "20261201"))
RENAMED_FROM = "seed-renamed-away"
# schemathesis' own list of statuses that count as refusing invalid input.
REJECTED = [400, 401, 403, 404, 405, 406, 409, 415, 422, 428, 429, "5xx"]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
# Operations whose documented body is a passport but which answer any JSON with a verdict
# (`valid: false` and the reason): refusing what does not fit is not their contract.
VERDICT_OPERATIONS = {("POST", "/api/v1/validate"), ("POST", "/api/v1/verify")}

SEEN: dict[str, Counter[int]] = defaultdict(Counter)


def _config(headers: dict[str, str] | None) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            **({"headers": headers} if headers else {}),
            "seed": SEED,
            "generation": {"mode": "all", "max-examples": EXAMPLES},
            "phases": {"stateful": {"enabled": False}},
            "suppress-health-check": ["too_slow", "filter_too_much", "data_too_large"],
            "checks": {
                # A renamed listing's old slug answers 301 before anything else is read; a
                # body past 1 MiB is refused (413) before it is parsed.
                "negative_data_rejection": {"expected-statuses": [*REJECTED, 301, 413]},
            },
            "operations": [
                {
                    # The passport document's schema is large: its coverage phase alone would
                    # send ~2,500 cases per operation. Fuzzing (EXAMPLES each way) covers them.
                    "include-path": ["/api/v1/passport", "/api/v1/validate", "/api/v1/verify"],
                    "include-method": ["POST", "PUT"],
                    "phases": {"coverage": {"enabled": False}},
                }
            ],
        }
    )


def _load(slugs: list[str], headers: dict[str, str] | None = None) -> Any:
    """The document as the app serves it, with slugs drawn half from `slugs`."""
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/", get_wsgi_application(), config=_config(headers)
    )
    known = st.sampled_from([*slugs, RENAMED_FROM])

    @schema.hook
    def flatmap_path_parameters(context: Any, parameters: dict[str, Any] | None) -> Any:
        if not isinstance(parameters, dict) or "slug" not in parameters:
            return st.just(parameters)
        return st.one_of(st.just(parameters), known.map(lambda s: {**parameters, "slug": s}))

    @schema.hook
    def flatmap_query(context: Any, query: dict[str, Any] | None) -> Any:
        if not isinstance(query, dict) or not isinstance(query.get("slug"), str):
            return st.just(query)
        return st.one_of(st.just(query), known.map(lambda s: {**query, "slug": s}))

    @schema.hook
    def after_call(context: Any, case: Any, response: Any) -> None:
        SEEN[f"{case.method} {case.operation.path}"][response.status_code] += 1

    return schema


@pytest.fixture
def registry_seeded(seeds: list[str], words: Any) -> list[str]:
    """The seeds, one of them also known by an old slug (a 301)."""
    artifact_rename(artifact=Artifact.objects.get(slug=seeds[0]), slug=RENAMED_FROM)
    artifact_rename(artifact=Artifact.objects.get(slug=RENAMED_FROM), slug=seeds[0])
    return seeds


@pytest.fixture
def summary(request: pytest.FixtureRequest) -> Iterator[None]:
    """Print what was sent and answered, per operation, after the run."""
    # schemathesis 4.32's lazy schemas rename the node through `_nodeid`, which pytest 9
    # no longer has; give it the attribute (reporting only).
    request.node._nodeid = request.node.nodeid
    # As django.test.Client does: the request_finished signal would close the connection
    # that holds the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    SEEN.clear()
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    cases = sum(sum(counts.values()) for counts in SEEN.values())
    lines = [f"schemathesis: {len(SEEN)} operations, {cases} cases (seed {SEED})"]
    for operation, counts in sorted(SEEN.items()):
        statuses = ", ".join(f"{status}: {n}" for status, n in sorted(counts.items()))
        lines.append(f"  {operation}: {sum(counts.values())} cases ({statuses})")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line("\n" + "\n".join(lines))


@pytest.fixture
def anonymous_schema(registry_seeded: list[str], summary: None) -> Any:
    return _load(registry_seeded)


@pytest.fixture
def staff_schema(registry_seeded: list[str], summary: None) -> Any:
    user = get_user_model().objects.create_user("fuzz-curator", is_staff=True)
    key = Token.objects.create(user=user).key
    return _load(registry_seeded, headers={"Authorization": f"Token {key}"})


anonymous = schemathesis.pytest.from_fixture("anonymous_schema")
staff = schemathesis.pytest.from_fixture("staff_schema").include(
    path_regex="^/api/v1/passport", method=["POST", "PUT"]
)
FIXTURES_PER_RUN = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    deadline=None,
)


def _validate(case: Any) -> None:
    checks = list(CHECKS)
    if (case.method, case.operation.path) not in VERDICT_OPERATIONS:
        checks.append(negative_data_rejection)
    case.call_and_validate(checks=checks)


@pytest.mark.django_db
@anonymous.parametrize()
@FIXTURES_PER_RUN
def test_every_operation_conforms_to_the_openapi_document(case: Any) -> None:
    _validate(case)


@pytest.mark.django_db
@staff.parametrize()
@FIXTURES_PER_RUN
def test_write_operations_with_a_staff_token_conform(case: Any) -> None:
    _validate(case)


@pytest.mark.django_db
def test_feedback_on_a_real_resolve_conforms(registry_seeded: list[str], summary: None) -> None:
    """Feedback past its token check (201, then 409 for the used token): the generated bodies
    carry the resolve id, slug and callback token of a real resolve."""
    schema = _load(registry_seeded)
    resolve = schema["/api/v1/resolve"]["POST"].Case(body={"intent": "summarize long contracts"})
    answer = resolve.call_and_validate(checks=CHECKS).json()
    first = answer["resolved"][0]
    real = {
        "resolveId": answer["resolveId"],
        "slug": first["artifact"]["slug"],
        "callbackToken": first["callbackToken"],
    }
    operation = schema["/api/v1/feedback"]["POST"]

    @fixed_seed(SEED)
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(GenerationMode.POSITIVE))
    def feedback(case: Any) -> None:
        case.body = {**case.body, **real}
        case.call_and_validate(checks=CHECKS)

    feedback()
    assert SEEN["POST /api/v1/feedback"][201] == 1


def test_openapi_document_is_valid_with_no_warnings() -> None:
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", os.devnull)
