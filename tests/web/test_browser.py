"""Every page driven in headless Debian Chromium (Playwright), with screenshots.

Screenshots go to tests/screenshots/ (git ignores it): look at them after a change.
"""

from __future__ import annotations

import base64
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nacl.signing
import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect, sync_playwright

pytestmark = pytest.mark.django_db(transaction=True)

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parent.parent / "screenshots"
MAVERICK = "meta-llama-llama-4-maverick"
SCOUT = "meta-llama-llama-4-scout"
PHONE: ViewportSize = {"width": 375, "height": 812}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert CHROMIUM.exists(), "Chromium is missing: `make test` installs it with apt"
    # Playwright's sync API keeps an event loop in this thread while it is open; the ORM
    # calls of these tests (fixtures, database flushes) are plain synchronous code.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
            yield launched
            launched.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    SHOTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport=DESKTOP)
    opened = context.new_page()
    opened.set_default_timeout(20_000)
    yield opened
    context.close()


def shot(page: Page, name: str, *, phone: bool = False) -> None:
    if phone:
        page.set_viewport_size(PHONE)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    if phone:
        page.set_viewport_size(DESKTOP)


def rows(page: Page) -> list[str]:
    return [
        (href or "").removeprefix("/passports/")
        for href in page.locator("table.passports th.name a").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        )
    ]


def test_browse_search_narrows_and_filters_combine(
    page: Page, live_server: Any, seeds: list[str]
) -> None:
    page.goto(live_server.url + "/")
    expect(page).to_have_title("Browse · Trust-passport registry")
    expect(page.locator("#result-count")).to_contain_text("3 passports")
    assert len(rows(page)) == 3
    shot(page, "list")
    shot(page, "list-phone", phone=True)

    page.get_by_label("Search names, descriptions and capabilities").fill("llama")
    page.get_by_label("Search names, descriptions and capabilities").press("Enter")
    expect(page.locator("#result-count")).to_contain_text("2 passports")
    assert sorted(rows(page)) == [MAVERICK, SCOUT]

    page.get_by_label("Category").select_option("llm-apis")
    page.get_by_label("Takes (input)").select_option("image")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#result-count")).to_contain_text("1 passport;")
    assert rows(page) == [SCOUT]
    assert "q=llama" in page.url and "category=llm-apis" in page.url
    expect(page.get_by_label("Search names, descriptions and capabilities")).to_have_value("llama")

    page.get_by_label("Maximum prompt price ($ per 1M tokens)").fill("0.0001")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#result-count")).to_have_text("No passport matches these filters.")
    shot(page, "list-filtered-empty")

    # Keyboard: the first Tab lands on the skip link, which is visible when focused.
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    expect(page.locator("a.skip")).to_be_focused()
    expect(page.locator("a.skip")).to_be_in_viewport()


def test_passport_page_reads_whole(page: Page, live_server: Any, seeds: list[str]) -> None:
    page.goto(f"{live_server.url}/passports/{MAVERICK}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Meta: Llama 4 Maverick")
    expect(page.locator("p.verdict")).to_have_text("✔ Signature valid")
    expect(page.locator("figure.bars svg")).to_be_visible()
    expect(page.locator(".badges").first).to_contain_text("signed v1")
    expect(page.get_by_label("Download the signed document")).to_have_value(
        f"curl -s {live_server.url}/api/v1/passport/{MAVERICK} -o {MAVERICK}.json"
    )
    page.get_by_text("The raw JSON document").click()
    expect(page.locator("pre.json")).to_contain_text('"signature"')
    shot(page, "passport")
    for section in ("facts-h", "trust-h", "sig-h"):
        page.locator(f"section[aria-labelledby={section}]").screenshot(
            path=str(SHOTS / f"passport-{section.removesuffix('-h')}.png")
        )
    page.locator("header.passport-head").screenshot(path=str(SHOTS / "passport-head.png"))
    page.set_viewport_size(PHONE)
    page.locator("section[aria-labelledby=trust-h]").screenshot(
        path=str(SHOTS / "passport-trust-phone.png")
    )
    shot(page, "passport-phone")


