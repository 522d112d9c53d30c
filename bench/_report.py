"""Rendering the results: Markdown tables for the terminal and the docs, a PNG chart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from _cases import OPERATIONS

TITLES = {
    "sqlite3": "SQLite file (WAL), sync: sqlite3 / SQLAlchemy pysqlite",
    "aiosqlite": "SQLite file (WAL), async: aiosqlite",
    "psycopg": "PostgreSQL, sync: psycopg 3",
    "asyncpg": "PostgreSQL, async: asyncpg",
}
BASELINES = ("raw", "core")


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}x"


def _time(entry: dict[str, Any]) -> str:
    median = entry["median_s"]
    return "—" if median is None else f"{median * 1000:,.1f}"


def _per_op(entry: dict[str, Any]) -> str:
    value = entry["per_op_us"]
    if value is None:
        return "—"
    return f"{value:,.2f}" if value < 10 else f"{value:,.0f}"


def _spread(entry: dict[str, Any]) -> str:
    """(slowest - fastest round) / median: how much the rounds disagreed."""
    rounds = entry.get("rounds_s") or []
    median = entry.get("median_s")
    if len(rounds) < 2 or not median:
        return "—"
    return f"{(max(rounds) - min(rounds)) / median * 100:.0f}%"


def _target(entry: dict[str, Any]) -> tuple[str, str]:
    limit = entry.get("target_limit")
    if limit is None:
        return "", ""
    ref = "Core" if entry["target_ref"] == "core" else entry["target_ref"]
    status = "—" if entry["met"] is None else ("met" if entry["met"] else "**not met**")
    if entry["target_ref"] != "core" and entry["ratio"] is not None:
        status += f" ({entry['ratio']:.2f}x)"
    return f"<= {limit:.2f}x {ref}", status


def _note(entry: dict[str, Any]) -> str:
    parts = [entry.get("note") or ""]
    memory = entry.get("memory")
    if memory:
        parts.append(
            f"peak traced {memory['tracemalloc_peak_mb']:.1f} MB, "
            f"RSS +{memory['rss_growth_mb']:.1f} MB"
        )
    if not entry["verified"]:
        parts.append("**NOT VERIFIED**: " + "; ".join(entry["errors"][:1]))
    return "; ".join(part for part in parts if part)


def render_tables(results: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    """One Markdown table per target, operations in the order of ``OPERATIONS``."""
    lines: list[str] = []
    for target in dict.fromkeys(entry["target"] for entry in results):
        rows = [entry for entry in results if entry["target"] == target]
        lines.append(f"### {TITLES.get(target, target)}")
        lines.append("")
        lines.append(
            "| operation | path | median ms | spread | µs per unit | x raw | x Core "
            "| target | status | notes |"
        )
        lines.append("|---|---|--:|--:|--:|--:|--:|---|---|---|")
        for op, (title, unit) in OPERATIONS.items():
            for entry in (e for e in rows if e["op"] == op):
                goal, status = _target(entry)
                lines.append(
                    f"| {title} (x{entry['count']:,} {unit}s) | {entry['impl']} | {_time(entry)} "
                    f"| {_spread(entry)} | {_per_op(entry)} | {_ratio(entry['x_raw'])} "
                    f"| {_ratio(entry['x_core'])} "
                    f"| {goal} | {status} | {_note(entry)} |"
                )
        lines.append("")
    goals = [e for e in results if e.get("target_limit") is not None]
    met = sum(1 for e in goals if e["met"])
    lines.append(render_targets(results))
    lines.append("")
    lines.append(
        f"Targets met: {met} of {len(goals)}.  n={meta['n']:,}, {meta['rounds']} rounds, "
        f"median reported; {meta.get('seconds', 0)} s in total."
    )
    return "\n".join(lines)


def render_targets(results: list[dict[str, Any]]) -> str:
    """The issue's targets: one row per path, one column per target (backend and driver)."""
    targets = list(dict.fromkeys(entry["target"] for entry in results))
    goals: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    for entry in results:
        if entry.get("target_limit") is not None:
            goals.setdefault((entry["op"], entry["impl"]), {})[entry["target"]] = entry
    lines = [
        "| operation | path | target | " + " | ".join(targets) + " |",
        "|---|---|---|" + "---|" * len(targets),
    ]
    for (op, impl), found in goals.items():
        first = next(iter(found.values()))
        ref = "Core" if first["target_ref"] == "core" else first["target_ref"]
        cells = []
        for target in targets:
            entry = found.get(target)
            if entry is None or entry["ratio"] is None:
                cells.append("—")
            else:
                verdict = "met" if entry["met"] else "**not met**"
                cells.append(f"{entry['ratio']:.2f}x {verdict}")
        lines.append(
            f"| {op} | {impl} | <= {first['target_limit']:.2f}x {ref} | " + " | ".join(cells) + " |"
        )
    return "\n".join(lines)


