"""No input is a 5xx: generated JSON, strings, numbers and nesting fed to every route (issue 14).

Every route of the URLconf (the admin's aside: Django's own, staff only) has an entry
in ROUTES saying how to feed it; test_every_route_has_a_strategy fails when a new route
or method has none. JSON endpoints get whole generated bodies and a valid body with one
member replaced (any JSON value: strings with NUL and lone surrogates, integers past
2**53 and past 4,300 digits, floats up to 1e308 and beyond, deep nesting); GET routes
get generated values for each query parameter they read (and unknown ones) and
generated path segments; form pages get generated fields. Every answer is < 500, and a
4xx from /api/ is the error JSON, naming the field for a 400, 409 or 413.

Bounded and deterministic: derandomized, MAX_EXAMPLES per route and method (env
FUZZ_EXAMPLES, FUZZ_RANDOM=1 for new examples each run, FUZZ_LOG=<file> to append each
status and request there), each example undone by a savepoint so every one starts from
the same three seed passports. What it found is in tests/test_hostile_found.py.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, quote_from_bytes

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from rest_framework.views import APIView

from matching.embeddings import set_embedder
from registry.filters import PassportFilter
from tests.conftest import SEED_DIR
from web.views.passports import LIST_PARAMS

MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "50"))
FUZZ = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=os.environ.get("FUZZ_RANDOM") != "1",
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
MAVERICK = "meta-llama-llama-4-maverick"
SEED_SLUGS = ["liquid-lfm-2-24b-a2b", "meta-llama-llama-4-maverick", "meta-llama-llama-4-scout"]

# ---------------------------------------------------------------- generated values


class Raw(str):
    """JSON text written as is: numbers json.dumps will not write (5,000 digits, 1e400)."""


def dump(value: Any) -> str:
    """JSON text of a generated value; strings are \\u-escaped, so lone surrogates survive."""
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {dump(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(dump(item) for item in value) + "]"
    return json.dumps(value)  # NaN and Infinity as Python writes them: not JSON, sent anyway


TRICKY_TEXT = [
    "",
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfff",
    "²",
    "١٢٣",
    "9" * 5000,
    "-1",
    "1e400",
    " 7 ",
    "\u202e",
    "%00",
    "../../etc/passwd",
    "<script>",
    "'; --",
]
PLAIN_VALUES = ["1", "2", "0", "100", "true", "false", "image", "text", "-score", "llama"]
any_character = st.characters(codec=None, categories=None)  # surrogates and NUL included
clean_character = st.characters(codec="utf-8", exclude_characters="\x00")
# Mostly text a field can hold, so bodies reach past the parser; the rest hostile.
texts = st.one_of(
    st.text(clean_character, max_size=30),
    st.text(clean_character, max_size=30),
    st.sampled_from(TRICKY_TEXT + PLAIN_VALUES),
    st.text(any_character, max_size=5),
)
numbers = st.one_of(
    st.integers(),
    st.integers(min_value=2**53 - 2, max_value=2**70),
    st.integers(min_value=-(2**70), max_value=-(2**53 - 2)),
    st.floats(),  # NaN, +-Infinity, 1e308, subnormals, -0.0
    st.integers(min_value=300, max_value=5000).map(lambda n: Raw("9" * n)),
    st.sampled_from([Raw(t) for t in ("1e308", "1e309", "-1e400", "1e-400", "2E+2", "-0")]),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, texts)
json_values = st.one_of(
    st.recursive(
        scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(texts, children, max_size=4),
        ),
        max_leaves=12,
    ),
    st.integers(min_value=60, max_value=70).map(lambda d: Raw("[" * d + "]" * d)),
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key, member in value.items():
            yield from _paths(member, (*prefix, key))
    elif isinstance(value, list):
        for index, member in enumerate(value[:3]):
            yield from _paths(member, (*prefix, index))


def _replaced(template: Any, path: tuple[Any, ...], value: Any, new_key: str | None) -> Any:
    """`template` with the member at `path` replaced by `value` (or, with `new_key` and an
    object there, `value` added under that key)."""
    if not path and new_key is None:
        return value
    document = copy.deepcopy(template)
    target = document
    for part in path[:-1] if new_key is None else path:
        target = target[part]
    if new_key is not None:
        if isinstance(target, dict):
            target[new_key] = value
        return document
    target[path[-1]] = value
    return document


def bodies(template: Any) -> st.SearchStrategy[str | bytes]:
    """Whole generated bodies, raw bytes, and `template` with one member replaced or added."""
    paths = list(_paths(template))
    spoiled = st.builds(
        lambda path, value, new_key: dump(_replaced(template, path, value, new_key)),
        st.sampled_from(paths),
        json_values,
        st.one_of(st.none(), texts),
    )
    return st.one_of(spoiled, spoiled, json_values.map(dump), st.binary(max_size=64))


query_values = st.one_of(
    st.text(clean_character, max_size=30).map(lambda t: quote(t, safe="")),
    st.sampled_from(TRICKY_TEXT + PLAIN_VALUES).map(
        lambda t: quote(t, safe="", errors="surrogatepass")
    ),
    st.sampled_from(SEED_SLUGS),
    st.binary(max_size=12).map(lambda b: quote_from_bytes(b, safe="")),
)
segments = st.one_of(
    st.sampled_from(SEED_SLUGS),
    query_values.filter(bool),
)


def queries(names: list[str]) -> st.SearchStrategy[str]:
    pair = st.tuples(st.one_of(st.sampled_from(names or ["x"]), query_values), query_values)
    return st.lists(pair, max_size=5).map(lambda pairs: "&".join(f"{k}={v}" for k, v in pairs))


# ---------------------------------------------------------------- every route


LIST_FILTERS = [*PassportFilter.base_filters, "ordering", "page", "page_size", "updated_since"]


@dataclass(frozen=True)
class Route:
    """How to feed one route: its path (`{slug}` / `{tile}` filled with generated
    segments), the query parameters its GET reads, a valid JSON body per method that
    takes one, form fields per method that takes a form, and which methods need staff."""

    path: str
    params: list[str] = field(default_factory=list)
    json: dict[str, Callable[[dict[str, Any]], Any]] = field(default_factory=dict)
    form: dict[str, list[str]] = field(default_factory=dict)
    staff: tuple[str, ...] = ()
    get: bool = True


def _served(context: dict[str, Any]) -> Any:
    return context["served"]


ENDPOINT = {"base_url": "http://127.0.0.1:9/v1", "model": "m", "provider": "p", "enabled": True}
RESOLVE = {
    "intent": "read screenshots of invoices under $2 per 1M tokens",
    "limit": 3,
    "filters": {
        "min_context": 1000,
        "max_prompt_price": 1,
        "open_weights": None,
        "input_modalities": ["image"],
    },
    "prefer": ["price"],
}
FEEDBACK = {
    "resolveId": "00000000-0000-0000-0000-000000000000",
    "slug": MAVERICK,
    "callbackToken": "abc.123",
    "outcome": "success",
    "note": "worked",
}

ROUTES: dict[str, Route] = {
    "api/v1/passport": Route(
        "/api/v1/passport",
        params=LIST_FILTERS,
        json={"POST": _served, "PUT": _served},
        staff=("POST", "PUT"),
    ),
    "api/v1/passport/<str:slug>": Route("/api/v1/passport/{slug}", params=["version"]),
    "api/v1/passport/<str:slug>/versions": Route("/api/v1/passport/{slug}/versions"),
    "api/v1/passport/<str:slug>/endpoints": Route(
        "/api/v1/passport/{slug}/endpoints",
        json={"POST": lambda c: ENDPOINT, "PUT": lambda c: ENDPOINT},
        staff=("POST", "PUT"),
    ),
    "api/v1/passport/<str:slug>/bundle": Route("/api/v1/passport/{slug}/bundle", ["version"]),
    "api/v1/passport/<str:slug>/probes": Route("/api/v1/passport/{slug}/probes"),
    "api/v1/validate": Route("/api/v1/validate", json={"POST": _served}, get=False),
    "api/v1/verify": Route("/api/v1/verify", ["slug", "version"], json={"POST": _served}),
    "api/v1/trust-passport-public-key": Route("/api/v1/trust-passport-public-key"),
    "api/v1/search": Route("/api/v1/search", ["q", "limit", "type"]),
    "api/v1/resolve": Route("/api/v1/resolve", json={"POST": lambda c: RESOLVE}, get=False),
    "api/v1/feedback": Route("/api/v1/feedback", json={"POST": lambda c: FEEDBACK}, get=False),
    "api/v1/log": Route("/api/v1/log"),
    "api/v1/log/proof": Route("/api/v1/log/proof", ["slug", "version"]),
    "api/v1/log/consistency": Route("/api/v1/log/consistency", ["from", "to"]),
    ".well-known/jwks.json": Route("/.well-known/jwks.json"),
    "log/checkpoint": Route("/log/checkpoint"),
    "^log/(?P<path>tile/.+)$": Route("/log/{tile}"),
    "schema.json": Route("/schema.json"),
    "api/schema/": Route("/api/schema/", ["format", "lang", "version"]),
    "api/docs/": Route("/api/docs/"),
    "": Route("/", params=list(LIST_PARAMS) + ["page"]),
    "passports/<str:slug>": Route("/passports/{slug}", ["version"]),
    r"^passports/(?P<slug>[^/]+)\.md$": Route("/passports/{slug}.md", ["version"]),
    "compare": Route("/compare", ["artifact"]),
    "match": Route("/match", ["q"]),
    "match/feedback": Route(
        "/match/feedback",
        form={"POST": ["resolveId", "slug", "callbackToken", "outcome", "note", "back"]},
        get=False,
    ),
    "verify": Route("/verify", form={"POST": ["document"]}),
    "methodology": Route("/methodology"),
    "submit": Route(
        "/submit",
        ["claim", "ticket"],
        form={
            "POST": [
                "claim",
                "ticket",
                "public_key",
                "contact",
                "signature",
                "show_token",
                "resume",
            ]
        },
    ),
}


def _urlconf_routes() -> dict[str, Any]:
    """pattern -> callback for every route, the admin's aside."""
    found: dict[str, Any] = {}

    def walk(patterns: list[Any], prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if str(pattern.pattern) != "admin/":
                    walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                found[prefix + str(pattern.pattern)] = pattern.callback

    walk(get_resolver().url_patterns, "")
    return found


def test_every_route_has_a_strategy() -> None:
    urlconf = _urlconf_routes()
    assert sorted(urlconf) == sorted(ROUTES)
    for pattern, callback in urlconf.items():
        view = getattr(callback, "view_class", None)
        if view is None or not issubclass(view, APIView):
            continue
        route = ROUTES[pattern]
        fed = {"GET"} if route.get else set()
        fed |= set(route.json) | set(route.form)
        defined = {m.upper() for m in ("get", "post", "put", "patch", "delete") if hasattr(view, m)}
        assert defined == fed, pattern


# ---------------------------------------------------------------- the registry and the checks


@pytest.fixture(scope="module")
def registry(django_db_setup: Any, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    """The three seed passports, a staff token and the tiny word embedder, for the whole
    module, rolled back at its end."""
    from registry.importers.passports import passports_import_paths
    from tests.matching.listings import WordEmbedder

    set_embedder(WordEmbedder())
    with django_db_blocker.unblock(), transaction.atomic():
        passports_import_paths(paths=[str(SEED_DIR)])
        user = get_user_model().objects.create_user(
            "fuzz", password="pw-long-enough", is_staff=True
        )
        token = Token.objects.create(user=user).key
        served = json.loads(Client().get(f"/api/v1/passport/{MAVERICK}").content)
        yield {"served": served, "token": token}
        transaction.set_rollback(True)
    set_embedder(None)


def _client(registry: dict[str, Any], *, staff: bool) -> Client:
    headers = {"Authorization": f"Token {registry['token']}"} if staff else {}
    return Client(raise_request_exception=False, headers=headers)


def _check(response: Any, what: str) -> None:
    status = response.status_code
    if os.environ.get("FUZZ_LOG"):
        with open(os.environ["FUZZ_LOG"], "a") as log:
            log.write(f"{status} {what[:150]!r}\n")
    assert status < 500, f"{what}: {status} {response.content[:300]!r}"
    if what.split(" ", 1)[1].startswith("/api/v1/") and 400 <= status < 500:
        error = json.loads(response.content)["error"]
        assert isinstance(error["code"], str) and isinstance(error["message"], str), what
        if status in (400, 409, 413):
            assert isinstance(error.get("field"), str) and error["field"], f"{what}: {error}"


def _send(client: Client, method: str, path: str, **kwargs: Any) -> Any:
    """One request whose writes are undone, so every example sees the same registry."""
    point = transaction.savepoint()
    try:
        return client.generic(method, path, **kwargs)
    finally:
        transaction.savepoint_rollback(point)


def _fill(path: str, segment: str) -> str:
    return path.replace("{slug}", segment).replace("{tile}", f"tile/0/{segment}")


GET_CASES = [(pattern, route) for pattern, route in ROUTES.items() if route.get]
JSON_CASES = [
    (pattern, method, staff)
    for pattern, route in ROUTES.items()
    for method in route.json
    for staff in ((True, False) if method in route.staff else (False,))
]
FORM_CASES = [(pattern, method) for pattern, route in ROUTES.items() for method in route.form]


@pytest.mark.django_db
@pytest.mark.parametrize(("pattern", "route"), GET_CASES, ids=[p or "/" for p, _ in GET_CASES])
def test_no_query_or_path_is_a_5xx(registry: dict[str, Any], pattern: str, route: Route) -> None:
    client = _client(registry, staff=False)

    @FUZZ
    @given(segment=segments, query=queries(route.params))
    def feed(segment: str, query: str) -> None:
        path = f"{_fill(route.path, segment)}?{query}"
        _check(_send(client, "GET", path), f"GET {path}")

    feed()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("pattern", "method", "staff"),
    JSON_CASES,
    ids=[f"{m} {p}{' staff' if s else ''}" for p, m, s in JSON_CASES],
)
def test_no_json_body_is_a_5xx(
    registry: dict[str, Any], pattern: str, method: str, staff: bool
) -> None:
    route = ROUTES[pattern]
    client = _client(registry, staff=staff)
    template = route.json[method](registry)
    path = _fill(route.path, MAVERICK)

    @FUZZ
    @given(body=bodies(template))
    def feed(body: str | bytes) -> None:
        response = _send(client, method, path, data=body, content_type="application/json")
        _check(response, f"{method} {path} {body[:200]!r}")

    feed()


@pytest.mark.django_db
@pytest.mark.parametrize(("pattern", "method"), FORM_CASES, ids=[p for p, _ in FORM_CASES])
def test_no_form_is_a_5xx(registry: dict[str, Any], pattern: str, method: str) -> None:
    route = ROUTES[pattern]
    client = _client(registry, staff=False)
    names = route.form[method]
    form = st.lists(st.tuples(st.sampled_from(names), query_values), max_size=6)

    @FUZZ
    @given(pairs=form)
    def feed(pairs: list[tuple[str, str]]) -> None:
        body = "&".join(f"{k}={v}" for k, v in pairs)
        response = _send(
            client,
            method,
            route.path,
            data=body,
            content_type="application/x-www-form-urlencoded",
        )
        _check(response, f"{method} {route.path} {body[:200]!r}")

    feed()
