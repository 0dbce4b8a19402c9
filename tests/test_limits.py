"""Abuse is bounded: per-client throttles (429 + Retry-After) on the API and the forms, the
admin sign-in lockout, and feedback that one client cannot farm."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from matching.models import Feedback, FeedbackWindow, ResolveLog
from matching.outcomes import outcomes_apply
from registry.models import Capability

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
THROTTLED = "Request was throttled. Expected available in {} seconds."
SLUG = "liquid-lfm-2-24b-a2b"
CAPABILITY = "openrouter-liquid-lfm-2-24b-a2b__cap_7"
NEED = "translate customer emails from Spanish into German"


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    """Time stands still at NOW unless a test moves it, so waits are exact."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _rates(settings: Any, **rates: str) -> None:
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, **rates}


def _call(api: APIClient, method: str, path: str, address: str = "127.0.0.1") -> Any:
    if method == "get":
        return api.get(path, REMOTE_ADDR=address)
    return api.post(path, {}, format="json", REMOTE_ADDR=address)


ENDPOINTS = [
    ("resolve", "post", "/api/v1/resolve", 400),
    ("verify", "get", "/api/v1/verify", 400),
    ("verify", "post", "/api/v1/verify", 400),
    ("validate", "post", "/api/v1/validate", 200),
    ("feedback", "post", "/api/v1/feedback", 400),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("scope", "method", "path", "status"), ENDPOINTS)
def test_api_limit_is_429_with_retry_after_per_client(
    settings: Any, clock: time_machine.Traveller, scope: str, method: str, path: str, status: int
) -> None:
    _rates(settings, **{scope: "2/min"})
    api = APIClient()
    # Refused bodies count too: the limit is on what a client makes the server do.
    assert [_call(api, method, path).status_code for _ in range(2)] == [status, status]
    response = _call(api, method, path)
    assert (response.status_code, response["Retry-After"], response.json()) == (
        429,
        "60",
        {"error": {"code": "throttled", "message": THROTTLED.format(60)}},
    )
    # Another address has its own count.
    assert _call(api, method, path, "127.0.0.2").status_code == status
    clock.shift(45)
    response = _call(api, method, path)
    assert (response.status_code, response["Retry-After"]) == (429, "15")
    clock.shift(15)
    assert _call(api, method, path).status_code == status


@pytest.mark.django_db
def test_scopes_are_counted_apart(settings: Any, clock: time_machine.Traveller) -> None:
    _rates(settings, resolve="1/min", validate="1/min")
    api = APIClient()
    assert _call(api, "post", "/api/v1/resolve").status_code == 400
    assert _call(api, "post", "/api/v1/resolve").status_code == 429
    assert _call(api, "post", "/api/v1/validate").status_code == 200
    assert _call(api, "post", "/api/v1/validate").status_code == 429
    # Reads nobody scoped are not limited.
    assert [_call(api, "get", "/api/v1/passport").status_code for _ in range(3)] == [200] * 3


@pytest.mark.django_db
def test_limits_are_counted_in_redis(settings: Any, clock: time_machine.Traveller) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/12",
            "KEY_PREFIX": "registry",
        }
    }
    cache.clear()
    _rates(settings, resolve="3/hour")
    api = APIClient()
    assert [_call(api, "post", "/api/v1/resolve").status_code for _ in range(3)] == [400] * 3
    response = _call(api, "post", "/api/v1/resolve")
    assert (response.status_code, response["Retry-After"]) == (429, "3600")
    # Kept in Redis under a keyed hash of the address, never the address itself.
    keys = sorted(key.decode() for key in cache._cache.get_client().keys("*"))  # type: ignore[attr-defined]
    assert len(keys) == 1
    assert keys[0].startswith("registry:1:throttle_resolve_")
    assert "127.0.0.1" not in keys[0]
    clock.shift(3600)
    assert _call(api, "post", "/api/v1/resolve").status_code == 400
    cache.clear()


