"""Why a figure is missing: the notes that travel with the KPI file.

A ratio whose denominator is zero is ``None`` (``null`` in JSON) with its reason recorded here,
never ``inf`` or a crash; the report and the workbook translate and show every note.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from cac_toolkit.core.money import divide_money, round_ratio


@dataclass
class Notes:
    """Why some figures are missing: ``key`` -> reason, in English (the report translates)."""

    items: list[dict[str, str]] = field(default_factory=list)

    def add(self, key: str, code: str, reason: str) -> None:
        self.items.append({"key": key, "code": code, "reason": reason})


def ratio_or_note(notes: Notes, key: str, numerator: float | None, denominator: float | None,
                  code: str, reason: str, money: bool = False) -> float | None:
    """``numerator / denominator``, or ``None`` with ``reason`` noted under ``key``.

    A missing or zero denominator gives ``None`` (``null`` in JSON), never ``inf``; money is
    divided exactly (:func:`~cac_toolkit.core.money.divide_money`, to the cent), other ratios
    are rounded to 4 decimals.
    """
    if numerator is None or denominator is None or denominator == 0 or pd.isna(denominator):
        notes.add(key, code, reason)
        return None
    if money:
        return divide_money(numerator, denominator)
    return round_ratio(float(numerator) / float(denominator))
