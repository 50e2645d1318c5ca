"""Rebuild ``report.md`` and the charts from the results gathered so far."""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

from .measurements import Results


def publish(data: Results, folder: Path) -> bool:
    """Never lets a reporting bug lose a run: the error is printed, ``results.json`` stays."""
    from .charts import write_charts
    from .report import write_report

    try:
        write_report(data, folder)
        write_charts(data, folder)
        return True
    except Exception:
        print(f"could not write the report or charts:\n{traceback.format_exc()}", file=sys.stderr)
        return False
