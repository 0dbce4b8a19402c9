from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from registry.importers.passports import passports_import_paths
from registry.models import Artifact, Capability, ImportWarning, Trust
from registry.services import DocumentRejected, passport_import
from tests.conftest import SEED_DIR, SEED_FILES, served


@pytest.mark.django_db
def test_every_seed_round_trips_value_for_value(
    seeds: list[str], api: Any, seed_documents: dict[str, Any]
) -> None:
    for slug, seed in seed_documents.items():
        document = served(api, slug)
        assert document["passport"]["unfragile"] == seed["passport"]["unfragile"]
        # Same key order and number forms too: byte-identical as plain JSON.
        assert json.dumps(document["passport"]["unfragile"]) == json.dumps(
            seed["passport"]["unfragile"]
        )
        assert document["warnings"] == []
        assert set(document["passport"]) == {
            "unfragile",
            "registry",
            "signature",
            "signedAt",
            "signedBy",
            "version",
            "keyId",
        }


@pytest.mark.django_db
def test_import_twice_changes_nothing(seeds: list[str]) -> None:
    digests = dict(Artifact.objects.values_list("slug", "content_digest"))
    updated = dict(Artifact.objects.values_list("slug", "updated_at"))
    summary = passports_import_paths(paths=[str(SEED_DIR)])
    assert dict(summary.counts) == {"unchanged": 3}
    assert dict(Artifact.objects.values_list("slug", "content_digest")) == digests
    assert dict(Artifact.objects.values_list("slug", "updated_at")) == updated


@pytest.mark.django_db
def test_unknown_members_are_kept_at_every_level(api: Any, seed_documents: dict[str, Any]) -> None:
    doc = copy.deepcopy(seed_documents["meta-llama-llama-4-scout"])
    unfragile = doc["passport"]["unfragile"]
    unfragile["x_top"] = {"nested": [1, 2.5, None]}
    unfragile["artifact"]["x_license"] = "llama4"
    unfragile["capabilities"][2]["x_benchmarks"] = {"mmlu": 0.79}
    unfragile["trust"]["x_audit"] = "2026-01"
    unfragile["trust"]["rank_breakdown"]["x_note"] = "manual"
    unfragile["trust"]["rank_breakdown"]["weights"]["x_w"] = 0
    unfragile["trust"]["observed_outcomes"]["x_window"] = "30d"
    unfragile["distribution"]["docs_url"] = "https://example.org/docs"
    assert passport_import(document=doc).status == "created"
    assert served(api, "meta-llama-llama-4-scout")["passport"]["unfragile"] == unfragile


@pytest.mark.django_db
def test_changed_document_updates_in_place(
    seeds: list[str], api: Any, seed_documents: dict[str, Any]
) -> None:
    doc = copy.deepcopy(seed_documents["meta-llama-llama-4-maverick"])
    caps = doc["passport"]["unfragile"]["capabilities"]
    caps[0]["intents"].append("I need a new intent")
    caps.pop(3)
    # Capability ids stay as published even when positions shift.
    outcome = passport_import(document=doc)
    assert outcome.status == "updated"
    stored = served(api, "meta-llama-llama-4-maverick")["passport"]["unfragile"]
    assert [c["id"] for c in stored["capabilities"]] == [c["id"] for c in caps]
    assert stored["capabilities"][0]["intents"][-1] == "I need a new intent"
    assert Capability.objects.filter(artifact__slug="meta-llama-llama-4-maverick").count() == 5


