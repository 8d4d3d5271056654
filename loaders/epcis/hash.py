"""The CBV 2.0 canonical event hash ("Event hash ID") of EPCIS 2.0 events.

Two captures of the same business fact get the same hash whatever their JSON key order, list
order, time-zone notation, identifier syntax (EPC URN or GS1 Digital Link) or vocabulary form
(bare word, CBV URN, or web URI). yima de-duplicates captured events by this hash and uses it as
the event id when a document does not give one.

The pre-hash string is built as GS1 CBV 2.0 section 8.9 and the reference
``epcis-event-hash-generator`` do, and is checked against that generator's test vectors:

* ``eventType=<type>`` first, then the standard fields in a fixed order (``eventTime``,
  ``eventTimeZoneOffset``, ``certificationInfo``, ``epcList``, ``parentID``, ... ,
  ``sensorElementList``), each as ``name=value`` or ``name`` followed by its children;
* then every remaining field (``bizTransactionList``, ``sourceList``, ``destinationList``,
  ``ilmd`` and user extensions), serialised the same way and sorted;
* repeated elements (EPCs, quantity elements, sensor reports, ...) are sorted;
* timestamps become UTC with millisecond precision (``2020-03-04T10:00:30.000Z``);
* EPC URNs and Digital Link URIs become canonical ``https://id.gs1.org/...`` URIs;
* CBV values in short or URN form become ``https://ref.gs1.org/cbv/...`` URIs;
* namespace prefixes of extension keys become ``{namespace-uri}localName``;
* ``eventID``, ``recordTime``, ``errorDeclaration``, comments and fields listed in a document's
  ``ignoreFields`` take no part.

Numbers given as text are canonicalised exactly (``Decimal``), so long numeric codes such as
20-digit drug traceability codes never collide through floating-point rounding.

References
----------
GS1 Core Business Vocabulary (CBV) Standard 2.0, section 8.9 "Event hash ID".
https://ref.gs1.org/standards/cbv/
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Final

from graph_model.identifiers.gs1 import gtin_of_epc_parts, with_check_digit

__all__ = [
    "HashContext",
    "canonical_identifier",
    "canonical_time",
    "document_hashes",
    "document_prehashes",
    "event_hash",
    "iter_document_event_objects",
    "prehash_string",
]

CBV: Final = "https://ref.gs1.org/cbv/"
GS1_VOC: Final = "https://gs1.org/voc/"
_DEFAULT_NAMESPACES: Final[Mapping[str, str]] = {
    "gs1": GS1_VOC,
    "cbv": CBV,
    "cbvmda": "urn:epcglobal:cbv:mda:",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
_VALUE_CURIE_PREFIXES: Final = frozenset({"gs1", "cbv"})
"""Only standard vocabulary CURIEs are expanded in values; user CURIEs stay as written."""

_EXCLUDED: Final = frozenset(
    {
        "type",
        "eventID",
        "recordTime",
        "errorDeclaration",
        "@context",
        "comment",
        "rdfs:comment",
        "{http://www.w3.org/2000/01/rdf-schema#}comment",
        "#text",
    }
)

# Short vocabulary forms per field: value prefix in the web vocabulary.
_CBV_URN_PREFIXES: Final = (
    ("urn:epcglobal:cbv:bizstep:", CBV + "BizStep-"),
    ("urn:epcglobal:cbv:disp:", CBV + "Disp-"),
    ("urn:epcglobal:cbv:btt:", CBV + "BTT-"),
    ("urn:epcglobal:cbv:sdt:", CBV + "SDT-"),
    ("urn:epcglobal:cbv:er:", CBV + "ER-"),
)
_BIZ_STEP: Final = CBV + "BizStep-"
_DISP: Final = CBV + "Disp-"
_BTT: Final = CBV + "BTT-"
_SDT: Final = CBV + "SDT-"
_COMP: Final = CBV + "Comp-"

_SENSOR_METADATA_ORDER: Final = (
    "time",
    "startTime",
    "endTime",
    "deviceID",
    "deviceMetadata",
    "rawData",
    "dataProcessingMethod",
    "bizRules",
)
_SENSOR_REPORT_ORDER: Final = (
    "type",
    "exception",
    "deviceID",
    "deviceMetadata",
    "rawData",
    "dataProcessingMethod",
    "time",
    "microorganism",
    "chemicalSubstance",
    "value",
    "component",
    "stringValue",
    "booleanValue",
    "hexBinaryValue",
    "uriValue",
    "minValue",
    "maxValue",
    "meanValue",
    "sDev",
    "percRank",
    "percValue",
    "uom",
    "coordinateReferenceSystem",
)
_QUANTITY_ORDER: Final = ("epcClass", "quantity", "uom")
_EPC_LISTS: Final = frozenset({"epcList", "inputEPCList", "childEPCs", "outputEPCList"})
_QUANTITY_LISTS: Final = frozenset(
    {"quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList"}
)
_SCALARS: Final = frozenset({"parentID", "action", "transformationID"})
_EVENT_ORDER: Final = (
    "eventTime",
    "eventTimeZoneOffset",
    "certificationInfo",
    "epcList",
    "parentID",
    "inputEPCList",
    "childEPCs",
    "quantityList",
    "childQuantityList",
    "inputQuantityList",
    "outputEPCList",
    "outputQuantityList",
    "action",
    "transformationID",
    "bizStep",
    "disposition",
    "persistentDisposition",
    "readPoint",
    "bizLocation",
    "sensorElementList",
)
_ORDERED: Final = frozenset(_EVENT_ORDER)
_TYPED_LISTS: Final[Mapping[str, tuple[str, str]]] = {
    "bizTransactionList": ("bizTransaction", _BTT),
    "sourceList": ("source", _SDT),
    "destinationList": ("destination", _SDT),
}


@dataclass(frozen=True, slots=True)
class HashContext:
    """What a document contributes to the hash of its events.

    Parameters
    ----------
    namespaces
        Prefix to namespace URI, from the document's ``@context`` (plus the standard ones).
    ignore
        Field names (as written or expanded) that take no part in the hash.

    Examples
    --------
    >>> ctx = HashContext.from_context([{"example": "https://ns.example.com/epcis/"}])
    >>> ctx.expand_key("example:myField")
    '{https://ns.example.com/epcis/}myField'
    """

    namespaces: Mapping[str, str] = field(default_factory=lambda: dict(_DEFAULT_NAMESPACES))
    ignore: frozenset[str] = frozenset()

    @classmethod
    def from_context(cls, context: object, ignore: Iterable[str] = ()) -> HashContext:
        """Build from a JSON-LD ``@context`` value (URL, object, or list of them)."""
        namespaces = dict(_DEFAULT_NAMESPACES)
        items = context if isinstance(context, list) else [context]
        for item in items:
            if isinstance(item, Mapping):
                for prefix, uri in item.items():
                    if isinstance(prefix, str) and isinstance(uri, str):
                        namespaces[prefix] = uri
        base = cls(namespaces)
        expanded = {base.expand_key(name) for name in ignore} | set(ignore)
        return cls(namespaces, frozenset(expanded))

    @classmethod
    def from_document(cls, doc: Mapping[str, object]) -> HashContext:
        """Build from an EPCIS (query) document: its ``@context`` and any ``ignoreFields``."""
        ignore: list[str] = []
        body = doc.get("epcisBody")
        holders: list[object] = [doc, body]
        if isinstance(body, Mapping):
            holders.append(body.get("queryResults"))
        for holder in holders:
            if not isinstance(holder, Mapping):
                continue
            for key, value in holder.items():
                named = isinstance(key, str) and key.rpartition(":")[2] == "ignoreFields"
                if named and isinstance(value, list):
                    ignore.extend(v for v in value if isinstance(v, str))
        return cls.from_context(doc.get("@context"), ignore)

    def expand_key(self, key: str) -> str:
        """Return ``{namespace}local`` for a ``prefix:local`` key whose prefix is known."""
        prefix, sep, local = key.partition(":")
        if sep and not local.startswith("//"):
            uri = self.namespaces.get(prefix)
            if uri is not None:
                return "{" + uri + "}" + local
        return key

    def with_event_context(self, context: object) -> HashContext:
        """Return this context extended by an event's own ``@context``."""
        if context is None:
            return self
        extra = HashContext.from_context(context)
        return HashContext({**self.namespaces, **extra.namespaces}, self.ignore)


