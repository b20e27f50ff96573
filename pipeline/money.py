"""Decimal arithmetic and French formatting of amounts, rates and dates.

Money is never a binary float: amounts are `Decimal`, rounded half-up to the
cent at the end of each amount. Formatting uses a plain space as thousands
separator and before the unit ("1 100,00 €", "49,00 %"): it survives every PDF
font and text extraction, where a narrow no-break space may not.
"""
from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
SPACE = " "  # one separator everywhere (thousands, before € and %)


def dec(value) -> Decimal:
    """A Decimal from an int, str or Decimal; floats go through str (never binary)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(str(value))
    return Decimal(value)


def round_half_up(value, places: int = 2) -> Decimal:
    return dec(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def cents(value) -> Decimal:
    """Round half-up to the cent."""
    return dec(value).quantize(CENT, rounding=ROUND_HALF_UP)


def fmt_number(value, places: int = 2) -> str:
    """1234567.891 → "1 234 567,89" (half-up)."""
    q = round_half_up(value, places)
    sign = "-" if q < 0 else ""
    text = f"{abs(q):.{places}f}"
    whole, _, frac = text.partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    out = SPACE.join(groups)
    return sign + (out + "," + frac if places > 0 else out)


def fmt_eur(value) -> str:
    """"1 100,00 €"."""
    return fmt_number(value, 2) + SPACE + "€"


def fmt_pct(value, places: int = 2) -> str:
    """A rate given in points (49 means 49 %): "49,00 %"."""
    return fmt_number(value, places) + SPACE + "%"


def fmt_plain(value) -> str:
    """A quantity without trailing zeros: 80 → "80", 80.5 → "80,5"."""
    text = f"{dec(value).normalize():f}"
    whole, _, frac = text.partition(".")
    return fmt_number(Decimal(whole), 0) + ("," + frac if frac else "")


def fmt_date(day: dt.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""
