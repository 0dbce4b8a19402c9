"""Probe runs end to end in process: outcomes, versions, breaker, budget, rate, keys."""

from __future__ import annotations

import io
import json
import logging
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone
from rest_framework.authtoken.models import Token

from passports.schema import validate
from probes.endpoints import endpoint_upsert
from probes.models import EndpointBreaker, ProbeRun
from probes.outcomes import probe_outcomes_apply
from probes.services import probe_execute, probe_schedule
from registry.models import Artifact, Capability
from registry.trust import PROBES_PAUSED
from tests.conftest import served

from .conftest import add_endpoint
from .provider import Provider

SLUG = "liquid-lfm-2-24b-a2b"
FIVE = ["chat", "json", "streaming", "translation", "code"]
KEY = "sk-live-SECRET-9f8e7d6c5b4a"


def run_slot(slug: str = SLUG, kinds: list[str] | None = None, now: Any = None, **kw: Any) -> Any:
    report = probe_schedule(slug=slug, kinds=kinds, now=now, **kw)
    for run_id in report.run_ids:
        probe_execute(run_id=run_id, now=now)
    probe_outcomes_apply(now=now)
    return report


@pytest.mark.django_db
def test_eight_pass_two_fail_moves_outcomes_and_signs_a_version_once(
    seeds: list[str], api: Any, provider: Provider
) -> None:
    add_endpoint(SLUG, provider, "alpha")
    add_endpoint(SLUG, provider, "beta")
    provider.script["beta"] = ["ok", "wrong", "ok", "wrong", "ok"]  # json and translation fail
    before = served(api, SLUG)["passport"]
    assert "probe_runs" not in before["unfragile"]["trust"]["observed_outcomes"]

    report = run_slot(kinds=FIVE)

    assert report.created == 10
    assert provider.count() == 10
    statuses = sorted(ProbeRun.objects.values_list("endpoint__model_name", "kind", "status"))
    assert [s for s in statuses if s[2] != "pass"] == [
        ("beta", "json", "fail"),
        ("beta", "translation", "fail"),
    ]
    document = served(api, SLUG)
    passport = document["passport"]
    assert passport["version"] == before["version"] + 1
    outcomes = passport["unfragile"]["trust"]["observed_outcomes"]
    assert (outcomes["probe_runs"], outcomes["probe_passes"], outcomes["probe_success_rate"]) == (
        10,
        8,
        0.8,
    )
    assert outcomes["success_rate"] == 0.8  # no feedback yet: probes are the only outcomes
    assert outcomes["last_probed_at"] == report.slot.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert outcomes["probe_latency_p50_ms"] <= outcomes["probe_latency_p95_ms"]
    translation = Capability.objects.get(
        artifact__slug=SLUG, name="cross-lingual-text-generation-and-translation"
    )
    runs = translation.probe_runs
    assert translation.success_rate == round(translation.probe_passes / runs, 4)
    assert (translation.probe_passes, runs, translation.success_rate) == (5, 6, 0.8333)
    endpoints = {e["model"]: e["probe"] for e in passport["registry"]["endpoints"]}
    assert endpoints["alpha"]["status"] == "passing"
    assert (
        endpoints["beta"]["status"],
        endpoints["beta"]["runs"],
        endpoints["beta"]["success_rate"],
    ) == ("degraded", 5, 0.6)
    trust = Artifact.objects.get(slug=SLUG).trust
    assert trust.component_sources["quality"] == "measured"
    assert passport["unfragile"]["trust"]["rank_breakdown"]["quality"] == trust.quality
    assert trust.quality != before["unfragile"]["trust"]["rank_breakdown"]["quality"]
    assert validate(document) == []
    verdict = api.post("/api/v1/verify", document, format="json").json()
    assert (verdict["valid"], verdict["version"]) == (True, before["version"] + 1)

    # The same slot again records nothing twice and signs nothing new.
    again = run_slot(kinds=FIVE)
    assert (again.created, again.run_ids) == (0, [])
    assert provider.count() == 10
    assert ProbeRun.objects.count() == 10
    assert served(api, SLUG)["passport"]["version"] == before["version"] + 1