_DEFAULT_CONTEXT: Final = HashContext()


def _as_context(context: HashContext | object) -> HashContext:
    if isinstance(context, HashContext):
        return context
    if context is None:
        return _DEFAULT_CONTEXT
    return HashContext.from_context(context)


# ---------------------------------------------------------------- time

_TIME_RE: Final = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?"
    r"(?:([Zz])|([+-])(\d{2}):?(\d{2}))$"
)


@lru_cache(maxsize=8192)
def parse_timestamp(text: str) -> datetime | None:
    """Parse an ISO 8601 timestamp with an explicit offset into an aware UTC datetime.

    Fractions beyond microseconds are rounded half-up; ``None`` when ``text`` has no offset
    or is not such a timestamp.

    >>> parse_timestamp("2020-03-04T11:00:30.9999996+01:00")
    datetime.datetime(2020, 3, 4, 10, 0, 31, tzinfo=datetime.timezone.utc)
    """
    m = _TIME_RE.match(text.strip())
    if m is None:
        return None
    year, month, day, hour, minute, second, frac, zulu, sign, oh, om = m.groups()
    try:
        if zulu:
            tz = UTC
        else:
            delta = timedelta(hours=int(oh), minutes=int(om))
            tz = timezone(-delta if sign == "-" else delta)
        base = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), tzinfo=tz
        )
    except ValueError:
        return None
    if frac:
        micros = Decimal("0." + frac) * 1_000_000
        base += timedelta(microseconds=int(micros.to_integral_value(rounding="ROUND_HALF_UP")))
    return base.astimezone(UTC)


