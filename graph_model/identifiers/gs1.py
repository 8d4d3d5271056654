"""GS1 keys (GTIN, SSCC, GLN) and their EPC URN forms."""

from __future__ import annotations

__all__ = ["gs1_check_digit", "sgtin_urn", "sgln_urn", "sscc_urn"]


def gs1_check_digit(digits: str) -> str:
    """Return the GS1 mod-10 check digit for ``digits`` (the key without its check digit).

    >>> gs1_check_digit("061414112345")
    '2'
    """
    if not digits.isdigit():
        raise ValueError(f"GS1 key {digits!r} must contain digits only")
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)


def sgtin_urn(company_prefix: str, item_ref: str, serial: str) -> str:
    """EPC pure-identity URN of one trade item: ``urn:epc:id:sgtin:CP.IR.SERIAL``.

    ``item_ref`` includes the indicator digit in front, as the EPC Tag Data Standard puts it.
    """
    return f"urn:epc:id:sgtin:{company_prefix}.{item_ref}.{serial}"


def sscc_urn(company_prefix: str, serial_ref: str) -> str:
    """EPC pure-identity URN of a logistic unit: ``urn:epc:id:sscc:CP.SERIALREF``.

    ``serial_ref`` includes the extension digit in front.
    """
    return f"urn:epc:id:sscc:{company_prefix}.{serial_ref}"


def sgln_urn(company_prefix: str, location_ref: str, extension: str = "0") -> str:
    """EPC pure-identity URN of a location: ``urn:epc:id:sgln:CP.LR.EXT``."""
    return f"urn:epc:id:sgln:{company_prefix}.{location_ref}.{extension}"
