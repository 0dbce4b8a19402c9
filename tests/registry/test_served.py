"""The passport detail serves a signed version's kept bytes (registry/served.py): the same
bytes as rendering the document afresh, an ETag per version (and warnings), 304s, HEAD
without the document, Cache-Control by whether the URL names a version; and the list's
rows read as values, the same bytes as the serializer over model instances wrote."""

from __future__ import annotations

import copy
import hashlib
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.renderers import JSONRenderer

from passports.models import PassportVersion
from registry import served
from registry.models import Artifact, ImportWarning
from registry.selectors import artifact_get, passport_list, served_document, version_get
from registry.services import passport_import

SLUG = "meta-llama-llama-4-scout"
LATEST = "no-cache"
IMMUTABLE = "public, max-age=31536000, immutable"


def fresh(slug: str, number: int | None = None, base: str = "http://testserver") -> bytes:
    """The document rendered from the database now, as the view rendered it before."""
    artifact = artifact_get(slug=slug)
    version = version_get(artifact=artifact, number=number)
    document = served_document(
        version=version,
        slug=slug,
        base_url=base,
        warnings=[warning.as_dict() for warning in artifact.warnings.all()],
    )
    return JSONRenderer().render(document)


def digest(slug: str, number: int | None = None) -> str:
    versions = PassportVersion.objects.filter(artifact__slug=slug).order_by("-number")
    return (versions.filter(number=number) if number else versions).first().digest  # type: ignore[union-attr]


@pytest.mark.django_db
def test_detail_etag_is_the_quoted_digest_and_cache_control_follows_the_url(
    seeds: list[str], api: Any
) -> None:
    latest = api.get(f"/api/v1/passport/{SLUG}")
    pinned = api.get(f"/api/v1/passport/{SLUG}", {"version": "1"})
    for response in (latest, pinned):
        assert response.status_code == 200
        assert response["ETag"] == f'"{digest(SLUG)}"'
        assert response["Content-Type"] == "application/json"
    assert (latest["Cache-Control"], pinned["Cache-Control"]) == (LATEST, IMMUTABLE)
    # An empty ?version= is the latest, as it always was.
    assert api.get(f"/api/v1/passport/{SLUG}", {"version": ""})["Cache-Control"] == LATEST


@pytest.mark.django_db
def test_kept_bytes_equal_a_fresh_render_byte_for_byte(seeds: list[str], api: Any) -> None:
    served.passports.clear()
    for slug in seeds:
        cold = api.get(f"/api/v1/passport/{slug}").content
        warm = api.get(f"/api/v1/passport/{slug}").content
        assert cold == warm == fresh(slug)
        assert json.loads(cold)["_links"]["self"] == f"http://testserver/api/v1/passport/{slug}"
    assert len(served.passports) == 3
    # Another host: its own links around the same kept passport bytes.
    other = api.get(f"/api/v1/passport/{SLUG}", HTTP_HOST="localhost").content
    assert other == fresh(SLUG, base="http://localhost")
    assert json.loads(other)["passport"] == json.loads(fresh(SLUG))["passport"]


@pytest.mark.django_db
def test_if_none_match_answers_304_with_the_headers_and_no_body(seeds: list[str], api: Any) -> None:
    etag = f'"{digest(SLUG)}"'
    for params, cache_control in (({}, LATEST), ({"version": "1"}, IMMUTABLE)):
        # RFC 9110 13.1.2: If-None-Match compares weakly, and "*" matches any current tag.
        for sent in (etag, f'"other", {etag}', f"W/{etag}", "*"):
            again = api.get(f"/api/v1/passport/{SLUG}", params, HTTP_IF_NONE_MATCH=sent)
            assert (again.status_code, again.content) == (304, b"")
            assert (again["ETag"], again["Cache-Control"]) == (etag, cache_control)
    stale = api.get(f"/api/v1/passport/{SLUG}", HTTP_IF_NONE_MATCH='"0000"')
    assert (stale.status_code, stale.content) == (200, fresh(SLUG))


