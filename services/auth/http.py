"""FastAPI side of auth: who is asking (API key or session cookie), which roles a route admits, CSRF.

Every route of every service takes its caller from `Authenticator.require(...)`; none reads an identity
from the request body. Machines send `X-API-Key`; officers log in (`login_router`) and carry a session
cookie (HttpOnly, SameSite=Strict, Secure unless turned off for a loopback demo). A request that changes
something on a session must carry the session's CSRF token (`X-CSRF-Token` header or `csrf_token` form
field): SameSite already stops most cross-site posts, the token stops the rest.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from schemas.common import utc_now
from services.auth.adapters.store import AuthStore, Session
from services.auth.domain.principal import Principal, Role
from services.auth.settings import AuthSettings

COOKIE = "aml_session"
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Authenticator:
    def __init__(
        self,
        store: AuthStore,
        settings: AuthSettings,
        clock: Callable[[], datetime] = utc_now,
        on_login: Callable[[str, bool, datetime], Awaitable[None]] | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self.on_login = on_login
        """Told of every login attempt (user name, whether it succeeded, when): the case desk audits them."""

    async def session_of(self, request: Request) -> Session | None:
        token = request.cookies.get(COOKIE)
        return None if not token else await self.store.session(token, self.clock())

    async def caller(self, request: Request) -> Principal | None:
        """The authenticated caller, or None. A request with a key is judged by the key alone."""
        key = request.headers.get("x-api-key")
        if key is not None:
            return await self.store.key_principal(key)
        session = await self.session_of(request)
        if session is None:
            return None
        if request.method in _UNSAFE:
            sent = request.headers.get("x-csrf-token")
            if sent is None and request.headers.get("content-type", "").startswith(
                ("application/x-www-form-urlencoded", "multipart/form-data")
            ):
                sent = str((await request.form()).get("csrf_token") or "")
            if not sent or not hmac.compare_digest(sent, session.csrf_token):
                raise HTTPException(403, "missing or wrong CSRF token")
        request.state.session = session
        return session.principal

    def require(self, *roles: Role) -> Callable[[Request], Awaitable[Principal]]:
        """A dependency that admits only callers with one of `roles` (401 without credentials, 403 otherwise)."""
        allowed = frozenset(roles)

        async def dependency(request: Request) -> Principal:
            principal = await self.caller(request)
            if principal is None:
                raise HTTPException(401, "sign in, or send a valid X-API-Key header")
            if principal.role not in allowed:
                raise HTTPException(403, f"the {principal.role} role may not do this")
            return principal

        return dependency


def login_router(auth: Authenticator, home: str = "/") -> APIRouter:
    """POST /login (form: username, password) and POST /logout.

    A browser gets the cookie and a redirect to `home`; a client asking for JSON gets the CSRF token
    it must send with changes (the scripted demo triage logs in this way)."""
    router = APIRouter()

    @router.post("/login", response_model=None)
    async def login(
        request: Request, username: Annotated[str, Form()], password: Annotated[str, Form()]
    ) -> Response:
        now = auth.clock()
        result = await auth.store.login(username, password, now)
        if auth.on_login is not None:
            await auth.on_login(username[:64], result.principal is not None, now)
        if result.principal is None:
            headers = {"Retry-After": str(int(result.retry_after_s) + 1)} if result.retry_after_s else None
            raise HTTPException(429 if result.retry_after_s else 401, result.problem, headers=headers)
        lasts = timedelta(hours=auth.settings.session_hours)
        token, session = await auth.store.open_session(result.principal, now, lasts)
        wants_json = "application/json" in request.headers.get("accept", "")
        response: Response = (
            JSONResponse(
                {"user": session.principal.name, "role": session.principal.role, "csrf_token": session.csrf_token}
            )
            if wants_json
            else RedirectResponse(home, status_code=303)
        )
        response.set_cookie(
            COOKIE,
            token,
            max_age=int(lasts.total_seconds()),
            httponly=True,
            samesite="strict",
            secure=auth.settings.cookie_secure,
        )
        return response

    @router.post("/logout", response_model=None)
    async def logout(request: Request) -> Response:
        token = request.cookies.get(COOKIE)
        if token:
            await auth.store.end_session(token, auth.clock())
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE)
        return response

    return router