def test_compare_shows_the_columns(page: Page, live_server: Any, seeds: list[str]) -> None:
    page.goto(live_server.url + "/?q=llama")
    page.get_by_label("Compare Meta: Llama 4 Maverick").check()
    page.get_by_label("Compare Meta: Llama 4 Scout").check()
    page.get_by_role("button", name="Compare selected").click()
    expect(page).to_have_url(re.compile(r"/compare\?artifact=.*&artifact="))
    headers = page.locator("table.compare thead th")
    expect(headers).to_have_count(3)
    expect(headers.nth(1)).to_contain_text("Llama 4")
    expect(page.locator("tr.differs").first).to_be_visible()
    expect(page.locator("tr.differs", has_text="Trust score")).to_have_count(1)
    shot(page, "compare")
    shot(page, "compare-phone", phone=True)


def test_match_ranks_explains_and_takes_feedback(
    page: Page, live_server: Any, seeds: list[str], model: Any
) -> None:
    page.goto(live_server.url + "/match")
    page.get_by_label("What do you need a model for?").fill(
        "read a bar chart image and explain the trend"
    )
    page.get_by_role("button", name="Find models").click()
    results = page.locator("ol.results > li")
    expect(results.first).to_be_visible()
    # Only the two Llama 4 models accept images; they are one family (Meta: Llama), so
    # Maverick is shown and Scout named beside it.
    expect(results.locator("h3 a")).to_have_text(["Meta: Llama 4 Maverick"])
    expect(results.first).to_contain_text("Same family, also fits: meta-llama-llama-4-scout")
    expect(page.locator("li.chip")).to_have_text(["accepts image input"])
    expect(results.first.locator("p.why")).to_contain_text("Your need is closest to its")
    shot(page, "match")
    # Keyboard only: the feedback button takes focus and Enter presses it.
    results.first.get_by_role("button", name="It worked").focus()
    page.keyboard.press("Enter")
    expect(results.first.locator(".feedback")).to_contain_text("Thank you: “success” recorded")
    shot(page, "match-feedback")
    shot(page, "match-phone", phone=True)

    # Keyboard only: Enter in the field submits the form.
    page.get_by_label("What do you need a model for?").fill("transcribe a podcast recording")
    page.get_by_label("What do you need a model for?").press("Enter")
    expect(page.get_by_role("heading", name="Nothing fits")).to_be_visible()
    expect(page.locator(".nomatch p[role=status]")).to_have_text(
        "no registered model accepts audio input"
    )
    expect(page.locator("li.chip")).to_have_text(["accepts audio input"])
    shot(page, "match-nothing-fits")


def test_verify_valid_then_invalid_after_one_character(
    page: Page, live_server: Any, seeds: list[str]
) -> None:
    document = page.request.get(f"{live_server.url}/api/v1/passport/{SCOUT}").text()
    page.goto(live_server.url + "/verify")
    page.get_by_label("Paste a passport document").fill(document)
    page.get_by_role("button", name="Verify").click()
    expect(page.locator(".verdict-box p.verdict")).to_have_text("✔ Valid signature")
    shot(page, "verify-valid")
    name_at = document.index('"name":"Meta: Llama 4 Scout"') + len('"name":"Meta: Llama 4 Scou')
    changed = document[:name_at] + "x" + document[name_at + 1 :]
    assert len(changed) == len(document) and changed != document
    page.get_by_label("Paste a passport document").fill(changed)
    page.get_by_role("button", name="Verify").click()
    expect(page.locator(".verdict-box p.verdict")).to_have_text(
        "✘ Invalid: signature does not match the document"
    )
    shot(page, "verify-invalid")
    shot(page, "verify-phone", phone=True)


