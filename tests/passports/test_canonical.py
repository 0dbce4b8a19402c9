from __future__ import annotations

import json

import pytest

from passports.canonical import (
    DocumentError,
    canonical_bytes,
    nesting_depth,
    normalise_numbers,
    parse_json,
    signed_bytes,
)


@pytest.mark.parametrize(
    ("raw", "code", "message"),
    [
        (b'{"a": 1, "a": 2}', "duplicate_key", "duplicate key 'a'"),
        (b'{"a": NaN}', "invalid_number", "NaN is not a JSON number"),
        (b'{"a": Infinity}', "invalid_number", "Infinity is not a JSON number"),
        (b'{"a": -Infinity}', "invalid_number", "-Infinity is not a JSON number"),
        (b"not json", "not_json", "not JSON: Expecting value at line 1 column 1"),
        (b'{"a": 1', "not_json", "not JSON: Expecting ',' delimiter at line 1 column 8"),
        (b'\xff\xfe{"a": 1}', "not_json", "not UTF-8: invalid start byte at byte 0"),
        (b"", "not_json", "not JSON: Expecting value at line 1 column 1"),
    ],
)
def test_parse_json_rejects_with_named_problem(raw: bytes, code: str, message: str) -> None:
    with pytest.raises(DocumentError) as caught:
        parse_json(raw)
    assert caught.value.code == code
    assert caught.value.message == message


def test_parse_json_depth_limit_is_64() -> None:
    assert parse_json("[" * 64 + "]" * 64) == json.loads("[" * 64 + "]" * 64)
    with pytest.raises(DocumentError) as caught:
        parse_json("[" * 65 + "]" * 65)
    assert caught.value.message == "nesting depth 65 exceeds the limit of 64"
    with pytest.raises(DocumentError) as caught:
        parse_json('{"a":' * 1000 + "1" + "}" * 1000)
    assert caught.value.code == "too_deep"


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    text = json.dumps({"a": '[[[[{{{{\\"' * 50})
    assert nesting_depth(text) == 1
    assert parse_json(text) == json.loads(text)


def test_parse_json_size_limit() -> None:
    body = b'{"a": "' + b"x" * (1024 * 1024) + b'"}'
    with pytest.raises(DocumentError) as caught:
        parse_json(body)
    assert caught.value.code == "too_large"
    assert caught.value.message == f"body is {len(body)} bytes; the limit is 1048576 bytes"


def test_normalise_numbers_turns_integral_floats_into_ints() -> None:
    assert normalise_numbers({"a": [0.0, 1.5, 2.0, True, None, "3.0"]}) == {
        "a": [0, 1.5, 2, True, None, "3.0"]
    }
    assert type(normalise_numbers(0.0)) is int
    assert type(normalise_numbers(True)) is bool


def test_signed_bytes_cover_everything_but_the_signature() -> None:
    passport = {"unfragile": {"b": 1, "a": 2}, "signature": "xyz", "version": 3}
    assert signed_bytes(passport) == b'{"unfragile":{"a":2,"b":1},"version":3}'
    assert canonical_bytes({"x": 1e21, "y": 0.1}) == b'{"x":1e+21,"y":0.1}'


@pytest.mark.parametrize(
    ("raw", "field", "code", "message"),
    [
        (
            b'{"a": [1, {"b": "x\\u0000"}]}',
            "a[1].b",
            "invalid_string",
            "a string holds a NUL character (\\u0000), which no field can store",
        ),
        (
            b'{"intent": "\\ud800"}',
            "intent",
            "invalid_string",
            "a string holds a lone surrogate (\\ud800), which is not Unicode text",
        ),
        (
            b'"\\udfff"',
            None,
            "invalid_string",
            "a string holds a lone surrogate (\\udfff), which is not Unicode text",
        ),
        (
            b'{"x": {"y\\ud800": 1}}',
            "x",
            "invalid_string",
            "a key holds a lone surrogate (\\ud800), which is not Unicode text",
        ),
        (
            b"[0, 1" + b"0" * 500 + b"]",
            "[1]",
            "invalid_number",
            "a number has 501 digits; the limit is 400",
        ),
        (b'{"n": [1e999]}', "n[0]", "invalid_number", "the number 1e999 is out of range"),
        (b'{"n": 1, "m": NaN}', "m", "invalid_number", "NaN is not a JSON number"),
        (b'{"\\ud800": 1, "\\ud800": 2}', None, "duplicate_key", "duplicate key '\\ud800'"),
        # The first problem in document order is the one named.
        (b'{"a": "\\u0000", "b": 1e999}', "a", "invalid_string", None),
        (b'{"' + b"k" * 100 + b'": [NaN]}', "k" * 64 + "...[0]", "invalid_number", None),
    ],
)
def test_parse_json_names_where_an_unreadable_value_is(
    raw: bytes, field: str | None, code: str, message: str | None
) -> None:
    with pytest.raises(DocumentError) as caught:
        parse_json(raw)
    assert (caught.value.field, caught.value.code) == (field, code)
    if message is not None:
        assert caught.value.message == message


def test_unsafe_number_names_the_first_number_past_2_53() -> None:
    from passports.canonical import unsafe_number

    value = {"a": [2**53 - 1, -(2**53 - 1), 0.5, True], "b": {"c": [1, 2.0**53]}, "d": 2**60}
    assert unsafe_number(value, prefix="doc") == (
        "doc.b.c[1]",
        "9007199254740992.0 is outside the range of numbers a signed document keeps "
        "exactly (-9007199254740991 to 9007199254740991, RFC 8785)",
    )
    assert unsafe_number({"a": [2**53 - 1, 1e-300]}, prefix="doc") is None