def render_chart(results: list[dict[str, Any]], path: Path, meta: dict[str, Any]) -> None:
    """Horizontal bars: each library path as a ratio to its target's reference (else Core)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    targets = list(dict.fromkeys(entry["target"] for entry in results))
    labels: list[str] = []
    for entry in results:
        label = _chart_label(entry)
        if _charted(entry) and label not in labels:
            labels.append(label)
    if not labels:
        return
    fig, axes = plt.subplots(
        1, len(targets), figsize=(4.2 * len(targets) + 2.5, 0.38 * len(labels) + 1.6), sharey=True
    )
    axes = [axes] if len(targets) == 1 else list(axes)
    for ax, target in zip(axes, targets, strict=True):
        found = {_chart_label(e): e for e in results if e["target"] == target and _charted(e)}
        values, colours = [], []
        for label in labels:
            entry = found.get(label)
            value = _chart_value(entry) if entry else None
            values.append(value or 0.0)
            met = entry.get("met") if entry else None
            colours.append("#4c9a2a" if met else "#c0392b" if met is False else "#7f8c8d")
        positions = range(len(labels))
        ax.barh(list(positions), values, color=colours)
        for pos, label in zip(positions, labels, strict=True):
            entry = found.get(label)
            if entry and entry.get("target_limit"):
                ax.plot([entry["target_limit"]] * 2, [pos - 0.4, pos + 0.4], color="black", lw=1.5)
            value = _chart_value(entry) if entry else None
            if value:
                ax.text(value, pos, f" {value:.2f}", va="center", fontsize=7)
        ax.axvline(1.0, color="#333333", lw=0.8, ls=":")
        ax.set_title(target, fontsize=10)
        ax.set_xlabel("time / reference (hand-written Core unless the label says)", fontsize=8)
        ax.tick_params(labelsize=8)
        ax.set_xlim(0, max([v or 0 for v in values] + [1.6]) * 1.18)
    axes[0].set_yticks(list(range(len(labels))))
    axes[0].set_yticklabels(labels)
    axes[0].invert_yaxis()
    fig.suptitle(
        f"sqlmodel-crud-utilities vs SQLAlchemy Core (n={meta['n']:,}, median of "
        f"{meta['rounds']} rounds; black tick = target; green met, red not met)",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _chart_label(entry: dict[str, Any]) -> str:
    """``op: path``, plus the reference when it is not plain Core."""
    label = f"{entry['op']}: {entry['impl']}"
    ref = entry.get("target_ref")
    return label if ref in (None, "core") else f"{label} (vs {ref})"


def _charted(entry: dict[str, Any]) -> bool:
    if entry["impl"] in BASELINES or entry["op"] == "pool":
        return False
    return not entry["impl"].startswith(("write_row, no hooks", "core, "))


def _chart_value(entry: dict[str, Any] | None) -> float | None:
    if entry is None:
        return None
    if entry.get("target_ref") not in (None, "core"):
        return entry.get("ratio")
    return entry.get("x_core")
