"""Claim pages for things that do not exist: an unknown slug, a forged status link."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_claim_pages_for_unknown_things(db: Any) -> None:
    client = Client()
    response = client.get("/submit", {"claim": "<b>nope</b>"})
    assert "There is no passport with slug “&lt;b&gt;nope&lt;/b&gt;”." in response.content.decode()
    # A ticket is never read from an address (issue 14), forged or not.
    assert client.get("/submit", {"claim": "x", "ticket": "forged"}).status_code == 400
    assert (
        client.post("/submit", {"claim": "x", "ticket": "forged", "resume": "1"}).status_code == 404
    )
