"""PNG charts (matplotlib, Agg backend): time and peak memory vs tenant rows, ours and baselines."""

from __future__ import annotations

from pathlib import Path

from .tables import LABELS, OPS_EXPORT, OPS_RESTORE, engines, figure, runs_of

MB = 1_000_000
CHARTS = {
    "export_time.png": ("Export: wall time", OPS_EXPORT, "wall_s", 1, "seconds"),
    "export_memory.png": ("Export: peak RSS", OPS_EXPORT, "peak_rss_bytes", MB, "MB"),
    "restore_time.png": ("Restore: wall time", OPS_RESTORE, "wall_s", 1, "seconds"),
    "restore_memory.png": ("Restore: peak RSS", OPS_RESTORE, "peak_rss_bytes", MB, "MB"),
}
STYLES = {"export_cli": "o-", "export_http": "s--", "dumpdata": "^:", "restore_replace": "o-", "restore_empty": "s--", "loaddata": "^:"}


def write_charts(data: dict, folder: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    written = []
    for name, spec in CHARTS.items():
        path = folder / name
        _chart(data, path, *spec)
        written.append(path)
    return written


def _chart(data: dict, path: Path, title: str, ops: tuple[str, ...], key: str, scale: float, unit: str) -> None:
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, NullFormatter

    names = engines(data)
    fig, axes = plt.subplots(1, max(1, len(names)), figsize=(6 * max(1, len(names)), 4.5), squeeze=False)
    for ax, engine in zip(axes[0], names):
        for op in ops:
            _series(ax, runs_of(data, engine), op, key, scale)
        ax.set(title=f"{title} — {engine}", xlabel="tenant rows", ylabel=unit, xscale="log")
        ax.set_xticks([run["rows"] for run in runs_of(data, engine)])
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


def _series(ax, runs: list[dict], op: str, key: str, scale: float) -> None:
    xs, mid, low, high = [], [], [], []
    for run in runs:
        s = figure(run, op, key)
        if s["median"] is not None:
            xs.append(run["rows"])
            mid.append(s["median"] / scale)
            low.append((s["median"] - s["min"]) / scale)
            high.append((s["max"] - s["median"]) / scale)
    if xs:
        ax.errorbar(xs, mid, yerr=[low, high], fmt=STYLES.get(op, "o-"), capsize=3, label=LABELS.get(op, op))
