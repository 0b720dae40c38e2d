"""Notice changes in the rules folder by polling file names, sizes and times.

Polling is portable and cheap (a few dozen stat calls a second). A change is reported once the
folder has stayed the same for one more poll, so a file being written is not read half-way;
if it is, validation refuses it and the running rule set stays.
"""

from __future__ import annotations

from pathlib import Path

from trivsel.engine.loader import rule_files

__all__ = ["FolderWatch"]


def _signature(folder: Path) -> tuple[tuple[str, int, int], ...]:
    try:
        files = rule_files(folder)
        out = []
        for path in files:
            try:
                stat = path.stat()
            except OSError:
                continue
            out.append((path.relative_to(folder).as_posix(), stat.st_size, stat.st_mtime_ns))
        return tuple(out)
    except OSError:
        return ()


class FolderWatch:
    """Call :meth:`poll` regularly; it returns True once per settled change."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._seen = _signature(folder)
        self._pending: tuple[tuple[str, int, int], ...] | None = None

    def poll(self) -> bool:
        now = _signature(self.folder)
        if self._pending is not None:
            if now == self._pending:
                self._pending = None
                self._seen = now
                return True
            self._pending = now
            return False
        if now != self._seen:
            self._pending = now
        return False
