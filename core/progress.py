"""Progress of a long step as a person watching wants it: a bar on a terminal, else one line.

A management command makes one `Progress` per step (a catalog, signing, encoding)
on its stderr: when that is a terminal, a tqdm bar that moves as `advance` is
called; otherwise (a pipe, a log file, a test's StringIO) nothing until the step
ends, then one plain summary line, "openrouter x.json: 347 records, 12.3 s".
"""

from __future__ import annotations

import time
from types import TracebackType
from typing import Any, TextIO

from tqdm import tqdm


def is_terminal(stream: Any) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class Progress:
    """`with Progress(stream, label=..., unit="records") as step: step.total(n); step.advance(1)`.

    The closing line names `count` (what `advance` added up, unless `done` sets it) and
    the seconds the block took; `note` adds words after them ("(412 texts/s)").
    """

    def __init__(self, stream: TextIO | Any, *, label: str, unit: str) -> None:
        self.stream = stream
        self.label = label
        self.unit = unit
        self.count = 0
        self.note = ""
        self.seconds = 0.0
        self._bar: tqdm[Any] | None = None
        self._started = 0.0

    def __enter__(self) -> Progress:
        self._started = time.perf_counter()
        if is_terminal(self.stream):
            self._bar = tqdm(
                desc=self.label, unit=f" {self.unit}", file=self.stream, dynamic_ncols=True
            )
        return self

    def total(self, total: int) -> None:
        if self._bar is not None:
            self._bar.reset(total=total)

    def advance(self, amount: int = 1) -> None:
        self.count += amount
        if self._bar is not None:
            self._bar.update(amount)

    def done(self, count: int) -> None:
        """The step's own count, when it is not what `advance` added up."""
        self.count = count

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.seconds = time.perf_counter() - self._started
        if self._bar is not None:
            self._bar.close()  # the bar stays, at its final count: no line besides
        elif kind is None:
            note = f" {self.note}" if self.note else ""
            self.stream.write(
                f"{self.label}: {self.count} {self.unit}, {self.seconds:.1f} s{note}\n"
            )
