from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from passports.models import PassportVersion
from registry import served
from registry.importers.openrouter import openrouter_import
from registry.models import Artifact
from tests.registry.test_import_catalogs import IMAGE_MODEL, MAVERICK, catalog


def error_of(response: Any) -> dict[str, Any]:
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert list(body) == ["error"]
    return body["error"]


@pytest.fixture
def staff_token(db: Any) -> str:
    user = get_user_model().objects.create_user("curator", is_staff=True)
    return Token.objects.create(user=user).key


@pytest.fixture
def many(db: Any) -> None:
    models = [
        dict(
            IMAGE_MODEL,
            id=f"acme/model-{i:02d}",
            name=f"Model {i:02d}",
            context_length=1000 * (i + 1),
            pricing={"prompt": f"{i}e-7", "completion": "0"},
            architecture={
                "input_modalities": ["text", "image"] if i % 3 == 0 else ["text"],
                "output_modalities": ["text"],
            },
        )
        for i in range(30)
    ]
    openrouter_import(data=catalog(MAVERICK, *models), label="t")


@pytest.mark.django_db
def test_list_paginates_with_links(seeds: list[str], many: None, api: Any) -> None:
    response = api.get("/api/v1/passport", {"page_size": 10, "page": 2})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 33
    assert len(body["results"]) == 10
    assert body["next"] == "http://testserver/api/v1/passport?page=3&page_size=10"
    assert body["previous"] == "http://testserver/api/v1/passport?page_size=10"
    first = api.get("/api/v1/passport", {"q": "maverick"}).json()["results"][0]
    assert first["slug"] == "meta-llama-llama-4-maverick"
    assert (
        first["context_length"],
        first["input_modalities"],
        first["prompt_usd_per_1m_tokens"],
        first["score"],
    ) == (1048576, ["text", "image"], 0.2, 23)
    assert first["_links"] == {
        "self": "http://testserver/api/v1/passport/meta-llama-llama-4-maverick"
    }


@pytest.mark.django_db
def test_list_filters_combine(seeds: list[str], many: None, api: Any) -> None:
    def slugs(**params: Any) -> list[str]:
        response = api.get("/api/v1/passport", {"page_size": 100, **params})
        assert response.status_code == 200
        return [row["slug"] for row in response.json()["results"]]

    image = slugs(input_modality="image", ordering="slug")
    assert image == sorted(
        ["meta-llama-llama-4-maverick", "meta-llama-llama-4-scout"]
        + [f"acme-model-{i:02d}" for i in range(0, 30, 3)]
    )
    assert slugs(min_context=25000, ordering="context_length") == [
        f"acme-model-{i:02d}" for i in range(24, 30)
    ] + ["meta-llama-llama-4-maverick"]
    # acme-model-N costs N/10 USD per 1M prompt tokens; Maverick 0.2.
    assert slugs(
        min_context=25000,
        input_modality="image",
        max_prompt_price="2.5",
        ordering="-context_length",
    ) == ["meta-llama-llama-4-maverick", "acme-model-24"]
    assert slugs(max_prompt_price="0.05", ordering="prompt_price") == ["acme-model-00"]
    assert slugs(category="model-training") == ["meta-llama-llama-4-maverick"]
    assert slugs(tag="meta-llama", ordering="-slug") == [
        "meta-llama-llama-4-scout",
        "meta-llama-llama-4-maverick",
    ]
    assert slugs(verified="true") == []
    assert len(slugs(verified="false")) == 33
    assert slugs(min_score=24, ordering="slug") == [
        "liquid-lfm-2-24b-a2b",
        "meta-llama-llama-4-scout",
    ]
    scores = [
        row["score"]
        for row in api.get("/api/v1/passport", {"ordering": "-score", "page_size": 100}).json()[
            "results"
        ]
    ]
    assert scores == sorted(scores, reverse=True)
    assert slugs(output_modality="embeddings") == []


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"min_score": "abc"}, "min_score", "min_score: Enter a number."),
        (
            {"min_score": "101"},
            "min_score",
            "min_score: Ensure this value is less than or equal to 100.",
        ),
        (
            {"min_context": "-1"},
            "min_context",
            "min_context: Ensure this value is greater than or equal to 0.",
        ),
        ({"max_prompt_price": "cheap"}, "max_prompt_price", "max_prompt_price: Enter a number."),
        (
            {"input_modality": "smell"},
            "input_modality",
            "input_modality: Select a valid choice. smell is not one of the available choices.",
        ),
        (
            {"verified": "maybe"},
            "verified",
            "verified: Select a valid choice. maybe is not one of the available choices.",
        ),
        (
            {"ordering": "price; DROP TABLE"},
            "ordering",
            "ordering must be one of -context_length, -name, -prompt_price, -score, -slug, -updated_at, context_length, name, prompt_price, relevance (with q), score, slug, updated_at",
        ),
        ({"page": "0"}, "page", "page must be a positive integer"),
        ({"page": "x"}, "page", "page must be a positive integer"),
        ({"page_size": "1000"}, "page_size", "page_size must be an integer from 1 to 100"),
        ({"page_size": "0"}, "page_size", "page_size must be an integer from 1 to 100"),
        ({"q": "x" * 201}, "q", "q: Ensure this value has at most 200 characters (it has 201)."),
    ],
)
@pytest.mark.django_db
def test_list_rejects_bad_parameters_naming_them(
    api: Any, params: dict[str, str], field: str, message: str
) -> None:
    response = api.get("/api/v1/passport", params)
    assert response.status_code == 400
    assert error_of(response) == {"code": "invalid", "message": message, "field": field}


