"""Each 5xx the property test (tests/test_property_no_5xx.py) found, as a plain test (issue 14)."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def test_a_newline_in_the_schema_version_is_ignored(api: Any) -> None:
    # drf-spectacular wrote ?version= into Content-Disposition; Django refuses a newline there.
    response = api.get("/api/schema/?version=%0D")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'inline; filename="Trust-passport registry API.yaml"'
