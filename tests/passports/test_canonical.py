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
