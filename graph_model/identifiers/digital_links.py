"""GS1 Digital Link URIs: build them for printed codes and read them back from scans.

A Digital Link carries a GS1 key in its path (``/01/<gtin14>/10/<lot>/21/<serial>``,
``/00/<sscc>``, ``/414/<gln>/254/<ext>``) under any host; the host names only the resolver, so
two links with the same path identify the same thing (GS1 Digital Link URI Syntax 1.2).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal
from urllib.parse import quote

from biip import ParseError
from biip.gs1_digital_link_uris import GS1DigitalLinkURI

from graph_model.errors import InvalidIdentifier
from graph_model.identifiers.gs1 import (
    normalize_gtin,
    validate_gln,
    validate_serial,
    validate_sscc,
)

__all__ = [
    "DEFAULT_HOST",
    "DigitalLink",
    "digital_link",
    "gln_digital_link",
    "parse_digital_link",
    "sscc_digital_link",
]

DEFAULT_HOST: Final = "https://id.yima.example"


def _base(host: str) -> str:
    if not host.startswith(("https://", "http://")):
        raise InvalidIdentifier(host, f"Digital Link host {host!r} must start with https://")
    return host.rstrip("/")


def _segment(value: str) -> str:
    return quote(value, safe="")


def digital_link(gtin14: str, serial: str, lot: str | None = None, host: str = DEFAULT_HOST) -> str:
    """Digital Link URI of one serialised unit, with its lot when given.

    >>> digital_link("09520123456788", "A/1", lot="L1")
    'https://id.yima.example/01/09520123456788/10/L1/21/A%2F1'
    """
    path = f"/01/{normalize_gtin(gtin14)}"
    if lot is not None:
        path += f"/10/{_segment(validate_serial(lot, 'lot'))}"
    path += f"/21/{_segment(validate_serial(serial))}"
    return _base(host) + path


def sscc_digital_link(sscc: str, host: str = DEFAULT_HOST) -> str:
    """Digital Link URI of a logistic unit.

    >>> sscc_digital_link("106141412345678908")
    'https://id.yima.example/00/106141412345678908'
    """
    return f"{_base(host)}/00/{validate_sscc(sscc)}"


def gln_digital_link(gln: str, extension: str = "0", host: str = DEFAULT_HOST) -> str:
    """Digital Link URI of a location; extension ``"0"`` (none) is left out.

    >>> gln_digital_link("0614141123452", "400")
    'https://id.yima.example/414/0614141123452/254/400'
    """
    path = f"/414/{validate_gln(gln)}"
    if extension != "0":
        path += f"/254/{_segment(validate_serial(extension, 'GLN extension'))}"
    return _base(host) + path


@dataclass(frozen=True, slots=True)
class DigitalLink:
    """The GS1 key and qualifiers read from a Digital Link URI.

    ``key_type`` says which of ``gtin`` (with ``serial`` and ``lot``), ``sscc`` or ``gln``
    (with ``extension``) is set.
    """

    key_type: Literal["gtin", "sscc", "gln"]
    gtin: str | None = None
    serial: str | None = None
    lot: str | None = None
    sscc: str | None = None
    gln: str | None = None
    extension: str | None = None

    @classmethod
    def parse(cls, uri: str) -> DigitalLink:
        """Same as :func:`parse_digital_link`."""
        return parse_digital_link(uri)


def parse_digital_link(uri: str) -> DigitalLink:
    """Read a Digital Link URI (any host, any path prefix before the key).

    Raises
    ------
    InvalidIdentifier
        If ``uri`` is no Digital Link, its key is none of GTIN, SSCC or GLN, or a value breaks
        its AI's rules (check digit, character set, length).

    Examples
    --------
    >>> link = parse_digital_link("https://example.com/p/01/9520123456788/10/L1/21/A%2F1?17=250101")
    >>> link.key_type, link.gtin, link.lot, link.serial
    ('gtin', '09520123456788', 'L1', 'A/1')
    """
    try:
        parsed = GS1DigitalLinkURI.parse(uri.strip())
    except ParseError as exc:
        raise InvalidIdentifier(uri, f"Digital Link {uri!r} is not valid: {exc}") from exc
    values = {es.ai.ai: es.value for es in parsed.element_strings}
    if "01" in values:
        serial = values.get("21")
        lot = values.get("10")
        return DigitalLink(
            "gtin",
            gtin=normalize_gtin(values["01"]),
            serial=None if serial is None else validate_serial(serial),
            lot=None if lot is None else validate_serial(lot, "lot"),
        )
    if "00" in values:
        return DigitalLink("sscc", sscc=validate_sscc(values["00"]))
    if "414" in values:
        extension = validate_serial(values.get("254", "0"), "GLN extension")
        return DigitalLink("gln", gln=validate_gln(values["414"]), extension=extension)
    raise InvalidIdentifier(
        uri, f"Digital Link {uri!r} carries no GTIN (01), SSCC (00) or GLN (414)"
    )
