"""The auth store on SQLite and PostgreSQL: passwords, throttling, sessions, API keys."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from services.auth.adapters.store import AuthError, AuthStore
from services.auth.adapters.tables import api_keys, users
from services.auth.domain.principal import Principal, Role

pytestmark = pytest.mark.asyncio
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"


async def test_passwords_are_stored_as_argon2_hashes_and_checked(auth_store: AuthStore) -> None:
    await auth_store.add_user("amina", PASSWORD, Role.ANALYST, "exA", NOW)
    async with auth_store.engine.connect() as connection:
        stored = (await connection.execute(select(users.c.password_hash))).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    ok = await auth_store.login("amina", PASSWORD, NOW)
    assert ok.principal == Principal("amina", Role.ANALYST, "exA")
    wrong = await auth_store.login("amina", "wrong password!", NOW)
    nobody = await auth_store.login("nobody", PASSWORD, NOW)
    assert wrong.principal is None and wrong.problem == nobody.problem  # no hint which part was wrong


async def test_refusals_name_the_problem(auth_store: AuthStore) -> None:
    with pytest.raises(AuthError, match="12 characters"):
        await auth_store.add_user("bilal", "short", Role.SENIOR, None, NOW)
    with pytest.raises(AuthError, match="API key"):
        await auth_store.add_user("exchange-a", PASSWORD, Role.EXCHANGE, "exA", NOW)
    with pytest.raises(AuthError, match="a-z"):
        await auth_store.add_user("Robert'); DROP TABLE", PASSWORD, Role.SENIOR, None, NOW)
    await auth_store.add_user("bilal", PASSWORD, Role.SENIOR, None, NOW)
    with pytest.raises(AuthError, match="exists"):
        await auth_store.add_user("bilal", PASSWORD, Role.SENIOR, None, NOW)


async def test_five_failed_logins_pause_the_name_even_for_the_right_password(auth_store: AuthStore) -> None:
    await auth_store.add_user("amina", PASSWORD, Role.ANALYST, None, NOW)
    for n in range(5):
        assert (await auth_store.login("amina", f"guess number {n}", NOW + timedelta(seconds=n))).principal is None
    blocked = await auth_store.login("amina", PASSWORD, NOW + timedelta(seconds=10))
    assert blocked.principal is None and blocked.retry_after_s is not None and blocked.retry_after_s > 800
    later = await auth_store.login("amina", PASSWORD, NOW + timedelta(minutes=16))
    assert later.principal is not None


async def test_sessions_expire_end_and_die_with_a_disabled_user(auth_store: AuthStore) -> None:
    await auth_store.add_user("amina", PASSWORD, Role.ANALYST, None, NOW)
    principal = Principal("amina", Role.ANALYST)
    token, session = await auth_store.open_session(principal, NOW, timedelta(hours=8))
    assert (await auth_store.session(token, NOW + timedelta(hours=1))) == session
    assert await auth_store.session(token, NOW + timedelta(hours=9)) is None
    assert await auth_store.session("forged-token", NOW) is None
    await auth_store.end_session(token, NOW)
    assert await auth_store.session(token, NOW) is None
    other, _ = await auth_store.open_session(principal, NOW, timedelta(hours=8))
    assert await auth_store.disable_user("amina", NOW)
    assert await auth_store.session(other, NOW) is None
    assert (await auth_store.login("amina", PASSWORD, NOW)).principal is None


async def test_api_keys_are_stored_as_digests_scoped_to_their_exchange_and_revocable(auth_store: AuthStore) -> None:
    key = await auth_store.create_key("exA systems", Role.EXCHANGE, "exA", NOW)
    async with auth_store.engine.connect() as connection:
        stored = (await connection.execute(select(api_keys.c.secret_digest))).scalar_one()
    assert key.split("_", 2)[2] not in stored
    principal = await auth_store.key_principal(key)
    assert principal is not None and principal.role is Role.EXCHANGE and principal.exchange_id == "exA"
    assert principal.sees("exA") and not principal.sees("exB")
    assert await auth_store.key_principal(key[:-1] + ("A" if key[-1] != "A" else "B")) is None
    assert await auth_store.key_principal("not-a-key") is None
    assert await auth_store.revoke_key(key.split("_")[1], NOW)
    assert await auth_store.key_principal(key) is None
    with pytest.raises(AuthError, match="--exchange"):
        await auth_store.create_key("x", Role.EXCHANGE, None, NOW)
