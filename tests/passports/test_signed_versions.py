from __future__ import annotations

import base64
import copy
import json
import stat
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command

from passports.models import ImmutableVersion, PassportVersion, SigningKey
from passports.schema import validate
from passports.signing import jwk_thumbprint
from registry.importers.openrouter import openrouter_import
from registry.services import passport_import
from tests.conftest import served as served_passport
from tests.registry.test_import_catalogs import MAVERICK, catalog

SLUG = "meta-llama-llama-4-scout"


def served(api: Any, slug: str = SLUG, **params: Any) -> dict[str, Any]:
    return served_passport(api, slug, **params)


def verify_post(api: Any, document: Any) -> dict[str, Any]:
    response = api.post("/api/v1/verify", document, format="json")
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.django_db
def test_served_document_is_signed_and_verifies(seeds: list[str], api: Any) -> None:
    document = served(api)
    passport = document["passport"]
    key = SigningKey.objects.get()
    assert list(passport) == [
        "unfragile",
        "registry",
        "signature",
        "signedAt",
        "signedBy",
        "version",
        "keyId",
    ]
    assert (passport["version"], passport["keyId"], passport["signedBy"]) == (
        1,
        key.key_id,
        settings.PASSPORT_SIGNER,
    )
    assert len(base64.b64decode(passport["signature"], validate=True)) == 64
    assert verify_post(api, document) == {
        "slug": SLUG,
        "version": 1,
        "valid": True,
        "keyId": key.key_id,
        "signedBy": settings.PASSPORT_SIGNER,
        "signedAt": passport["signedAt"],
        "reason": None,
        # Whether this is the passport's newest version (issue 12: rollback is visible).
        "latest": True,
        "latestVersion": 1,
        "logIndex": 3,  # after the key (0) and the two seeds imported before it
    }
    assert api.get("/api/v1/verify", {"slug": SLUG}).json()["valid"] is True
    assert validate(document) == []


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("unfragile", "trust", "score"), 99),
        (("unfragile", "capabilities", 0, "name"), "a different capability"),
        (("unfragile", "capabilities", 1, "intents", 0), "I need something else"),
        (("unfragile", "artifact", "verified"), True),
        (("registry", "facts", "context_length"), 10),
        (("signedAt",), "2030-01-01T00:00:00.000Z"),
        (("version",), 2),
        (("signedBy",), "someone.else"),
    ],
)
@pytest.mark.django_db
def test_any_changed_value_fails_verification(
    seeds: list[str], api: Any, path: tuple[Any, ...], value: Any
) -> None:
    document = served(api)
    target = document["passport"]
    for step in path[:-1]:
        target = target[step]
    assert target[path[-1]] != value
    target[path[-1]] = value
    verdict = verify_post(api, document)
    assert (verdict["valid"], verdict["reason"]) == (False, "signature does not match the document")


@pytest.mark.django_db
def test_changed_key_id_is_unknown(seeds: list[str], api: Any) -> None:
    document = served(api)
    document["passport"]["keyId"] = "not-a-key"
    assert verify_post(api, document)["reason"] == "unknown key 'not-a-key'"
    del document["passport"]["keyId"]
    assert verify_post(api, document)["reason"] == "no keyId: cannot tell which key signed it"


@pytest.mark.django_db
def test_links_are_not_signed(seeds: list[str], api: Any) -> None:
    document = served(api)
    document["_links"]["self"] = "https://elsewhere.example/passport"
    document["warnings"] = [{"code": "anything"}]
    assert verify_post(api, document)["valid"] is True


def _sig(document: dict[str, Any]) -> str:
    return str(document["passport"]["signature"])