@lru_cache(maxsize=8192)
def canonical_time(text: str) -> str:
    """Return ``text`` as a UTC timestamp with millisecond precision, as the hash wants it.

    Text that is not a timestamp with offset is returned unchanged.

    >>> canonical_time("2023-02-02T11:04:03.1415+01:00")
    '2023-02-02T10:04:03.142Z'
    """
    m = _TIME_RE.match(text.strip())
    if m is None:
        return text
    frac = m.group(7) or ""
    # Round the written fraction to milliseconds directly, so no sub-microsecond digit is lost.
    millis = int(
        (Decimal("0." + frac) if frac else Decimal(0))
        .scaleb(3)
        .to_integral_value(rounding="ROUND_HALF_UP")
    )
    whole = parse_timestamp(text[: m.start(7) - 1] + text[m.end(7) :] if frac else text)
    if whole is None:
        return text
    whole += timedelta(milliseconds=millis)
    return whole.strftime("%Y-%m-%dT%H:%M:%S.") + f"{whole.microsecond // 1000:03d}Z"


# ---------------------------------------------------------------- numbers

_NUMBER_RE: Final = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


_MAX_EXPONENT: Final = 60


def _canonical_number(value: int | float | str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        return str(int(value)) if value.is_integer() else str(value)
    try:
        dec = Decimal(value)
    except InvalidOperation:
        return value
    if abs(dec.adjusted()) > _MAX_EXPONENT:
        # Identifiers such as "3E81234567" look like numbers; expanding them is not canonical
        # form but a memory exhaustion.
        return value
    if dec == dec.to_integral_value():
        return str(int(dec))
    return format(dec.normalize(), "f")


# ---------------------------------------------------------------- identifiers

_Converter = Callable[[re.Match[str]], str | None]
_XCHARS: Final = r"(?:%[0-9A-Fa-f]{2}|[!'()*+,.0-9:;=A-Za-z_-])"
_CPI_CHARS: Final = r"(?:%[0-9A-Fa-f]{2}|[0-9A-Z-])"
# Characters that GS1 Digital Link percent-encodes but EPC URNs may carry literally.
_DL_ESCAPES: Final = str.maketrans(
    {"!": "%21", "(": "%28", ")": "%29", "*": "%2A", "+": "%2B", ",": "%2C", ":": "%3A"}
)


def _dl_escape(text: str) -> str:
    return text.translate(_DL_ESCAPES)


def _sgtin(m: re.Match[str]) -> str | None:
    c, i, s = m.groups()
    if len(c) + len(i) != 13:
        return None
    return f"https://id.gs1.org/01/{gtin_of_epc_parts(c, i)}/21/{_dl_escape(s)}"


def _sscc(m: re.Match[str]) -> str | None:
    c, s = m.groups()
    if len(c) + len(s) != 17:
        return None
    return "https://id.gs1.org/00/" + with_check_digit(s[:1] + c + s[1:])


def _sgln(m: re.Match[str]) -> str | None:
    c, loc, ext = m.groups()
    if len(c) + len(loc) != 12:
        return None
    gln = with_check_digit(c + loc)
    if ext == "0":
        return "https://id.gs1.org/414/" + gln
    return f"https://id.gs1.org/414/{gln}/254/{_dl_escape(ext)}"


def _grai(m: re.Match[str]) -> str | None:
    c, a, s = m.groups()
    if len(c) + len(a) != 12:
        return None
    return "https://id.gs1.org/8003/" + with_check_digit("0" + c + a) + _dl_escape(s)


def _giai(m: re.Match[str]) -> str | None:
    c, a = m.groups()
    if len(c) + len(a) > 30:
        return None
    return "https://id.gs1.org/8004/" + c + _dl_escape(a)


def _gsrn(ai: str) -> _Converter:
    def convert(m: re.Match[str]) -> str | None:
        c, s = m.groups()
        if len(c) + len(s) != 17:
            return None
        return f"https://id.gs1.org/{ai}/" + with_check_digit(c + s)

    return convert


def _gdti(m: re.Match[str]) -> str | None:
    c, d, s = m.groups()
    if len(c) + len(d) != 12:
        return None
    return "https://id.gs1.org/253/" + with_check_digit(c + d) + _dl_escape(s)


def _sgcn(m: re.Match[str]) -> str | None:
    c, d, s = m.groups()
    if len(c) + len(d) != 12:
        return None
    return "https://id.gs1.org/255/" + with_check_digit(c + d) + s


def _cpi(m: re.Match[str]) -> str | None:
    c, ref, s = m.groups()
    return f"https://id.gs1.org/8010/{_dl_escape(c + ref)}/8011/{s}"


def _ginc(m: re.Match[str]) -> str | None:
    c, ref = m.groups()
    return "https://id.gs1.org/401/" + c + _dl_escape(ref)


def _gsin(m: re.Match[str]) -> str | None:
    c, ref = m.groups()
    if len(c) + len(ref) != 16:
        return None
    return "https://id.gs1.org/402/" + with_check_digit(c + ref)


def _itip(m: re.Match[str]) -> str | None:
    c, i, piece, total, s = m.groups()
    if len(c) + len(i) != 13:
        return None
    tail = "" if s is None else "/21/" + _dl_escape(s)
    return f"https://id.gs1.org/8006/{gtin_of_epc_parts(c, i)}{piece}{total}{tail}"


def _upui(m: re.Match[str]) -> str | None:
    c, i, s = m.groups()
    if len(c) + len(i) != 13:
        return None
    return f"https://id.gs1.org/01/{gtin_of_epc_parts(c, i)}/235/{_dl_escape(s)}"


def _pgln(m: re.Match[str]) -> str | None:
    c, p = m.groups()
    if len(c) + len(p) != 12:
        return None
    return "https://id.gs1.org/417/" + with_check_digit(c + p)


def _lgtin(m: re.Match[str]) -> str | None:
    c, i, lot = m.groups()
    if len(c) + len(i) != 13:
        return None
    return f"https://id.gs1.org/01/{gtin_of_epc_parts(c, i)}/10/{_dl_escape(lot)}"


def _gtin_class(m: re.Match[str]) -> str | None:
    c, i = m.groups()
    if len(c) + len(i) != 13:
        return None
    return "https://id.gs1.org/01/" + gtin_of_epc_parts(c, i)


def _grai_class(m: re.Match[str]) -> str | None:
    c, a = m.groups()
    if len(c) + len(a) != 12:
        return None
    return "https://id.gs1.org/8003/" + with_check_digit("0" + c + a)


def _doc_class(ai: str) -> _Converter:
    def convert(m: re.Match[str]) -> str | None:
        c, d = m.groups()
        if len(c) + len(d) != 12:
            return None
        return f"https://id.gs1.org/{ai}/" + with_check_digit(c + d)

    return convert


def _cpi_class(m: re.Match[str]) -> str | None:
    c, ref = m.groups()
    return "https://id.gs1.org/8010/" + _dl_escape(c + ref)


def _itip_class(m: re.Match[str]) -> str | None:
    c, i, piece, total = m.groups()
    if len(c) + len(i) != 13:
        return None
    return f"https://id.gs1.org/8006/{gtin_of_epc_parts(c, i)}{piece}{total}"


_D: Final = r"(\d{6,12})"
_URN_RULES: Final[tuple[tuple[str, re.Pattern[str], _Converter], ...]] = (
    ("urn:epc:id:sgtin:", re.compile(rf"{_D}\.(\d{{1,7}})\.({_XCHARS}{{1,20}})$"), _sgtin),
    ("urn:epc:id:sscc:", re.compile(rf"{_D}\.(\d{{5,11}})$"), _sscc),
    ("urn:epc:id:sgln:", re.compile(rf"{_D}\.(\d{{0,6}})\.({_XCHARS}{{1,20}})$"), _sgln),
    ("urn:epc:id:grai:", re.compile(rf"{_D}\.(\d{{0,6}})\.({_XCHARS}{{1,16}})$"), _grai),
    ("urn:epc:id:giai:", re.compile(rf"{_D}\.({_XCHARS}{{1,24}})$"), _giai),
    ("urn:epc:id:gsrnp:", re.compile(rf"{_D}\.(\d{{5,11}})$"), _gsrn("8017")),
    ("urn:epc:id:gsrn:", re.compile(rf"{_D}\.(\d{{5,11}})$"), _gsrn("8018")),
    ("urn:epc:id:gdti:", re.compile(rf"{_D}\.(\d{{0,6}})\.({_XCHARS}{{0,17}})$"), _gdti),
    ("urn:epc:id:sgcn:", re.compile(rf"{_D}\.(\d{{0,6}})\.(\d{{1,12}})$"), _sgcn),
    ("urn:epc:id:cpi:", re.compile(rf"{_D}\.({_CPI_CHARS}{{1,24}})\.(\d{{1,12}})$"), _cpi),
    ("urn:epc:id:ginc:", re.compile(rf"{_D}\.({_XCHARS}{{1,24}})$"), _ginc),
    ("urn:epc:id:gsin:", re.compile(rf"{_D}\.(\d{{4,10}})$"), _gsin),
    (
        "urn:epc:id:itip:",
        re.compile(rf"{_D}\.(\d{{1,7}})\.(\d{{2}})\.(\d{{2}})\.({_XCHARS}{{1,20}})$"),
        _itip,
    ),
    ("urn:epc:id:upui:", re.compile(rf"{_D}\.(\d{{1,7}})\.({_XCHARS}{{1,28}})$"), _upui),
    ("urn:epc:id:pgln:", re.compile(rf"{_D}\.(\d{{0,6}})$"), _pgln),
    ("urn:epc:class:lgtin:", re.compile(rf"{_D}\.(\d{{1,7}})\.({_XCHARS}{{1,20}})$"), _lgtin),
    ("urn:epc:idpat:sgtin:", re.compile(rf"{_D}\.(\d{{1,7}})\.\*$"), _gtin_class),
    ("urn:epc:idpat:upui:", re.compile(rf"{_D}\.(\d{{1,7}})\.\*$"), _gtin_class),
    ("urn:epc:idpat:grai:", re.compile(rf"{_D}\.(\d{{0,6}})\.\*$"), _grai_class),
    ("urn:epc:idpat:gdti:", re.compile(rf"{_D}\.(\d{{0,6}})\.\*$"), _doc_class("253")),
    ("urn:epc:idpat:sgcn:", re.compile(rf"{_D}\.(\d{{0,6}})\.\*$"), _doc_class("255")),
    ("urn:epc:idpat:cpi:", re.compile(rf"{_D}\.({_CPI_CHARS}{{1,24}})\.\*$"), _cpi_class),
    (
        "urn:epc:idpat:itip:",
        re.compile(rf"{_D}\.(\d{{1,7}})\.(\d{{2}})\.(\d{{2}})\.\*$"),
        _itip_class,
    ),
)

_DL_ALIASES: Final[Mapping[str, str]] = {
    "gtin": "01",
    "itip": "8006",
    "cpid": "8010",
    "gln": "414",
    "party": "417",
    "gsrnp": "8017",
    "gsrn": "8018",
    "gcn": "255",
    "sscc": "00",
    "gdti": "253",
    "ginc": "401",
    "gsin": "402",
    "grai": "8003",
    "giai": "8004",
    "cpv": "22",
    "lot": "10",
    "ser": "21",
}
_PRIMARY_AIS: Final = (
    "01|8006|8010|414|417|8017|8018|255|00|253|401|402|8003|8004"
    "|gtin|itip|cpid|gln|party|gsrnp|gsrn|gcn|sscc|gdti|ginc|gsin|grai|giai"
)
_DL_RE: Final = re.compile(
    rf"https?://[^/?#]+(?:/[^?#]*?)?/({_PRIMARY_AIS})/(\d{{4}}[^/?#]*)((?:/[^/?#]+/[^/?#]+)*)/?"
    r"(?:\?[^#]*)?(?:#.*)?$"
)
_DL_CHAR: Final = r"(?:%[0-9A-Fa-f]{2}|[\x22\x27\x2D\x2E\x30-\x39\x3B-\x3F\x41-\x5A\x5F\x61-\x7A])"
_DL_VALID: Final[Mapping[str, re.Pattern[str]]] = {
    "00": re.compile(r"\d{18}$"),
    "01": re.compile(rf"\d{{14}}(?:/(?:21|10)/{_DL_CHAR}{{1,20}}|/235/{_DL_CHAR}{{1,28}})?$"),
    "253": re.compile(rf"\d{{13}}{_DL_CHAR}{{0,17}}$"),
    "255": re.compile(r"\d{13}\d{0,12}$"),
    "401": re.compile(rf"{_DL_CHAR}{{1,30}}$"),
    "402": re.compile(r"\d{17}$"),
    "414": re.compile(rf"\d{{13}}(?:/254/{_DL_CHAR}{{1,20}})?$"),
    "417": re.compile(r"\d{13}$"),
    "8003": re.compile(rf"\d{{14}}{_DL_CHAR}{{0,16}}$"),
    "8004": re.compile(rf"{_DL_CHAR}{{1,30}}$"),
    "8006": re.compile(rf"\d{{18}}(?:/(?:21|10)/{_DL_CHAR}{{1,20}})?$"),
    "8010": re.compile(
        r"(?:%[0-9A-Fa-f]{2}|[\x23\x2D\x2F\x30-\x39\x41-\x5A]){1,30}(?:/8011/\d{1,12})?$"
    ),
    "8017": re.compile(r"\d{18}$"),
    "8018": re.compile(r"\d{18}$"),
}


def _canonical_digital_link(uri: str) -> str | None:
    m = _DL_RE.match(uri)
    if m is None:
        return None
    ai, key, rest = m.groups()
    ai = _DL_ALIASES.get(ai, ai)
    pairs = re.findall(r"/([^/]+)/([^/]+)", rest)
    qualifiers = {_DL_ALIASES.get(q, q): v for q, v in pairs}
    qualifiers.pop("22", None)  # CPV does not identify the instance
    if ai == "01" and key.isdigit() and len(key) in (8, 12, 13):
        key = key.rjust(14, "0")
    # Only the finest level of identification counts: a serial makes the lot redundant.
    if "21" in qualifiers:
        qualifiers.pop("10", None)
    tail = "".join(f"/{q}/{v}" for q, v in qualifiers.items())
    body = key + tail
    pattern = _DL_VALID.get(ai)
    if pattern is None or pattern.match(body) is None:
        return None
    return f"https://id.gs1.org/{ai}/{body}"


@lru_cache(maxsize=65536)
def _canonical_identifier_cached(uri: str) -> str | None:
    return _canonical_identifier(uri)


def _canonical_identifier(uri: str) -> str | None:
    if uri.startswith("urn:epc:id:sgtin:"):
        # Fast path for the bulk of every capture: a plain alphanumeric SGTIN.
        parts = uri[17:].split(".")
        if len(parts) == 3:
            c, i, serial = parts
            if (
                len(c) + len(i) == 13
                and c.isdigit()
                and i.isdigit()
                and serial.isascii()
                and serial.isalnum()
            ):
                return f"https://id.gs1.org/01/{gtin_of_epc_parts(c, i)}/21/{serial}"
    if uri.startswith("urn:epc:"):
        for prefix, pattern, convert in _URN_RULES:
            if uri.startswith(prefix):
                m = pattern.match(uri, len(prefix))
                return None if m is None else convert(m)
        return None
    if uri.startswith("http"):
        return _canonical_digital_link(uri)
    return None


def canonical_identifier(uri: str) -> str:
    """Return the canonical GS1 Digital Link form of an EPC URN or Digital Link URI.

    Anything that is not a GS1 identifier comes back unchanged.

    >>> canonical_identifier("urn:epc:id:sgtin:0614141.107346.2017")
    'https://id.gs1.org/01/10614141073464/21/2017'
    >>> canonical_identifier("https://id.gs1.de/01/04012345999990/21/XYZ-1234?x=1")
    'https://id.gs1.org/01/04012345999990/21/XYZ-1234'
    """
    return _canonical_identifier(uri) or uri


# ---------------------------------------------------------------- values


def _vocab(value: str, web_prefix: str, ctx: HashContext) -> str:
    """Expand a vocabulary value given as bare word, CBV URN or CURIE."""
    if ":" not in value:
        return web_prefix + value if value else value
    return _value(value, ctx)


def _value(value: object, ctx: HashContext) -> str:
    """Canonical text of a leaf value."""
    if isinstance(value, bool | int | float):
        return _canonical_number(value)
    if not isinstance(value, str):
        return str(value)
    text = value.strip()
    if not text:
        return text
    if text.startswith("urn:epcglobal:cbv:"):
        for urn, web in _CBV_URN_PREFIXES:
            if text.startswith(urn):
                return web + text[len(urn) :]
        return text
    if text.startswith(("urn:epc:", "http")):
        return _canonical_identifier_cached(text) or text
    head = text[0]
    if (head.isdigit() or head in "+-.") and _NUMBER_RE.fullmatch(text):
        return _canonical_number(text)
    prefix, sep, local = text.partition(":")
    if sep and prefix in _VALUE_CURIE_PREFIXES and prefix in ctx.namespaces:
        return ctx.namespaces[prefix] + local
    return text


def _time_value(value: object, ctx: HashContext) -> str:
    if isinstance(value, str) and _TIME_RE.match(value.strip()) is not None:
        return canonical_time(value)
    return _value(value, ctx)


def _is_time_key(key: str) -> bool:
    low = key.lower()
    return "time" in low and "offset" not in low


# ---------------------------------------------------------------- serialisation


def _generic(key: str, value: object, ctx: HashContext, out: list[str]) -> None:
    """Append the pre-hash pieces of an arbitrary (extension) field to ``out``."""
    if value is None:
        return
    name = ctx.expand_key(key)
    if name in ctx.ignore or key in ctx.ignore or name in _EXCLUDED:
        return
    if isinstance(value, list):
        for item in value:
            _generic(key, item, ctx, out)
    elif isinstance(value, Mapping):
        out.append(name + _children(value, (), ctx))
    else:
        text = _time_value(value, ctx) if _is_time_key(name) else _value(value, ctx)
        out.append(name + "=" + text if text else name)


def _children(obj: Mapping[str, object], order: Sequence[str], ctx: HashContext) -> str:
    """Ordered fields of ``obj`` first, then the rest (extensions) sorted."""
    parts: list[str] = []
    for key in order:
        value = obj.get(key)
        if value is None or value == "" or value == []:
            continue
        values = value if isinstance(value, list) else [value]
        texts = sorted(
            key + "=" + (_time_value(v, ctx) if _is_time_key(key) else _field_value(key, v, ctx))
            for v in values
            if v is not None
        )
        parts.extend(texts)
    rest: list[str] = []
    for key, value in obj.items():
        if key not in order:
            _generic(key, value, ctx, rest)
    rest.sort()
    return "".join(parts) + "".join(rest)


def _field_value(key: str, value: object, ctx: HashContext) -> str:
    if isinstance(value, str):
        if key == "type":
            return _vocab(value, GS1_VOC, ctx)
        if key == "exception":
            return _vocab(value, GS1_VOC, ctx)
        if key == "component":
            return _vocab(value, _COMP, ctx)
    return _value(value, ctx)


def _epc_list(name: str, value: object, ctx: HashContext) -> str:
    if not isinstance(value, list) or not value:
        return ""
    epcs = sorted(
        "epc=" + (_canonical_identifier(v) or v.strip() if isinstance(v, str) else _value(v, ctx))
        for v in value
    )
    return name + "".join(epcs)


def _quantity_list(name: str, value: object, ctx: HashContext) -> str:
    if not isinstance(value, list) or not value:
        return ""
    elements = sorted(
        "quantityElement" + _children(q, _QUANTITY_ORDER, ctx)
        for q in value
        if isinstance(q, Mapping)
    )
    return name + "".join(elements)


def _sensor_element(element: Mapping[str, object], ctx: HashContext) -> str:
    parts = ["sensorElement"]
    meta = element.get("sensorMetadata")
    if isinstance(meta, Mapping):
        parts.append("sensorMetadata" + _children(meta, _SENSOR_METADATA_ORDER, ctx))
    reports = element.get("sensorReport")
    if isinstance(reports, Mapping):
        reports = [reports]
    if isinstance(reports, list):
        parts.extend(
            sorted(
                "sensorReport" + _children(r, _SENSOR_REPORT_ORDER, ctx)
                for r in reports
                if isinstance(r, Mapping)
            )
        )
    rest: list[str] = []
    for key, value in element.items():
        if key not in ("sensorMetadata", "sensorReport"):
            _generic(key, value, ctx, rest)
    rest.sort()
    return "".join(parts) + "".join(rest)


def _typed_list(name: str, value: object, ctx: HashContext) -> str:
    item_key, vocab = _TYPED_LISTS[name]
    if not isinstance(value, list):
        return ""
    elements: list[str] = []
    for entry in value:
        if not isinstance(entry, Mapping):
            continue
        text = ""
        kind = entry.get("type")
        if isinstance(kind, str) and kind:
            text += "type=" + _vocab(kind.strip(), vocab, ctx)
        ident = entry.get(item_key)
        if ident is not None:
            text += item_key + "=" + _value(ident, ctx)
        rest: list[str] = []
        for key, extra in entry.items():
            if key not in ("type", item_key):
                _generic(key, extra, ctx, rest)
        rest.sort()
        elements.append(text + "".join(rest))
    elements.sort()
    joined = "".join(elements)
    return name + joined if joined else ""


def _ordered_field(key: str, value: object, ctx: HashContext) -> str:
    if key in _EPC_LISTS:
        return _epc_list(key, value, ctx)
    if key in _QUANTITY_LISTS:
        return _quantity_list(key, value, ctx)
    if key == "eventTime":
        return "eventTime=" + _time_value(value, ctx)
    if key == "bizStep":
        return "bizStep=" + (
            _vocab(value.strip(), _BIZ_STEP, ctx) if isinstance(value, str) else ""
        )
    if key == "disposition":
        return "disposition=" + (
            _vocab(value.strip(), _DISP, ctx) if isinstance(value, str) else ""
        )
    if key == "persistentDisposition":
        if not isinstance(value, Mapping):
            return ""
        parts: list[str] = []
        for sub in ("set", "unset"):
            items = value.get(sub)
            if isinstance(items, str):
                items = [items]
            if isinstance(items, list):
                parts.extend(sorted(sub + "=" + _vocab(str(v).strip(), _DISP, ctx) for v in items))
        rest: list[str] = []
        for sub, extra in value.items():
            if sub not in ("set", "unset"):
                _generic(sub, extra, ctx, rest)
        rest.sort()
        body = "".join(parts) + "".join(rest)
        return "persistentDisposition" + body if body else ""
    if key in ("readPoint", "bizLocation"):
        if isinstance(value, Mapping):
            body = _children(value, ("id",), ctx)
        elif isinstance(value, str):
            body = "id=" + _value(value, ctx)
        else:
            return ""
        return key + body if body else ""
    if key == "sensorElementList":
        if not isinstance(value, list):
            return ""
        elements = sorted(_sensor_element(e, ctx) for e in value if isinstance(e, Mapping))
        return key + "".join(elements) if elements else ""
    if key == "eventTimeZoneOffset":
        return key + "=" + str(value).strip()
    # certificationInfo, parentID, action, transformationID
    values = value if isinstance(value, list) else [value]
    return "".join(sorted(key + "=" + _value(v, ctx) for v in values if v is not None))


def prehash_string(event: Mapping[str, object], context: HashContext | object = None) -> str:
    """Return the CBV 2.0 pre-hash string of one EPCIS event.

    Parameters
    ----------
    event
        The event as JSON(-LD), e.g. one element of ``epcisBody.eventList``.
    context
        A :class:`HashContext`, or the document's ``@context`` value, which supplies the
        namespace prefixes of extension fields. ``None`` knows only the standard prefixes.

    Returns
    -------
    str
        The pre-hash string (UTF-8 text that :func:`event_hash` digests).

    Examples
    --------
    >>> prehash_string({
    ...     "type": "ObjectEvent", "action": "OBSERVE", "bizStep": "shipping",
    ...     "eventTime": "2020-03-04T11:00:30+01:00", "eventTimeZoneOffset": "+01:00",
    ...     "epcList": ["urn:epc:id:sscc:4012345.0000000111"],
    ... })  # doctest: +NORMALIZE_WHITESPACE
    'eventType=ObjectEventeventTime=2020-03-04T10:00:30.000ZeventTimeZoneOffset=+01:00epcList\
epc=https://id.gs1.org/00/040123450000001112action=OBSERVE\
bizStep=https://ref.gs1.org/cbv/BizStep-shipping'
    """
    ctx = _as_context(context).with_event_context(event.get("@context"))
    parts = ["eventType=" + str(event.get("type", ""))]
    for key in _EVENT_ORDER:
        value = event.get(key)
        if value is None or value == "" or value == [] or key in ctx.ignore:
            continue
        text = _ordered_field(key, value, ctx)
        if text:
            parts.append(text)
    rest: list[str] = []
    for key, value in event.items():
        if key in _ORDERED:
            continue
        if key in _TYPED_LISTS:
            if key not in ctx.ignore:
                text = _typed_list(key, value, ctx)
                if text:
                    rest.append(text)
            continue
        _generic(key, value, ctx, rest)
    rest.sort()
    return "".join(parts) + "".join(rest)


def _digest(prehash: str) -> str:
    return "ni:///sha-256;" + hashlib.sha256(prehash.encode("utf-8")).hexdigest() + "?ver=CBV2.0"


def event_hash(event: Mapping[str, object], context: HashContext | object = None) -> str:
    """Return the event's hash ID, ``ni:///sha-256;<64 lowercase hex>?ver=CBV2.0``.

    Parameters
    ----------
    event, context
        As for :func:`prehash_string`.

    Examples
    --------
    >>> event_hash({"type": "ObjectEvent", "eventTime": "2020-03-04T11:00:30+01:00"})[:14]
    'ni:///sha-256;'
    """
    return _digest(prehash_string(event, context))


def iter_document_event_objects(doc: Mapping[str, object]) -> Iterator[Mapping[str, object]]:
    """Yield the raw events of an ``EPCISDocument`` or ``EPCISQueryDocument`` in order."""
    body = doc.get("epcisBody")
    if not isinstance(body, Mapping):
        return
    events: object = body.get("eventList")
    if events is None:
        results = body.get("queryResults")
        if isinstance(results, Mapping):
            rbody = results.get("resultsBody")
            if isinstance(rbody, Mapping):
                events = rbody.get("eventList")
    if events is None and isinstance(body.get("event"), Mapping):
        events = [body["event"]]
    if isinstance(events, list):
        for event in events:
            if isinstance(event, Mapping):
                yield event


def document_prehashes(doc: Mapping[str, object]) -> list[str]:
    """Return the pre-hash string of every event of a document, in document order."""
    ctx = HashContext.from_document(doc)
    return [prehash_string(event, ctx) for event in iter_document_event_objects(doc)]


def document_hashes(doc: Mapping[str, object]) -> list[str]:
    """Return the hash ID of every event of a document, in document order.

    Examples
    --------
    >>> doc = {"@context": [], "epcisBody": {"eventList": [{"type": "ObjectEvent"}]}}
    >>> len(document_hashes(doc))
    1
    """
    return [_digest(p) for p in document_prehashes(doc)]
