"""Type stub of the compiled transfer-graph core (native/graph/src/lib.rs)."""

from typing import Any

class GraphCore:
    watermark: float
    def __init__(self, window_seconds: float, taint_hops: int) -> None: ...
    def enable(self, rule_id: str, params: dict[str, float], thresholds: list[tuple[str, float]]) -> None: ...
    def learn(
        self,
        transfer_id: str,
        src: str,
        dst: str,
        amount: float,
        ts: float,
        value: float,
        currency: str,
        src_listed: bool,
        dst_listed: bool,
    ) -> bool: ...
    def observe(
        self,
        transfer_id: str,
        src: str,
        dst: str,
        amount: float,
        ts: float,
        value: float,
        currency: str,
        src_listed: bool,
        dst_listed: bool,
    ) -> list[tuple[str, Any]]: ...
    def exposure_hops(self, account: str) -> int | None: ...
    def _panic_for_tests(self) -> None: ...
    def edge_keys(self) -> list[tuple[str, str, str]]: ...
    def accounts(self) -> int: ...
    def __len__(self) -> int: ...