@pytest.mark.parametrize(
    ("mangle", "reason"),
    [
        (lambda s: "garbage!!", "malformed signature: signature is not valid base64"),
        (lambda s: s[:-8], "malformed signature: signature is 60 bytes; expected 64"),
        (lambda s: s[:-1], "malformed signature: signature is not valid base64"),
        (lambda s: s.rstrip("="), "malformed signature: signature is not valid base64"),
        (lambda s: s + "==", "malformed signature: signature is not valid base64"),
        (
            lambda s: base64.b64encode(base64.b64decode(s)[:63]).decode(),
            "malformed signature: signature is 63 bytes; expected 64",
        ),
        (
            lambda s: base64.b64encode(base64.b64decode(s) + b"\0").decode(),
            "malformed signature: signature is 65 bytes; expected 64",
        ),
        (lambda s: base64.urlsafe_b64encode(base64.b64decode(s)).decode(), None),
        (lambda s: s.replace("=", "") + "=", "malformed signature: signature is not valid base64"),
        (lambda s: base64.b64encode(bytes(64)).decode(), "signature does not match the document"),
        (lambda s: 12345, "malformed signature: signature must be a base64 string"),
        (lambda s: ["a"], "malformed signature: signature must be a base64 string"),
    ],
)
@pytest.mark.django_db
def test_bad_signatures_are_invalid_never_500(
    seeds: list[str], api: Any, mangle: Any, reason: str | None
) -> None:
    document = served(api)
    original = _sig(document)
    document["passport"]["signature"] = mangle(original)
    verdict = verify_post(api, document)
    if reason is None:  # urlsafe alphabet: equal only when the signature has no + or /
        expected_valid = document["passport"]["signature"] == original
        assert verdict["valid"] is expected_valid
        if not expected_valid:
            assert verdict["reason"] == "malformed signature: signature is not valid base64"
    else:
        assert (verdict["valid"], verdict["reason"]) == (False, reason)


@pytest.mark.parametrize(
    ("body", "message", "field"),
    [
        ([1, 2], "a document must be a JSON object", "document"),
        ({"hello": "world"}, "no passport object found", "passport"),
        ({"passport": "text"}, "no passport object found", "passport"),
    ],
)
@pytest.mark.django_db
def test_verify_refuses_what_is_not_a_passport(
    api: Any, body: Any, message: str, field: str
) -> None:
    response = api.post("/api/v1/verify", body, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "error": {"code": "not_a_passport", "message": message, "field": field}
    }


@pytest.mark.django_db
def test_verify_get_errors(seeds: list[str], api: Any) -> None:
    assert api.get("/api/v1/verify").json() == {
        "error": {"code": "invalid", "message": "slug is required", "field": "slug"}
    }
    response = api.get("/api/v1/verify", {"slug": SLUG, "version": "x"})
    assert (response.status_code, response.json()["error"]["field"]) == (400, "version")
    response = api.get("/api/v1/verify", {"slug": SLUG, "version": 7})
    assert (response.status_code, response.json()["error"]["message"]) == (
        404,
        f"{SLUG} has no version 7",
    )


@pytest.mark.django_db
def test_changes_make_new_versions_and_old_ones_stay(
    seeds: list[str], api: Any, seed_documents: dict[str, Any]
) -> None:
    first = served(api)
    doc = copy.deepcopy(seed_documents[SLUG])
    doc["passport"]["unfragile"]["capabilities"][0]["best_for"].append("teams that read passports")
    assert passport_import(document=doc).status == "updated"
    assert passport_import(document=doc).status == "unchanged"
    second = served(api)
    assert second["passport"]["version"] == 2
    assert served(api, version=1) == first
    history = api.get(f"/api/v1/passport/{SLUG}/versions").json()
    assert [v["version"] for v in history["versions"]] == [2, 1]
    assert (
        history["versions"][0]["digest"]
        == "sha256:" + PassportVersion.objects.get(artifact__slug=SLUG, number=2).digest
    )
    for number in (1, 2):
        assert api.get("/api/v1/verify", {"slug": SLUG, "version": number}).json()["valid"] is True
    # A catalog that adds facts is a change too; the same catalog again is not.
    openrouter_import(data=catalog(dict(MAVERICK, id="meta-llama/llama-4-scout")), label="t")
    openrouter_import(data=catalog(dict(MAVERICK, id="meta-llama/llama-4-scout")), label="t")
    assert served(api)["passport"]["version"] == 3
    with pytest.raises(ImmutableVersion):
        version = PassportVersion.objects.get(artifact__slug=SLUG, number=1)
        version.signature = "x"
        version.save()


@pytest.mark.django_db
def test_etag_answers_304(seeds: list[str], api: Any) -> None:
    response = api.get(f"/api/v1/passport/{SLUG}")
    etag = response["ETag"]
    again = api.get(f"/api/v1/passport/{SLUG}", HTTP_IF_NONE_MATCH=etag)
    assert (again.status_code, again["ETag"], again.content) == (304, etag, b"")