@pytest.mark.django_db
def test_page_past_the_end_is_a_json_404(seeds: list[str], api: Any) -> None:
    response = api.get("/api/v1/passport", {"page": 9})
    assert response.status_code == 404
    assert error_of(response) == {
        "code": "not_found",
        "message": "page 9 is past the last page (1)",
        "field": "page",
    }


@pytest.mark.django_db
def test_list_query_count_does_not_grow_with_page_size(
    seeds: list[str], many: None, api: Any
) -> None:
    counts = []
    for size in (1, 10, 33):
        with CaptureQueriesContext(connection) as queries:
            response = api.get("/api/v1/passport", {"page_size": size, "q": "a"})
        assert response.status_code == 200
        assert len(response.json()["results"]) == min(size, response.json()["count"])
        counts.append(len(queries))
    assert counts == [2, 2, 2]


@pytest.mark.django_db
def test_detail_query_count_is_constant(seeds: list[str], many: None, api: Any) -> None:
    served.passports.clear()
    first: list[int] = []
    again: list[int] = []
    for counts in (first, again):
        for slug in ("acme-model-01", "meta-llama-llama-4-maverick", "liquid-lfm-2-24b-a2b"):
            with CaptureQueriesContext(connection) as queries:
                assert api.get(f"/api/v1/passport/{slug}").status_code == 200
            counts.append(len(queries))
    assert Artifact.objects.get(slug="meta-llama-llama-4-maverick").warnings.count() == 1
    # The latest version's row (and whether the artifact has warnings); the signed
    # document the first time this process serves it; the warnings of the one that has some.
    assert (first, again) == ([2, 3, 2], [1, 2, 1])


@pytest.mark.django_db
def test_unknown_slug_and_path_are_json_404s(api: Any) -> None:
    response = api.get("/api/v1/passport/no-such-model")
    assert response.status_code == 404
    assert error_of(response) == {
        "code": "not_found",
        "message": "no passport with slug 'no-such-model'",
        "field": "slug",
    }
    response = api.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert error_of(response) == {
        "code": "not_found",
        "message": "no such path: /api/v1/nothing-here",
    }


@pytest.mark.django_db
def test_detail_has_an_etag_and_links_on_our_host(seeds: list[str], api: Any) -> None:
    response = api.get("/api/v1/passport/meta-llama-llama-4-scout")
    version = PassportVersion.objects.get(artifact__slug="meta-llama-llama-4-scout")
    assert response["ETag"] == f'"{version.digest}"'
    links = response.json()["_links"]
    assert links["self"] == "http://testserver/api/v1/passport/meta-llama-llama-4-scout"
    assert links["verify"] == "http://testserver/api/v1/verify?slug=meta-llama-llama-4-scout"


@pytest.mark.django_db
def test_writes_need_a_staff_token(api: Any, seed_documents: dict[str, Any]) -> None:
    doc = seed_documents["meta-llama-llama-4-scout"]
    response = api.post("/api/v1/passport", doc, format="json")
    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"
    user = get_user_model().objects.create_user("someone")
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    assert api.post("/api/v1/passport", doc, format="json").status_code == 403
    assert Artifact.objects.count() == 0


@pytest.mark.django_db
def test_staff_import_through_the_api(
    api: Any, staff_token: str, seed_documents: dict[str, Any]
) -> None:
    api.credentials(HTTP_AUTHORIZATION=f"Token {staff_token}")
    doc = seed_documents["meta-llama-llama-4-scout"]
    response = api.post("/api/v1/passport", doc, format="json")
    answer = response.json()
    assert (response.status_code, answer["status"], answer["slug"]) == (
        201,
        "created",
        "meta-llama-llama-4-scout",
    )
    # Trust is the registry's (issue 12): through the API every stated trust member
    # is ignored, and each one is named.
    assert [(w["code"], w["field"]) for w in answer["warnings"]] == [
        ("ignored", f"trust.{key}") for key in doc["passport"]["unfragile"]["trust"]
    ]
    response = api.post("/api/v1/passport", doc, format="json")
    assert (response.status_code, response.json()["status"]) == (200, "unchanged")
    changed = copy.deepcopy(doc)
    changed["passport"]["unfragile"]["artifact"]["name"] = "Scout, renamed"
    response = api.put("/api/v1/passport", changed, format="json")
    assert (response.status_code, response.json()["status"]) == (200, "updated")
    other = copy.deepcopy(doc)
    other["passport"]["unfragile"]["artifact"]["slug"] = "never-seen"
    response = api.put("/api/v1/passport", other, format="json")
    assert response.status_code == 404
    assert error_of(response)["field"] == "unfragile.artifact.slug"


