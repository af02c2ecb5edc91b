"""Dead-letter record: an input the system could not accept, kept whole with the reason."""

from __future__ import annotations

import base64
from typing import Annotated

from pydantic import Field

from schemas.common import Contract, UtcDatetime


class DeadLetter(Contract):
    reason: Annotated[str, Field(min_length=1)]
    topic: str
    partition: int | None = None
    offset: int | None = None
    key_b64: str | None = None
    original_b64: str
    source: Annotated[str, Field(description="which part dead-lettered it, e.g. screener, ingest-file")]
    dead_lettered_at: UtcDatetime

    @property
    def original(self) -> bytes:
        return base64.b64decode(self.original_b64)

    @staticmethod
    def encode(raw: bytes | None) -> str:
        return base64.b64encode(raw or b"").decode("ascii")
