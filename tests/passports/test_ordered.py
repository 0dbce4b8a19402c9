"""The ordered read's cheap checks (passports.ordered): the text-level ones made before
the parse (a long run of digits; a character at or past U+D000; a backslash) and the
walk's (depth, integers, floats, lists of strings). A document that trips one is read
the usual way: accepted or refused exactly as read_json(ordered=False) does, and a
signed one verifies as before. test_jcs.py holds the byte-for-byte comparisons."""

from __future__ import annotations

import base64
import json
from typing import Any

import orjson
import pytest
import rfc8785

from passports import jcs, ordered
from passports.canonical import DocumentError, canonical_bytes, read_json, signed_bytes
from passports.signing import KeyPair, PublishedKey, verify_document

SEED = bytes(range(32))


def outcome(text: str, *, ordered: bool) -> tuple[Any, ...]:
    try:
        parsed = read_json(text, ordered=ordered)
    except DocumentError as exc:
        return ("refused", exc.message, exc.code, exc.field)
    return ("read", json.dumps(parsed.value, sort_keys=True), parsed.plain, parsed.quick)


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


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('{"a": 1, "a": 1}', "a"),  # the top level
        ('{"b": {"a": 1, "c": 2, "a": 3}}', "a"),  # a nested object, not side by side
        ('{"b": [1, {"x": [{"d": 0.5, "d": 0.5}]}]}', "d"),  # inside lists
        ('{"a": {}, "a": []}', "a"),  # values of different types
        ('{"k": {"a": 1, "\\u0061": 2}}', "a"),  # the same key, one written as an escape
        ('{"\ue000": 1, "\ue000": 2}', "\ue000"),  # a key past U+D800: checked one by one
    ],
)
def test_a_duplicate_key_at_any_depth_is_refused_by_name(text: str, key: str) -> None:
    assert ordered.read_ordered(text.encode(), text, 64) is None
    refused = ("refused", f"duplicate key {key!r}", "duplicate_key", key)
    assert outcome(text, ordered=True) == refused
    assert outcome(text, ordered=False) == refused


@pytest.mark.parametrize(
    ("number", "taken"),
    [
        ("0.1", True),
        ("0.30000000000000004", True),
        ("123456789012.34567", True),
        ("2.5e-3", True),  # an exponent, written as ECMAScript writes it: 0.0025
        ("1E-4", True),  # the smallest magnitude written without an exponent
        ("9999999999999998.5", False),  # rounds to an integral float
        ("0.00009999999999999999", False),  # below 1e-4: ECMAScript writes 9.999999999999999e-5
        ("5e-324", False),  # the smallest subnormal
        ("1.7976931348623157e308", False),  # the largest finite float
        ("1e16", False),
        ("9007199254740993.0", False),  # 2**53 + 1 is no float: read as 2**53
        ("9.007199254740993e15", False),
        ("1e+2", False),  # integral
        ("-0.0", False),
    ],
)
def test_a_float_is_read_as_float_reads_its_text(number: str, taken: bool) -> None:
    """The ordered read vouches only for floats whose ECMAScript form is their repr; each
    is the float Python makes of its text, to the bit, and is written as the reference
    writes it. The others take the usual path, which reads the same float."""
    text = f'{{"n": [{number}], "m": {number}}}'
    parsed = read_json(text, ordered=True)
    assert parsed.quick is taken
    assert parsed.plain is taken
    expected = float(number)
    for value in (parsed.value["n"][0], parsed.value["m"]):
        assert type(value) is float
        assert value.hex() == expected.hex()
    if taken:
        assert jcs.dumps_sorted(parsed.value) == rfc8785.dumps({"m": expected, "n": [expected]})
    assert canonical_bytes(parsed.value) == canonical_bytes(read_json(text).value)


@pytest.mark.parametrize(
    ("number", "taken"),
    [
        ("9007199254740991", True),
        ("-9007199254740991", True),
        ("9007199254740992", False),
        ("-9007199254740992", False),
        ("9223372036854775808", False),  # 2**63: past a 64-bit signed integer
        ("-9223372036854775809", False),
        ("18446744073709551616", False),  # 2**64
        ("1" + "0" * 99, False),  # 100 digits: the text-level check
    ],
)
def test_an_integer_is_read_exactly_and_vouched_for_only_in_the_safe_range(
    number: str, taken: bool
) -> None:
    text = f'{{"n": [{number}], "m": {number}}}'
    parsed = read_json(text, ordered=True)
    assert (parsed.quick, parsed.plain) == (taken, taken)
    assert parsed.value == {"m": int(number), "n": [int(number)]}
    assert type(parsed.value["m"]) is int


@pytest.mark.parametrize(
    "text",
    [
        '{"\U0001f600": 1, "\uff61": 2}',  # code point order puts U+FF61 first; UTF-16 after
        '{"b": {"\U0001f600": 1, "\uff61": 2}}',
        '[{"a": 1}, {"\U0001f600": 1, "\uff61": 2}]',
        '{"\\ud83d\\ude00": 1, "\\uff61": 2}',  # the same keys, written as escapes
        '{"\ud7ff": 1, "\ue000": 2}',
    ],
)
def test_keys_that_need_utf16_order_take_the_usual_path(text: str) -> None:
    """Members whose RFC 8785 (UTF-16) order may differ from code point order are never
    handed back as ordered; the usual path writes them as the reference does."""
    assert ordered.read_ordered(text.encode(), text, 64) is None
    parsed = read_json(text, ordered=True)
    assert (parsed.quick, parsed.plain) == (False, False)
    assert canonical_bytes(parsed.value) == rfc8785.dumps(json.loads(text))