@pytest.mark.parametrize(
    ("body", "status", "code", "message", "field"),
    [
        (
            b"not json at all",
            400,
            "not_json",
            "not JSON: Expecting value at line 1 column 1",
            "body",
        ),
        (
            b'{"passport": {"unfragile": {}, "unfragile": {}}}',
            400,
            "duplicate_key",
            "duplicate key 'unfragile'",
            "unfragile",
        ),
        (
            b'{"a":' * 1000 + b"1" + b"}" * 1000,
            400,
            "too_deep",
            "nesting depth 1000 exceeds the limit of 64",
            "body",
        ),
        (b'{"x": NaN}', 400, "invalid_number", "NaN is not a JSON number", "x"),
        (
            b"[1, 2]",
            400,
            "wrong_type",
            "a passport document must be a JSON object, not list",
            "document",
        ),
        (
            b'{"passport": {"unfragile": {"artifact": {"name": "x"}}}}',
            400,
            "schema",
            "unfragile.artifact.slug: 'slug' is a required property",
            "unfragile.artifact.slug",
        ),
        (
            b'{"passport": {"unfragile": {"artifact": {"slug": "x", "name": 5}}}}',
            400,
            "schema",
            "unfragile.artifact.name: 5 is not of type 'string'",
            "unfragile.artifact.name",
        ),
        (
            b"",
            400,
            "missing",
            "no passport found: expected {'passport': {'unfragile': ...}}, {'unfragile': ...} or an object with 'artifact'",
            "passport.unfragile",
        ),
    ],
)
@pytest.mark.django_db
def test_hostile_bodies_get_a_named_4xx(
    api: Any, staff_token: str, body: bytes, status: int, code: str, message: str, field: str
) -> None:
    api.credentials(HTTP_AUTHORIZATION=f"Token {staff_token}")
    response = api.generic("POST", "/api/v1/passport", body, content_type="application/json")
    assert response.status_code == status
    error = error_of(response)
    assert (error["code"], error["message"], error["field"]) == (code, message, field)
    assert Artifact.objects.count() == 0


@pytest.mark.django_db
def test_ten_megabyte_body_is_refused_before_parsing(api: Any, staff_token: str) -> None:
    api.credentials(HTTP_AUTHORIZATION=f"Token {staff_token}")
    body = b'{"x": "' + b"y" * (10 * 1024 * 1024) + b'"}'
    response = api.generic("POST", "/api/v1/passport", body, content_type="application/json")
    assert response.status_code == 413
    assert error_of(response) == {
        "code": "too_large",
        "message": f"body is {len(body)} bytes; the limit is 1048576 bytes",
        "field": "body",
    }
    response = api.generic("POST", "/api/v1/validate", body, content_type="application/json")
    assert response.status_code == 413


@pytest.mark.django_db
def test_wrong_content_type_is_415(api: Any, staff_token: str) -> None:
    api.credentials(HTTP_AUTHORIZATION=f"Token {staff_token}")
    response = api.generic(
        "POST", "/api/v1/passport", b"a=1", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert error_of(response)["code"] == "unsupported_media_type"


@pytest.mark.django_db
def test_validate_checks_without_storing(api: Any, seed_documents: dict[str, Any]) -> None:
    response = api.post("/api/v1/validate", seed_documents["liquid-lfm-2-24b-a2b"], format="json")
    assert response.json() == {
        "valid": True,
        "slug": "liquid-lfm-2-24b-a2b",
        "errors": [],
        "warnings": [],
    }
    broken = copy.deepcopy(seed_documents["liquid-lfm-2-24b-a2b"])
    broken["passport"]["unfragile"]["capabilities"][0]["matches"] = -1
    broken["passport"]["unfragile"]["trust"]["score"] = "high"
    response = api.post("/api/v1/validate", broken, format="json")
    assert response.status_code == 200
    assert response.json() == {
        "valid": False,
        "errors": [
            {
                "field": "unfragile.capabilities[0].matches",
                "message": "-1 is less than the minimum of 0",
            },
            {"field": "unfragile.trust.score", "message": "'high' is not of type 'integer'"},
        ],
        "warnings": [],
    }
    assert Artifact.objects.count() == 0
    assert (
        json.loads(api.get("/api/schema/", HTTP_ACCEPT="application/json").content)["paths"][
            "/api/v1/passport"
        ]["get"]["summary"]
        == "List passports"
    )
