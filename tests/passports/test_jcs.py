"""The fast RFC 8785 path (passports.jcs) against the reference `rfc8785` package: the
RFC's vectors, 10,000 of its number lines, and generated documents (Hypothesis)."""

from __future__ import annotations

import json
import math
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from passports import jcs
from passports.canonical import DocumentError, canonical_bytes, read_json, signed_bytes

VECTORS = Path(__file__).resolve().parents[3] / "shared" / "vectors" / "jcs"
JCS_NAMES = ["arrays", "french", "structures", "unicode", "values", "weird"]


def reference(value: Any) -> bytes | str:
    """rfc8785.dumps, or the name of the error it raises."""
    try:
        return rfc8785.dumps(value)
    except Exception as exc:  # noqa: BLE001 (any error the reference raises is the expectation)
        return type(exc).__name__


def fast(value: Any) -> bytes | str:
    try:
        return jcs.dumps(value)
    except Exception as exc:  # noqa: BLE001
        return type(exc).__name__


@pytest.mark.parametrize("name", JCS_NAMES)
def test_jcs_vectors_fast_path_gives_the_rfc_bytes(name: str) -> None:
    source = json.loads((VECTORS / "input" / f"{name}.json").read_bytes())
    expected = (VECTORS / "output" / f"{name}.json").read_bytes()
    assert jcs.dumps(source) == expected
    assert rfc8785.dumps(source) == expected
    parsed = read_json((VECTORS / "input" / f"{name}.json").read_bytes())
    assert jcs.dumps(parsed.value) == expected
    if parsed.plain:
        assert jcs.dumps_plain(parsed.value) == expected


def number_lines() -> list[tuple[float, str]]:
    lines = (VECTORS / "es6testfile_10k.txt").read_text().splitlines()
    assert len(lines) == 10000
    return [
        (struct.unpack(">d", bytes.fromhex(bits.rjust(16, "0")))[0], expected)
        for bits, expected in (line.split(",") for line in lines)
    ]


def test_ten_thousand_numbers_through_the_fast_path() -> None:
    """Alone, inside an object and inside an array: the placeholder path of jcs.dumps."""
    wrong = []
    for value, expected in number_lines():
        got = (
            jcs.es_number(value),
            jcs.dumps(value),
            jcs.dumps({"n": value, "a": [value, "x"]}),
        )
        want = (
            expected,
            expected.encode(),
            f'{{"a":[{expected},"x"],"n":{expected}}}'.encode(),
        )
        if got != want:
            wrong.append((value, got, want))
    assert wrong == []


def test_number_lines_agree_with_the_reference() -> None:
    for value, expected in number_lines()[:2000]:
        assert rfc8785.dumps(value) == expected.encode()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"\ue000": 1, "\U0001f600": 2}, '{"\U0001f600":2,"\ue000":1}'),  # UTF-16: D83D < E000
        ({"\uffff": 1, "\U00010000": 2, "a": 3}, '{"a":3,"\U00010000":2,"\uffff":1}'),
        (
            [{"b": 1, "a": {"\ufb01": 0, "\U0001d11e": 0}}],
            '[{"a":{"\U0001d11e":0,"\ufb01":0},"b":1}]',
        ),
        (
            "\x00\x07\x08\x09\x0a\x0b\x0c\x0d\x1f\x7f",
            '"\\u0000\\u0007\\b\\t\\n\\u000b\\f\\r\\u001f\x7f"',
        ),
        ('"\\/\u2028', '"\\"\\\\/\u2028"'),
        ([4.0, -0.0, 1e21, 1e-7, 0.00001, 2.0**60], "[4,0,1e+21,1e-7,0.00001,1152921504606847000]"),
        ([9007199254740991, -9007199254740991], "[9007199254740991,-9007199254740991]"),
        ({"a": "\udfff0", "b": 1e-9}, None),  # a string like a placeholder, with a lone surrogate
        ({"a": "x", "b": 1e-9}, '{"a":"x","b":1e-9}'),
        ((1, [2, (3,)]), "[1,[2,[3]]]"),
        ({}, "{}"),
        ([], "[]"),
    ],
)
def test_fast_path_edge_cases(value: Any, expected: str | None) -> None:
    assert fast(value) == reference(value)
    if expected is not None:
        assert jcs.dumps(value) == expected.encode()


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ({"a": 2**53}, "IntegerDomainError"),
        ([-(2**53)], "IntegerDomainError"),
        ([math.nan], "FloatDomainError"),
        ({"a": math.inf}, "FloatDomainError"),
        ({1: "a"}, "CanonicalizationError"),
        (["\ud800"], "CanonicalizationError"),
        ({"\udc00": 1}, "UnicodeEncodeError"),
        ([object()], "CanonicalizationError"),
    ],
)
def test_fast_path_raises_what_the_reference_raises(value: Any, error: str) -> None:
    assert reference(value) == error
    assert fast(value) == error


