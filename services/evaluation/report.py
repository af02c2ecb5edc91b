"""The evaluation report: a Rich table for the terminal, JSON or markdown for the record."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from rich.table import Table

from services.evaluation.scorecard import OperatingPoint, Row, Timing

_HEADERS = ("matcher", "threshold", "pairs P", "pairs R", "pairs F1", "STRONG failures", "UN recall",
            "negatives FP rate", "q/s", "p99 ms")


@dataclass(frozen=True, slots=True)
class Report:
    rows: list[Row]
    name_only: Timing
    """Our matcher on name-only queries (no DOB or country), the issue's throughput target."""
    entries: int
    names: int
    un_entries: int
    positives: int
    negatives_available: int
    pairs: int
    matched: list[OperatingPoint]
    """Our recall at each other matcher's false-positive rate (or lower)."""

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _cells(row: Row) -> list[str]:
    pairs = row.pairs
    timing = row.timing
    return [
        row.matcher, f"{row.threshold:.2f}",
        f"{pairs.precision:.3f}" if pairs else "-", f"{pairs.recall:.3f}" if pairs else "-",
        f"{pairs.f1:.3f}" if pairs else "-", str(len(pairs.strong_failures)) if pairs else "-",
        f"{row.un_recall:.4f}" if row.un_recall is not None else "-",
        f"{row.negatives_fp_rate:.4%} of {row.negatives_used}" if row.negatives_fp_rate is not None else "-",
        f"{timing.per_second:,.0f}" if timing else "-", f"{timing.p99_ms:.2f}" if timing else "-",
    ]


def _caption(report: Report) -> str:
    return (f"{report.pairs} labelled pairs; {report.positives} treated UN positives against {report.un_entries} UN "
            f"entries; negatives against {report.entries} OFAC+UN+EU entries ({report.names} names). q/s and p99 "
            f"are per core (process CPU time per query, one query at a time) and include candidate generation. "
            f"Ours on name-only queries: {report.name_only.per_second:,.0f} q/s, "
            f"p99 {report.name_only.p99_ms:.2f} ms over {report.name_only.queries} queries.")


_MATCHED_HEADERS = ("versus", "their FP rate", "their UN recall", "our threshold", "our FP rate", "our UN recall")


def _matched_cells(point: OperatingPoint) -> list[str]:
    return [point.versus, f"{point.their_fp_rate:.4%}", f"{point.their_recall:.4f}", f"{point.threshold:.4f}",
            f"{point.fp_rate:.4%}", f"{point.recall:.4f}"]


def render_table(report: Report) -> Table:
    table = Table(title="Name matching: side by side", caption=_caption(report))
    for header in _HEADERS:
        table.add_column(header, justify="left" if header == "matcher" else "right")
    for row in report.rows:
        table.add_row(*_cells(row))
    return table


def render_matched(report: Report) -> Table:
    table = Table(title="Ours at an equal or lower false-positive rate than each other matcher")
    for header in _MATCHED_HEADERS:
        table.add_column(header, justify="left" if header == "versus" else "right")
    for point in report.matched:
        table.add_row(*_matched_cells(point))
    return table


def markdown(report: Report) -> str:
    lines = ["| " + " | ".join(_HEADERS) + " |", "|" + "---|" * len(_HEADERS)]
    lines += ["| " + " | ".join(_cells(row)) + " |" for row in report.rows]
    lines += ["", _caption(report), ""]
    lines += ["| " + " | ".join(_MATCHED_HEADERS) + " |", "|" + "---|" * len(_MATCHED_HEADERS)]
    lines += ["| " + " | ".join(_matched_cells(point)) + " |" for point in report.matched]
    lines += [""]
    for row in report.rows:
        if row.pairs and row.pairs.strong_failures:
            lines.append(f"STRONG failures of {row.matcher}:")
            lines += [f"- {failure}" for failure in row.pairs.strong_failures]
    return "\n".join(lines) + "\n"


def write_report(report: Report, path: Path) -> None:
    if path.suffix == ".md":
        path.write_text(markdown(report), encoding="utf-8")
    else:
        path.write_text(json.dumps(report.as_dict(), indent=2, default=str), encoding="utf-8")
