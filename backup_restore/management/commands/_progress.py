"""A progress bar on a terminal, nothing when output is redirected."""

import sys

from tqdm import tqdm


def progress_bar(*, unit: str, desc: str, enabled: bool | None = None) -> tqdm:
    if enabled is None:
        enabled = sys.stderr.isatty()
    return tqdm(unit=unit, unit_scale=True, desc=desc, disable=not enabled, file=sys.stderr, leave=False)
