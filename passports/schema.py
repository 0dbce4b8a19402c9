"""The JSON Schema (2020-12) of a passport document, and validation against it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from jsonschema import Draft202012Validator

SCHEMA_PATH = Path(__file__).with_name("schema.json")


@dataclass(frozen=True)
class SchemaProblem:
    field: str
    message: str


@cache
def document_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


@cache
def _validator(definition: str | None) -> Draft202012Validator:
    schema = document_schema()
    if definition is not None:
        schema = {"$ref": f"#/$defs/{definition}", "$defs": schema["$defs"]}
    return Draft202012Validator(schema)


def _path(prefix: str, error: jsonschema.ValidationError) -> str:
    field = prefix
    for part in error.absolute_path:
        field = f"{field}[{part}]" if isinstance(part, int) else f"{field}.{part}"
    if error.validator == "required" and isinstance(error.message, str):
        # "'slug' is a required property" -> point at the missing member itself.
        missing = error.message.split("'")[1] if error.message.count("'") >= 2 else ""
        if missing:
            field = f"{field}.{missing}"
    return field


def _message(error: jsonschema.ValidationError) -> str:
    message = error.message
    if len(message) > 300:
        message = message[:300] + "..."
    return message


def validate(
    value: Any, *, definition: str | None = None, prefix: str = "document"
) -> list[SchemaProblem]:
    """Problems of `value` against the whole schema or one of its $defs, best first."""
    errors = sorted(
        _validator(definition).iter_errors(value),
        key=lambda error: (list(map(str, error.absolute_path)), error.validator or ""),
    )
    return [SchemaProblem(field=_path(prefix, error), message=_message(error)) for error in errors]