@pytest.mark.django_db
def test_probe_execute_twice_records_one_result(seeds: list[str], provider: Provider) -> None:
    add_endpoint(SLUG, provider, "alpha")
    report = probe_schedule(slug=SLUG, kinds=["chat"])
    (run_id,) = report.run_ids
    first = probe_execute(run_id=run_id)
    assert first is not None and first.status == "pass"
    assert probe_execute(run_id=run_id) is None
    assert provider.count() == 1
    assert ProbeRun.objects.get().claims == 1


@pytest.mark.django_db
def test_a_stale_claim_is_taken_over_a_live_one_is_not(
    seeds: list[str], provider: Provider, settings: Any
) -> None:
    add_endpoint(SLUG, provider, "alpha")
    (run_id,) = probe_schedule(slug=SLUG, kinds=["chat"]).run_ids
    now = timezone.now()
    ProbeRun.objects.filter(pk=run_id).update(state="running", claim="dead-worker", claimed_at=now)
    assert probe_execute(run_id=run_id) is None  # a live claim
    later = now + timedelta(seconds=settings.PROBE_CLAIM_TIMEOUT_SECONDS + 1)
    run = probe_execute(run_id=run_id, now=later)
    assert run is not None and (run.status, run.claims) == ("pass", 1)
    assert provider.count() == 1


@pytest.mark.django_db
def test_breaker_trips_stops_calls_and_the_passport_says_so(
    seeds: list[str], api: Any, provider: Provider, settings: Any
) -> None:
    settings.PROBE_BREAKER_THRESHOLD = 3
    settings.PROBE_MAX_ATTEMPTS = 2
    add_endpoint(SLUG, provider, "down")
    provider.script["down"] = ["500"]
    run_slot()
    # 3 runs x 2 attempts, then the breaker is open and the other 3 kinds are not called.
    assert provider.count() == 6
    assert (
        sorted(ProbeRun.objects.values_list("status", "error_class"))
        == [("error", "server_error")] * 3 + [("skipped", "circuit_open")] * 3
    )
    breaker = EndpointBreaker.objects.get()
    assert breaker.reason == "paused by circuit breaker after 3 consecutive failures (server_error)"
    passport = served(api, SLUG)["passport"]
    (endpoint,) = passport["registry"]["endpoints"]
    assert endpoint["probe"]["status"] == "paused"
    assert endpoint["probe"]["reason"] == breaker.reason
    assert passport["unfragile"]["trust"]["failure_modes"][-1] == PROBES_PAUSED
    assert passport["unfragile"]["trust"]["observed_outcomes"]["probe_success_rate"] == 0

    next_slot = timezone.now() + timedelta(seconds=settings.PROBE_INTERVAL_SECONDS)
    report = run_slot(now=next_slot)
    assert (report.run_ids, len(report.paused)) == ([], 1)
    assert provider.count() == 6

    # After the cool-down one chat trial goes out; an answer closes the breaker.
    provider.script["down"] = ["ok"]
    later = timezone.now() + timedelta(seconds=settings.PROBE_BREAKER_COOLDOWN_SECONDS + 60)
    report = run_slot(now=later)
    assert [ProbeRun.objects.get(pk=pk).kind for pk in report.run_ids] == ["chat"]
    assert provider.count() == 7
    assert EndpointBreaker.objects.get().opened_at is None
    assert PROBES_PAUSED not in served(api, SLUG)["passport"]["unfragile"]["trust"]["failure_modes"]


@pytest.mark.django_db
def test_moving_a_paused_endpoint_publishes_it_unpaused(
    seeds: list[str], api: Any, provider: Provider, settings: Any
) -> None:
    settings.PROBE_BREAKER_THRESHOLD = 3
    settings.PROBE_MAX_ATTEMPTS = 1
    add_endpoint(SLUG, provider, "down")
    provider.script["down"] = ["500"]
    run_slot()
    assert served(api, SLUG)["passport"]["registry"]["endpoints"][0]["probe"]["status"] == "paused"
    # A new base URL is a new endpoint: its breaker closes, and the version signed now says so.
    endpoint_upsert(slug=SLUG, base_url=provider.url + "/v2", model="down", provider="down")
    passport = served(api, SLUG)["passport"]
    assert EndpointBreaker.objects.get().opened_at is None
    assert passport["registry"]["endpoints"][0]["probe"]["status"] == "degraded"
    assert PROBES_PAUSED not in passport["unfragile"]["trust"]["failure_modes"]


