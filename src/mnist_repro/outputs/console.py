"""Show everything on the terminal and keep a clean copy for console.output.

Keras's progress bar redraws its line with '\\r' and '\\b'; the copy keeps only each line's
final state, so console.output reads like a log rather than a stream of control characters.
"""

from __future__ import annotations

import contextlib
import sys


class _CleanLines:
    def __init__(self):
        self.lines: list[str] = []
        self._current: list[str] = []

    def feed(self, text: str) -> None:
        for char in text:
            if char == "\n":
                self.lines.append("".join(self._current).rstrip())
                self._current = []
            elif char == "\r":
                self._current = []
            elif char == "\b":
                if self._current:
                    self._current.pop()
            else:
                self._current.append(char)

    def text(self) -> str:
        tail = ["".join(self._current).rstrip()] if self._current else []
        return "\n".join(self.lines + tail) + "\n"


class _Tee:
    def __init__(self, stream, record: _CleanLines, echo: bool = True):
        self._stream = stream
        self._record = record
        self._echo = echo

    def write(self, text):
        self._record.feed(text)
        return self._stream.write(text) if self._echo else len(text)

    def flush(self):
        self._stream.flush()

    def isatty(self):  # Keras draws its live progress bar only on a TTY
        return self._stream.isatty()

    def __getattr__(self, name):
        return getattr(self._stream, name)


@contextlib.contextmanager
def recorded(echo: bool = True):
    """Tee stdout and stderr (or, with `echo` off, only record them); yields a recorder whose .text()
    is the clean transcript. Python's sys.stdout and sys.stderr are swapped back on leaving; the
    file descriptors underneath are never touched."""
    record = _CleanLines()
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Tee(sys.stdout, record, echo), _Tee(sys.stderr, record, echo)
    try:
        yield record
    finally:
        sys.stdout, sys.stderr = saved
