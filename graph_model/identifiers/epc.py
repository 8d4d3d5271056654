"""EPC URIs as they appear in EPCIS documents: classify, validate and convert them.

Pure-identity URNs (``urn:epc:id:sgtin|sscc|sgln:…``), class URNs (``urn:epc:class:lgtin:…``)
and patterns (``urn:epc:idpat:…``) follow the GS1 EPC Tag Data Standard 2.x. EPCIS 2.0 also
allows GS1 Digital Link URIs in their place; :func:`parse_epc` turns those into the URN, so one
thing always has one key. yima's own URNs for brand and drug codes are accepted too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

from graph_model.errors import InvalidIdentifier
from graph_model.identifiers.codes import (
    BRAND_URN_PREFIX,
    DRUG_URN_PREFIX,
    brand_code_urn,
    drug_code_urn,
)
from graph_model.identifiers.digital_links import (
    DEFAULT_HOST,
    digital_link,
    gln_digital_link,
    parse_digital_link,
    sscc_digital_link,
)
from graph_model.identifiers.gs1 import (
    epc_escape,
    epc_unescape,
    gln_to_sgln_urn,
    gtin_of_epc_parts,
    gtin_partition,
    gtin_to_sgtin_urn,
    sscc_to_urn,
    validate_serial,
    with_check_digit,
)

__all__ = ["Epc", "EpcKind", "epc_to_digital_link", "parse_epc"]

EpcKind = Literal["sgtin", "sscc", "sgln", "lgtin", "idpat", "brand", "drug", "other"]

_URN_RE: Final = re.compile(r"urn:epc:(id|class|idpat):([a-z0-9-]+):(.+)", re.IGNORECASE)
_PARTITION_RE: Final = re.compile(r"([0-9]{6,12})\.([0-9]*)\.(.+)")
_SSCC_RE: Final = re.compile(r"([0-9]{6,12})\.([0-9]+)")
_OTHER_RE: Final = re.compile(r"[!-~]+")


@dataclass(frozen=True, slots=True)
class Epc:
    """One EPC URI, classified.

    ``uri`` is the canonical form: a URN for GS1 keys (a Digital Link given becomes its URN),
    lower-case scheme, serials escaped exactly as TDS requires. The other fields are set where
    the kind carries them.
    """

    kind: EpcKind
    uri: str
    gtin: str | None = None
    serial: str | None = None
    lot: str | None = None
    sscc: str | None = None
    gln: str | None = None
    extension: str | None = None

    @classmethod
    def parse(cls, text: str, company_prefix_len: int | None = None) -> Epc:
        """Same as :func:`parse_epc`."""
        return parse_epc(text, company_prefix_len)


def _gtin_from_partition(text: str, company_prefix: str, item_ref: str) -> str:
    try:
        return gtin_of_epc_parts(company_prefix, item_ref)
    except InvalidIdentifier as exc:
        raise InvalidIdentifier(text, f"EPC {text!r}: {exc.reason}") from exc


def _unescaped(text: str, component: str, name: str) -> str:
    if re.search(r"%(?![0-9A-Fa-f]{2})", component):
        raise InvalidIdentifier(text, f"EPC {text!r}: {name} has a '%' that is no %XX escape")
    return validate_serial(epc_unescape(component), name)


def _parse_urn(text: str, match: re.Match[str]) -> Epc:
    form, scheme, body = match.group(1).lower(), match.group(2).lower(), match.group(3)
    if form == "idpat":
        return _parse_idpat(text, scheme, body)
    if form == "class":
        part = _PARTITION_RE.fullmatch(body)
        if scheme != "lgtin" or part is None:
            raise InvalidIdentifier(
                text, f"EPC class {text!r} is not urn:epc:class:lgtin:CP.IR.LOT"
            )
        gtin = _gtin_from_partition(text, part.group(1), part.group(2))
        lot = _unescaped(text, part.group(3), "lot")
        uri = f"urn:epc:class:lgtin:{part.group(1)}.{part.group(2)}.{epc_escape(lot)}"
        return Epc("lgtin", uri, gtin=gtin, lot=lot)
    if scheme == "sgtin":
        part = _PARTITION_RE.fullmatch(body)
        if part is None:
            raise InvalidIdentifier(text, f"SGTIN {text!r} is not urn:epc:id:sgtin:CP.IR.SERIAL")
        gtin = _gtin_from_partition(text, part.group(1), part.group(2))
        serial = _unescaped(text, part.group(3), "serial")
        uri = f"urn:epc:id:sgtin:{part.group(1)}.{part.group(2)}.{epc_escape(serial)}"
        return Epc("sgtin", uri, gtin=gtin, serial=serial)
    if scheme == "sscc":
        sscc_part = _SSCC_RE.fullmatch(body)
        if sscc_part is None or len(sscc_part.group(1)) + len(sscc_part.group(2)) != 17:
            raise InvalidIdentifier(
                text,
                f"SSCC {text!r} is not urn:epc:id:sscc:CP.SR with 17 digits in CP and SR",
            )
        cp, ref = sscc_part.group(1), sscc_part.group(2)
        body17 = ref[0] + cp + ref[1:]
        sscc = with_check_digit(body17)
        return Epc("sscc", f"urn:epc:id:sscc:{cp}.{ref}", sscc=sscc)
    if scheme == "sgln":
        part = _PARTITION_RE.fullmatch(body)
        if part is None or len(part.group(1)) + len(part.group(2)) != 12:
            raise InvalidIdentifier(
                text, f"SGLN {text!r} is not urn:epc:id:sgln:CP.LR.EXT with 12 digits in CP and LR"
            )
        body12 = part.group(1) + part.group(2)
        extension = _unescaped(text, part.group(3), "GLN extension")
        uri = f"urn:epc:id:sgln:{part.group(1)}.{part.group(2)}.{epc_escape(extension)}"
        return Epc("sgln", uri, gln=with_check_digit(body12), extension=extension)
    if not _OTHER_RE.fullmatch(body):
        raise InvalidIdentifier(text, f"EPC {text!r} has spaces or non-ASCII characters")
    return Epc("other", f"urn:epc:id:{scheme}:{body}")


def _parse_idpat(text: str, scheme: str, body: str) -> Epc:
    fields = body.split(".")
    if not _OTHER_RE.fullmatch(body) or not all(fields):
        raise InvalidIdentifier(text, f"EPC pattern {text!r} has an empty or invalid field")
    gtin = None
    if scheme == "sgtin" and len(fields) == 3 and fields[0].isdigit() and fields[1].isdigit():
        gtin = _gtin_from_partition(text, fields[0], fields[1])
    return Epc("idpat", f"urn:epc:idpat:{scheme}:{body}", gtin=gtin)


def parse_epc(text: str, company_prefix_len: int | None = None) -> Epc:
    """Classify and validate an EPC URI.

    Parameters
    ----------
    text
        An EPC URN, an EPC class or pattern URN, a GS1 Digital Link URI, or a yima brand or
        drug code URN.
    company_prefix_len
        Length of the GS1 company prefix, used only when a Digital Link has to become a URN;
        by default it is looked up in GS1's prefix table (see
        :func:`~graph_model.identifiers.gs1.company_prefix_length`).

    Raises
    ------
    InvalidIdentifier
        If ``text`` is none of these, or breaks its scheme's rules.

    Examples
    --------
    >>> epc = parse_epc("urn:epc:id:sgtin:0614141.812345.6789")
    >>> epc.kind, epc.gtin, epc.serial
    ('sgtin', '80614141123458', '6789')
    >>> parse_epc("https://id.gs1.org/00/106141412345678908").uri
    'urn:epc:id:sscc:0614141.1234567890'
    """
    value = text.strip()
    lowered = value.lower()
    if lowered.startswith(("https://", "http://")):
        return _from_digital_link(value, company_prefix_len)
    if lowered.startswith(BRAND_URN_PREFIX):
        return Epc("brand", brand_code_urn(value[len(BRAND_URN_PREFIX) :]))
    if lowered.startswith(DRUG_URN_PREFIX):
        return Epc("drug", drug_code_urn(value[len(DRUG_URN_PREFIX) :]))
    match = _URN_RE.fullmatch(value)
    if match is None:
        raise InvalidIdentifier(
            text, f"{text!r} is no EPC URI (urn:epc:…, a GS1 Digital Link or urn:yima:…)"
        )
    return _parse_urn(text, match)


def _from_digital_link(uri: str, company_prefix_len: int | None) -> Epc:
    link = parse_digital_link(uri)
    if link.gtin is not None:
        if link.serial is not None:
            urn = gtin_to_sgtin_urn(link.gtin, link.serial, company_prefix_len)
            return Epc("sgtin", urn, gtin=link.gtin, serial=link.serial, lot=link.lot)
        if link.lot is not None:
            cp, ref = gtin_partition(link.gtin, company_prefix_len)
            urn = f"urn:epc:class:lgtin:{cp}.{ref}.{epc_escape(link.lot)}"
            return Epc("lgtin", urn, gtin=link.gtin, lot=link.lot)
        raise InvalidIdentifier(
            uri, f"Digital Link {uri!r} names a product (GTIN) but no serial (21) or lot (10)"
        )
    if link.sscc is not None:
        return Epc("sscc", sscc_to_urn(link.sscc, company_prefix_len), sscc=link.sscc)
    gln, extension = link.gln or "", link.extension or "0"
    urn = gln_to_sgln_urn(gln, extension, company_prefix_len)
    return Epc("sgln", urn, gln=gln, extension=extension)


def epc_to_digital_link(epc: str | Epc, host: str = DEFAULT_HOST) -> str:
    """The Digital Link URI of an SGTIN, SSCC or SGLN.

    A lot known to the :class:`Epc` (from a Digital Link read earlier) is kept in the link.

    >>> epc_to_digital_link("urn:epc:id:sgtin:0614141.812345.6789")
    'https://id.yima.example/01/80614141123458/21/6789'
    """
    parsed = epc if isinstance(epc, Epc) else parse_epc(epc)
    if parsed.kind == "sgtin" and parsed.gtin and parsed.serial:
        return digital_link(parsed.gtin, parsed.serial, parsed.lot, host)
    if parsed.kind == "sscc" and parsed.sscc:
        return sscc_digital_link(parsed.sscc, host)
    if parsed.kind == "sgln" and parsed.gln and parsed.extension:
        return gln_digital_link(parsed.gln, parsed.extension, host)
    raise InvalidIdentifier(
        parsed.uri, f"EPC {parsed.uri!r} of kind {parsed.kind} has no Digital Link form"
    )
