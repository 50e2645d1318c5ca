"""A progress bar on a terminal, nothing when output is redirected."""

import sys

from django.utils.translation import gettext_lazy
from tqdm import tqdm

_PHASES = {
    "checking": gettext_lazy("checking"),
    "restoring": gettext_lazy("restoring"),
    "writing": gettext_lazy("writing"),
    "verifying": gettext_lazy("verifying"),
}


def progress_bar(*, unit: str, desc: str, enabled: bool | None = None) -> tqdm:
    if enabled is None:
        enabled = sys.stderr.isatty()
    return tqdm(unit=unit, unit_scale=True, desc=desc, disable=not enabled, file=sys.stderr, leave=False)


class PhaseBar:
    """``progress(phase, rows, total=None)`` on one bar: each phase (a restore's check of the whole
    file, then the restore itself; a backup's writing, then its verifying) starts it again."""

    def __init__(self, bar: tqdm) -> None:
        self.bar = bar
        self.phase = None

    def __call__(self, phase: str, rows: int, total: int | None = None) -> None:
        if phase != self.phase:
            self.phase = phase
            self.bar.set_description(str(_PHASES.get(phase, phase)))
            self.bar.reset(total=total)
        elif total is not None:
            self.bar.total = total
        self.bar.update(rows - self.bar.n)
