"""The officers' web pages against the real app (create_app) on SQLite and PostgreSQL: sign-in, the queue,
a case page, actions with CSRF and flash messages, the dashboard, escaping, roles and exchange scope."""

from __future__ import annotations

import base64
from collections import Counter
from datetime import timedelta

import lxml.html
import pytest
from sqlalchemy import func, select

from services.casedesk.adapters.tables import cases
from services.casedesk.desk import RESOLUTION
from services.casedesk.web import routes
from tests.casedesk.web.conftest import PASSWORD, Web, csrf_of, sign_in
from tests.casedesk.web.seed import CYCLE_TEXT, FAN_IN_TEXT, HOSTILE, HOSTILE_ACCOUNT, NAME_TEXT, RETRO_TEXT

pytestmark = pytest.mark.asyncio


def page(html: str) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(html)


def queue_ids(html: str) -> list[str]:
    return [str(a.text_content()) for a in page(html).xpath('//table[@class="queue"]//a[@class="case-link"]')]


async def act(web: Web, case_id: str, action: str, csrf: str | None, **fields: str) -> str:
    """Press an action button on the case page; returns the case page the browser lands on."""
    data = {"action": action, **fields}
    if csrf is not None:
        data["csrf_token"] = csrf
    answer = await web.client.post(f"/cases/{case_id}/actions", data=data)
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == f"/cases/{case_id}"
    landed = await web.client.get(answer.headers["location"])
    assert landed.status_code == 200
    return landed.text


async def test_without_a_session_every_page_sends_the_browser_to_login(web: Web) -> None:
    for path in ("/", "/queue", f"/cases/{web.seeded.name}", "/dashboard"):
        answer = await web.client.get(path)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/login"), path
    answer = await web.client.get("/queue?status=all")
    assert answer.headers["location"] == "/login?next=%2Fqueue%3Fstatus%3Dall"
    posted = await web.client.post(f"/cases/{web.seeded.name}/actions", data={"action": "comment", "note": "x"})
    assert posted.status_code == 303 and posted.headers["location"] == "/login"
    login = await web.client.get("/login")
    assert login.status_code == 200
    (form,) = page(login.text).xpath('//form[@action="/login"]')
    assert form.get("method") == "post" and form.xpath('.//input[@name="password"][@type="password"]')


async def test_a_failed_browser_login_shows_the_reason_and_a_json_client_still_gets_json(web: Web) -> None:
    wrong = await web.client.post("/login", data={"username": "amina", "password": "not it"})
    assert wrong.status_code == 401 and wrong.headers["content-type"].startswith("text/html")
    (error,) = page(wrong.text).xpath('//div[contains(@class, "flash-refused")]')
    assert error.text_content() == "unknown user name or wrong password"
    assert page(wrong.text).xpath('//input[@name="username"]/@value') == ["amina"]
    assert "aml_session" not in wrong.cookies
    as_json = await web.client.post(
        "/login", data={"username": "amina", "password": "not it"}, headers={"Accept": "application/json"}
    )
    assert as_json.status_code == 401 and as_json.json() == {"detail": "unknown user name or wrong password"}
    ok = await web.client.post(
        "/login", data={"username": "amina", "password": PASSWORD}, headers={"Accept": "application/json"}
    )
    assert ok.status_code == 200 and ok.json()["role"] == "analyst" and ok.json()["csrf_token"]


async def test_login_lands_on_the_queue_returns_to_the_page_asked_for_and_logout_ends_the_session(web: Web) -> None:
    csrf = await sign_in(web.client, "amina")
    home = await web.client.get("/")
    assert home.status_code == 303 and home.headers["location"] == "/queue"
    assert (await web.client.get("/login")).headers["location"] == "/queue"
    queue = await web.client.get("/queue")
    (logout,) = page(queue.text).xpath('//form[@action="/logout"]')
    assert logout.xpath('.//input[@name="csrf_token"]/@value') == [csrf]
    out = await web.client.post("/logout", data={"csrf_token": csrf})
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert (await web.client.get("/queue")).status_code == 303
    # After logging in from a link, the browser goes where it was going, and never to another site.
    target = f"/cases/{web.seeded.name}"
    back = await web.client.post("/login", data={"username": "amina", "password": PASSWORD, "next": target})
    assert back.headers["location"] == target
    web.client.cookies.clear()
    away = await web.client.post("/login", data={"username": "amina", "password": PASSWORD, "next": "//evil.example"})
    assert away.headers["location"] == "/"


