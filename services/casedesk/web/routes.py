"""The officers' web pages: login, the queue, a case, actions on it, the dashboard (server-rendered, Jinja2).

Thin like the JSON API beside it (`api.py`): who is asking comes from the auth module's session cookie, the
desk judges every action, the store answers every read (the queue only ever reads one page of cases). Pages
need an officer's session: without one the browser goes to /login, with another role it gets a 403 page.
Every change is a POST carrying the session's CSRF token (`Authenticator.caller` checks it) and ends in a
redirect back to the case with a flash message, the desk's refusal reason when it refused.

Templates are autoescaped: names, notes and evidence show exactly as typed and never as markup.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from schemas.common import utc_now
from services.auth.adapters.store import Session
from services.auth.domain.principal import OFFICERS
from services.auth.http import COOKIE, Authenticator, login_router
from services.casedesk.adapters.case_store import CaseStore, QueueFilter
from services.casedesk.desk import CaseNotFound, Desk, Done
from services.casedesk.domain.case import CaseAction
from services.casedesk.web import views
from services.casedesk.web.charts import PALETTE, Chart, Series, stacked_bars
from services.casedesk.web.dashboard_queries import Dashboard, DashboardQueries, rule_ids
from services.casedesk.web.graph_picture import short_wallet
from services.casedesk.web.ledger_state import ledger_states

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
PAGE_SIZE = 50
MAX_NOTE = 4000
MAX_ASSIGNEE = 64
FLASH_COOKIE = "aml_flash"
STATUSES = ("open", "new", "in_review", "awaiting_approval", "closed", "all")
KNOWN_RULES = (
    "sanctions.name",
    "sanctions.wallet",
    "graph.exposure.direct",
    "graph.exposure.indirect",
    "graph.fan_in",
    "graph.fan_out",
    "graph.cycle",
    "graph.scatter_gather",
    "graph.gather_scatter",
    "graph.pass_through",
    "graph.peel_chain",
    "graph.structuring",
    "graph.split_transfers",
    "graph.velocity_spike",
    "travel_rule.missing_data",
    "travel_rule.unhosted_exposure",
    "jurisdiction.call_for_action",
    "jurisdiction.increased_monitoring",
)
"""Suggestions for the rule filter (any rule id may be typed)."""
_STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml"}
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True, slots=True)
class Flash:
    kind: str
    """`ok` or `refused`."""
    text: str
    case_id: str


def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["when"] = views.when
    environment.filters["wallet"] = short_wallet
    return environment


def _static_files() -> dict[str, tuple[bytes, str, str]]:
    """name → (content, media type, short content hash for cache busting)."""
    found = {}
    for path in sorted((HERE / "static").iterdir()):
        if path.suffix in _STATIC_TYPES:
            content = path.read_bytes()
            found[path.name] = (content, _STATIC_TYPES[path.suffix], hashlib.sha256(content).hexdigest()[:10])
    return found


def safe_next(target: str | None) -> str | None:
    """A local path to return to after logging in, or None (never another site: no scheme, no `//`)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in target) or target.startswith("/login"):
        return None
    return target


def _optional(value: str | None, limit: int = 200) -> str | None:
    value = (value or "").strip()
    return value[:limit] or None


def _hours(value: str | None) -> float | None:
    try:
        hours = float((value or "").strip())
    except ValueError:
        return None
    return hours if 0 <= hours < 1e6 else None


def _page_number(value: str | None) -> int:
    try:
        return max(1, min(int(value or "1"), 1_000_000))
    except ValueError:
        return 1


def _signature(session: Session, payload: str) -> str:
    return hmac.new(session.csrf_token.encode(), payload.encode(), hashlib.sha256).hexdigest()[:32]


def _flash_cookie(session: Session, flash: Flash) -> str:
    body = json.dumps({"k": flash.kind, "t": flash.text[:600], "c": flash.case_id}, ensure_ascii=True)
    payload = base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")
    return f"{payload}.{_signature(session, payload)}"


def _read_flash(request: Request, session: Session) -> Flash | None:
    """The flash message the last action left, if this session's signature vouches for it."""
    cookie = request.cookies.get(FLASH_COOKIE, "")
    payload, _, signature = cookie.partition(".")
    if not payload or not hmac.compare_digest(signature, _signature(session, payload)):
        return None
    try:
        body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return Flash(str(body["k"]), str(body["t"]), str(body["c"]))
    except (ValueError, KeyError, TypeError):
        return None


