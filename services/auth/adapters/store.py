"""Users, API keys and sessions in the database: the one place credentials are checked."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from services.auth.adapters.tables import api_keys, login_failures, sessions, users
from services.auth.domain.credentials import digest, format_key, matches, parse_key
from services.auth.domain.principal import Principal, Role
from services.auth.domain.throttle import Throttle
from services.database import write_transaction

_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-@")
_KEY_ID_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789"


class AuthError(ValueError):
    """A request the store refuses, in words for the person who made it."""


@dataclass(frozen=True, slots=True)
class UserRow:
    username: str
    role: Role
    exchange_id: str | None
    disabled: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class KeyRow:
    key_id: str
    role: Role
    exchange_id: str | None
    label: str
    created_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class Login:
    """The outcome of a login: a principal, or why not (and when to try again when throttled)."""

    principal: Principal | None
    problem: str | None = None
    retry_after_s: float | None = None


@dataclass(frozen=True, slots=True)
class Session:
    principal: Principal
    csrf_token: str
    expires_at: datetime


def _valid_name(name: str) -> str:
    if not 1 <= len(name) <= 64 or not set(name) <= _NAME_CHARS:
        raise AuthError("a user name is 1-64 characters of a-z, 0-9 and . _ - @")
    return name


class AuthStore:
    def __init__(self, engine: AsyncEngine, throttle: Throttle | None = None) -> None:
        self.engine = engine
        self.throttle = throttle or Throttle()
        self._hasher = PasswordHasher()

    # Users

    async def add_user(self, name: str, password: str, role: Role, exchange_id: str | None, now: datetime) -> None:
        _valid_name(name)
        if role is Role.EXCHANGE:
            raise AuthError("exchanges are machines: give them an API key (aml keys create), not a login")
        if len(password) < 12:
            raise AuthError("a password needs at least 12 characters")
        async with write_transaction(self.engine) as connection:
            found = await connection.execute(select(users.c.username).where(users.c.username == name))
            if found.first() is not None:
                raise AuthError(f"user {name!r} exists already")
            await connection.execute(
                insert(users).values(
                    username=name,
                    password_hash=self._hasher.hash(password),
                    role=role.value,
                    exchange_id=exchange_id,
                    disabled=False,
                    created_at=now,
                )
            )

    async def users(self) -> list[UserRow]:
        async with self.engine.connect() as connection:
            rows = await connection.execute(select(users).order_by(users.c.username))
            return [
                UserRow(r.username, Role(r.role), r.exchange_id, bool(r.disabled), r.created_at) for r in rows
            ]

    async def disable_user(self, name: str, now: datetime) -> bool:
        """Disable a user and end their sessions; False when there is no such user."""
        async with write_transaction(self.engine) as connection:
            changed = await connection.execute(update(users).where(users.c.username == name).values(disabled=True))
            await connection.execute(
                update(sessions).where(sessions.c.username == name, sessions.c.ended_at.is_(None)).values(ended_at=now)
            )
            return bool(changed.rowcount)

    async def login(self, name: str, password: str, now: datetime) -> Login:
        """Check a password. Every refusal reads the same to the caller, whatever was wrong."""
        refused = Login(None, "unknown user name or wrong password")
        async with write_transaction(self.engine) as connection:
            failed = await connection.execute(select(login_failures.c.at).where(login_failures.c.username == name))
            wait = self.throttle.retry_after([row.at for row in failed], now)
            if wait is not None:
                return Login(None, "too many failed logins; try again later", wait)
            row = (await connection.execute(select(users).where(users.c.username == name))).first()
            ok = False
            if row is not None and not row.disabled:
                try:
                    ok = self._hasher.verify(row.password_hash, password)
                except (VerificationError, InvalidHashError):
                    ok = False
            if row is None or not ok:
                await connection.execute(insert(login_failures).values(username=name, at=now))
                return refused
            await connection.execute(delete(login_failures).where(login_failures.c.username == name))
            if self._hasher.check_needs_rehash(row.password_hash):
                await connection.execute(
                    update(users).where(users.c.username == name).values(password_hash=self._hasher.hash(password))
                )
        return Login(Principal(row.username, Role(row.role), row.exchange_id))

    # Sessions

    async def open_session(self, principal: Principal, now: datetime, lasts: timedelta) -> tuple[str, Session]:
        """A new session: the token for the cookie (only its digest is stored) and the session."""
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        expires = now + lasts
        async with write_transaction(self.engine) as connection:
            await connection.execute(
                insert(sessions).values(
                    token_digest=digest(token),
                    username=principal.name,
                    csrf_token=csrf,
                    created_at=now,
                    expires_at=expires,
                    ended_at=None,
                )
            )
        return token, Session(principal, csrf, expires)

    async def session(self, token: str, now: datetime) -> Session | None:
        """The live session of a cookie's token: not ended, not expired, its user not disabled."""
        query = (
            select(sessions.c.csrf_token, sessions.c.expires_at, users.c.username, users.c.role, users.c.exchange_id)
            .join(users, users.c.username == sessions.c.username)
            .where(sessions.c.token_digest == digest(token), sessions.c.ended_at.is_(None), ~users.c.disabled)
        )
        async with self.engine.connect() as connection:
            row = (await connection.execute(query)).first()
        if row is None or row.expires_at <= now:
            return None
        return Session(Principal(row.username, Role(row.role), row.exchange_id), row.csrf_token, row.expires_at)

    async def end_session(self, token: str, now: datetime) -> None:
        async with write_transaction(self.engine) as connection:
            await connection.execute(
                update(sessions).where(sessions.c.token_digest == digest(token)).values(ended_at=now)
            )

    # API keys

    async def create_key(self, label: str, role: Role, exchange_id: str | None, now: datetime) -> str:
        """A new API key, returned once in full; only the digest of its secret is kept."""
        if role is Role.EXCHANGE and exchange_id is None:
            raise AuthError("an exchange key needs the exchange it belongs to (--exchange)")
        key_id = "".join(secrets.choice(_KEY_ID_CHARS) for _ in range(8))
        secret = secrets.token_urlsafe(32)
        async with write_transaction(self.engine) as connection:
            await connection.execute(
                insert(api_keys).values(
                    key_id=key_id,
                    secret_digest=digest(secret),
                    role=role.value,
                    exchange_id=exchange_id,
                    label=label[:128],
                    created_at=now,
                    revoked_at=None,
                )
            )
        return format_key(key_id, secret)

    async def revoke_key(self, key_id: str, now: datetime) -> bool:
        async with write_transaction(self.engine) as connection:
            changed = await connection.execute(
                update(api_keys)
                .where(api_keys.c.key_id == key_id, api_keys.c.revoked_at.is_(None))
                .values(revoked_at=now)
            )
            return bool(changed.rowcount)

    async def keys(self) -> list[KeyRow]:
        async with self.engine.connect() as connection:
            rows = await connection.execute(select(api_keys).order_by(api_keys.c.created_at))
            return [
                KeyRow(r.key_id, Role(r.role), r.exchange_id, r.label, r.created_at, r.revoked_at) for r in rows
            ]

    async def key_principal(self, presented: str) -> Principal | None:
        """The principal of a presented API key, or None (unknown, malformed or revoked)."""
        parts = parse_key(presented)
        if parts is None:
            return None
        async with self.engine.connect() as connection:
            row = (await connection.execute(select(api_keys).where(api_keys.c.key_id == parts.key_id))).first()
        if row is None or row.revoked_at is not None or not matches(parts.secret, row.secret_digest):
            return None
        return Principal(f"key:{row.key_id}", Role(row.role), row.exchange_id, machine=True)