# The quick way (ordered.read_sorted, orjson): what read_json(ordered=True) tries first,
# on the bytes, for a text with no escape and no character at or past U+D000.


@pytest.mark.parametrize(
    ("text", "sorted_read"),
    [
        ('{"b": [1, 0.5, "x:y"], "a": {"d": "1:2:3", "c": -2}}', True),
        ('{"é": 1, "e": 2, "z": 3, "€": 4, "ÿ": 5, "Ā": 6}', True),  # code point order
        ('{"a": 1, "a": 2}', False),  # a duplicate: refused by name, the usual way
        ('{"a:": "b", "a:": "c"}', False),  # colons in the duplicate's strings
        ('[{"x": 1}, {"y": {"k": "v:w", "k": "v"}}]', False),  # deep in a list
        ('{"k": {"a": 1}, "k": {"a": 1}}', False),  # a duplicate of equal value
        ('{"k": "::::", "j": ":"}', True),  # colons in strings alone
        ('{"a": "x\\u003ay"}', False),  # an escape: the stdlib's way
        ('{"\ue000": 1}', False),  # past U+D000: the stdlib's way
        ("\ufeff" + '{"a": 1}', False),  # a BOM: refused by orjson, read the usual way
        ('{"a": 1.0}', False),  # doubts as before: integral float
        ('{"a": 18446744073709551616}', False),  # orjson makes a float of it: doubted
        ('{"a": 9007199254740991}', True),
        ('{"a": 0.' + "5" * 148 + "}", False),  # a long run of digits
        ("[" * 64 + "]" * 64, True),
        ("[" * 65 + "]" * 65, False),
        ("[" * 2000 + "]" * 2000, False),  # past orjson's own limit: the usual way refuses
        ('{"a": NaN}', False),
        ("[1] x", False),
    ],
)
def test_the_sorted_read_takes_only_what_the_ordered_read_vouches_for(
    text: str, sorted_read: bool
) -> None:
    """Whatever read_sorted answers, read_json(ordered=True) accepts and refuses exactly
    what read_json(ordered=False) does; where read_sorted reads, its value is the text's,
    every object's members in the text's order, written sorted as the reference writes it."""
    raw = text.encode()
    value = ordered.read_sorted(raw, 64)
    assert (value is not None) is sorted_read
    assert outcome(text, ordered=True)[:2] == outcome(text, ordered=False)[:2]
    if value is not None:
        assert value == json.loads(text)
        assert json.dumps(value) == json.dumps(json.loads(text))  # the text's order
        parsed = read_json(raw, ordered=True)
        assert (parsed.sortable, parsed.ordered) == (True, False)
        assert jcs.dumps_sorted(value) == rfc8785.dumps(json.loads(text))


def test_the_sorted_read_is_taken_for_a_signed_passport_and_verifies() -> None:
    pair = KeyPair.from_seed(SEED)
    passport = {
        "unfragile": {"b": {"z": 0.25, "y": ["p:q", 3]}, "a": "r: s"},
        "version": 2,
        "keyId": pair.key_id,
    }
    signature = base64.b64encode(pair.sign(canonical_bytes(passport))).decode()
    raw = json.dumps({"passport": {**passport, "signature": signature}}, indent=1).encode()
    assert ordered.read_sorted(raw, 64) is not None
    keys = {pair.key_id: PublishedKey(public=pair.public)}
    assert verify_document(read_json(raw, ordered=True), keys).valid
    tampered = raw.replace(b"0.25", b"0.26")
    assert ordered.read_sorted(tampered, 64) is not None
    verdict = verify_document(read_json(tampered, ordered=True), keys)
    assert (verdict.valid, verdict.reason) == (False, "signature does not match the document")


def test_the_sorted_read_makes_each_float_as_float_makes_it() -> None:
    """orjson's parser against Python's float() on the 10,000 RFC 8785 number lines, in
    both the repr and the ECMAScript forms: the same float, bit for bit, every time."""
    from tests.passports.test_jcs import number_lines

    wrong = []
    for value, expected in number_lines():
        for text in {repr(value), expected}:
            if text in ("inf", "-inf", "nan"):
                continue
            got = orjson.loads(text.encode())
            if float(got).hex() != float(text).hex():
                wrong.append(text)
    assert wrong == []


def test_the_sorted_read_rounds_halfway_floats_as_float_does() -> None:
    """The hardest inputs for a float parser: decimals at (or a digit off) the exact
    midpoint of two neighbouring doubles, written with 17 to 99 characters (a run of 100
    digits goes the stdlib's way). 20,000 of them, seeded: orjson's float is float()'s,
    bit for bit."""
    import decimal
    import math
    import random

    rng = random.Random(8785)
    wrong = []
    for i in range(20_000):
        x = rng.uniform(1e-4, 1e16) if i % 2 else rng.random() * 10 ** rng.randint(-4, 15)
        midpoint = (decimal.Decimal(x) + decimal.Decimal(math.nextafter(x, math.inf))) / 2
        text = format(midpoint, f".{rng.randint(17, 95)}f")[:99]
        if rng.random() < 0.3:
            text = text[:-1] + rng.choice("0123456789")
        if "." not in text:
            continue
        got = orjson.loads(text.encode())
        if type(got) is not float or got.hex() != float(text).hex():
            wrong.append(text)
    assert wrong == []
