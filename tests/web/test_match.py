"""/match over the real model and the seed passports: ranked results, nothing fits, feedback."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from matching.models import Feedback
from tests.matching.listings import CONTRACTS, listing

pytestmark = pytest.mark.django_db
MAVERICK = "meta-llama-llama-4-maverick"
SCOUT = "meta-llama-llama-4-scout"


def _feedback_fields(html: str) -> list[dict[str, str]]:
    forms = re.findall(r'<form method="post" action="/match/feedback".*?</form>', html, re.S)
    return [dict(re.findall(r'name="(\w+)" value="([^"]*)"', form)) for form in forms]


def test_match_ranks_models_and_says_why(seeds: list[str], model: Any) -> None:
    response = Client().get("/match", {"q": "read a bar chart image and explain the trend"})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<li class="chip">accepts image input</li>' in html
    slugs = re.findall(r'<h3><a href="/passports/([^"]+)">', html)
    # Maverick and Scout are one family (Meta: Llama): one is shown, the other named with it.
    assert slugs == [MAVERICK]
    assert f"Same family, also fits: {SCOUT}" in html
    assert "Your need is closest to its" in html
    assert "Checked: accepts image input." in html
    assert html.count('class="rank-bars"') == len(slugs)
    assert len(_feedback_fields(html)) == len(slugs)
    assert "<title>“read a bar chart image and explain the trend” · Match a need" in html


def test_match_feedback_is_recorded_once(seeds: list[str], model: Any) -> None:
    client = Client()
    html = client.get("/match", {"q": "read a bar chart image and explain the trend"}).content
    fields = _feedback_fields(html.decode())[0]
    body = {**fields, "outcome": "success"}
    response = client.post("/match/feedback", body)
    assert response.status_code == 201
    assert f"Thank you: “success” recorded for {fields['slug']}." in response.content.decode()
    assert Feedback.objects.get().outcome == "success"
    again = client.post("/match/feedback", body, HTTP_HX_REQUEST="true")
    assert again.status_code == 200  # htmx swaps the fragment in place
    assert again.content.decode().strip() == (
        '<p class="error" role="status">Feedback not recorded: feedback for this resolve and '
        "slug was already recorded</p>"
    )
    forged = client.post("/match/feedback", {**body, "callbackToken": "1.abc"})
    assert forged.status_code == 403
    assert Feedback.objects.count() == 1


@pytest.mark.parametrize(
    ("need", "reason"),
    [
        ("transcribe a podcast recording", "no registered model accepts audio input"),
        ("bake a sourdough loaf with a crispy crust", "no registered capability is close enough"),
    ],
)
def test_match_nothing_fits_explains_itself(
    seeds: list[str], model: Any, need: str, reason: str
) -> None:
    html = Client().get("/match", {"q": need}).content.decode()
    assert '<h2 id="nomatch-h">Nothing fits</h2>' in html
    assert f'<p role="status">{reason}' in html
    assert "ranked model" not in html


def test_match_rejects_a_too_long_need(db: Any) -> None:
    response = Client().get("/match", {"q": "x" * 2500})
    assert response.status_code == 400
    assert "Ensure this value has at most 2000 characters" in response.content.decode()


def test_match_page_without_a_need_is_a_form(db: Any) -> None:
    html = Client().get("/match").content.decode()
    assert '<label for="id_q">What do you need a model for?</label>' in html
    assert "Nothing fits" not in html


def test_match_says_when_models_tie_and_what_ordered_them(words: Any) -> None:
    from datetime import date

    listing("old-trusted", trust=80, released=date(2024, 3, 1))
    listing("new-trusted", trust=80, released=date(2025, 3, 1))
    listing("less-trusted", trust=40, released=date(2026, 1, 1))
    listing(
        "with-offer",
        trust=10,
        offers=[{"variant": "batch", "prompt_price_per_1m": "0.5", "completion_price_per_1m": "2"}],
    )
    html = Client().get("/match", {"q": f"the cheapest model to {CONTRACTS}"}).content.decode()
    assert (
        '<p class="ties" role="note">4 models fit this need equally well by their descriptions; '
        "ordered by price, then trust score, then recency.</p>"
    ) in html
    assert re.findall(r'<h3><a href="/passports/([^"]+)">', html) == [
        "with-offer",
        "new-trusted",
        "old-trusted",
        "less-trusted",
    ]
    assert (
        '<p class="offer">Offer: <code>with-offer:batch</code> via openrouter (batch) · $0.5 / $2 '
        "per 1M tokens</p>"
    ) in html
    assert "Among models that fit equally well, preferring: price." in html