@pytest.mark.django_db
def test_limits_are_counted_in_memory_without_cache_url(
    settings: Any, clock: time_machine.Traveller
) -> None:
    # What config/settings.py sets when CACHE_URL is unset (the suite may run with it set).
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    _rates(settings, feedback="1/day")
    api = APIClient()
    assert _call(api, "post", "/api/v1/feedback").status_code == 400
    response = _call(api, "post", "/api/v1/feedback")
    assert (response.status_code, response["Retry-After"]) == (429, "86400")


@pytest.mark.django_db
def test_limits_off_with_throttle_enabled_0(settings: Any, clock: time_machine.Traveller) -> None:
    _rates(settings, resolve="1/min")
    settings.THROTTLE_ENABLED = False
    api = APIClient()
    assert [_call(api, "post", "/api/v1/resolve").status_code for _ in range(5)] == [400] * 5


@pytest.mark.django_db
def test_forwarded_for_counts_only_behind_proxies(
    settings: Any, clock: time_machine.Traveller
) -> None:
    _rates(settings, resolve="1/min")
    api = APIClient()

    def post(forwarded: str) -> int:
        response = api.post("/api/v1/resolve", {}, format="json", HTTP_X_FORWARDED_FOR=forwarded)
        return int(response.status_code)

    # NUM_PROXIES=0 (the default): a client cannot buy a fresh count by writing the header.
    assert [post("127.0.0.5"), post("127.0.0.6")] == [400, 429]
    cache.clear()
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    # Behind one proxy: the address it appended is the client's.
    assert [post("127.0.0.9, 127.0.0.5"), post("127.0.0.5"), post("127.0.0.6")] == [400, 429, 400]


def _html_429(response: Any, wait: int, words: str) -> None:
    assert (response.status_code, response["Retry-After"]) == (429, str(wait))
    assert (
        f"Too many requests from your address; please try again in {words}. "
        "This keeps the registry answering for everyone." in response.content.decode()
    )


@pytest.mark.django_db
def test_match_page_is_limited(
    seeds: list[str], words: Any, settings: Any, clock: time_machine.Traveller
) -> None:
    _rates(settings, forms="2/min")
    client = Client()
    assert [client.get("/match", {"q": "translate emails"}).status_code for _ in range(2)] == [
        200,
        200,
    ]
    assert ResolveLog.objects.count() == 2
    _html_429(client.get("/match", {"q": "translate emails"}), 60, "60 seconds")
    assert ResolveLog.objects.count() == 2  # nothing resolved over the limit
    # The empty form is a page, not a search: never limited.
    assert client.get("/match").status_code == 200


@pytest.mark.django_db
def test_verify_and_feedback_forms_are_limited(
    settings: Any, clock: time_machine.Traveller
) -> None:
    _rates(settings, forms="1/min")
    client = Client()
    assert client.post("/verify", {"document": "{}"}).status_code == 400
    _html_429(client.post("/verify", {"document": "{}"}), 60, "60 seconds")
    assert client.get("/verify").status_code == 200
    cache.clear()
    assert client.post("/match/feedback", {}).status_code == 400
    response = client.post("/match/feedback", {})
    assert (response.status_code, response["Retry-After"]) == (429, "60")
    assert "Feedback not recorded. Too many requests from your address" in response.content.decode()
    # htmx swaps 2xx answers only: the fragment is a 200 that says so, with Retry-After.
    response = client.post("/match/feedback", {}, HTTP_HX_REQUEST="true")
    assert (response.status_code, response["Retry-After"], response.content.decode()) == (
        200,
        "60",
        '<p class="error" role="status">Feedback not recorded. Too many requests from your '
        "address; please try again in 60 seconds. This keeps the registry answering for "
        "everyone.</p>\n",
    )