@pytest.mark.django_db
def test_rotation_keeps_old_versions_valid_and_revocation_ends_them(
    seeds: list[str], api: Any, seed_documents: dict[str, Any], capsys: Any
) -> None:
    old_key = SigningKey.objects.get().key_id
    v1 = served(api)
    call_command("passport_keys", "rotate")
    new_key = SigningKey.objects.get(status="active").key_id
    assert capsys.readouterr().out.splitlines() == [f"{new_key} active", f"{old_key} retired"]
    doc = copy.deepcopy(seed_documents[SLUG])
    doc["passport"]["unfragile"]["artifact"]["name"] = "Scout (renamed)"
    passport_import(document=doc)
    v2 = served(api)
    assert (v2["passport"]["version"], v2["passport"]["keyId"]) == (2, new_key)
    assert verify_post(api, v1)["valid"] is True
    assert verify_post(api, v2)["valid"] is True
    keys = {k["kid"]: k["status"] for k in api.get("/.well-known/jwks.json").json()["keys"]}
    assert keys == {old_key: "retired", new_key: "active"}
    call_command("passport_keys", "revoke", "--", old_key)
    assert verify_post(api, v1) | {"signedAt": None} == {
        "slug": SLUG,
        "version": 1,
        "valid": False,
        "keyId": old_key,
        "signedBy": settings.PASSPORT_SIGNER,
        "signedAt": None,
        "reason": "key revoked",
        "latest": False,
        "latestVersion": 2,
        "logIndex": 3,
    }
    assert api.get("/api/v1/verify", {"slug": SLUG, "version": 1}).json()["reason"] == "key revoked"
    assert verify_post(api, v2)["valid"] is True
    capsys.readouterr()
    call_command("passport_keys", "list")
    listed = [line.split()[:2] for line in capsys.readouterr().out.splitlines()]
    assert listed == [[old_key, "revoked"], [new_key, "active"]]


@pytest.mark.django_db
def test_public_key_endpoints_publish_only_public_halves(seeds: list[str], api: Any) -> None:
    key = SigningKey.objects.get()
    body = api.get("/api/v1/trust-passport-public-key").json()
    assert (body["algorithm"], body["keyId"], body["publicKey"]) == (
        "Ed25519",
        key.key_id,
        key.public_key,
    )
    assert jwk_thumbprint(base64.b64decode(body["publicKey"])) == key.key_id
    jwks = api.get("/.well-known/jwks.json").json()
    assert [sorted(k) for k in jwks["keys"]] == [
        ["alg", "created", "crv", "kid", "kty", "retired", "revoked", "status", "use", "x"]
    ]
    private = json.loads(Path(settings.PASSPORT_SIGNING_KEY_FILE).read_text())["d"]
    for path in (
        "/api/v1/trust-passport-public-key",
        "/.well-known/jwks.json",
        f"/api/v1/passport/{SLUG}",
        "/schema.json",
    ):
        assert private not in api.get(path).content.decode()
    assert stat.S_IMODE(Path(settings.PASSPORT_SIGNING_KEY_FILE).stat().st_mode) == 0o600


@pytest.mark.django_db
def test_schema_json_validates_seeds_and_served_documents(
    seeds: list[str], api: Any, seed_documents: dict[str, Any]
) -> None:
    response = api.get("/schema.json")
    assert response["Content-Type"] == "application/schema+json"
    schema = response.json()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema)
    for slug, seed in seed_documents.items():
        assert list(validator.iter_errors(seed)) == []
        assert list(validator.iter_errors(served(api, slug))) == []
    broken = served(api)
    broken["passport"]["unfragile"]["trust"]["score"] = "high"
    assert [e.message for e in validator.iter_errors(broken)] == ["'high' is not of type 'integer'"]