@pytest.mark.django_db
def test_budget_caps_the_runs_of_a_round(seeds: list[str], provider: Provider) -> None:
    add_endpoint(SLUG, provider, "alpha")
    add_endpoint(SLUG, provider, "beta")
    report = run_slot(budget=3)
    assert (report.created, report.over_budget) == (3, 9)
    assert provider.count() == 3


@pytest.mark.django_db
def test_a_tight_budget_goes_to_the_least_recently_probed_endpoints(
    seeds: list[str], provider: Provider
) -> None:
    recent = add_endpoint(SLUG, provider, "recent")
    older = add_endpoint(SLUG, provider, "older")
    add_endpoint(SLUG, provider, "never")
    now = timezone.now()
    for endpoint, hours_ago in ((recent, 3), (older, 30)):
        ProbeRun.objects.create(
            endpoint=endpoint,
            artifact_id=endpoint.artifact_id,
            kind="chat",
            slot=now - timedelta(hours=hours_ago),
            state=ProbeRun.State.DONE,
            status=ProbeRun.Status.PASS,
        )
    rounds = []
    for _ in range(3):
        report = probe_schedule(slug=SLUG, kinds=["chat"], budget=1, now=now)
        rounds.append(
            list(
                ProbeRun.objects.filter(pk__in=report.run_ids).values_list(
                    "endpoint__model_name", flat=True
                )
            )
        )
        ProbeRun.objects.filter(pk__in=report.run_ids).update(
            state=ProbeRun.State.DONE, status=ProbeRun.Status.PASS
        )
    assert rounds == [["never"], ["older"], ["recent"]]


@pytest.mark.django_db
def test_rate_limit_spaces_calls_to_one_provider(
    seeds: list[str], provider: Provider, settings: Any, caplog: Any
) -> None:
    """The limiter's own schedule, not the moments a loaded machine delivered the calls:
    every call to the provider reserves a moment at least 1/rate after the one before,
    and is sent no earlier than its moment. (A call sent late does not move the next
    one's moment, so two arrivals may be closer than 1/rate; GCRA spaces reservations.)"""
    caplog.set_level(logging.DEBUG, logger="probes.ratelimit")
    settings.PROBE_RATE_PER_SECOND = 5
    add_endpoint(SLUG, provider, "alpha", name="same-provider")
    run_slot()
    reserved = [
        record.reserved_at
        for record in caplog.records
        if record.name == "probes.ratelimit" and record.provider == "same-provider"
    ]
    arrivals = [seen.at for seen in provider.requests]
    assert len(reserved) == len(arrivals) == 6
    gaps = [b - a for a, b in zip(reserved, reserved[1:], strict=False)]
    assert min(gaps) >= 0.2 - 1e-6  # float rounding of tat + interval, nothing else
    # Each call was sent after its reservation: the arrivals, in order, are never early.
    assert all(at >= moment for at, moment in zip(sorted(arrivals), reserved, strict=True))


@pytest.mark.django_db
def test_endpoint_without_its_key_is_skipped_not_failed(
    seeds: list[str], api: Any, provider: Provider, monkeypatch: Any
) -> None:
    monkeypatch.delenv("PROBE_TEST_UNSET_KEY", raising=False)
    add_endpoint(SLUG, provider, "alpha", api_key_env="PROBE_TEST_UNSET_KEY")
    version = served(api, SLUG)["passport"]["version"]
    out = io.StringIO()
    call_command("probe", slug=SLUG, stdout=out)
    assert provider.count() == 0
    assert ProbeRun.objects.count() == 0
    assert "skipped   no API key in the environment" in out.getvalue()
    assert served(api, SLUG)["passport"]["version"] == version


