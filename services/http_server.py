"""An HTTP server run inside a service's own event loop, beside its Kafka consumer (ledger, screener).

The service owns SIGTERM/SIGINT (it must stop its consumer too, not just HTTP), so uvicorn's signal
handlers are left out, and the socket is bound here rather than by uvicorn, which calls sys.exit()
when the port is taken.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterator

import uvicorn
from fastapi import FastAPI


class _EmbeddedServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on `host:port` (0: any free port); OSError when the port is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        # Listen here too: two processes can both bind one port before either listens (SO_REUSEADDR), and the
        # second would then only fail inside the server, after its caller had decided it had the port.
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


@contextlib.asynccontextmanager
async def serving(
    app: FastAPI, sock: socket.socket, log_level: str = "warning", name: str = "http"
) -> AsyncIterator[int]:
    """Serve `app` on the bound `sock` until the block exits; yields the port."""
    config = uvicorn.Config(app, log_level=log_level.lower(), access_log=False, lifespan="off")
    server = _EmbeddedServer(config)
    task = asyncio.create_task(server.serve(sockets=[sock]), name=name)
    try:
        while not server.started:
            if task.done():
                await task
                raise RuntimeError("the HTTP server stopped during start-up")
            await asyncio.sleep(0.02)
        yield int(sock.getsockname()[1])
    finally:
        server.should_exit = True
        await task
        sock.close()
