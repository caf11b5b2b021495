"""Signals that end a run: SIGINT (Ctrl-C), SIGTERM (``timeout``, systemd, CI) and SIGHUP.

Within :func:`interruptible`, the first of these signals raises :class:`Interrupted` (a
``KeyboardInterrupt``, so that libraries unwind as they do on Ctrl-C) and is also recorded in
the :class:`InterruptState`. A library may swallow the exception (a signal that lands in a
finaliser is printed as "Exception ignored" and lost); the record is not lost, so
:meth:`InterruptState.check` at each step of a run raises it again. Inside
:meth:`InterruptState.deferred` (the publish step) a signal is only recorded. Later signals
are recorded and never raised twice, so clean-up is not cut short by a second Ctrl-C.
The exit status is ``128 + signal number``: 130, 143, 129. After an interruption,
:func:`finalise_quietly` disposes of what the stopped libraries left half done before the
one-line message is printed, so that nothing follows that line.
"""

from __future__ import annotations

import gc
import logging
import signal
import sys
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Interrupted(KeyboardInterrupt):
    """The run was stopped by a signal; ``exit_code`` is the shell's ``128 + signum``."""

    def __init__(self, signum: int, *, published: bool = False) -> None:
        self.signum = signum
        self.published = published
        super().__init__(signal.Signals(signum).name)

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


@dataclass
class InterruptState:
    """What the handlers saw: the first signal received, whether it was raised yet."""

    received: int | None = None
    raised: bool = False
    defer: bool = False

    def handle(self, signum: int, _frame: FrameType | None) -> None:
        if self.received is None:
            self.received = signum
        if not self.raised and not self.defer:
            self.raised = True
            raise Interrupted(signum)

    def check(self) -> None:
        """Raise :class:`Interrupted` if a signal came, even one whose exception was lost."""
        if self.received is not None:
            self.raised = True
            raise Interrupted(self.received)

    @contextmanager
    def deferred(self) -> Iterator[None]:
        """A block that a signal does not cut: it is only recorded (``received``); the caller
        decides after the block what the signal means."""
        self.defer = True
        try:
            yield
        finally:
            self.defer = False


_current: InterruptState | None = None


@contextmanager
def interruptible() -> Iterator[InterruptState]:
    """Install the handlers (main thread only; elsewhere a state that sees no signal).

    Nested uses share the outer state; the previous handlers come back on exit.
    """
    global _current
    if _current is not None:
        yield _current
        return
    state = InterruptState()
    if threading.current_thread() is not threading.main_thread():
        yield state
        return
    previous = {sig: signal.getsignal(sig) for sig in SIGNALS}
    _current = state
    try:
        for sig in SIGNALS:
            signal.signal(sig, state.handle)
        yield state
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
        _current = None


def finalise_quietly() -> None:
    """Collect the garbage of an interrupted run now, printing nothing.

    A notebook client stopped by a signal leaves coroutines that were never awaited and tasks
    whose exception nobody retrieved (a kernel that died), held in reference cycles. Collected
    at exit, after the run's one-line message, they would print warnings and tracebacks below
    it; collected here, their warnings, the asyncio log and unraisable-exception reports are
    silenced for the duration of the collection only.
    """
    asyncio_log = logging.getLogger("asyncio")
    hook, disabled = sys.unraisablehook, asyncio_log.disabled
    sys.unraisablehook, asyncio_log.disabled = (lambda _unraisable: None), True
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gc.collect()
    finally:
        sys.unraisablehook, asyncio_log.disabled = hook, disabled