@pytest.mark.parametrize(
    ("mutate", "field", "message"),
    [
        (
            lambda u: u["artifact"].pop("slug"),
            "unfragile.artifact.slug",
            "'slug' is a required property",
        ),
        (
            lambda u: u["capabilities"][1].__setitem__("confidence", "high"),
            "unfragile.capabilities[1].confidence",
            "'high' is not of type 'number'",
        ),
        (
            lambda u: u["capabilities"][0].__setitem__("confidence", 1.5),
            "unfragile.capabilities[0].confidence",
            "1.5 is greater than the maximum of 1",
        ),
        (
            lambda u: u["trust"].__setitem__("score", 101),
            "unfragile.trust.score",
            "101 is greater than the maximum of 100",
        ),
        (
            lambda u: u["artifact"].__setitem__("tags", "text"),
            "unfragile.artifact.tags",
            "'text' is not of type 'array'",
        ),
        (
            lambda u: u["artifact"].__setitem__("slug", "Bad Slug!"),
            "unfragile.artifact.slug",
            "'Bad Slug!' does not match '^[a-z0-9][a-z0-9._-]*$'",
        ),
        (
            lambda u: u["capabilities"][2].__setitem__("id", u["capabilities"][0]["id"]),
            "unfragile.capabilities[2].id",
            "capability id 'openrouter-meta-llama-llama-4-scout__cap_0' appears twice",
        ),
    ],
)
@pytest.mark.django_db
def test_invalid_documents_are_refused_whole(
    seed_documents: dict[str, Any], mutate: Any, field: str, message: str
) -> None:
    doc = copy.deepcopy(seed_documents["meta-llama-llama-4-scout"])
    mutate(doc["passport"]["unfragile"])
    with pytest.raises(DocumentRejected) as caught:
        passport_import(document=doc)
    assert caught.value.field == field
    assert caught.value.message.endswith(message)
    assert Artifact.objects.count() == 0
    assert Capability.objects.count() == 0
    assert Trust.objects.count() == 0


@pytest.mark.django_db
def test_database_conflict_rolls_back_the_whole_document(
    seeds: list[str], seed_documents: dict[str, Any]
) -> None:
    doc = copy.deepcopy(seed_documents["meta-llama-llama-4-scout"])
    unfragile = doc["passport"]["unfragile"]
    unfragile["artifact"]["slug"] = "scout-copy"
    unfragile["artifact"]["id"] = "scout-copy"
    # The last capability id belongs to the real Scout: refused, nothing stored.
    for position, cap in enumerate(unfragile["capabilities"]):
        cap["id"] = f"scout-copy__cap_{position}"
    unfragile["capabilities"][-1]["id"] = "openrouter-meta-llama-llama-4-scout__cap_6"
    with pytest.raises(DocumentRejected) as caught:
        passport_import(document=doc)
    assert caught.value.status == 409
    assert (
        caught.value.message
        == "capability id 'openrouter-meta-llama-llama-4-scout__cap_6' belongs to another artifact"
    )
    assert not Artifact.objects.filter(slug="scout-copy").exists()
    assert Capability.objects.count() == 6 + 7 + 9


@pytest.mark.django_db
def test_stated_values_that_disagree_are_kept_with_a_warning(
    api: Any, seed_documents: dict[str, Any]
) -> None:
    doc = copy.deepcopy(seed_documents["liquid-lfm-2-24b-a2b"])
    doc["passport"]["unfragile"]["trust"]["score"] = 77
    doc["passport"]["unfragile"]["trust"]["permissions"] = ["root access"]
    outcome = passport_import(document=doc)
    assert [w["field"] for w in outcome.warnings] == ["trust.score", "trust.permissions"]
    document = served(api, "liquid-lfm-2-24b-a2b")
    assert document["passport"]["unfragile"]["trust"]["score"] == 77
    assert document["passport"]["unfragile"]["trust"]["permissions"] == ["root access"]
    assert [(w["code"], w["field"]) for w in document["warnings"]] == [
        ("derived_mismatch", "trust.permissions"),
        ("derived_mismatch", "trust.score"),
    ]
    assert document["warnings"][1]["message"] == (
        "stated trust.score 77 differs from the derived value 24; the stated value is kept"
    )
    assert ImportWarning.objects.filter(artifact__slug="liquid-lfm-2-24b-a2b").count() == 2


