"""What is inside a backup file: its uncompressed size and the rows of each section.

It is read by the harness after the measured process has exited, so the reading costs
nothing in the measurements.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import orjson

READ_CHUNK = 1 << 20


@dataclass(slots=True)
class BackupContent:
    uncompressed_bytes: int = 0
    rows: int = 0
    sections: dict[str, int] = field(default_factory=dict)


def backup_content(path: Path) -> BackupContent:
    """Decompress a ``.ndjson.zst`` backup and count its bytes and the rows of each section."""
    import zstandard

    content = BackupContent()
    with open(path, "rb") as raw:
        reader = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)
        pending = b""
        while chunk := reader.read(READ_CHUNK):
            content.uncompressed_bytes += len(chunk)
            lines = (pending + chunk).split(b"\n")
            pending = lines.pop()
            _count_records(lines, content)
        _count_records([pending], content)
    return content


def _count_records(lines: list[bytes], content: BackupContent) -> None:
    for line in lines:
        if line.startswith(b"{"):
            record = orjson.loads(line)
            if record.get("kind") == "section_end":
                content.sections[record["model"]] = record["rows"]
            elif record.get("kind") == "end":
                content.rows = record["rows"]