def test_canonical_bytes_wraps_the_reference_errors() -> None:
    with pytest.raises(DocumentError) as caught:
        canonical_bytes({"a": 2**53})
    assert caught.value.code == "not_canonicalisable"
    assert caught.value.message == (
        "cannot canonicalise: 9007199254740992 exceeds safe integer domain for JSON floats"
    )


def test_a_value_that_contains_itself_is_left_to_the_reference() -> None:
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(RecursionError):
        jcs.dumps(loop)


# Keys drawn to hit the UTF-16 order: ASCII, Latin, the U+E000-U+FFFF block (after the
# surrogates in UTF-16, before them in code points) and astral characters.
KEY_CHARS = st.one_of(
    st.sampled_from("abcAB_-0 "),
    st.characters(min_codepoint=0x80, max_codepoint=0x24F),
    st.characters(min_codepoint=0xE000, max_codepoint=0xFFFF),
    st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF),
)
TEXT = st.text(
    st.one_of(
        st.characters(max_codepoint=0x7F),
        st.characters(min_codepoint=0x00, max_codepoint=0x1F),  # controls: escapes
        st.sampled_from('"\\/\u2028\u2029\ufeff\U0001f600'),
        st.characters(exclude_categories=["Cs"]),
    ),
    max_size=12,
)
NUMBERS = st.one_of(
    st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1),
    st.integers(min_value=2**53 - 3, max_value=2**53 + 3),  # the edge of the safe range
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(min_value=-1e-3, max_value=1e-3),
    st.sampled_from([0.0, -0.0, 1.0, 4.0, 1e16, 1e21, 1e-6, 1e-7, 2.0**53, 2.0**60, 5e-324]),
)
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, TEXT)
DOCUMENTS = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.dictionaries(st.text(KEY_CHARS, max_size=4), inner, max_size=5),
    ),
    max_leaves=30,
)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCUMENTS)
@example({"\ue000": [1.5], "\U0001f600": {"b": 1e-7, "a": "\x1f"}})
@example({"a": 2**53, "b": [0.1]})
def test_fast_path_equals_the_reference_on_generated_documents(document: Any) -> None:
    assert fast(document) == reference(document)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCUMENTS)
def test_read_json_plain_values_canonicalise_without_the_walk(document: Any) -> None:
    """What read_json calls plain, dumps_plain writes exactly as the reference does; and
    the signed bytes of a passport read from text are the same either way."""
    expected = reference(document)
    if not isinstance(expected, bytes):
        return
    text = json.dumps(document, ensure_ascii=False)
    if "\\u0000" in text:
        return  # read_json refuses a NUL (tests/passports/test_canonical.py)
    parsed = read_json(text)
    assert parsed.value == document
    if parsed.plain:
        assert jcs.dumps_plain(parsed.value) == expected
    passport = {"signature": "x", "body": parsed.value}
    assert signed_bytes(passport, plain=parsed.plain) == signed_bytes(passport)


def test_read_json_says_which_values_are_plain() -> None:
    assert read_json('{"a": [1, 0.5, "x", true, null]}').plain is True
    assert read_json('{"a": 1.0}').plain is False  # integral float: written as 1
    assert read_json('{"a": 1e-7}').plain is False  # ES notation differs from repr
    assert read_json('{"a": 9007199254740992}').plain is False  # past the safe range
    assert read_json('{"\\ue000": 1}').plain is False  # a key where UTF-16 order differs
    assert read_json('{"\\u00e9": 1}').plain is True


# The ordered read (passports.ordered) and its encoder (jcs.dumps_ordered): what POST
# /api/v1/verify and the offline verifier run.


def outcome(text: str | bytes, *, ordered: bool) -> Any:
    """read_json's value (members in the order read) or its refusal (message, code, field)."""
    try:
        parsed = read_json(text, ordered=ordered)
    except DocumentError as exc:
        return ("refused", exc.message, exc.code, exc.field)
    return ("read", json.dumps(parsed.value, sort_keys=True))


