"""Money arithmetic to the cent: rounding and allocations that add back exactly."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
from babel.numbers import format_decimal

from cac_toolkit.core.catalogue import LOCALES

CENT = Decimal("0.01")


def to_cents(amount: float) -> int:
    """Round an amount (currency units) half away from zero to an integer number of cents."""
    return int(Decimal(repr(float(amount))).quantize(CENT, rounding=ROUND_HALF_UP) * 100)


def series_to_cents(amounts: pd.Series) -> pd.Series:
    """Amounts (currency) to integer cents, half away from zero, line by line (vectorised)."""
    values = amounts.astype("float64").to_numpy()
    return pd.Series(np.sign(values) * np.floor(np.abs(values) * 100 + 0.5 + 1e-9),
                     index=amounts.index).astype("int64")


def round_money(amount: float | None) -> float | None:
    """Round an amount to the cent, half away from zero (``None`` and NaN stay ``None``)."""
    if amount is None or (isinstance(amount, float) and np.isnan(amount)):
        return None
    return to_cents(amount) / 100


def round_ratio(value: float | None, digits: int = 4) -> float | None:
    """Round a ratio to ``digits`` decimals, half away from zero (``None``/NaN stay ``None``)."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return None
    quantum = Decimal(1).scaleb(-digits)
    return float(Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP))


def allocate(total: float, weights: pd.Series) -> pd.Series:
    """Split ``total`` (currency) in proportion to ``weights``, to the cent, adding back exactly.

    Largest-remainder method on cents: each share gets ``floor(total_cents x w_i / sum(w))``
    cents, then the cents left over go one by one to the largest fractional remainders. Ties
    go to the label that sorts first, so the result does not depend on the order of rows.

    Raises ``ValueError`` when a weight is negative or all weights are zero: there is then no
    stable key to split the pooled cost with, and the caller must say so.
    """
    w = pd.Series(weights, dtype="float64").fillna(0.0)
    if (w < 0).any():
        raise ValueError("allocation weights must be >= 0")
    if w.sum() <= 0:
        raise ValueError("allocation weights are all zero")
    w = w.sort_index()
    total_cents = to_cents(total)
    # Exact fractions: weights may be fractional credits, so scale them by their sum in float
    # and settle the remainders on integers.
    exact = total_cents * (w / w.sum())
    base = np.floor(exact + 1e-9).astype("int64")
    left = total_cents - int(base.sum())
    remainders = (exact - base).round(9)
    order = sorted(range(len(w)), key=lambda i: (-remainders.iloc[i], str(w.index[i])))
    cents = base.to_numpy().copy()
    step = 1 if left >= 0 else -1
    for i in order[: abs(left)]:
        cents[i] += step
    return pd.Series(cents / 100, index=w.index, dtype="float64")


def divide_money(amount: float, denominator: float) -> float:
    """``amount / denominator`` rounded half away from zero to the cent, computed exactly.

    The amount is taken in whole cents and divided as a decimal, so a true half cent such as
    49,043.90 / 20 = 2,452.195 rounds up to 2,452.20 as a spreadsheet does, where binary floats
    would give 2,452.1949999... and round down.
    """
    exact = Decimal(to_cents(amount)) / Decimal(repr(float(denominator))) / 100
    return float(exact.quantize(CENT, rounding=ROUND_HALF_UP))


def format_money(amount: float | None, currency: str = "EUR", lang: str = "en") -> str:
    """Format an amount for a reader: ``€1,500.00`` in English, ``1 500,00 €`` in French.

    Exact to the cent (the amount is taken in whole cents); digits, decimal and group symbols
    from Babel's locale data (:func:`format_number`).
    """
    if amount is None or (isinstance(amount, float) and np.isnan(amount)):
        return "n/a" if lang == "en" else "n.d."
    cents = to_cents(amount)
    sign = "-" if cents < 0 else ""
    digits = _grouped(Decimal(abs(cents)).scaleb(-2), lang)
    symbol = {"EUR": "€", "USD": "$", "GBP": "£"}.get(currency, currency)
    if lang == "fr":
        return f"{sign}{digits}\u00a0{symbol}"
    if symbol in ("€", "$", "£"):
        return f"{sign}{symbol}{digits}"
    return f"{sign}{digits} {symbol}"


def _grouped(amount: Decimal, lang: str) -> str:
    """A non-negative amount with two decimals, grouped in ``lang``'s convention."""
    text = format_decimal(amount, format="#,##0.00", locale=LOCALES[lang],
                          decimal_quantization=False)
    return text.replace("\u202f", FRENCH_GROUP) if lang == "fr" else text


#: The group separator the reports use in French: a no-break space (U+00A0), as the money of
#: the reports has always been written ("1 500,00 €"), where CLDR's French data has U+202F.
#: The narrow U+202F goes before ``%`` (and ``:`` ``;`` ``!`` ``?``, in the catalogue).
FRENCH_GROUP = "\u00a0"


def format_number(value: float | None, digits: int = 2, lang: str = "en") -> str:
    """Format a plain number with ``digits`` decimals in the reader's convention
    (``1,234.50`` / ``1 234,50``), with Babel's locale data.

    The value is rounded first as Python's ``format`` rounds it (so English output stays
    what it always was), then Babel writes its decimal and group symbols.
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "n/a" if lang == "en" else "n.d."
    fixed = Decimal(f"{value:.{digits}f}")
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    text = format_decimal(fixed, format=pattern, locale=LOCALES[lang],
                          decimal_quantization=False)
    return text.replace("\u202f", FRENCH_GROUP) if lang == "fr" else text


def format_percent(value: float | None, digits: int = 1, lang: str = "en") -> str:
    """Format a ratio (0.25) as a percentage (``25.0%`` / ``25,0 %``)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "n/a" if lang == "en" else "n.d."
    text = format_number(value * 100, digits, lang)
    return f"{text}\u202f%" if lang == "fr" else f"{text}%"
