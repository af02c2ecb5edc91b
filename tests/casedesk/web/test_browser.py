"""The officers' UI in a real browser: Debian's chromium, headless, driven by Playwright against the app served
on a real port. An analyst signs in, opens the most urgent case, reads why it was raised, the side-by-side
match and the transfer graph, proposes a release and logs out; a senior signs in and approves it; the case
closes as released with the resolution in its history.

With AML_SCREENSHOTS=1 the queue, the case page and the dashboard are saved under docs/images/.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.async_api import Page, async_playwright, expect

from schemas.common import utc_now
from services.auth.adapters.store import AuthStore
from services.auth.http import Authenticator
from services.auth.settings import AuthSettings
from services.casedesk.adapters.case_store import CaseStore
from services.casedesk.api import create_app
from services.casedesk.desk import Desk
from services.casedesk.intake import IntakeStatus
from services.http_server import bind, serving
from tests.casedesk.web.conftest import PASSWORD, databases
from tests.casedesk.web.seed import FAN_IN_TEXT, NAME_TEXT, seed

pytestmark = [pytest.mark.asyncio, pytest.mark.slow]
CHROMIUM = Path("/usr/bin/chromium")
IMAGES = Path(__file__).resolve().parents[3] / "docs" / "images"


async def _nothing() -> int:
    return 0


async def sign_in(page: Page, base: str, name: str) -> None:
    await page.goto(f"{base}/")
    await expect(page).to_have_url(re.compile(r"/login$"))
    await page.fill("input[name=username]", name)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button:has-text('Sign in')")
    await expect(page).to_have_url(f"{base}/queue")
    await expect(page.locator(".who .user")).to_have_text(name)


@pytest.fixture
def chromium() -> Path:
    if not CHROMIUM.is_file():
        pytest.skip(f"Debian's chromium is not at {CHROMIUM} (apt-get install chromium): this test drives it")
    return CHROMIUM


async def test_an_analyst_proposes_a_release_and_a_senior_approves_it_in_the_browser(
    chromium: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    screenshots = os.environ.get("AML_SCREENSHOTS") == "1"
    engine, auth_engine = await databases("sqlite", tmp_path, request)
    store = CaseStore(engine)
    seeded = await seed(store, utc_now(), extra=14)
    auth = Authenticator(AuthStore(auth_engine), AuthSettings(cookie_secure=False))
    app = create_app(store, Desk(store), auth, IntakeStatus(), _nothing)
    problems: list[str] = []
    try:
        async with serving(app, bind("127.0.0.1", 0)) as port, async_playwright() as playwright:
            base = f"http://127.0.0.1:{port}"
            browser = await playwright.chromium.launch(
                executable_path=str(chromium), args=["--no-sandbox"], headless=True
            )
            try:
                page = await browser.new_page(viewport={"width": 1440, "height": 900})
                page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
                page.on("pageerror", lambda e: problems.append(str(e)))

                # A wrong password: the login page again, with the reason.
                await page.goto(f"{base}/login")
                await page.fill("input[name=username]", "amina")
                await page.fill("input[name=password]", "not the password")
                await page.click("button:has-text('Sign in')")
                await expect(page.locator(".flash-refused")).to_have_text("unknown user name or wrong password")
                problems.clear()  # the 401 of that answer is logged by the browser as a failed resource

                await sign_in(page, base, "amina")
                rows = page.locator("table.queue tbody tr")
                await expect(rows).to_have_count(19)
                await expect(rows.first.locator("a.case-link")).to_have_text(seeded.name)
                await expect(rows.first.locator(".badge")).to_have_text("P1")
                await expect(rows.first.locator("td.sla")).to_have_class(re.compile(r"\boverdue\b"))
                if screenshots:
                    IMAGES.mkdir(parents=True, exist_ok=True)
                    await page.screenshot(path=IMAGES / "casedesk-queue.png", full_page=True)
                    await page.click("nav.mainnav a:has-text('Dashboard')")  # before anything is decided
                    await expect(page.locator("svg#chart-sla")).to_be_visible()
                    await page.screenshot(path=IMAGES / "casedesk-dashboard.png", full_page=True)
                    await page.click("nav.mainnav a:has-text('Queue')")

                await rows.first.locator("a.case-link").click()
                await expect(page).to_have_url(f"{base}/cases/{seeded.name}")
                await expect(page.locator("p.explanation")).to_have_text([NAME_TEXT, FAN_IN_TEXT])
                name_row = page.locator("table.side-by-side tbody tr").first
                await expect(name_row.locator("td.party mark")).to_have_text(["Ali", "Khan"])
                await expect(name_row.locator("td.entry")).to_have_text("KHAN, Ali Hasan")
                graph = page.locator("svg.graph")
                await expect(graph).to_be_visible()
                await expect(graph.locator("g.edge-fired")).to_have_count(5)
                await expect(graph.locator("g.node-listed")).to_have_attribute("data-account", "acct-khan")
                box = await graph.bounding_box()
                assert box is not None and box["width"] > 400 and box["height"] > 300
                if screenshots:
                    await page.screenshot(path=IMAGES / "casedesk-case.png", full_page=True)

                await page.fill("textarea[name=note]", "Hub is the exchange's payroll provider; name differs (Hassan).")
                await page.click("button[value=release]")
                await expect(page.locator(".flash-ok")).to_contain_text("Proposed: release held funds")
                await expect(page.locator("#proposal")).to_contain_text("amina proposed release held funds")
                await expect(page.locator("#case-status")).to_have_text("Awaiting approval")
                await page.click("button:has-text('Log out')")
                await expect(page).to_have_url(f"{base}/login")
                await page.goto(f"{base}/cases/{seeded.name}")
                await expect(page).to_have_url(re.compile(r"/login\?next="))  # the session is over

                await sign_in(page, base, "bilal")
                await page.locator(f"a.case-link:has-text('{seeded.name}')").click()
                await expect(page.locator("#proposal")).to_be_visible()
                await page.fill("textarea[name=note]", "Ownership documents checked.")
                await page.click("button[value=approve]")
                await expect(page.locator(".flash-ok")).to_have_text(
                    "Done: proposal approved; the case is closed as released."
                )
                await expect(page.locator("#case-outcome")).to_have_text("released")
                await expect(page.locator("#case-status")).to_have_text("Closed · released")
                resolution = page.locator("ol.timeline li[data-action=resolution]")
                await expect(resolution).to_contain_text("resolution “release” of exA:t-1001 sent to the ledger")
                await expect(page.locator("table.transfers td.ledger").first).to_have_text("release sent to the ledger")

                await page.click("nav.mainnav a:has-text('Dashboard')")
                await expect(page.locator("svg#chart-holds")).to_be_visible()
                await expect(page.locator("svg#chart-rules rect.bar").first).to_be_visible()
                await expect(page.locator("svg#chart-sla rect.bar")).to_have_count(4)  # P1 to P4, within their SLA
                bars = await page.locator("svg#chart-sla rect.bar title").all_text_contents()
                assert not [b for b in bars if "overdue" in b]  # the overdue case is closed now
            finally:
                await browser.close()
    finally:
        await engine.dispose()
        await auth_engine.dispose()
    assert problems == []  # no script error, no resource refused by the content security policy