def _auth_login(auth: Authenticator) -> Callable[..., Awaitable[Response]]:
    """The auth module's own POST /login handler, so a browser's login runs exactly the same code."""
    for route in login_router(auth, home="/").routes:
        if isinstance(route, APIRoute) and route.path == "/login":
            endpoint: Callable[..., Awaitable[Response]] = route.endpoint
            return endpoint
    raise LookupError("services.auth.http.login_router has no POST /login")


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def build_web_router(
    store: CaseStore,
    desk: Desk,
    auth: Authenticator,
    after_action: Callable[[], Awaitable[int]],
    ledger_url: str | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> APIRouter:
    """The pages. Include it before `login_router`: its POST /login answers a browser's failed login with the
    login page and the reason, and hands every other login (JSON clients) to the auth module unchanged."""
    router = APIRouter(include_in_schema=False)
    environment = _environment()
    static = _static_files()
    queries = DashboardQueries(store.engine)
    auth_login = _auth_login(auth)

    def static_url(name: str) -> str:
        return f"/static/{name}?v={static[name][2]}"

    environment.globals["static"] = static_url

    def render(
        name: str, context: Mapping[str, Any], status: int = 200, headers: Mapping[str, str] | None = None
    ) -> HTMLResponse:
        values = {"user": None, "csrf": "", "nav": "", "flash": None, **context}
        html = environment.get_template(name).render(values)
        return HTMLResponse(html, status, headers={**SECURITY_HEADERS, **(headers or {})})

    def signed_in(session: Session) -> dict[str, Any]:
        return {"user": session.principal, "csrf": session.csrf_token}

    def to_login(request: Request) -> RedirectResponse:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.method != "GET" or safe_next(target) is None:
            return RedirectResponse("/login", status_code=303)
        return RedirectResponse(f"/login?{urlencode({'next': target})}", status_code=303)

    def refused(session: Session | None, status: int, title: str, message: str) -> HTMLResponse:
        context = {"title": title, "message": message, "status": status, **(signed_in(session) if session else {})}
        return render("error.html", context, status)

    def forbidden(session: Session) -> HTMLResponse:
        role = session.principal.role
        return refused(
            session,
            403,
            "No access to the case desk",
            f"You are signed in as {session.principal.name} with the {role} role. The case desk is for officers "
            "(analyst, senior, admin).",
        )

    async def viewer(request: Request) -> Session | Response:
        """The officer's session of a page view, or where to send the browser instead."""
        session = await auth.session_of(request)
        if session is None:
            return to_login(request)
        if session.principal.role not in OFFICERS:
            return forbidden(session)
        request.state.session = session
        return session

    async def actor(request: Request) -> Session | Response:
        """The officer's session of a change: the CSRF token checked by the auth module."""
        try:
            principal = await auth.caller(request)
        except HTTPException as exc:
            return refused(await auth.session_of(request), exc.status_code, "Request refused", str(exc.detail))
        session: Session | None = getattr(request.state, "session", None)
        if principal is None or session is None:
            return to_login(request)
        if principal.role not in OFFICERS:
            return forbidden(session)
        return session

    @router.get("/", response_model=None)
    async def home(request: Request) -> Response:
        session = await auth.session_of(request)
        return RedirectResponse("/queue" if session is not None else "/login", status_code=303)

    @router.get("/login", response_model=None)
    async def login_page(request: Request, next: str | None = None) -> Response:
        session = await auth.session_of(request)
        if session is not None and session.principal.role in OFFICERS:
            return RedirectResponse(safe_next(next) or "/queue", status_code=303)
        return render("login.html", {"error": None, "username": "", "next": safe_next(next) or ""})

    @router.post("/login", response_model=None)
    async def login(
        request: Request,
        username: Annotated[str, Form()],
        password: Annotated[str, Form()],
        next: Annotated[str, Form()] = "",
    ) -> Response:
        try:
            response = await auth_login(request, username, password)
        except HTTPException as exc:
            if _wants_json(request):
                raise
            context = {"error": str(exc.detail), "username": username[:64], "next": safe_next(next) or ""}
            return render("login.html", context, exc.status_code, exc.headers)
        target = safe_next(next)
        if target is not None and not _wants_json(request) and "location" in response.headers:
            response.headers["location"] = target
        return response

    @router.get("/queue", response_model=None)
    async def queue(
        request: Request,
        status: str | None = None,
        action: str | None = None,
        rule: str | None = None,
        exchange: str | None = None,
        assignee: str | None = None,
        age: str | None = None,
        q: str | None = None,
        asset: str | None = None,
        page: str | None = None,
    ) -> Response:
        session = await viewer(request)
        if not isinstance(session, Session):
            return session
        principal = session.principal
        chosen = {
            "status": status if status in STATUSES else "open",
            "action": action if action in ("hold", "flag") else "",
            "rule": _optional(rule, 100) or "",
            "exchange": _optional(exchange, 128) or "",
            "assignee": _optional(assignee, MAX_ASSIGNEE) or "",
            "age": "" if _hours(age) is None else (age or "").strip(),
            "q": _optional(q) or "",
            "asset": _optional(asset, 32) or "",
        }
        where = QueueFilter(
            chosen["status"],
            chosen["action"] or None,
            chosen["rule"] or None,
            chosen["exchange"] or None,
            chosen["assignee"] or None,
            _hours(age),
            chosen["q"] or None,
            chosen["asset"] or None,
        )
        number = _page_number(page)
        now = clock()
        found, total = await store.queue(where, principal.exchange_id, now, PAGE_SIZE, (number - 1) * PAGE_SIZE)
        pages = max(1, -(-total // PAGE_SIZE))
        kept = {k: v for k, v in chosen.items() if v and not (k == "status" and v == "open")}

        def page_link(n: int) -> str:
            return "/queue?" + urlencode({**kept, "page": n})

        context = {
            **signed_in(session),
            "nav": "queue",
            "rows": [views.queue_row(c, now) for c in found],
            "total": total,
            "page": number,
            "pages": pages,
            "first": (number - 1) * PAGE_SIZE + 1 if found else 0,
            "last": (number - 1) * PAGE_SIZE + len(found),
            "prev_link": page_link(number - 1) if number > 1 else None,
            "next_link": page_link(number + 1) if number < pages else None,
            "chosen": chosen,
            "statuses": STATUSES,
            "known_rules": KNOWN_RULES,
            "filtered": bool({k for k in kept if k != "status"}),
            "mine": "/queue?" + urlencode({"assignee": principal.name}),
            "scoped": principal.exchange_id,
        }
        return render("queue.html", context)

    @router.get("/cases/{case_id}", response_model=None)
    async def case_page(request: Request, case_id: str) -> Response:
        session = await viewer(request)
        if not isinstance(session, Session):
            return session
        try:
            case = await desk.visible_case(case_id, session.principal)
        except CaseNotFound:
            return refused(session, 404, "No such case", f"There is no case {case_id} you may see.")
        now = clock()
        sources = await store.sources(case_id)
        history = await store.history(case_id)
        pattern = views.evidence_edges(sources)
        own = [t for a in case.alerts for t in (a.transfer_id, *a.related_transfer_ids) if t]
        events = await store.transfers([*own, *pattern])
        transfers = views.transfer_views(case, events, pattern)
        if ledger_url:
            asked = [t.transfer_id for t in transfers if t.role != "pattern"]
            states = await ledger_states(ledger_url, asked, request.cookies.get(COOKIE))
        else:
            sent = views.resolutions(history)
            waiting = {"held": "held in escrow", "flagged": "settled (flagged for review)", "retro": "settled earlier"}
            states = {t.transfer_id: sent.get(t.transfer_id, waiting.get(t.role, "")) for t in transfers}
        transfers = [replace(t, ledger=states.get(t.transfer_id, "")) for t in transfers]
        proposal = case.proposal
        flash = _read_flash(request, session)
        context = {
            **signed_in(session),
            "nav": "queue",
            "case": case,
            "row": views.queue_row(case, now),
            "sources": [views.source_view(s) for s in sources],
            "matches": views.match_views(sources, events),
            "transfers": transfers,
            "graph": views.graph_of(case, sources, events, pattern),
            "history": views.history_views(history),
            "proposal": None
            if proposal is None
            else views.ProposalView(
                views.ACTION_LABELS[proposal.action], proposal.maker, views.when(proposal.proposed_at), proposal.note
            ),
            "buttons": views.buttons(case),
            "may_assign_others": views.may_assign_others(session.principal),
            "outcome": views.outcome_text(case),
            "flash": flash if flash is not None and flash.case_id == case.case_id else None,
            "ledger_live": bool(ledger_url),
            "opened": views.when(case.opened_at),
            "due": views.when(case.due_at),
        }
        response = render("case.html", context)
        if flash is not None:
            response.delete_cookie(FLASH_COOKIE, path="/")
        return response

    @router.post("/cases/{case_id}/actions", response_model=None)
    async def act(request: Request, case_id: str) -> Response:
        session = await actor(request)
        if not isinstance(session, Session):
            return session
        form = await request.form()
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        try:
            action = CaseAction(fields.get("action", ""))
        except ValueError:
            return refused(session, 400, "Unknown action", "Choose one of the case's action buttons.")
        note = fields.get("note", "").strip()
        assignee = _optional(fields.get("assignee"), MAX_ASSIGNEE + 1)
        back = f"/cases/{quote(case_id, safe='')}"
        if len(note) > MAX_NOTE:
            flash = Flash("refused", f"A note is at most {MAX_NOTE} characters.", case_id)
        elif assignee is not None and len(assignee) > MAX_ASSIGNEE:
            flash = Flash("refused", f"An officer's name is at most {MAX_ASSIGNEE} characters.", case_id)
        else:
            try:
                result = await desk.act(case_id, session.principal, action, note, assignee)
            except CaseNotFound:
                return refused(session, 404, "No such case", f"There is no case {case_id} you may see.")
            if isinstance(result, Done):
                try:
                    await after_action()
                except Exception:  # the resolution stays in the outbox and is sent by the next round
                    log.exception("resolution of %s not published yet", case_id)
                flash = Flash("ok", _done_text(action, result), case_id)
            else:
                flash = Flash("refused", f"Not done: {result.reason}.", case_id)
        response = RedirectResponse(back, status_code=303)
        response.set_cookie(
            FLASH_COOKIE,
            _flash_cookie(session, flash),
            max_age=120,
            path="/",
            httponly=True,
            samesite="strict",
            secure=auth.settings.cookie_secure,
        )
        return response

    @router.get("/dashboard", response_model=None)
    async def dashboard(request: Request) -> Response:
        session = await viewer(request)
        if not isinstance(session, Session):
            return session
        figures = await queries.dashboard(session.principal.exchange_id, clock())
        context = {
            **signed_in(session),
            "nav": "dashboard",
            "d": figures,
            "charts": _charts(figures),
            "priority_labels": views.PRIORITY_LABELS,
            "ago": lambda at: views.duration(figures.now - at),
        }
        return render("dashboard.html", context)

    @router.get("/static/{name}", response_model=None)
    async def static_file(name: str) -> Response:
        found = static.get(name)
        if found is None:
            return Response("not found", 404, media_type="text/plain")
        content, media_type, _ = found
        return Response(
            content,
            media_type=media_type,
            headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"},
        )

    return router


def _done_text(action: CaseAction, result: Done) -> str:
    case = result.case
    if case.proposal is not None and action not in (CaseAction.APPROVE, CaseAction.DECLINE):
        return (
            f"Proposed: {views.ACTION_LABELS[action].lower()}. It takes effect when a senior officer other than "
            f"{case.proposal.maker} approves it."
        )
    words = views.DONE_WORDS[action]
    if case.outcome is not None and not case.is_open:
        words += f"; the case is closed as {views.OUTCOME_LABELS[case.outcome]}"
    return f"Done: {words}."


def _charts(d: Dashboard) -> dict[str, Chart]:
    ages = stacked_bars(
        "Open holds by time waiting",
        [b.label for b in d.hold_ages],
        [Series("open holds", tuple(b.count for b in d.hold_ages), PALETTE[0])],
        bar_colours=("#16a34a", "#65a30d", "#ca8a04", "#ea580c", "#dc2626", "#991b1b"),
    )
    rules = rule_ids(d.alerts_per_rule)
    counts = {(r.day, r.rule_id): r.count for r in d.alerts_per_rule}
    per_rule = stacked_bars(
        f"Alerts per rule per day (last {len(d.days)} days)",
        [day.strftime("%m-%d") for day in d.days],
        [
            Series(rule, tuple(counts.get((day, rule), 0) for day in d.days), PALETTE[i % len(PALETTE)])
            for i, rule in enumerate(rules)
        ],
        slot=44.0,
    )
    sla = stacked_bars(
        "Open cases by priority: within SLA and overdue",
        [f"P{line.priority}" for line in d.sla],
        [
            Series("within SLA", tuple(line.open - line.overdue for line in d.sla), "#16a34a"),
            Series("overdue", tuple(line.overdue for line in d.sla), "#dc2626"),
        ],
        slot=72.0,
    )
    return {"ages": ages, "per_rule": per_rule, "sla": sla}