@pytest.mark.django_db
def test_claim_starts_have_their_own_limit(
    seeds: list[str], settings: Any, clock: time_machine.Traveller
) -> None:
    _rates(settings, claim="1/hour", forms="5/min")
    client = Client()
    start = {"claim": SLUG, "public_key": "not a key", "contact": ""}
    assert client.post("/submit", start).status_code == 400
    _html_429(client.post("/submit", start), 3600, "60 minutes")
    # Other forms are counted apart.
    assert client.post("/verify", {"document": "{}"}).status_code == 400
    clock.shift(3599)
    _html_429(client.post("/submit", start), 1, "1 second")


@pytest.mark.django_db
def test_admin_login_locks_out_after_failures(settings: Any, clock: time_machine.Traveller) -> None:
    # In memory: the cool-off ends when the failures expire from the cache, which Redis
    # times by its own clock, not the frozen one.
    original_caches = settings.CACHES
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    # axes keeps the handler (and the cache it took) it made first: make it take this one.
    AxesProxyHandler.get_implementation(force=True)
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(minutes=30)
    get_user_model().objects.create_superuser("admin", "admin@example.org", "right-password")
    client = Client()

    def login(password: str, address: str = "127.0.0.1") -> Any:
        return client.post(
            "/admin/login/?next=/admin/",
            {"username": "admin", "password": password},
            REMOTE_ADDR=address,
        )

    assert [login("wrong").status_code for _ in range(2)] == [200, 200]
    locked = login("wrong")
    assert (locked.status_code, locked["Retry-After"]) == (429, "1800")
    assert (
        "After 3 failed sign-ins from your address, signing in is refused for 30 minutes."
        in locked.content.decode()
    )
    # The right password is refused too while locked out.
    right = login("right-password")
    assert (right.status_code, right["Retry-After"]) == (429, "1800")
    assert client.get("/admin/").status_code == 302  # still not signed in
    # Another address is not locked out.
    assert login("right-password", "127.0.0.2")["Location"] == "/admin/"
    client.logout()
    clock.shift(1800)
    response = login("right-password")
    assert (response.status_code, response["Location"]) == (302, "/admin/")
    settings.CACHES = original_caches
    AxesProxyHandler.get_implementation(force=True)  # the next tests' cache again


# Feedback farming: the real model picks CAPABILITY for NEED (tests/matching/test_outcomes.py).


def _round(api: APIClient, outcome: str, resolver: str, reporter: str | None = None) -> bool:
    """Resolve NEED from `resolver`, report `outcome` on its first result from `reporter`
    (the same client by default); whether the report counted."""
    response = api.post(
        "/api/v1/resolve", {"intent": NEED, "limit": 1}, format="json", REMOTE_ADDR=resolver
    )
    answer = response.json()
    result = answer["resolved"][0]
    assert (result["artifact"]["slug"], result["capability"]["id"]) == (SLUG, CAPABILITY)
    response = api.post(
        "/api/v1/feedback",
        {
            "resolveId": answer["resolveId"],
            "slug": SLUG,
            "callbackToken": result["callbackToken"],
            "outcome": outcome,
        },
        format="json",
        REMOTE_ADDR=reporter or resolver,
    )
    assert response.status_code == 201, response.content
    counted: bool = response.json()["counted"]
    return counted


def _outcomes(api: APIClient) -> tuple[dict[str, Any], float, float]:
    """(registry.outcomes of CAPABILITY, its success_rate, the trust success_rate) as signed."""
    document = api.get(f"/api/v1/passport/{SLUG}").json()["passport"]
    capability = next(c for c in document["unfragile"]["capabilities"] if c["id"] == CAPABILITY)
    return (
        document["registry"]["outcomes"][CAPABILITY],
        capability["success_rate"],
        document["unfragile"]["trust"]["observed_outcomes"]["success_rate"],
    )