@pytest.mark.django_db
def test_head_has_get_s_headers_with_its_content_length_and_no_body(
    seeds: list[str], api: Any
) -> None:
    # RFC 9110 9.3.2 and 8.6: HEAD answers GET's headers, and a Content-Length it sends
    # is the length GET's body would have (it was 0: the length of the empty answer).
    served.passports.clear()
    for params, cache_control in (({"version": "1"}, IMMUTABLE), ({}, LATEST)):
        response = api.head(f"/api/v1/passport/{SLUG}", params)
        assert (response.status_code, response.content) == (200, b"")
        assert (
            response["ETag"],
            response["Cache-Control"],
            response["Content-Type"],
            response["Content-Length"],
        ) == (f'"{digest(SLUG)}"', cache_control, "application/json", str(len(fresh(SLUG))))
    # The kept bytes serve it, as they serve GET: the document is read once, not per HEAD.
    assert len(served.passports) == 1
    with CaptureQueriesContext(connection) as queries:
        api.head(f"/api/v1/passport/{SLUG}")
    assert len(queries) == 1
    assert "passport_json" not in queries[0]["sql"]
    assert api.head("/api/v1/passport/no-such-model").status_code == 404


@pytest.mark.django_db
def test_a_re_sign_changes_the_etag_and_the_body_and_the_old_version_stays(
    seeds: list[str], api: Any, seed_documents: dict[str, Any]
) -> None:
    first = api.get(f"/api/v1/passport/{SLUG}")
    doc = copy.deepcopy(seed_documents[SLUG])
    doc["passport"]["unfragile"]["artifact"]["name"] = "Scout (renamed)"
    assert passport_import(document=doc).status == "updated"
    second = api.get(f"/api/v1/passport/{SLUG}", HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 200
    assert second["ETag"] == f'"{digest(SLUG, 2)}"' != first["ETag"]
    assert second.content == fresh(SLUG)
    assert json.loads(second.content)["passport"]["version"] == 2
    assert json.loads(second.content)["passport"]["unfragile"]["artifact"]["name"] == (
        "Scout (renamed)"
    )
    old = api.get(f"/api/v1/passport/{SLUG}", {"version": "1"})
    assert (old["ETag"], old.content) == (first["ETag"], first.content)


@pytest.mark.django_db
def test_a_key_rotation_leaves_the_served_versions_as_they_were(
    seeds: list[str], api: Any, seed_documents: dict[str, Any]
) -> None:
    before = api.get(f"/api/v1/passport/{SLUG}")
    # The session's key file outlives this test's database: its key goes back after, as a
    # key the database no longer knows would fail every later test that signs.
    key_file = Path(settings.PASSPORT_SIGNING_KEY_FILE)
    saved = key_file.read_bytes()
    try:
        call_command("passport_keys", "rotate", stdout=StringIO())
        after = api.get(f"/api/v1/passport/{SLUG}")
        assert (after["ETag"], after.content) == (before["ETag"], before.content)
        assert after.content == fresh(SLUG)
        doc = copy.deepcopy(seed_documents[SLUG])
        doc["passport"]["unfragile"]["artifact"]["name"] = "Scout (renamed)"
        passport_import(document=doc)
        resigned = api.get(f"/api/v1/passport/{SLUG}")
        assert resigned.content == fresh(SLUG)
        old_key = json.loads(before.content)["passport"]["keyId"]
        assert json.loads(resigned.content)["passport"]["keyId"] != old_key
    finally:
        key_file.write_bytes(saved)


@pytest.mark.django_db
def test_warnings_change_the_etag_and_the_body_without_a_new_version(
    seeds: list[str], api: Any
) -> None:
    before = api.get(f"/api/v1/passport/{SLUG}")
    assert json.loads(before.content)["warnings"] == []
    artifact = Artifact.objects.get(slug=SLUG)
    ImportWarning.objects.create(
        artifact=artifact, source="openrouter", code="fact_mismatch", field="f", message="m"
    )
    after = api.get(f"/api/v1/passport/{SLUG}", HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    warnings = JSONRenderer().render([w.as_dict() for w in artifact.warnings.all()])
    tag = hashlib.sha256(warnings).hexdigest()[:16]
    assert after["ETag"] == f'"{digest(SLUG)}.{tag}"'
    assert after.content == fresh(SLUG)
    served_warnings = json.loads(after.content)["warnings"]
    assert [(w["code"], w["field"], w["message"]) for w in served_warnings] == [
        ("fact_mismatch", "f", "m")
    ]
    again = api.get(f"/api/v1/passport/{SLUG}", HTTP_IF_NONE_MATCH=after["ETag"])
    assert (again.status_code, again["ETag"]) == (304, after["ETag"])


@pytest.mark.django_db
def test_an_indented_accept_still_gets_indented_json(seeds: list[str], api: Any) -> None:
    response = api.get(f"/api/v1/passport/{SLUG}", HTTP_ACCEPT="application/json; indent=2")
    assert response.status_code == 200
    assert response.content == JSONRenderer().render(
        json.loads(fresh(SLUG)), "application/json; indent=2"
    )
    assert response["ETag"] == f'"{digest(SLUG)}"'


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("version", "status", "field"),
    [
        ("0", 400, "version"),
        ("x", 400, "version"),
        ("9", 404, "version"),
        (str(2**40), 404, "version"),
    ],
)
def test_a_version_that_is_not_there_is_still_refused_by_name(
    seeds: list[str], api: Any, version: str, status: int, field: str
) -> None:
    response = api.get(f"/api/v1/passport/{SLUG}", {"version": version})
    assert (response.status_code, response.json()["error"]["field"]) == (status, field)


def _row_as_before(artifact: Artifact, base: str) -> dict[str, Any]:
    """The list row as the serializer over model instances wrote it."""

    def price(value: Any) -> float | None:
        return None if value is None else float(value)

    return {
        "slug": artifact.slug,
        "id": artifact.artifact_id,
        "name": artifact.name,
        "type": artifact.type,
        "score": artifact.trust.score,
        "verified": artifact.verified,
        "categories": artifact.categories,
        "tags": artifact.tags,
        "input_modalities": artifact.input_modalities,
        "output_modalities": artifact.output_modalities,
        "context_length": artifact.context_length,
        "max_output_tokens": artifact.max_output_tokens,
        "prompt_usd_per_1m_tokens": price(artifact.prompt_price_per_1m),
        "completion_usd_per_1m_tokens": price(artifact.completion_price_per_1m),
        "open_weights": artifact.open_weights,
        "source": artifact.source,
        "updated_at": artifact.updated_at.isoformat(),
        "_links": {"self": f"{base}/api/v1/passport/{artifact.slug}"},
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [{}, {"page": "2", "page_size": "1"}, {"q": "llama", "page_size": "1"}, {"ordering": "name"}],
)
def test_list_bytes_equal_the_rows_rendered_from_model_instances(
    seeds: list[str], api: Any, params: dict[str, str]
) -> None:
    response = api.get("/api/v1/passport", params)
    assert response.status_code == 200
    body = json.loads(response.content)
    size = int(params.get("page_size", "20"))
    offset = (int(params.get("page", "1")) - 1) * size
    artifacts = list(passport_list(params=params)[offset : offset + size])
    assert [a.slug for a in artifacts] == [row["slug"] for row in body["results"]]
    expected = {
        "count": body["count"],
        "next": body["next"],
        "previous": body["previous"],
        "results": [_row_as_before(a, "http://testserver") for a in artifacts],
    }
    assert response.content == JSONRenderer().render(expected)


@pytest.mark.django_db
def test_plain_list_is_one_query_and_past_the_last_page_still_a_404(
    seeds: list[str], api: Any
) -> None:
    counts = []
    for params in ({"page_size": "1"}, {"page_size": "2", "page": "2"}, {"ordering": "-name"}):
        with CaptureQueriesContext(connection) as queries:
            response = api.get("/api/v1/passport", params)
        assert response.status_code == 200
        counts.append(len(queries))
    # The list clock, then the page's rows and the count in one query; the same page
    # again, the clock alone (registry/list_page.py).
    assert counts == [2, 2, 2]
    with CaptureQueriesContext(connection) as queries:
        assert api.get("/api/v1/passport", {"ordering": "-name"}).status_code == 200
    assert len(queries) == 1
    with CaptureQueriesContext(connection) as queries:
        response = api.get("/api/v1/passport", {"page": "3", "page_size": "2"})
    assert (response.status_code, response.json()["error"]) == (
        404,
        {"code": "not_found", "message": "page 3 is past the last page (2)", "field": "page"},
    )
    assert len(queries) == 3  # the clock, no rows, so the count alone for the message
    huge = api.get("/api/v1/passport", {"page": str(10**19 - 1), "page_size": "100"})
    assert (huge.status_code, huge.json()["error"]["field"]) == (404, "page")


@pytest.mark.django_db
def test_empty_list_is_page_one_of_nothing(api: Any) -> None:
    response = api.get("/api/v1/passport")
    assert (response.status_code, response.json()) == (
        200,
        {"count": 0, "next": None, "previous": None, "results": []},
    )