def test_claim_from_challenge_to_approval(
    page: Page, live_server: Any, seeds: list[str], django_user_model: Any
) -> None:
    key = nacl.signing.SigningKey.generate()
    page.goto(f"{live_server.url}/passports/{SCOUT}")
    page.get_by_role("link", name="Are you the builder? Claim this listing").click()
    page.get_by_label("Your Ed25519 public key").fill(
        base64.b64encode(bytes(key.verify_key)).decode()
    )
    page.get_by_role("button", name="Get a challenge").click()
    challenge = page.get_by_label("The challenge to sign").input_value()
    assert challenge.startswith(f"trust-passport-claim:{SCOUT}:")
    claim_url = page.url
    # The ticket is in an HttpOnly cookie, never in the address (issue 14).
    assert claim_url == f"{live_server.url}/submit?claim={SCOUT}"
    shot(page, "claim-challenge")
    signature = base64.b64encode(key.sign(challenge.encode()).signature).decode()
    page.get_by_label("Signature of the challenge").fill(signature)
    page.get_by_role("button", name="Send the signature").click()
    expect(page.locator(".claim-status")).to_contain_text("waiting for staff approval")

    django_user_model.objects.create_superuser("staff", "s@example.org", "a-long-password-1")
    admin = page.context.browser.new_context()  # type: ignore[union-attr]
    staff = admin.new_page()
    staff.goto(live_server.url + "/admin/login/?next=/admin/claims/claim/")
    staff.get_by_label("Username").fill("staff")
    staff.get_by_label("Password").fill("a-long-password-1")
    staff.get_by_role("button", name="Log in").click()
    staff.locator("input[name=_selected_action]").first.check()
    staff.locator("select[name=action]").select_option("approve")
    staff.get_by_role("button", name="Go").click()
    expect(staff.locator("ul.messagelist")).to_contain_text("approved")
    admin.close()

    page.goto(claim_url)
    expect(page.locator(".claim-status")).to_have_text("Status: Approved")
    shot(page, "claim-approved-before-token")
    page.get_by_role("button", name="Show my owner token").click()
    token = page.get_by_label("Your owner API token").input_value()
    assert token.startswith("tpo_")
    shot(page, "claim-approved")
    page.goto(claim_url)
    expect(page.locator("main")).to_contain_text("The owner token was shown once already.")
    shot(page, "claim-token-shown")
    page.goto(f"{live_server.url}/passports/{SCOUT}")
    expect(page.locator(".passport-head .badges")).to_contain_text("verified builder")
    expect(page.locator("section[aria-labelledby=trust-h]")).not_to_contain_text(
        "builder identity is not verified yet"
    )

    served = json.loads(page.request.get(f"{live_server.url}/api/v1/passport/{SCOUT}").text())
    served["passport"]["unfragile"]["capabilities"][0]["description"] = "Kept up by its builder."
    answer = page.request.put(
        f"{live_server.url}/api/v1/passport",
        data=json.dumps(served),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    assert answer.status == 200, answer.text()
    other = page.request.get(f"{live_server.url}/api/v1/passport/{MAVERICK}").text()
    refused = page.request.put(
        f"{live_server.url}/api/v1/passport",
        data=other,
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    assert refused.status == 403


def test_methodology_reads(page: Page, live_server: Any, db: Any) -> None:
    page.goto(live_server.url + "/methodology")
    expect(page.get_by_role("heading", level=1)).to_have_text("How this registry works")
    expect(page.locator("p.formula").first).to_contain_text("score = round(100 × Σ")
    shot(page, "methodology")
    shot(page, "methodology-phone", phone=True)


def test_api_docs_render_from_this_host_only(page: Page, live_server: Any, db: Any) -> None:
    """Swagger UI comes from our static files (drf-spectacular-sidecar): every request the
    page makes goes to this server, and every one succeeds."""
    answered: list[tuple[str, int]] = []
    page.on("response", lambda response: answered.append((response.url, response.status)))
    page.goto(live_server.url + "/api/docs/")
    expect(page.locator(".information-container .title")).to_contain_text(
        "Trust-passport registry API"
    )
    expect(page.locator("#operations-v1-v1_passport_list")).to_be_visible()
    shot(page, "api-docs")
    urls = sorted({url.removeprefix(live_server.url) for url, _status in answered})
    assert urls == [
        "/api/docs/",
        "/api/schema/",
        "/static/drf_spectacular_sidecar/swagger-ui-dist/favicon-32x32.png",
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-standalone-preset.js",
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css",
    ]
    assert {status for _url, status in answered} == {200}