@pytest.mark.django_db
def test_document_without_trust_gets_derived_trust(api: Any) -> None:
    doc = {
        "artifact": {"slug": "tiny-model", "name": "Tiny"},
        "capabilities": [
            {"name": "chat", "limitations": ["short context"], "requires": ["an API key"]}
        ],
    }
    assert passport_import(document=doc).status == "created"
    unfragile = served(api, "tiny-model")["passport"]["unfragile"]
    assert unfragile["capabilities"][0]["id"] == "tiny-model__cap_0"
    trust = unfragile["trust"]
    assert trust["permissions"] == ["an API key"]
    assert trust["failure_modes"] == [
        "short context",
        "builder identity is not verified yet",
        "no observed match outcomes yet",
    ]
    weights = trust["rank_breakdown"]["weights"]
    assert weights == {
        "adoption": 0.35,
        "quality": 0.2,
        "ecosystem": 0.1,
        "match_graph": 0.3,
        "freshness": 0.05,
    }
    assert trust["score"] == round(
        100 * sum(weights[k] * trust["rank_breakdown"][k] for k in weights)
    )
    assert passport_import(document=doc).status == "unchanged"


@pytest.mark.django_db
def test_batch_goes_on_after_bad_files(tmp_path: Path) -> None:
    (tmp_path / "a-not-json.json").write_text("{oops")
    (tmp_path / "b-deep.json").write_text('{"a":' * 1000 + "1" + "}" * 1000)
    (tmp_path / "c-dupes.json").write_text('{"passport": {"unfragile": {}, "unfragile": {}}}')
    (tmp_path / "d-huge.json").write_bytes(b'{"x": "' + b"y" * (10 * 1024 * 1024) + b'"}')
    (tmp_path / "e-list.json").write_text(
        json.dumps(
            [{"artifact": {"slug": "ok-one", "name": "One"}}, {"artifact": {"name": "no slug"}}, 5]
        )
    )
    for path in SEED_FILES:
        (tmp_path / path.name).write_bytes(path.read_bytes())
    summary = passports_import_paths(paths=[str(tmp_path)])
    assert dict(summary.counts) == {"created": 4, "rejected": 6}
    assert [
        (r["where"].replace(str(tmp_path) + "/", ""), r["reason"]) for r in summary.rejected
    ] == [
        (
            "a-not-json.json",
            "not JSON: Expecting property name enclosed in double quotes at line 1 column 2",
        ),
        ("b-deep.json", "nesting depth 1000 exceeds the limit of 64"),
        ("c-dupes.json", "duplicate key 'unfragile'"),
        ("d-huge.json", "body is 1048577 bytes; the limit is 1048576 bytes"),
        ("e-list.json[1]", "unfragile.artifact.slug: 'slug' is a required property"),
        ("e-list.json[2]", "a passport document must be a JSON object, not int"),
    ]
    assert sorted(Artifact.objects.values_list("slug", flat=True)) == [
        "liquid-lfm-2-24b-a2b",
        "meta-llama-llama-4-maverick",
        "meta-llama-llama-4-scout",
        "ok-one",
    ]


@pytest.mark.django_db
def test_command_reads_stdin_and_prints_a_summary(monkeypatch: Any, capsys: Any) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(SEED_FILES[0].read_bytes()))
    monkeypatch.setattr("sys.stdin", stdin)
    call_command("import_passports", "-", "--no-progress")
    assert capsys.readouterr().out.splitlines() == ["passports: 1 records read", "  created    1"]
    with pytest.raises(CommandError, match="every record was rejected"):
        call_command("import_passports", "/nonexistent/file.json", "--no-progress")
    assert capsys.readouterr().out.splitlines() == [
        "passports: 1 records read",
        "  rejected   1",
        "  rejected: /nonexistent/file.json: cannot read: No such file or directory",
    ]
