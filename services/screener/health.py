"""The screener's /healthz: is it deciding, on which lists, and is any partition stuck?

A screener can be up and still decide nothing useful: its lists never arrived (every transfer is held),
or one batch keeps failing and its partitions stand still. Both answer 503 `degraded` with the reason,
so an orchestrator or an operator sees it; the body says what is wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from services.screener.handlers import StreamStatus


def report(
    stream: StreamStatus,
    watchlist_version: str,
    watchlist_error: str | None,
    late_batches: int | None,
    lists: Mapping[str, Any] | None = None,
) -> tuple[int, dict[str, Any]]:
    """The HTTP status and body of /healthz for the screener's current state."""
    problems: list[str] = []
    if watchlist_error is not None:
        problems.append(f"no watchlist applied, every transfer is held: {watchlist_error}")
    if lists is not None and not lists.get("healthy", True):
        # E.g. a version refused for unreadable records: screening goes on, on the last complete version.
        detail = lists.get("error") or (
            f"newest version {lists.get('newest')} not applied, {len(lists.get('unreadable') or {})} unreadable "
            f"record(s); in force: {lists.get('applied')}"
        )
        problems.append(f"watchlist follower: {detail}")
    if stream.stuck:
        problems.append(
            f"partitions {list(stream.failing_partitions)} stuck: the same batch failed "
            f"{stream.consecutive_failures} times ({stream.last_error})"
        )
    body: dict[str, Any] = {
        "status": "degraded" if problems else "ok",
        "problems": problems,
        "watchlist": {"version": watchlist_version, "error": watchlist_error, "follower": lists},
        "stream": {
            "batches": stream.batches,
            "transfers": stream.transfers,
            "dead_letters": stream.dead_letters,
            "failures": stream.failures,
            "consecutive_failures": stream.consecutive_failures,
            "stuck_partitions": list(stream.failing_partitions) if stream.stuck else [],
            "last_error": stream.last_error,
            "last_batch_at": stream.last_batch_at.isoformat() if stream.last_batch_at else None,
        },
    }
    if late_batches is not None:
        body["graph_tail"] = {"late_batches": late_batches}
    return (503 if problems else 200), body


def create_health_app(current: Callable[[], tuple[int, dict[str, Any]]]) -> FastAPI:
    app = FastAPI(title="AML screener", version="1", docs_url=None, redoc_url=None)

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        status, body = current()
        return JSONResponse(body, status_code=status)

    return app
