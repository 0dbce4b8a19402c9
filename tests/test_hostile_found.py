"""Each 5xx found while fuzzing (tests/test_property_no_5xx.py, bench/hostile.py), as a plain
test (issue 14)."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def test_a_newline_in_the_schema_version_is_ignored(api: Any) -> None:
    # drf-spectacular wrote ?version= into Content-Disposition; Django refuses a newline there.
    response = api.get("/api/schema/?version=%0D")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'inline; filename="Trust-passport registry API.yaml"'


def test_a_duplicate_key_that_is_a_lone_surrogate_is_a_400_not_echoed(api: Any) -> None:
    # The parser named the duplicate key as the field; rendering "\ud800" as UTF-8 was a 500.
    response = api.post(
        "/api/v1/resolve", '{"\\ud800": 1, "\\ud800": 2}', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": {"code": "duplicate_key", "message": "duplicate key '\\ud800'", "field": "body"}
    }