def in_member_order(value: Any) -> bool:
    if isinstance(value, dict):
        return list(value) == sorted(value) and all(map(in_member_order, value.values()))
    if isinstance(value, list):
        return all(map(in_member_order, value))
    return True


def quick_bytes(parsed: Any) -> bytes:
    """The canonical bytes of what the ordered read vouched for, by the writer it names."""
    if parsed.ordered:
        return jcs.dumps_ordered(parsed.value)
    assert parsed.sortable
    return jcs.dumps_sorted(parsed.value)


@pytest.mark.parametrize("name", JCS_NAMES)
def test_jcs_vectors_through_the_ordered_read(name: str) -> None:
    expected = (VECTORS / "output" / f"{name}.json").read_bytes()
    parsed = read_json((VECTORS / "input" / f"{name}.json").read_bytes(), ordered=True)
    assert jcs.dumps(parsed.value) == expected
    if parsed.quick:
        assert quick_bytes(parsed) == expected
    if parsed.ordered:
        assert jcs._dumps_ordered_stdlib(parsed.value) == expected
    if parsed.sortable:
        assert jcs.dumps_plain(parsed.value) == expected  # what dumps_sorted falls back to


def test_jcs_vectors_the_ordered_read_takes() -> None:
    """Which vectors the ordered read vouches for: the others hold an integral float
    (`structures` 56.0), floats ECMAScript writes otherwise (`values` 1E30) or keys past
    U+D800 (`weird`), and take the usual path."""
    taken = {
        name: read_json((VECTORS / "input" / f"{name}.json").read_bytes(), ordered=True).quick
        for name in JCS_NAMES
    }
    assert taken == {
        "arrays": True,
        "french": True,
        "structures": False,
        "unicode": True,
        "values": False,
        "weird": False,
    }


def test_every_character_is_written_as_the_reference_writes_it() -> None:
    """One string of every Unicode scalar value, and each alone in a key and a value."""
    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
    document = {"all": every, "pieces": [every[i : i + 7] for i in range(0, 4096, 7)]}
    expected = rfc8785.dumps(document)
    assert jcs.dumps_ordered(document) == expected
    assert jcs._dumps_ordered_stdlib(document) == expected
    readable = {"all": every[1:]}  # read_json refuses a NUL (test_canonical.py)
    text = json.dumps(readable, ensure_ascii=False)
    parsed = read_json(text, ordered=True, max_bytes=len(text) * 4)
    assert parsed.ordered  # characters past U+D000: the stdlib's way
    assert jcs.dumps_ordered(parsed.value) == rfc8785.dumps(readable)
    below = {chr(c): chr(c) for c in range(0xD800) if c != 0}
    parsed = read_json(json.dumps(below), ordered=True, max_bytes=2**22)
    assert parsed.quick
    assert quick_bytes(parsed) == rfc8785.dumps(below)
    # Every key below U+D000 that needs no escape, in reverse order: orjson's way, its
    # writer sorting them.
    below = {chr(c): chr(c) for c in reversed(range(0x20, 0xD000)) if chr(c) not in '"\\'}
    parsed = read_json(json.dumps(below, ensure_ascii=False), ordered=True, max_bytes=2**22)
    assert parsed.sortable and not parsed.ordered
    assert jcs.dumps_sorted(parsed.value) == rfc8785.dumps(below)


def test_the_number_lines_the_ordered_read_takes_are_written_as_the_rfc_says() -> None:
    """Each of the 10,000 lines read as JSON: the ordered read takes exactly the floats
    whose ECMAScript form is their repr, and writes them as the line says."""
    taken = wrong = 0
    for value, expected in number_lines():
        parsed = read_json(f'{{"n":[{repr(value)}]}}', ordered=True)
        plain = value.is_integer() is False and 1e-4 <= abs(value) < 1e16
        if parsed.quick != plain:
            wrong += 1
        if parsed.quick:
            taken += 1
            if quick_bytes(parsed) != f'{{"n":[{expected}]}}'.encode():
                wrong += 1
    assert (wrong, taken) == (0, 321)  # the rest are integral, tiny or huge