async def test_a_regulator_gets_a_403_page_on_every_page_and_action(web: Web) -> None:
    await sign_in_anyone(web, "rita")
    for path in ("/queue", f"/cases/{web.seeded.name}", "/dashboard"):
        answer = await web.client.get(path)
        assert answer.status_code == 403, path
        assert "regulator role" in answer.text and "The case desk is for officers" in answer.text
    csrf = csrf_of((await web.client.get("/queue")).text)  # the 403 page still offers logging out
    refused = await web.client.post(
        f"/cases/{web.seeded.name}/actions", data={"action": "comment", "note": "hello", "csrf_token": csrf}
    )
    assert refused.status_code == 403
    assert [e.action for e in await web.store.history(web.seeded.name)] == ["alert"]


async def sign_in_anyone(web: Web, name: str) -> None:
    web.client.cookies.clear()
    answer = await web.client.post("/login", data={"username": name, "password": PASSWORD})
    assert answer.status_code == 303


async def test_the_queue_puts_the_most_urgent_first_and_shows_what_an_officer_needs(web: Web) -> None:
    await sign_in(web.client, "amina")
    answer = await web.client.get("/queue")
    s = web.seeded
    assert queue_ids(answer.text) == [s.name, s.hostile, s.wallet, s.retro, s.cycle]
    rows = page(answer.text).xpath('//table[@class="queue"]/tbody/tr')
    first = rows[0]
    assert first.xpath('.//span[contains(@class, "badge")]/text()') == ["P1"]
    assert "prio-1" in first.xpath('.//span[contains(@class, "badge")]/@class')[0]
    assert first.xpath('.//span[contains(@class, "chip")]/text()') == ["graph.fan_in", "sanctions.name"]
    assert first.xpath('.//div[@class="party-name"]/text()') == ["Ali Hassan Khan"]
    (sla,) = first.xpath('.//td[contains(@class, "sla")]')
    assert "overdue" in sla.get("class") and sla.text_content().startswith("overdue 1h")
    (later,) = rows[2].xpath('.//td[contains(@class, "sla")]')
    assert "overdue" not in later.get("class") and later.text_content().endswith("left")
    assert rows[3].xpath('.//span[contains(@class, "badge")]/text()') == ["P2"]  # a listed party, nothing held
    assert [td.text_content() for td in rows[3].xpath("./td")][6] == "—"
    assert rows[4].xpath('.//span[contains(@class, "badge")]/text()') == ["P4"]
    assert [td.text_content() for td in rows[4].xpath("./td")][4] == "exB"
    assert page(answer.text).xpath('//*[@id="total"]/text()') == ["5"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"action": "flag"}, ["retro", "cycle"]),
        ({"action": "hold"}, ["name", "hostile", "wallet"]),
        ({"rule": "graph.cycle"}, ["cycle"]),
        ({"rule": "sanctions.name"}, ["name", "hostile", "retro"]),
        ({"exchange": "exB"}, ["cycle"]),
        ({"q": "Ali Hassan"}, ["name"]),
        ({"q": "acct-w2"}, ["wallet"]),
        ({"q": "olga petrova"}, ["retro"]),
        ({"q": "exA:t-old"}, ["retro"]),
        ({"q": "exA:t-2001"}, ["wallet"]),
        ({"q": "un:qdi.001"}, ["name"]),
        ({"age": "0"}, ["name", "hostile", "wallet", "retro", "cycle"]),
        ({"age": "1000"}, []),
        ({"assignee": "amina"}, []),
        ({"asset": "USDC"}, ["retro"]),
        ({"asset": "PKTB-4Y"}, []),
        ({"status": "closed"}, []),
        ({"status": "nonsense", "age": "lots", "action": "x"}, ["name", "hostile", "wallet", "retro", "cycle"]),
    ],
)
async def test_the_queue_filters_and_searches(web: Web, query: dict[str, str], expected: list[str]) -> None:
    await sign_in(web.client, "amina")
    answer = await web.client.get("/queue", params=query)
    assert answer.status_code == 200
    assert queue_ids(answer.text) == [getattr(web.seeded, name) for name in expected]
    for key, value in query.items():  # the form shows what was asked (values it understood)
        if key in ("q", "rule", "exchange", "assignee", "asset"):
            assert page(answer.text).xpath(f'//input[@name="{key}"]/@value') == [value]


