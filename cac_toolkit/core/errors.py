"""Errors that a user can act on: each one is a single line naming what to fix."""

from __future__ import annotations

import re

#: Characters that would break a one-line message or drive a terminal: C0 and C1 controls,
#: DEL, the Unicode line and paragraph separators, and the surrogates by which Python shows
#: bytes of a file name that are not UTF-8.
_UNSAFE_RE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


class CacToolkitError(Exception):
    """Base class of the errors this package raises on purpose."""


class InputError(CacToolkitError, ValueError):
    """A problem in a user's input file, pinned to file, column and row.

    The message reads ``FILE, column 'COL', row N: expected WHAT, got 'VALUE'`` so that the
    person who exported the file can open it at the right place. Rows are numbered as a
    spreadsheet shows them (the header is row 1 unless a title row sits above it).
    """

    def __init__(
        self,
        file: str,
        message: str,
        *,
        column: str | None = None,
        row: int | None = None,
        expected: str | None = None,
        got: object = None,
    ) -> None:
        self.file = file
        self.column = column
        self.row = row
        self.expected = expected
        self.got = got
        parts = [file]
        if column is not None:
            parts.append(f"column '{column}'")
        if row is not None:
            parts.append(f"row {row}")
        text = message
        if expected is not None:
            text = f"{message}expected {expected}" if message else f"expected {expected}"
            if got is not None:
                text += f", got {_show(got)}"
        super().__init__(", ".join(parts) + ": " + text)


class ParameterError(CacToolkitError, ValueError):
    """A parameter of the audit has a value outside what it accepts."""

    def __init__(self, name: str, expected: str, got: object) -> None:
        self.name = name
        self.expected = expected
        self.got = got
        super().__init__(f"parameter {name}: expected {expected}, got {_show(got)}")


class UndefinedMetricError(CacToolkitError, ZeroDivisionError):
    """A ratio whose denominator is zero: the metric does not exist, and we say why."""

    def __init__(self, metric: str, reason: str) -> None:
        self.metric = metric
        self.reason = reason
        super().__init__(f"{metric} is undefined: {reason}")


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if "\ud800" <= char <= "\udfff":  # a byte that is not UTF-8, shown as that byte
        return f"\\x{ord(char) & 0xFF:02x}"
    return char.encode("unicode_escape").decode("ascii")


def printable(text: object) -> str:
    """``text`` safe to print on one line: controls, line separators and undecodable bytes
    shown escaped (``\\n``, ``\\x1b``, ``\\u2028``, ``\\xff``); anything else unchanged."""
    return _UNSAFE_RE.sub(_escape, str(text))


def _show(value: object) -> str:
    """Quote a bad value briefly and on one line, whatever it contains."""
    text = printable(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"'{text}'"
