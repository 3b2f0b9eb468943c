"""The progress chart: per-criterion hit rates and the overall score over time, as PNG bytes.

Drawn with matplotlib's Agg canvas on a private `Figure` (no pyplot global state),
so it is safe to run in a worker thread (`asyncio.to_thread(render_chart, data)`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime

MAX_BARS = 15


@dataclass(frozen=True)
class ChartData:
    """What the chart shows; every label is already worded (templates)."""

    rates: tuple[tuple[str, float], ...]  # (criterion label, hit rate 0..1), weakest first
    scores: tuple[tuple[float, float], ...]  # (ended_at, overall 0..100), oldest first
    rates_title: str
    scores_title: str
    rate_axis: str
    score_axis: str


def render_chart(data: ChartData) -> bytes:
    """The chart as PNG bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # the Agg backend, no pyplot
    from matplotlib.figure import Figure

    rates = data.rates[:MAX_BARS]
    height = max(3.5, 0.35 * len(rates) + 1.5)
    fig = Figure(figsize=(11, height), dpi=100)
    FigureCanvasAgg(fig)
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.2, 1]})

    labels = [label for label, _ in reversed(rates)]
    values = [100 * rate for _, rate in reversed(rates)]
    colours = ["#e74c3c" if v < 34 else "#f1c40f" if v < 67 else "#2ecc71" for v in values]
    left.barh(range(len(values)), values, color=colours)
    left.set_yticks(range(len(labels)), labels, fontsize=8)
    left.set_xlim(0, 100)
    left.set_xlabel(data.rate_axis)
    left.set_title(data.rates_title, fontsize=10)

    when = [datetime.fromtimestamp(at, tz=UTC) for at, _ in data.scores]
    overall = [score for _, score in data.scores]
    right.plot(when, overall, marker="o", color="#5865f2")
    right.set_ylim(0, 100)
    right.set_ylabel(data.score_axis)
    right.set_title(data.scores_title, fontsize=10)
    right.grid(alpha=0.3)
    fig.autofmt_xdate()
    fig.tight_layout()

    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()