async def test_the_queue_pages_through_the_store_keeping_the_filters(web: Web, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(routes, "PAGE_SIZE", 2)
    await sign_in(web.client, "amina")
    s = web.seeded
    seen, link, links = [], "/queue?status=all", []
    while link:
        answer = page((await web.client.get(link)).text)
        seen.append(queue_ids(lxml.html.tostring(answer).decode()))
        found = answer.xpath('//a[@rel="next"]/@href')
        links.append((answer.xpath('//a[@rel="prev"]/@href'), found))
        link = found[0] if found else ""
    assert seen == [[s.name, s.hostile], [s.wallet, s.retro], [s.cycle]]
    assert links == [
        ([], ["/queue?status=all&page=2"]),
        (["/queue?status=all&page=1"], ["/queue?status=all&page=3"]),
        (["/queue?status=all&page=2"], []),
    ]
    beyond = await web.client.get("/queue?status=all&page=9")
    assert queue_ids(beyond.text) == [] and page(beyond.text).xpath('//a[@rel="prev"]/@href') == [
        "/queue?status=all&page=8"
    ]


async def test_the_case_page_explains_each_reason_and_puts_party_and_listed_entry_side_by_side(web: Web) -> None:
    await sign_in(web.client, "amina")
    answer = await web.client.get(f"/cases/{web.seeded.name}")
    assert answer.status_code == 200
    doc = page(answer.text)
    assert doc.xpath('//p[@class="explanation"]/text()') == [NAME_TEXT, FAN_IN_TEXT]
    (match,) = doc.xpath('//table[@class="side-by-side"]')
    rows = {r.xpath("./th/text()")[0]: r for r in match.xpath("./tbody/tr")}
    name = rows["Name"]
    assert name.xpath('./td[@class="party"]')[0].text_content() == "Ali Hassan Khan"
    assert name.xpath('./td[@class="entry"]')[0].text_content() == "KHAN, Ali Hasan"
    assert name.xpath('./td[@class="party"]/mark/text()') == ["Ali", "Khan"]  # Hassan is not Hasan
    assert name.xpath('./td[@class="entry"]/mark/text()') == ["KHAN", "Ali"]
    assert rows["Date of birth"].xpath('./td[@class="entry"]/mark/text()') == ["1975", "03", "14"]
    assert rows["Identifiers"].xpath('./td[@class="party"]/mark/text()') == ["passport", "AB1234567"]
    facts = dict(
        zip(doc.xpath('//div[@class="match"]//dt/text()'), doc.xpath('//div[@class="match"]//dd/text()'), strict=True)
    )
    assert facts["list"] == "UN" and facts["programme"] == "Al-Qaida (1267)"
    assert facts["watchlist version"] == "wl-2026-12-01"
    transfers = doc.xpath('//table[@class="transfers"]/tbody/tr')
    assert [t.xpath("./td")[0].text_content() for t in transfers] == [
        "exA:t-1001",
        "exA:t-f1",
        "exA:t-f2",
        "exA:t-f3",
        "exA:t-f4",
    ]
    held = [td.text_content().strip() for td in transfers[0].xpath("./td")]
    assert held[1] == "held" and held[3].startswith("9,800 USDT") and "Ali Hassan Khan" in held[4]
    assert held[6] == "held in escrow"  # no ledger configured: what the desk knows
    assert doc.xpath('//ol[@class="timeline"]/li/@data-action') == ["alert"]


async def test_the_case_page_draws_the_transfer_graph_with_the_path_the_rule_fired_on(web: Web) -> None:
    await sign_in(web.client, "amina")
    doc = page((await web.client.get(f"/cases/{web.seeded.name}")).text)
    (svg,) = doc.xpath('//svg[@class="graph"]')
    fired = svg.xpath('.//g[contains(@class, "edge-fired")]/@data-transfer')
    assert sorted(fired) == ["exA:t-1001", "exA:t-f1", "exA:t-f2", "exA:t-f3", "exA:t-f4"]
    assert sorted(svg.xpath('.//g[contains(@class, "node ")]/@data-account')) == [
        "acct-hub",
        "acct-khan",
        "acct-s1",
        "acct-s2",
        "acct-s3",
        "acct-s4",
    ]
    assert svg.xpath('.//g[contains(@class, "node-listed")]/@data-account') == ["acct-khan"]
    assert svg.xpath('.//g[contains(@class, "node-subject")]/@data-account') == ["acct-hub"]
    labels = svg.xpath('.//g[contains(@class, "edge-label")]/text/text()')
    assert "9,800 USDT" in labels and "9,550 USDT" in labels
    # The ring: three edges, all on the rule's path, on the other exchange's case.
    ring = page((await web.client.get(f"/cases/{web.seeded.cycle}")).text)
    assert ring.xpath('//p[@class="explanation"]/text()') == [CYCLE_TEXT]
    assert sorted(ring.xpath('//svg[@class="graph"]//g[contains(@class, "edge-fired")]/@data-transfer')) == [
        "exB:t-3001",
        "exB:t-c1",
        "exB:t-c2",
    ]


async def test_hostile_names_show_verbatim_and_harmless(web: Web) -> None:
    await sign_in(web.client, "amina")
    for path in ("/queue", f"/cases/{web.seeded.hostile}", "/queue?q=drop table"):
        html = (await web.client.get(path)).text
        assert "<script>alert" not in html and "<img src=x" not in html, path
        assert "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt; {{ 7*7 }} Robert&#39;); DROP TABLE" in html, path
        doc = page(html)
        assert not doc.xpath("//script") and not doc.xpath("//img[@onerror]"), path
        assert HOSTILE in doc.text_content(), path
    doc = page((await web.client.get(f"/cases/{web.seeded.hostile}")).text)
    assert doc.xpath('//svg[@class="graph"]//g[contains(@class, "node-listed")]/@data-account') == [HOSTILE_ACCOUNT]
    assert doc.xpath('//td[@class="party"]/mark/text()') == ["Robert"]
    async with web.store.engine.connect() as connection:  # and the SQL in the name never ran
        assert (await connection.execute(select(func.count()).select_from(cases))).scalar_one() == 5
    searched = await web.client.get("/queue", params={"q": HOSTILE})
    assert queue_ids(searched.text) == [web.seeded.hostile]


async def test_an_action_without_the_csrf_token_is_refused_and_changes_nothing(web: Web) -> None:
    csrf = await sign_in(web.client, "amina")
    case_id = web.seeded.wallet
    for token in (None, "forged", csrf[:-1]):
        data = {"action": "reject", "note": "no token"} | ({} if token is None else {"csrf_token": token})
        answer = await web.client.post(f"/cases/{case_id}/actions", data=data)
        assert answer.status_code == 403 and "CSRF" in answer.text
    assert [e.action for e in await web.store.history(case_id)] == ["alert"]
    case = await web.store.case(case_id)
    assert case is not None and case.is_open


async def test_a_release_is_proposed_refused_to_its_maker_and_approved_by_a_senior(web: Web) -> None:
    case_id = web.seeded.name
    csrf = await sign_in(web.client, "amina")
    taken = page(await act(web, case_id, "assign", csrf))
    assert taken.xpath('//div[contains(@class, "flash-ok")]/text()') == ["Done: assigned."]
    proposed = page(await act(web, case_id, "release", csrf, note="hot wallet of a known payroll provider"))
    (flash,) = proposed.xpath('//div[contains(@class, "flash-ok")]/text()')
    assert flash.startswith("Proposed: release held funds.") and "other than amina" in flash
    (pending,) = proposed.xpath('//section[@id="proposal"]')
    assert "amina proposed release held funds" in " ".join(pending.text_content().split())
    assert proposed.xpath('//button[@name="action"]/@value') == ["approve", "decline", "comment"]
    assert await web.store.pending(RESOLUTION) == []  # a proposal sends nothing to the ledger
    refused = page(await act(web, case_id, "approve", csrf))
    (reason,) = refused.xpath('//div[contains(@class, "flash-refused")]/text()')
    assert reason == "Not done: only a senior officer or an admin may check a proposal, not analyst."
    again = await web.client.get(f"/cases/{case_id}")  # a flash shows once
    assert not page(again.text).xpath('//div[contains(@class, "flash")]')
    csrf = await sign_in(web.client, "bilal")
    done = page(await act(web, case_id, "approve", csrf, note="proof of ownership seen"))
    assert done.xpath('//div[contains(@class, "flash-ok")]/text()') == [
        "Done: proposal approved; the case is closed as released."
    ]
    assert done.xpath('//*[@id="case-outcome"]/text()') == ["released"]
    assert done.xpath('//*[@id="case-status"]/text()') == ["Closed · released"]
    history = done.xpath('//ol[@class="timeline"]/li/@data-action')
    assert history == ["alert", "assign", "release", "approve", "release", "resolution"]
    (resolution,) = done.xpath('//ol[@class="timeline"]/li[@data-action="resolution"]')
    assert "resolution “release” of exA:t-1001 sent to the ledger (approved by bilal)" in resolution.text_content()
    row = done.xpath('//table[@class="transfers"]/tbody/tr')[0]
    assert row.xpath('./td[@class="ledger"]/text()') == ["release sent to the ledger"]
    (sent,) = await web.store.pending(RESOLUTION)  # one resolution in the outbox, and its publisher nudged
    assert sent.body["resolution"] == "release" and sent.body["decided_by"] == "amina/bilal"
    assert len(web.published) == 3


async def test_notes_and_names_over_the_limits_are_refused_with_a_reason(web: Web) -> None:
    csrf = await sign_in(web.client, "bilal")
    long_note = page(await act(web, web.seeded.cycle, "comment", csrf, note="x" * 4001))
    assert long_note.xpath('//div[contains(@class, "flash-refused")]/text()') == ["A note is at most 4000 characters."]
    empty = page(await act(web, web.seeded.cycle, "comment", csrf, note="  "))
    assert empty.xpath('//div[contains(@class, "flash-refused")]/text()') == ["Not done: a comment needs text."]
    unknown = await web.client.post(f"/cases/{web.seeded.cycle}/actions", data={"action": "delete", "csrf_token": csrf})
    assert unknown.status_code == 400
    assert [e.action for e in await web.store.history(web.seeded.cycle)] == ["alert"]


async def test_a_flash_message_is_signed_for_its_session(web: Web) -> None:
    case_id = web.seeded.cycle

    async def shown(cookie: str) -> list[str]:
        domain = next(c.domain for c in web.client.cookies.jar if c.name == "aml_session")
        web.client.cookies.set("aml_flash", cookie, domain=domain, path="/")
        flashes: list[str] = page((await web.client.get(f"/cases/{case_id}")).text).xpath(
            '//div[contains(@class, "flash")]/text()'
        )
        return flashes

    csrf = await sign_in(web.client, "amina")
    answer = await web.client.post(
        f"/cases/{case_id}/actions", data={"action": "comment", "note": "first look", "csrf_token": csrf}
    )
    genuine = answer.cookies["aml_flash"]
    assert await shown(genuine) == ["Done: comment added."]
    signature = genuine.partition(".")[2]
    forged = base64.urlsafe_b64encode(b'{"k":"ok","t":"Approved by compliance","c":"%s"}' % case_id.encode())
    assert await shown(forged.decode().rstrip("=") + "." + signature) == []
    await sign_in(web.client, "bilal")
    assert await shown(genuine) == []  # another session's message


async def test_an_exchange_scoped_officer_sees_only_that_exchange(web: Web) -> None:
    await sign_in(web.client, "omar")
    assert queue_ids((await web.client.get("/queue")).text) == [web.seeded.cycle]
    hidden = await web.client.get(f"/cases/{web.seeded.name}")
    assert hidden.status_code == 404 and "There is no case" in hidden.text
    dashboard = page((await web.client.get("/dashboard")).text)
    values = dashboard.xpath('//span[@class="stat-value"]/text()')
    assert values[:3] == ["1", "0", "0"]  # one open case (the flag), nothing held, nothing overdue


async def test_the_dashboard_draws_holds_alerts_per_rule_and_sla_breaches(web: Web) -> None:
    await sign_in(web.client, "amina")
    answer = await web.client.get("/dashboard")
    assert answer.status_code == 200
    doc = page(answer.text)
    # Open cases, held transfers, cases past their SLA, rule hits (the NAME hold has two reasons).
    assert doc.xpath('//span[@class="stat-value"]/text()') == ["5", "3", "1", "6"]
    holds = doc.xpath('//svg[@id="chart-holds"]')[0]
    assert holds.xpath(".//rect[@class='bar']/title/text()") == ["1-4 h: 2 open holds", "4-12 h: 1 open holds"]
    now = web.seeded.now

    def day(ago: timedelta) -> str:
        return (now - ago).strftime("%m-%d")

    expected = Counter(
        {
            (day(timedelta(hours=5)), "sanctions.name"): 1,
            (day(timedelta(hours=5)), "graph.fan_in"): 1,
            (day(timedelta(hours=1)), "sanctions.wallet"): 1,
            (day(timedelta(hours=3)), "retro_hit"): 1,
            (day(timedelta(hours=29, minutes=20)), "graph.cycle"): 1,
        }
    )
    expected[(day(timedelta(hours=2)), "sanctions.name")] += 1
    rules = doc.xpath('//svg[@id="chart-rules"]')[0]
    bars = rules.xpath(".//rect[@class='bar']/title/text()")
    assert sorted(bars) == sorted(f"{d}: {n} {rule}" for (d, rule), n in expected.items())
    legend = doc.xpath('//figure[.//svg[@id="chart-rules"]]//ul[@class="legend"]/li/text()')
    assert legend[0] == "sanctions.name" and sorted(legend) == sorted({rule for _, rule in expected})
    sla = doc.xpath('//svg[@id="chart-sla"]')[0]
    assert sla.xpath(".//rect[@class='bar']/title/text()") == [
        "P1: 2 within SLA",
        "P1: 1 overdue",
        "P2: 1 within SLA",
        "P4: 1 within SLA",
    ]
    assert doc.xpath('//section[@id="sla"]//a/text()') == [web.seeded.name]
    assert doc.xpath('//section[@id="hold-ages"]//a/text()') == [web.seeded.name, web.seeded.hostile, web.seeded.wallet]


async def test_a_retro_screening_hit_shows_the_new_listing_beside_the_party_seen_before(web: Web) -> None:
    await sign_in(web.client, "amina")
    doc = page((await web.client.get(f"/cases/{web.seeded.retro}")).text)
    assert doc.xpath('//article[contains(@class, "source-retro_hit")]//p[@class="explanation"]/text()') == [RETRO_TEXT]
    rows = {r.xpath("./th/text()")[0]: r for r in doc.xpath('//table[@class="side-by-side"]/tbody/tr')}
    assert rows["Name"].xpath('./td[@class="party"]/mark/text()') == ["Olga", "Petrova"]
    assert rows["Name"].xpath('./td[@class="entry"]')[0].text_content() == "PETROVA, Olga"
    assert [td.text_content() for td in rows["Date of birth"].xpath("./td")] == ["1969-11-02", "—"]
    (earlier,) = doc.xpath('//table[@class="transfers"]/tbody/tr')
    cells = [td.text_content().strip() for td in earlier.xpath("./td")]
    assert cells[0] == "exA:t-old" and cells[1] == "retro" and cells[6] == "settled earlier"
    assert doc.xpath('//button[@name="action"]/@value') == [
        "comment",
        "escalate",
        "freeze",
        "close_false_positive",
        "mark_str",
    ]  # nothing is held: nothing to release or reject
