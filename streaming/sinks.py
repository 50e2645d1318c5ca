"""Output sinks of the writer: bytes in, chunks of exactly ``chunk_size`` bytes out (the last may be short)."""

from __future__ import annotations

import zstandard

MAX_LEVEL = 19
"""Levels above 19 ("ultra") need zstd windows over 32 MiB, which the reader refuses by default."""


class PlainSink:
    def __init__(self, chunk_size: int) -> None:
        self._chunk_size = chunk_size
        self._buffer = bytearray()

    def write(self, data: bytes) -> list[bytes]:
        buffer, size = self._buffer, self._chunk_size
        buffer += data
        if len(buffer) < size:
            return []
        cut = len(buffer) - len(buffer) % size
        chunks = [bytes(buffer[start : start + size]) for start in range(0, cut, size)]
        del buffer[:cut]
        return chunks

    def close(self) -> list[bytes]:
        rest = bytes(self._buffer)
        self._buffer.clear()
        return [rest] if rest else []


class ZstdSink:
    """One zstd frame with a content checksum, compressed as the data arrives."""

    def __init__(self, chunk_size: int, level: int) -> None:
        if level > MAX_LEVEL:
            raise ValueError(f"zstd level {level} is above {MAX_LEVEL}; readers would refuse its window size")
        compressor = zstandard.ZstdCompressor(level=level, write_checksum=True)
        self._chunker = compressor.chunker(chunk_size=chunk_size)

    def write(self, data: bytes) -> list[bytes]:
        return list(self._chunker.compress(data))

    def close(self) -> list[bytes]:
        return list(self._chunker.finish())