@pytest.mark.django_db
def test_feedback_farmed_from_one_client_counts_once_from_25_clients_25_times(
    seeds: list[str], model: Any, settings: Any
) -> None:
    api = APIClient()
    assert _round(api, "failure", "127.0.0.9") is True
    # 25 rounds of resolve + success from one client: the first counts.
    counted = [_round(api, "success", "127.0.0.2") for _ in range(25)]
    assert counted == [True] + [False] * 24
    # Every report is kept; the round counts the two that count.
    assert (Feedback.objects.count(), Feedback.objects.filter(counted=True).count()) == (26, 2)
    assert outcomes_apply() == 52
    cap = Capability.objects.get(capability_id=CAPABILITY)
    assert (cap.matches, cap.feedback_count, cap.successes, cap.success_rate) == (26, 2, 1, 0.5)
    outcomes, capability_rate, trust_rate = _outcomes(api)
    assert (outcomes["matches"], outcomes["feedback"], outcomes["successes"]) == (26, 2, 1)
    assert (capability_rate, trust_rate) == (0.5, 0.5)
    # Only keyed hashes of the addresses are stored.
    keys = set(FeedbackWindow.objects.values_list("client_key", flat=True))
    assert len(keys) == 2
    assert all(len(key) == 64 and "127.0.0" not in key for key in keys)

    # The same 25 rounds from 25 clients: each counts.
    counted = [_round(api, "success", f"127.0.1.{n}") for n in range(25)]
    assert counted == [True] * 25
    assert outcomes_apply() == 50
    outcomes, capability_rate, trust_rate = _outcomes(api)
    assert (outcomes["matches"], outcomes["feedback"], outcomes["successes"]) == (51, 27, 26)
    assert (capability_rate, trust_rate) == (0.963, 0.963)


@pytest.mark.django_db
def test_feedback_counts_again_after_the_window(
    seeds: list[str], model: Any, settings: Any, clock: time_machine.Traveller
) -> None:
    settings.FEEDBACK_DEDUP_SECONDS = 3600
    api = APIClient()
    assert [_round(api, "success", "127.0.0.2") for _ in range(2)] == [True, False]
    # Whoever resolved or whoever reports: either having counted within the window is enough.
    assert _round(api, "failure", "127.0.0.2", reporter="127.0.0.3") is False
    assert _round(api, "failure", "127.0.0.3", reporter="127.0.0.2") is False
    # The match page's feedback form says so.
    answer = api.post(
        "/api/v1/resolve", {"intent": NEED, "limit": 1}, format="json", REMOTE_ADDR="127.0.0.2"
    ).json()
    body = {
        "resolveId": answer["resolveId"],
        "slug": SLUG,
        "callbackToken": answer["resolved"][0]["callbackToken"],
        "outcome": "success",
    }
    response = Client().post(
        "/match/feedback", body, HTTP_HX_REQUEST="true", REMOTE_ADDR="127.0.0.2"
    )
    assert response.content.decode() == (
        '<p class="verdict ok" role="status">Thank you: “success” recorded for '
        f"{SLUG}. Your report on it in the last 60 minutes already counts toward its success "
        "rate, so this one does not change it.</p>\n"
    )
    clock.shift(3599)
    assert _round(api, "failure", "127.0.0.2") is False
    clock.shift(1)
    assert [_round(api, "failure", "127.0.0.2") for _ in range(2)] == [True, False]
    assert outcomes_apply() == 16
    cap = Capability.objects.get(capability_id=CAPABILITY)
    assert (cap.feedback_count, cap.successes, cap.success_rate) == (2, 1, 0.5)


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (1, "1 second"),
        (119, "119 seconds"),
        (120, "2 minutes"),
        (3601, "61 minutes"),
        (7200, "2 hours"),
        (86400, "24 hours"),
        (172800, "2 days"),
        (172801, "3 days"),
    ],
)
def test_waits_in_words(seconds: int, words: str) -> None:
    from web.views.limits import duration_words

    assert duration_words(seconds) == words


@pytest.mark.django_db
def test_methodology_states_the_feedback_window(settings: Any) -> None:
    settings.FEEDBACK_DEDUP_SECONDS = 7 * 86400
    html = Client().get("/methodology").content.decode()
    assert (
        "one client's reports on one model count once per 7 days, so repeating resolve and "
        "feedback cannot farm a success rate." in html
    )
