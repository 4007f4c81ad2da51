"""Kubernetes resource quantities ("250m", "0.5", "128Mi", "1G") to and from Sigma's integers.

Sigma keeps ``cpu_millis`` and ``memory_bytes``; the Kubernetes API speaks quantity strings.
Parsing accepts what the Kubernetes quantity grammar accepts for these two resources (decimal
and binary suffixes, exponents, plain numbers); formatting writes the canonical short form
("100m", "2", "128Mi"), so a quantity read back is the one a client would write.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from sigma.errors import Invalid

_SUFFIX = {
    "": Decimal(1),
    "m": Decimal("0.001"),
    "k": Decimal(10) ** 3,
    "M": Decimal(10) ** 6,
    "G": Decimal(10) ** 9,
    "T": Decimal(10) ** 12,
    "P": Decimal(10) ** 15,
    "E": Decimal(10) ** 18,
    "Ki": Decimal(2) ** 10,
    "Mi": Decimal(2) ** 20,
    "Gi": Decimal(2) ** 30,
    "Ti": Decimal(2) ** 40,
    "Pi": Decimal(2) ** 50,
    "Ei": Decimal(2) ** 60,
}
_QUANTITY = re.compile(
    r"([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[mkMGTPE]))?"
)
_BINARY = (("Ei", 60), ("Pi", 50), ("Ti", 40), ("Gi", 30), ("Mi", 20), ("Ki", 10))


def parse(value: Any, field: str) -> Decimal:
    """The quantity's value in base units (cores, bytes)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise Invalid(field, f"expected a quantity such as '250m' or '128Mi', got {value!r}")
    text = str(value).strip()
    match = _QUANTITY.fullmatch(text)
    if match is None:
        raise Invalid(field, f"{text!r} is not a quantity (e.g. '250m', '0.5', '128Mi')")
    number, exponent, suffix = match.groups()
    try:
        amount = Decimal(number) * (Decimal(10) ** int(exponent[1:]) if exponent else 1)
    except InvalidOperation:
        raise Invalid(field, f"{text!r} is not a quantity") from None
    amount *= _SUFFIX[suffix or ""]
    if amount < 0:
        raise Invalid(field, "must not be negative")
    return amount


def cpu_millis(value: Any, field: str) -> int:
    """CPU in thousandths of a core, rounded up as Kubernetes rounds a request."""
    millis = parse(value, field) * 1000
    return int(millis.to_integral_value(rounding="ROUND_CEILING"))


def memory_bytes(value: Any, field: str) -> int:
    amount = parse(value, field)
    return int(amount.to_integral_value(rounding="ROUND_CEILING"))


def cpu(millis: int) -> str:
    return str(millis // 1000) if millis % 1000 == 0 else f"{millis}m"


def memory(amount: int) -> str:
    for suffix, shift in _BINARY:
        if amount and amount % (1 << shift) == 0:
            return f"{amount >> shift}{suffix}"
    return str(amount)