@pytest.mark.django_db
def test_an_older_version_verifies_but_says_it_is_superseded(
    seeds: list[str], api: Any, client: Any, seed_documents: dict[str, Any]
) -> None:
    first = served(api)
    doc = copy.deepcopy(seed_documents[SLUG])
    doc["passport"]["unfragile"]["capabilities"][0]["best_for"].append("teams that read passports")
    assert passport_import(document=doc).status == "updated"
    old = api.get("/api/v1/verify", {"slug": SLUG, "version": 1}).json()
    assert (old["valid"], old["version"], old["latest"], old["latestVersion"]) == (
        True,
        1,
        False,
        2,
    )
    assert old["logIndex"] == 3
    new = api.get("/api/v1/verify", {"slug": SLUG}).json()
    assert new["logIndex"] == 4
    assert (new["valid"], new["version"], new["latest"], new["latestVersion"]) == (True, 2, True, 2)
    held = verify_post(api, first)
    assert (held["valid"], held["latest"], held["latestVersion"]) == (True, False, 2)
    page = client.post("/verify", {"document": json.dumps(first)}).content.decode()
    assert "superseded by v2" in page


@pytest.mark.django_db
def test_get_verify_checks_the_stored_signed_bytes_without_canonicalising(
    seeds: list[str], api: Any, django_assert_num_queries: Any
) -> None:
    """GET verify reads the verdict off the stored canonical bytes and the version's own
    key (loaded with it): artifact, version + key, then latest number and log index."""
    key = SigningKey.objects.get()
    with django_assert_num_queries(3):
        answer = api.get("/api/v1/verify", {"slug": SLUG}).json()
    assert answer == {
        "slug": SLUG,
        "version": 1,
        "valid": True,
        "keyId": key.key_id,
        "signedBy": settings.PASSPORT_SIGNER,
        "signedAt": PassportVersion.objects.get(artifact__slug=SLUG).signed_at,
        "reason": None,
        "latest": True,
        "latestVersion": 1,
        "logIndex": answer["logIndex"],
    }
    assert isinstance(answer["logIndex"], int)


@pytest.mark.django_db
def test_get_verify_tells_an_edited_stored_text_from_edited_signed_bytes(
    seeds: list[str], api: Any
) -> None:
    version = PassportVersion.objects.get(artifact__slug=SLUG)
    stored = json.loads(version.passport_json)
    stored["unfragile"]["artifact"]["name"] = "Edited"
    # .update() passes by the model's refusal to change a version: a database edit.
    PassportVersion.objects.filter(pk=version.pk).update(passport_json=json.dumps(stored))
    answer = api.get("/api/v1/verify", {"slug": SLUG}).json()
    assert (answer["valid"], answer["reason"]) == (
        False,
        "stored document differs from the bytes that were signed",
    )
    PassportVersion.objects.filter(pk=version.pk).update(
        passport_json=version.passport_json,
        canonical=version.canonical.replace('"version":1', '"version":2'),
    )
    answer = api.get("/api/v1/verify", {"slug": SLUG}).json()
    assert (answer["valid"], answer["version"], answer["reason"]) == (
        False,
        2,
        "signature does not match the document",
    )


@pytest.mark.django_db
def test_get_verify_takes_a_number_written_another_way_as_the_same(
    seeds: list[str], api: Any
) -> None:
    """Stored text 1.0 where the signed bytes say 1: one JSON number, still valid."""
    version = PassportVersion.objects.get(artifact__slug=SLUG)
    assert '"version":1' in version.passport_json
    PassportVersion.objects.filter(pk=version.pk).update(
        passport_json=version.passport_json.replace('"version":1', '"version":1.0')
    )
    assert api.get("/api/v1/verify", {"slug": SLUG}).json()["valid"] is True


@pytest.mark.django_db
def test_post_verify_reads_the_keys_and_the_history_in_two_queries(
    seeds: list[str], api: Any, django_assert_num_queries: Any
) -> None:
    document = served(api)
    with django_assert_num_queries(2):
        answer = verify_post(api, document)
    assert (answer["valid"], answer["latest"], answer["latestVersion"]) == (True, True, 1)
    assert isinstance(answer["logIndex"], int)


@pytest.mark.django_db
@pytest.mark.parametrize("version", [2**31, 2**53 - 1, 10**30, -1])
def test_post_verify_of_a_version_no_column_can_hold(
    seeds: list[str], api: Any, version: int
) -> None:
    document = served(api)
    document["passport"]["version"] = version
    answer = verify_post(api, document)
    assert (answer["valid"], answer["version"], answer["latest"], answer["logIndex"]) == (
        False,
        version,
        False,
        None,
    )
    assert answer["latestVersion"] == 1
