"""PNG charts (matplotlib, Agg backend): time and peak memory vs tenant rows, ours and baselines."""

from __future__ import annotations

from pathlib import Path

from .measurements import Results, SizeResult
from .stats import MB
from .steps import EXPORT_CHART, RESTORE_CHART, Step, charted

CHARTS = {
    "export_time.png": ("Export: wall time", EXPORT_CHART, "wall_s", 1, "seconds"),
    "export_memory.png": ("Export: peak RSS", EXPORT_CHART, "peak_rss_bytes", MB, "MB"),
    "restore_time.png": ("Restore: wall time", RESTORE_CHART, "wall_s", 1, "seconds"),
    "restore_memory.png": ("Restore: peak RSS", RESTORE_CHART, "peak_rss_bytes", MB, "MB"),
}


def write_charts(data: Results, folder: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    written = []
    for name, spec in CHARTS.items():
        path = folder / name
        _chart(data, path, *spec)
        written.append(path)
    return written


def _chart(data: Results, path: Path, title: str, chart: str, key: str, scale: float, unit: str) -> None:
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, NullFormatter

    names = data.engines()
    fig, axes = plt.subplots(1, max(1, len(names)), figsize=(6 * max(1, len(names)), 4.5), squeeze=False)
    for ax, engine in zip(axes[0], names):
        for step in charted(chart):
            _series(ax, data.runs_of(engine), step, key, scale)
        ax.set(title=f"{title} — {engine}", xlabel="tenant rows", ylabel=unit, xscale="log")
        ax.set_xticks([run.rows for run in data.runs_of(engine)])
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
        if key == "wall_s":
            ax.set_yscale("log")
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        else:
            ax.set_ylim(bottom=0)
        ax.grid(True, which="both", alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _series(ax, runs: list[SizeResult], step: Step, key: str, scale: float) -> None:
    xs, mid, low, high = [], [], [], []
    for run in runs:
        s = run.figure(step, key)
        if s.median is not None:
            xs.append(run.rows)
            mid.append(s.median / scale)
            low.append((s.median - s.min) / scale)
            high.append((s.max - s.median) / scale)
    if xs:
        ax.errorbar(xs, mid, yerr=[low, high], fmt=step.style, capsize=3, label=step.label)
