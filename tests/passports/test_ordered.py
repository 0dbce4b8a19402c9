"""The ordered read's cheap checks (passports.ordered): the text-level ones made before
the parse (a long run of digits; a character at or past U+D000; a backslash) and the
walk's (depth, integers, floats, lists of strings). A document that trips one is read
the usual way: accepted or refused exactly as read_json(ordered=False) does, and a
signed one verifies as before. test_jcs.py holds the byte-for-byte comparisons."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from passports import ordered
from passports.canonical import DocumentError, read_json, signed_bytes
from passports.signing import KeyPair, PublishedKey, verify_document

SEED = bytes(range(32))


def outcome(text: str, *, ordered: bool) -> tuple[Any, ...]:
    try:
        parsed = read_json(text, ordered=ordered)
    except DocumentError as exc:
        return ("refused", exc.message, exc.code, exc.field)
    return ("read", json.dumps(parsed.value, sort_keys=True), parsed.plain, parsed.ordered)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A run of 100 digits, even in a string, sends the text the usual way.
        ('{"a": "' + "1" * 100 + '"}', ("read", '{"a": "' + "1" * 100 + '"}', True, False)),
        ('{"a": "' + "1" * 99 + '"}', ("read", '{"a": "' + "1" * 99 + '"}', True, True)),
        # A float of 150 characters: a number the strict parse takes, not the quick read.
        ('{"a": 0.' + "5" * 148 + "}", ("read", '{"a": 0.5555555555555556}', True, False)),
        # Past 400 characters the strict parse refuses it, by name.
        (
            '{"a": 0.' + "5" * 399 + "}",
            (
                "refused",
                "a number has 401 characters; the limit is 400",
                "invalid_number",
                "a",
            ),
        ),
        (
            "[" + "9" * 401 + "]",
            ("refused", "a number has 401 digits; the limit is 400", "invalid_number", "[0]"),
        ),
        # Integers the C parser reads are held to +-(2**53 - 1) by the walk.
        (
            "[9007199254740991, -9007199254740991]",
            ("read", "[9007199254740991, -9007199254740991]", True, True),
        ),
        ("[9007199254740992]", ("read", "[9007199254740992]", False, False)),
        ("[-0]", ("read", "[0]", True, True)),
        ("[-0.0]", ("read", "[-0.0]", False, False)),
        ("[1.0]", ("read", "[1.0]", False, False)),
        ("[0.0001, 9999999999999998.5]", ("read", "[0.0001, 9999999999999998.0]", False, False)),
        ("[1e999]", ("refused", "the number 1e999 is out of range", "invalid_number", "[0]")),
        (
            '{"b": [true, false, null], "a": 0.5}',
            ("read", '{"a": 0.5, "b": [true, false, null]}', True, True),
        ),
        # A character at or past U+D000 in the text: keys are checked one by one.
        ('{"\ud7ff": 1, "a": "\ue000"}', ("read", '{"a": "\\ue000", "\\ud7ff": 1}', True, True)),
        ('{"a": {"\ue000": 1}}', ("read", '{"a": {"\\ue000": 1}}', False, False)),
        ('{"a": {"\U0001f600": 1}}', ("read", '{"a": {"\\ud83d\\ude00": 1}}', False, False)),
        # An escape: keys are checked too, and risky escapes take the usual path.
        ('{"a\\n": "\\"\\\\"}', ("read", '{"a\\n": "\\"\\\\"}', True, True)),
        ('{"a": {"\\ue000": 1}}', ("read", '{"a": {"\\ue000": 1}}', False, False)),
        (
            '{"a": ["\\u0000"]}',
            (
                "refused",
                "a string holds a NUL character (\\u0000), which no field can store",
                "invalid_string",
                "a[0]",
            ),
        ),
        # A duplicate key is refused by name, wherever it is.
        ('[{"a": 1, "a": 1}]', ("refused", "duplicate key 'a'", "duplicate_key", "a")),
    ],
)
def test_a_text_that_trips_a_check_is_read_the_usual_way(
    text: str, expected: tuple[Any, ...]
) -> None:
    assert outcome(text, ordered=True) == expected
    general = outcome(text, ordered=False)
    assert general[:2] == expected[:2]
    if expected[0] == "read":
        assert general[2] == expected[2]  # plain, as the general read says


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        # Lists of strings alone are checked without a call of their own: at the limit,
        # and one past it.
        ("[" * 63 + '["x", "y"]' + "]" * 63, 64),
        ("[" * 64 + '["x"]' + "]" * 64, 65),
        ("[" * 63 + "[]" + "]" * 63, 64),
        ("[" * 64 + "[]" + "]" * 64, 65),
        ('{"a":' * 63 + '["x"]' + "}" * 63, 64),
        ('{"a":' * 64 + '["x"]' + "}" * 64, 65),
        ("[" * 62 + '["x", ["y"]]' + "]" * 62, 64),
        ("[" * 63 + '["x", ["y"]]' + "]" * 63, 65),
    ],
)
def test_the_depth_limit_holds_for_lists_of_strings(text: str, depth: int) -> None:
    if depth <= 64:
        assert ordered.read_ordered(text.encode(), text, 64) == json.loads(text)
        read = ("read", json.dumps(json.loads(text), sort_keys=True), True)
        assert outcome(text, ordered=True) == (*read, True)
        assert outcome(text, ordered=False) == (*read, False)
    else:
        assert ordered.read_ordered(text.encode(), text, 64) is None
        refused = ("refused", f"nesting depth {depth} exceeds the limit of 64", "too_deep", None)
        assert outcome(text, ordered=True) == refused
        assert outcome(text, ordered=False) == refused


def _signed(passport: dict[str, Any]) -> tuple[str, dict[str, PublishedKey]]:
    key = KeyPair.from_seed(SEED)
    passport = {**passport, "keyId": key.key_id}
    signature = base64.b64encode(key.sign(signed_bytes(passport))).decode("ascii")
    document = {"passport": {**passport, "signature": signature}}
    return json.dumps(document, ensure_ascii=False), {key.key_id: PublishedKey(key.public)}


@pytest.mark.parametrize(
    "unfragile",
    [
        {"artifact": {"slug": "s"}, "note": "9" * 120, "score": 0.25},  # a long digit run
        {"artifact": {"slug": "s"}, "note": "\ue000", "score": 0.5},  # past U+D000
        {"artifact": {"slug": "s"}, "note": 'a "quote"\n', "score": 0.75},  # escapes
        {"artifact": {"slug": "s"}, "\ue000": "a key past U+D800", "score": 1.0},
    ],
)
def test_a_signed_document_that_trips_a_check_verifies_as_before(
    unfragile: dict[str, Any],
) -> None:
    text, keys = _signed({"unfragile": unfragile, "version": 3})
    for ordered_read in (True, False):
        verdict = verify_document(read_json(text, ordered=ordered_read), keys)
        assert (verdict.valid, verdict.reason, verdict.slug) == (True, None, "s")
    tampered = text.replace('"version": 3', '"version": 4')
    for ordered_read in (True, False):
        verdict = verify_document(read_json(tampered, ordered=ordered_read), keys)
        assert (verdict.valid, verdict.reason) == (False, "signature does not match the document")