@pytest.mark.parametrize(
    ("text", "ordered"),
    [
        ('{"b": [1, 0.5, "x", true, null], "a": {"d": 1, "c": -2}}', True),
        ('{"a": 1.0}', False),  # integral float: written as 1
        ('{"a": 1e-7}', False),  # ES notation differs from repr
        ('{"a": 1e16}', False),
        ('{"a": 0.0001}', True),
        ('{"a": 9007199254740991, "b": -9007199254740991}', True),
        ('{"a": 9007199254740992}', False),  # past the safe range
        ('{"a": -9007199254740992}', False),
        ('{"a": 00000000000000000001}', False),  # not JSON
        ('{"\\ue000": 1}', False),  # a key where UTF-16 order differs
        ('{"\ue000": 1}', False),
        ('{"\U0001f600": 1}', False),
        ('{"\\u00e9": 1, "e": 2}', True),
        ('{"a": "\ue000\U0001f600"}', True),  # in a value, order does not matter
        ('{"a": "\\ud83d\\ude00"}', False),  # a surrogate escape, even paired: the usual path
        ('{"a": "\\ud800"}', False),  # a lone surrogate: refused by name
        ('{"a": "\\u0000"}', False),  # a NUL: refused by name
        ('{"a": 1, "a": 2}', False),  # a duplicate: refused by name
        ('{"a": NaN}', False),
        ('{"a": 1e999}', False),
        ("[" * 64 + "]" * 64, True),
        ("[" * 65 + "]" * 65, False),
        ('{"a":' * 64 + "{}" + "}" * 64, False),
        ('{"a":' * 63 + "{}" + "}" * 63, True),
        ("[0, 1" + "0" * 500 + "]", False),
        ('"x"', True),
        ("[]", True),
        ("not json", False),
    ],
)
def test_the_ordered_read_vouches_only_for_what_it_can(text: str, ordered: bool) -> None:
    """It accepts and refuses exactly what read_json does, with the same message; it says
    ordered only for plain values, whose members it hands back in RFC 8785 order."""
    assert outcome(text, ordered=True) == outcome(text, ordered=False)
    if outcome(text, ordered=False)[0] == "refused":
        assert ordered is False
        return
    parsed = read_json(text, ordered=True)
    assert parsed.quick is ordered
    if ordered:
        assert parsed.plain is True
        assert not parsed.ordered or in_member_order(parsed.value)
        assert quick_bytes(parsed) == rfc8785.dumps(json.loads(text))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCUMENTS)
@example({"b": {"d": 0.5, "c": [1, {"z": None, "y": "\x1f\u2028"}]}, "a": -3})
def test_ordered_read_canonicalises_as_the_reference_on_generated_documents(
    document: Any,
) -> None:
    """Generated documents written in their own member order: the ordered read gives the
    same value as the general one, and what it vouches for is written (by orjson and by
    the stdlib alike) exactly as the reference writes it."""
    text = json.dumps(document, ensure_ascii=False)
    assert outcome(text, ordered=True) == outcome(text, ordered=False)
    expected = reference(document)
    if not isinstance(expected, bytes) or "\\u0000" in text:
        return
    parsed = read_json(text, ordered=True)
    assert parsed.value == document
    if parsed.ordered:
        assert in_member_order(parsed.value)
        assert jcs.dumps_ordered(parsed.value) == expected
        assert jcs._dumps_ordered_stdlib(parsed.value) == expected
    if parsed.sortable:
        assert jcs.dumps_sorted(parsed.value) == expected
        assert jcs.dumps_plain(parsed.value) == expected
    passport = {"signature": "x", "body": parsed.value}
    assert signed_bytes(
        passport, plain=parsed.plain, ordered=parsed.ordered, sortable=parsed.sortable
    ) == signed_bytes(passport)


def test_the_offline_verifier_leaves_pydantic_core_unloaded(tmp_path: Path) -> None:
    """Its import takes longer than a thousand verifications save (0.1 to 0.3 s): a process
    verifying one document reads and writes with orjson and the stdlib alone."""
    document = {"passport": {"unfragile": {"b": 1, "a": [0.5, "x"]}, "keyId": "k"}}
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(document))
    script = (
        "import sys\n"
        "from passports.canonical import read_json, signed_bytes\n"
        "import passports.verify\n"
        f"parsed = read_json(open({str(path)!r}, 'rb').read(), ordered=True)\n"
        "print(parsed.sortable, signed_bytes(parsed.value['passport'], plain=True, sortable=True)"
        ".decode(), 'pydantic_core' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout == 'True {"keyId":"k","unfragile":{"a":[0.5,"x"],"b":1}} False\n'
