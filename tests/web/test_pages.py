"""The HTML pages through Django's test client: exact values, escaping, errors, query counts."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from registry.models import Artifact
from registry.services import passport_import
from tests.conftest import SEED_FILES, load_seed

pytestmark = pytest.mark.django_db

MAVERICK = "meta-llama-llama-4-maverick"


@pytest.fixture
def client() -> Client:
    return Client()


def _rows(html: str) -> list[str]:
    return re.findall(r'<th scope="row" class="name"><a href="/passports/([^"]+)"', html)


def _document(slug: str, **changes: Any) -> dict[str, Any]:
    for path in SEED_FILES:
        doc = load_seed(path)
        if doc["passport"]["unfragile"]["artifact"]["slug"] == slug:
            doc = copy.deepcopy(doc)
            doc["passport"]["unfragile"]["artifact"].update(changes)
            return doc
    raise AssertionError(slug)


def test_list_shows_every_seed_by_score(client: Client, seeds: list[str]) -> None:
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        _rows(html)
        == [
            "meta-llama-llama-4-maverick",
            "meta-llama-llama-4-scout",
            "liquid-lfm-2-24b-a2b",
        ]
        or sorted(_rows(html)) == seeds
    )
    assert "3 passports; showing 1–3" in html
    assert "signed v1" in html
    assert "signature valid" in html
    assert "<title>Browse · Trust-passport registry</title>" in html


def test_list_search_and_filters_combine(client: Client, seeds: list[str]) -> None:
    html = client.get("/", {"q": "llama"}).content.decode()
    assert sorted(_rows(html)) == ["meta-llama-llama-4-maverick", "meta-llama-llama-4-scout"]
    html = client.get("/", {"q": "llama", "input_modality": "image"}).content.decode()
    assert sorted(_rows(html)) == ["meta-llama-llama-4-maverick", "meta-llama-llama-4-scout"]
    html = client.get("/", {"category": "llm-apis"}).content.decode()
    assert _rows(html) == ["meta-llama-llama-4-scout"]
    html = client.get("/", {"q": "llama", "category": "deployment-infra"}).content.decode()
    assert _rows(html) == []
    assert "No passport matches these filters." in html


def test_list_filters_by_free_offer(client: Client, seeds: list[str]) -> None:
    from registry.models import Artifact, ProviderEndpoint

    ProviderEndpoint.objects.create(
        artifact=Artifact.objects.get(slug="meta-llama-llama-4-scout"),
        source="openrouter",
        source_key="meta-llama/llama-4-scout:free",
        provider="openrouter",
        model_name="meta-llama/llama-4-scout:free",
        variant="free",
        free=True,
    )
    html = client.get("/", {"free": "true"}).content.decode()
    assert _rows(html) == ["meta-llama-llama-4-scout"]
    assert '<option value="true" selected>has a free offer</option>' in html


def test_list_bad_filter_is_a_400_with_the_reason(client: Client, seeds: list[str]) -> None:
    response = client.get("/", {"min_score": "abc"})
    assert response.status_code == 400
    assert "The filters could not be applied: min_score" in response.content.decode()
    response = client.get("/", {"ordering": "nope"})
    assert response.status_code == 400


def test_list_pagination_keeps_filters(client: Client, seeds: list[str]) -> None:
    from web.views import passports as views

    original = views.PAGE_SIZE
    views.PAGE_SIZE = 1
    try:
        html = client.get("/", {"q": "llama", "ordering": "name"}).content.decode()
    finally:
        views.PAGE_SIZE = original
    assert "Page 1 of 2" in html
    assert 'href="?q=llama&amp;ordering=name&amp;page=2"' in html


def test_list_query_count_is_constant(client: Client, seeds: list[str]) -> None:
    client.get("/")  # warm the verdict cache and the session
    with CaptureQueriesContext(connection) as three:
        client.get("/")
    with CaptureQueriesContext(connection) as one:
        client.get("/", {"q": "scout"})
    assert len(three) == len(one)
    assert len(three) == 5


def test_price_per_million_is_exact() -> None:
    from decimal import Decimal

    from web.presenters import usd_per_1m

    assert usd_per_1m(Decimal("0.150000")) == "$0.15"
    assert usd_per_1m(Decimal("0.030000")) == "$0.03"
    assert usd_per_1m(Decimal("15.000000")) == "$15.00"
    assert usd_per_1m(Decimal("0.000100")) == "$0.0001"
    assert usd_per_1m(Decimal("0")) == "free"
    assert usd_per_1m(None) == "—"


def test_detail_shows_the_passport(client: Client, seeds: list[str]) -> None:
    response = client.get(f"/passports/{MAVERICK}")
    assert response.status_code == 200
    html = response.content.decode()
    artifact = Artifact.objects.select_related("trust").get(slug=MAVERICK)
    assert f"<title>{artifact.name} · Trust-passport registry</title>" in html
    assert f"<span>{artifact.trust.score}</span>/100 trust score" in html
    assert "✔ Signature valid" in html
    assert '<svg role="img" aria-labelledby="bars-title bars-desc"' in html
    assert html.count('class="bar-value ') == 5
    assert "builder identity is not verified yet" in html
    assert f"curl -s http://testserver/api/v1/passport/{MAVERICK} -o {MAVERICK}.json" in html
    assert "python -m passports.verify" in html
    assert "No probe has run against this model's endpoints yet" in html
    for cap in artifact.capabilities.all():
        assert f"<h3>{cap.name}</h3>" in html or cap.name in html


def test_detail_unknown_slug_is_an_html_404(client: Client, db: Any) -> None:
    response = client.get("/passports/nope")
    assert response.status_code == 404
    assert "There is no passport with slug “nope”." in response.content.decode()
    assert "<title>Not found" in response.content.decode()


def test_unknown_page_is_an_html_404_and_unknown_api_path_json(client: Client, db: Any) -> None:
    response = client.get("/no/such/<page>")
    assert (response.status_code, response["Content-Type"]) == (404, "text/html; charset=utf-8")
    assert "There is no page at this address." in response.content.decode()
    assert "<page>" not in response.content.decode()
    response = client.get("/api/v1/no-such")
    assert (response.status_code, response.json()) == (
        404,
        {"error": {"code": "not_found", "message": "no such path: /api/v1/no-such"}},
    )


def test_script_in_a_description_is_shown_literally(client: Client, seeds: list[str]) -> None:
    doc = _document(MAVERICK)
    capability = doc["passport"]["unfragile"]["capabilities"][0]
    capability["description"] = "Hi <script>alert(1)</script> there"
    capability["name"] = "<script>alert(2)</script>"
    passport_import(document=doc)
    # A catalog's description (a column, not in the document) is escaped the same way.
    Artifact.objects.filter(slug=MAVERICK).update(description="<script>alert(4)</script>")
    pages = [
        client.get(f"/passports/{MAVERICK}").content.decode(),
        client.get("/", {"q": "<script>alert(2)</script>"}).content.decode(),
        client.get(
            "/compare", {"artifact": [MAVERICK, "<script>alert(3)</script>"]}
        ).content.decode(),
    ]
    for html in pages:
        assert "<script>alert(" not in html
    assert "<p>Hi &lt;script&gt;alert(1)&lt;/script&gt; there</p>" in pages[0]
    assert "<h3>&lt;script&gt;alert(2)&lt;/script&gt;</h3>" in pages[0]
    assert '<p class="description">&lt;script&gt;alert(4)&lt;/script&gt;</p>' in pages[0]
    assert _rows(pages[1]) == [MAVERICK]
    assert 'value="&lt;script&gt;alert(2)&lt;/script&gt;"' in pages[1]
    assert "Not found: &lt;script&gt;alert(3)&lt;/script&gt;" in pages[2]


def test_compare_highlights_differences(client: Client, seeds: list[str]) -> None:
    response = client.get("/compare", {"artifact": [MAVERICK, "meta-llama-llama-4-scout"]})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('<th scope="col"><a href="/passports/') == 2
    assert re.search(
        r'<tr class="differs">\s*<th scope="row">Trust score <span class="diff-mark">differs</span>'
        r"</th>\s*<td>23</td><td>24</td>",
        html,
    )
    assert '<th scope="row">Type</th>' in html  # both are models: same value, not highlighted
    # Up to four can be compared, and the form keeps all four to compare again.
    four = [MAVERICK, "meta-llama-llama-4-scout", "liquid-lfm-2-24b-a2b", "nope"]
    html = client.get("/compare", {"artifact": four}).content.decode()
    assert re.findall(r'name="artifact" value="([^"]*)"', html) == four
    assert html.count('<th scope="col"><a href="/passports/') == 3


def test_verify_valid_then_invalid(client: Client, seeds: list[str], api: Any) -> None:
    from tests.conftest import served

    document = json.dumps(served(api, MAVERICK))
    response = client.post("/verify", {"document": document})
    assert response.status_code == 200
    assert "✔ Valid signature" in response.content.decode()
    changed = document.replace(
        '"name": "Meta: Llama 4 Maverick"', '"name": "Meta: Llama 4 Maverica"', 1
    )
    assert changed != document
    response = client.post("/verify", {"document": changed})
    assert "✘ Invalid: signature does not match the document" in response.content.decode()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "paste a document or choose a file"),
        ("[1, 2", "not a passport document"),
        ('{"a": 1, "a": 2}', "not a passport document"),
        ("[]", "not a passport document"),
        ('{"passport": {"unfragile": {}, "signature": "x", "keyId": "k"}}', "Invalid: unknown key"),
        ("[" * 200 + "]" * 200, "not a passport document"),
        ('{"x": NaN}', "not a passport document"),
    ],
)
def test_verify_hostile_input_never_500(client: Client, db: Any, body: str, message: str) -> None:
    response = client.post("/verify", {"document": body})
    assert response.status_code in (200, 400)
    assert message in response.content.decode()


def test_verify_over_one_mib_is_refused(client: Client, db: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    big = SimpleUploadedFile("big.json", b" " * (1024 * 1024 + 1), content_type="application/json")
    response = client.post("/verify", {"upload": big})
    assert response.status_code == 400
    assert "the limit is 1048576 bytes (1 MiB)" in response.content.decode()
    response = client.post("/verify", {"document": "x" * (1024 * 1024 + 10)})
    assert response.status_code == 413
    assert "larger than the limit of 1048576 bytes" in response.content.decode()


def test_verify_needs_csrf(db: Any) -> None:
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/verify", {"document": "{}"}).status_code == 403


def test_methodology_has_the_formulas(client: Client, db: Any) -> None:
    html = client.get("/methodology").content.decode()
    assert "score = round(100 × Σ" in html
    assert "total = similarity + 0.05 × score / 100 + 0.05 × (success rate − 0.5)" in html
    from matching.ranking import BEST_TEXT_WEIGHT, NO_MATCH_THRESHOLD

    assert BEST_TEXT_WEIGHT == 0.7
    assert "text = 0.7 × best text + 0.3 × mean" in html
    assert "similarity = 0.85 × text + 0.15 × category" in html
    assert "when it holds at least 3 capabilities" in html
    assert f"reaches a similarity of {NO_MATCH_THRESHOLD:.2f}" in html


def test_detail_shows_the_latest_probe_evidence(client: Client, seeds: list[str]) -> None:
    from datetime import UTC, datetime

    from probes.models import ProbeRun
    from registry.models import ProviderEndpoint

    artifact = Artifact.objects.get(slug=MAVERICK)
    endpoint = ProviderEndpoint.objects.create(
        artifact=artifact,
        source="api",
        source_key="test:maverick",
        provider="loopback",
        model_name="maverick-test",
        context_length=1_000_000,
    )
    moment = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    ProbeRun.objects.create(
        endpoint=endpoint,
        artifact=artifact,
        kind="chat",
        slot=moment,
        state="done",
        status="pass",
        http_status=200,
        latency_ms=412.4,
        ttft_ms=120.0,
        started_at=moment,
        finished_at=moment,
    )
    html = client.get(f"/passports/{MAVERICK}").content.decode()
    assert (
        '<td>loopback</td><td>maverick-test</td><td>chat</td><td><span class="badge ok">pass</span>'
        '</td><td class="num">200</td><td class="num">412 ms</td><td class="num">120 ms</td>'
        "<td>2026-11-01T12:00:00Z</td>"
    ) in html
    assert "<td>1,000,000</td>" in html or '<td class="num">1,000,000</td>' in html


def test_badges_follow_a_revoked_key(client: Client, seeds: list[str]) -> None:
    from passports.models import SigningKey
    from passports.services import key_revoke

    assert client.get("/").content.decode().count("signature valid") == 3
    key_revoke(key_id=SigningKey.objects.get().key_id)
    html = client.get("/").content.decode()
    assert html.count("signature valid") == 0
    assert html.count('title="key revoked">signature invalid</li>') == 3
    detail = client.get(f"/passports/{MAVERICK}").content.decode()
    assert "✘ Signature invalid: key revoked" in detail


def test_detail_query_count_does_not_grow_with_the_passport(
    client: Client, seeds: list[str]
) -> None:
    counts = []
    for slug in (MAVERICK, "liquid-lfm-2-24b-a2b"):  # 6 and 9 capabilities
        client.get(f"/passports/{slug}")  # warm the verdict cache
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/passports/{slug}").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[0] == 8  # with the listing's old slugs (aliases)


def test_old_versions_say_they_are_superseded(
    client: Client, seeds: list[str], seed_documents: dict[str, Any]
) -> None:
    import copy

    from registry.services import passport_import

    changed = copy.deepcopy(seed_documents[MAVERICK])
    changed["passport"]["unfragile"]["capabilities"][0]["description"] += " Changed."
    assert passport_import(document=changed).status == "updated"
    html = client.get(f"/passports/{MAVERICK}").content.decode()
    assert '<span class="badge ok">latest</span>' in html
    assert html.count('<span class="badge muted">superseded by v2</span>') == 1