@pytest.mark.django_db
def test_api_key_never_leaks_even_when_echoed(
    seeds: list[str], api: Any, provider: Provider, monkeypatch: Any, caplog: Any
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("PROBE_TEST_KEY", KEY)
    add_endpoint(SLUG, provider, "echo", api_key_env="PROBE_TEST_KEY")
    provider.script["echo"] = ["echo_key", "echo_key_ok", "echo_key_ok", "500", "echo_key_ok"]
    out = io.StringIO()
    call_command("probe", slug=SLUG, stdout=out)
    assert provider.requests[0].authorization == f"Bearer {KEY}"  # it was sent
    rows = json.dumps(list(ProbeRun.objects.values()), default=str)
    assert "echo_key" not in rows and "[redacted]" in rows
    texts = [
        rows,
        out.getvalue(),
        caplog.text,
        json.dumps(served(api, SLUG)),
        json.dumps(api.get(f"/api/v1/passport/{SLUG}/probes").json()),
        json.dumps(api.get(f"/api/v1/passport/{SLUG}/endpoints").json()),
    ]
    for text in texts:
        assert KEY not in text


@pytest.mark.django_db
def test_probe_command_prints_a_table(seeds: list[str], provider: Provider) -> None:
    add_endpoint(SLUG, provider, "alpha", name="loop")
    out = io.StringIO()
    call_command("probe", slug=SLUG, kind=["chat", "code"], stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == [
        "passport",
        "provider",
        "kind",
        "result",
        "http",
        "ms",
        "ttft",
        "error",
    ]
    assert [line.split()[:5] for line in lines[1:3]] == [
        [SLUG, "loop", "chat", "pass", "200"],
        [SLUG, "loop", "code", "pass", "200"],
    ]
    assert lines[3].endswith(": 2 run, 2 new, 0 over budget")


@pytest.mark.django_db
def test_probe_endpoint_command_adds_then_updates(seeds: list[str], api: Any) -> None:
    out = io.StringIO()
    call_command(
        "probe_endpoint",
        SLUG,
        base_url="http://127.0.0.1:9/v1",
        model="m1",
        api_key_env="MY_KEY",
        provider="p",
        stdout=out,
    )
    assert out.getvalue().startswith("added endpoint ")
    call_command(
        "probe_endpoint",
        SLUG,
        base_url="http://127.0.0.1:10/v1",
        model="m1",
        provider="p",
        stdout=out,
    )
    endpoints = api.get(f"/api/v1/passport/{SLUG}/endpoints").json()["endpoints"]
    assert [(e["provider"], e["model"], e["base_url"], e["api_key_env"]) for e in endpoints] == [
        ("p", "m1", "http://127.0.0.1:10/v1", "")
    ]


@pytest.fixture
def staff_token(db: Any) -> str:
    user = User.objects.create_user("staff", password="x" * 12, is_staff=True)
    return Token.objects.create(user=user).key


@pytest.mark.django_db
def test_endpoints_api_is_staff_only_and_names_bad_fields(
    seeds: list[str], api: Any, staff_token: str, provider: Provider
) -> None:
    url = f"/api/v1/passport/{SLUG}/endpoints"
    body = {"base_url": provider.url, "model": "alpha", "provider": "loop"}
    response = api.post(url, body, format="json")
    assert (response.status_code, response.json()["error"]["code"]) == (401, "not_authenticated")
    api.credentials(HTTP_AUTHORIZATION=f"Token {staff_token}")
    response = api.post(url, body, format="json")
    assert response.status_code == 201
    assert response.json()["endpoint"]["model"] == "alpha"
    assert api.put(url, body, format="json").status_code == 200
    for bad, field in [
        ({**body, "base_url": "ftp://x"}, "base_url"),
        ({**body, "base_url": "http://user:pw@127.0.0.1/v1"}, "base_url"),
        ({**body, "api_key_env": "sk-abc"}, "api_key_env"),
        ({**body, "model": ""}, "model"),
        ({"model": "m"}, "base_url"),
        ({**body, "enabled": "maybe"}, "enabled"),
    ]:
        response = api.post(url, bad, format="json")
        assert (response.status_code, response.json()["error"].get("field")) == (400, field), bad
    response = api.post("/api/v1/passport/no-such/endpoints", body, format="json")
    assert response.status_code == 404
    call_command("probe", slug=SLUG, kind=["chat"], stdout=io.StringIO())
    evidence = api.get(f"/api/v1/passport/{SLUG}/probes").json()
    assert [
        (e["provider"], e["kind"], e["status"], e["http_status"]) for e in evidence["evidence"]
    ] == [("loop", "chat", "pass", 200)]
    assert evidence["observed_outcomes"]["probe_runs"] == 1
