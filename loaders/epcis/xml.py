"""EPCIS 2.0 and 1.2 XML documents -> the JSON-LD form yima captures, and events back to XML.

An XML document is read with lxml (no DTDs, no entities, no network) and turned into the
EPCISDocument JSON-LD object the capture pipeline already validates, hashes and projects, so
an event captured from XML is the same event as in JSON: same eventID, same CBV 2.0 hash (the
hash works on namespace URIs, UTC times and canonical identifiers, not on prefixes, element
order or time-zone notation).

EPCIS 1.2 documents are read too: the ``extension`` wrappers of 1.2 (``quantityList``,
``sourceList``, ``ilmd`` ... inside ``<extension>``; ``eventID`` and ``errorDeclaration`` in
``<baseExtension>``; ``TransformationEvent`` inside an ``<extension>`` of the event list) are
unwrapped to their 2.0 places.

A document that is not well formed, or whose structure is not EPCIS (an unknown root or event
element, a repeated or missing required element, an element where a list belongs), is refused
with :class:`XmlDocumentError` naming the line and the reason; field values are checked by the
same validation as JSON documents.

References
----------
GS1 EPCIS Standard 2.0, section 11 (XML binding) and EPCIS 1.2, section 9.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final
from xml.sax.saxutils import escape, quoteattr

from lxml import etree

from graph_model.errors import FieldProblem, InvalidField

__all__ = ["XmlDocumentError", "event_to_xml", "events_to_xml", "read_xml_document"]

EPCIS2: Final = "urn:epcglobal:epcis:xsd:2"
EPCIS1: Final = "urn:epcglobal:epcis:xsd:1"
EPCIS_QUERY2: Final = "urn:epcglobal:epcis-query:xsd:2"
EPCIS_QUERY1: Final = "urn:epcglobal:epcis-query:xsd:1"
JSON_CONTEXT: Final = "https://ref.gs1.org/standards/epcis/epcis-context.jsonld"
# XML namespaces the JSON-LD context knows under a standard prefix (with its trailing ':').
STANDARD_PREFIXES: Final[Mapping[str, str]] = {
    "urn:epcglobal:cbv:mda": "cbvmda",
    "urn:epcglobal:cbv:mda:": "cbvmda",
    "https://gs1.org/voc/": "gs1",
    "http://www.w3.org/2000/01/rdf-schema#": "rdfs",
}

EVENT_TYPES: Final = frozenset(
    {"ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent",
     "AssociationEvent"}
)  # fmt: skip
_TEXT: Final = frozenset(
    {"eventTime", "recordTime", "eventTimeZoneOffset", "eventID", "action", "bizStep",
     "disposition", "parentID", "transformationID", "certificationInfo"}
)  # fmt: skip
_EPC_LISTS: Final = frozenset({"epcList", "childEPCs", "inputEPCList", "outputEPCList"})
_QUANTITY_LISTS: Final = frozenset(
    {"quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList"}
)
_TYPED_LISTS: Final[Mapping[str, str]] = {
    "bizTransactionList": "bizTransaction",
    "sourceList": "source",
    "destinationList": "destination",
}
_NUMERIC_ATTRIBUTES: Final = frozenset(
    {"value", "minValue", "maxValue", "meanValue", "sDev", "percRank", "percValue"}
)
_BOOLEAN_ATTRIBUTES: Final = frozenset({"booleanValue"})
_PARSER: Final = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
    remove_comments=True, remove_pis=True,
)  # fmt: skip


class XmlDocumentError(InvalidField):
    """An XML document that is not well formed or not shaped as EPCIS; ``problems`` name the
    line of each."""

    def __init__(self, problems: Sequence[tuple[int | None, str, str]]) -> None:
        fields = [
            FieldProblem(path, f"line {line}: {reason}" if line else reason)
            for line, path, reason in problems
        ]
        super().__init__(fields[0].path, fields[0].reason, more=fields[1:])


def _local(element: Any) -> str:
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _namespace(element: Any) -> str | None:
    tag = element.tag
    return tag[1 : tag.index("}")] if isinstance(tag, str) and tag[:1] == "{" else None


def _text(element: Any) -> str:
    return (element.text or "").strip()


def _number(text: str) -> int | float | str:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return text
    if value == value.to_integral_value() and "." not in text and "e" not in text.lower():
        return int(value)
    return float(value)


def _attribute(name: str, value: str) -> Any:
    if name in _NUMERIC_ATTRIBUTES:
        return _number(value)
    if name in _BOOLEAN_ATTRIBUTES and value in ("true", "false"):
        return value == "true"
    return value


class _Reader:
    """Turns one document's event elements into JSON objects, collecting structure problems
    and the namespaces its extensions use."""

    def __init__(self) -> None:
        self.problems: list[tuple[int | None, str, str]] = []
        self.namespaces: dict[str, str] = {}
        self._keys: dict[str, str] = {}  # tag -> JSON key, decided once per document

    def problem(self, element: Any, path: str, reason: str) -> None:
        self.problems.append((element.sourceline, path, reason))

    # -- extensions ------------------------------------------------------------------------
    def key(self, element: Any) -> str:
        known = self._keys.get(element.tag)
        if known is not None:
            return known
        ns = _namespace(element)
        local = _local(element)
        if ns is None:
            key = local
        else:
            prefix = STANDARD_PREFIXES.get(ns)
            if prefix is None:
                prefix = element.prefix or f"ns{len(self.namespaces)}"
                while self.namespaces.get(prefix, ns) != ns:
                    prefix += "_"
                self.namespaces[prefix] = ns
            key = f"{prefix}:{local}"
        if isinstance(element.tag, str):
            self._keys[element.tag] = key
        return key

    def extension_value(self, element: Any) -> Any:
        if not len(element):
            return (element.text or "").strip()
        out: dict[str, Any] = {}
        for child in element:
            key = self.key(child)
            value = self.extension_value(child)
            if key in out:
                previous = out[key]
                out[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
            else:
                out[key] = value
        return out

    # -- standard fields -------------------------------------------------------------------
    def event(self, element: Any, index: int) -> dict[str, Any]:
        kind = _local(element)
        out: dict[str, Any] = {"type": kind}
        self.fields(element, out, f"eventList[{index}]")
        return out

    def fields(self, element: Any, out: dict[str, Any], path: str) -> None:
        for child in element:
            name = child.tag
            if not isinstance(name, str):
                continue
            if name[0] == "{":  # a user extension (or ILMD content)
                out[self.key(child)] = self.extension_value(child)
            elif name in _TEXT:
                if name in out:
                    self.problem(child, f"{path}.{name}", "appears more than once")
                out[name] = (child.text or "").strip()
            elif name in ("extension", "baseExtension"):  # EPCIS 1.2 wrappers
                self.fields(child, out, path)
            elif name in out:
                self.problem(child, f"{path}.{name}", "appears more than once")
            elif name in _EPC_LISTS:
                out[name] = self.items(child, "epc", f"{path}.{name}")
            elif name in _QUANTITY_LISTS:
                out[name] = [self.quantity(q, f"{path}.{name}[{i}]") for i, q in enumerate(child)]
            elif name in _TYPED_LISTS:
                out[name] = self.typed(child, _TYPED_LISTS[name], f"{path}.{name}")
            elif name in ("readPoint", "bizLocation"):
                out[name] = self.location(child, f"{path}.{name}")
            elif name == "ilmd":
                out[name] = {self.key(c): self.extension_value(c) for c in child}
            elif name == "persistentDisposition":
                out[name] = {
                    kind: [_text(c) for c in child if _local(c) == kind]
                    for kind in ("set", "unset")
                    if any(_local(c) == kind for c in child)
                }
            elif name == "errorDeclaration":
                out[name] = self.error_declaration(child, f"{path}.{name}")
            elif name == "sensorElementList":
                out[name] = [self.sensor_element(s) for s in child]
            else:
                self.problem(child, f"{path}.{name}", f"<{name}> is not an EPCIS event field")

    def items(self, element: Any, item: str, path: str) -> list[str]:
        values = [(c.text or "").strip() for c in element if c.tag == item]
        if len(values) == len(element):  # the usual case: every child is an <item>
            return values
        values = []
        for child in element:
            if _local(child) != item:
                self.problem(child, path, f"<{_local(child)}> where <{item}> belongs")
                continue
            values.append(_text(child))
        return values

    def typed(self, element: Any, item: str, path: str) -> list[dict[str, str]]:
        values = []
        for i, child in enumerate(element):
            if _local(child) != item:
                self.problem(child, path, f"<{_local(child)}> where <{item}> belongs")
                continue
            entry: dict[str, str] = {}
            if child.get("type") is not None:
                entry["type"] = child.get("type")
            elif item != "bizTransaction":
                self.problem(child, f"{path}[{i}]", f"<{item}> needs a type attribute")
            entry[item] = _text(child)
            values.append(entry)
        return values

    def location(self, element: Any, path: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for child in element:
            if _local(child) == "id" and _namespace(child) is None:
                out["id"] = _text(child)
            elif _local(child) == "extension":
                for extra in child:
                    out[self.key(extra)] = self.extension_value(extra)
            else:
                out[self.key(child)] = self.extension_value(child)
        if "id" not in out:
            self.problem(element, path, "needs an <id>")
        return out

    def quantity(self, element: Any, path: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for child in element:
            name = _local(child)
            if name == "epcClass":
                out[name] = _text(child)
            elif name == "quantity":
                out[name] = _number(_text(child))
            elif name == "uom":
                out[name] = _text(child)
            else:
                self.problem(child, path, f"<{name}> is not part of a quantity element")
        return out

    def error_declaration(self, element: Any, path: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for child in element:
            name = _local(child)
            if _namespace(child) is not None:
                out[self.key(child)] = self.extension_value(child)
            elif name == "correctiveEventIDs":
                out[name] = self.items(child, "correctiveEventID", f"{path}.{name}")
            elif name in ("declarationTime", "reason"):
                out[name] = _text(child)
            elif name == "extension":
                for extra in child:
                    out[self.key(extra)] = self.extension_value(extra)
            else:
                self.problem(child, path, f"<{name}> is not part of an error declaration")
        return out

    def sensor_element(self, element: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        reports: list[dict[str, Any]] = []
        for child in element:
            name = _local(child)
            attributes = {k: _attribute(k, v) for k, v in child.attrib.items()}
            if name == "sensorMetadata":
                out[name] = attributes
            elif name == "sensorReport":
                reports.append(attributes)
            else:
                out[self.key(child)] = self.extension_value(child)
        if reports:
            out["sensorReport"] = reports
        return out


def _event_elements(event_list: Any, reader: _Reader) -> Iterable[Any]:
    for child in event_list:
        name = _local(child)
        if name == "extension":  # EPCIS 1.2 puts TransformationEvent here
            yield from _event_elements(child, reader)
        elif name in EVENT_TYPES:
            yield child
        else:
            reader.problem(child, "eventList", f"<{name}> is not an EPCIS event")


def read_xml_document(data: bytes) -> dict[str, Any]:
    """The EPCISDocument (or EPCISQueryDocument) JSON-LD object an EPCIS 2.0 or 1.2 XML
    document stands for.

    Raises
    ------
    XmlDocumentError
        When the XML is not well formed or not shaped as an EPCIS document, each problem with
        its line.

    Examples
    --------
    >>> doc = read_xml_document(b'''<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2"
    ...   schemaVersion="2.0" creationDate="2026-01-01T00:00:00Z"><EPCISBody><EventList>
    ...   <ObjectEvent><eventTime>2026-01-01T08:00:00+08:00</eventTime>
    ...   <eventTimeZoneOffset>+08:00</eventTimeZoneOffset><epcList><epc>urn:x</epc></epcList>
    ...   <action>OBSERVE</action></ObjectEvent></EventList></EPCISBody></epcis:EPCISDocument>''')
    >>> doc["epcisBody"]["eventList"][0]["epcList"]
    ['urn:x']
    """
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if isinstance(exc.lineno, int) else None
        raise XmlDocumentError([(line, "body", f"not well-formed XML: {exc.msg}")]) from None
    reader = _Reader()
    kind = _local(root)
    if kind not in ("EPCISDocument", "EPCISQueryDocument") or _namespace(root) not in (
        EPCIS2,
        EPCIS1,
        EPCIS_QUERY2,
        EPCIS_QUERY1,
    ):
        raise XmlDocumentError(
            [(root.sourceline, "body", f"root element <{root.tag}> is not an EPCIS document")]
        )
    body = next((c for c in root if _local(c) == "EPCISBody"), None)
    if body is None:
        raise XmlDocumentError([(root.sourceline, "EPCISBody", "required element is missing")])
    if kind == "EPCISDocument":
        event_list = next((c for c in body if _local(c) == "EventList"), None)
    else:
        event_list = next(
            (e for e in body.iter() if isinstance(e.tag, str) and _local(e) == "EventList"),
            None,
        )
    if event_list is None:
        raise XmlDocumentError([(body.sourceline, "EventList", "required element is missing")])
    events = [reader.event(e, i) for i, e in enumerate(_event_elements(event_list, reader))]
    if reader.problems:
        raise XmlDocumentError(reader.problems)
    version = root.get("schemaVersion") or ("1.2" if _namespace(root) == EPCIS1 else "2.0")
    document: dict[str, Any] = {
        "@context": [JSON_CONTEXT, *({p: ns} for p, ns in sorted(reader.namespaces.items()))],
        "type": "EPCISDocument",
        "schemaVersion": "2.0" if version.startswith("1.") else version,
        "epcisBody": {"eventList": events},
    }
    if root.get("creationDate") is not None:
        document["creationDate"] = root.get("creationDate")
    return document


# -- JSON events -> EPCIS 2.0 XML ------------------------------------------------------------

# The XML binding's order of the standard fields (EPCIS 2.0 XSD); extensions follow.
_ORDER: Final = (
    "eventTime", "recordTime", "eventTimeZoneOffset", "eventID", "errorDeclaration",
    "certificationInfo", "parentID", "epcList", "childEPCs", "inputEPCList",
    "inputQuantityList", "outputEPCList", "outputQuantityList", "transformationID", "action",
    "bizStep", "disposition", "persistentDisposition", "readPoint", "bizLocation",
    "bizTransactionList", "quantityList", "childQuantityList", "sourceList",
    "destinationList", "sensorElementList", "ilmd",
)  # fmt: skip
_RANK: Final = {name: i for i, name in enumerate(_ORDER)}


def _name(key: str, namespaces: dict[str, str]) -> str:
    """The XML name of a JSON key: ``prefix:local`` as it is (its namespace declared by the
    caller), a full URI split into a namespace of its own."""
    if "://" in key or key.startswith("urn:"):
        base, _, local = key.replace("#", "/").rpartition("/")
        uri = key[: len(base) + 1]
        prefix = next((p for p, ns in namespaces.items() if ns == uri), None)
        if prefix is None:
            prefix = f"ext{len(namespaces)}"
            namespaces[prefix] = uri
        return f"{prefix}:{local}"
    return key


def _element(key: str, value: Any, namespaces: dict[str, str]) -> str:
    name = _name(key, namespaces)
    if isinstance(value, Mapping):
        inner = "".join(_element(k, v, namespaces) for k, v in value.items())
        return f"<{name}>{inner}</{name}>"
    if isinstance(value, list):
        return "".join(_element(key, v, namespaces) for v in value)
    text = "true" if value is True else "false" if value is False else str(value)
    return f"<{name}>{escape(text)}</{name}>"


def _empty(name: str, attributes: Mapping[str, Any]) -> str:
    attrs = "".join(
        f" {k}={quoteattr('true' if v is True else 'false' if v is False else str(v))}"
        for k, v in attributes.items()
    )
    return f"<{name}{attrs}/>"


def _wrapped(key: str, item: str, values: Iterable[Any], namespaces: dict[str, str]) -> str:
    return f"<{key}>" + "".join(_element(item, v, namespaces) for v in values) + f"</{key}>"


def _sensor_element(element: Mapping[str, Any], namespaces: dict[str, str]) -> str:
    inner = ""
    if "sensorMetadata" in element:
        inner += _empty("sensorMetadata", element["sensorMetadata"])
    inner += "".join(_empty("sensorReport", r) for r in element.get("sensorReport", ()))
    inner += "".join(
        _element(k, v, namespaces)
        for k, v in element.items()
        if k not in ("sensorMetadata", "sensorReport")
    )
    return f"<sensorElement>{inner}</sensorElement>"


def _field_xml(key: str, value: Any, namespaces: dict[str, str]) -> str:
    if key in _EPC_LISTS:
        return _wrapped(key, "epc", value, namespaces)
    if key in _QUANTITY_LISTS:
        return _wrapped(key, "quantityElement", value, namespaces)
    if key in _TYPED_LISTS:
        item = _TYPED_LISTS[key]
        inner = "".join(
            f"<{item}{' type=' + quoteattr(str(e['type'])) if e.get('type') else ''}>"
            f"{escape(str(e.get(item, '')))}</{item}>"
            for e in value
        )
        return f"<{key}>{inner}</{key}>"
    if key == "sensorElementList":
        inner = "".join(_sensor_element(e, namespaces) for e in value)
        return f"<sensorElementList>{inner}</sensorElementList>"
    if key == "errorDeclaration":
        declared = dict(value)
        ids = declared.pop("correctiveEventIDs", None)
        inner = "".join(_element(k, v, namespaces) for k, v in declared.items())
        if ids:
            inner += _wrapped("correctiveEventIDs", "correctiveEventID", ids, namespaces)
        return f"<errorDeclaration>{inner}</errorDeclaration>"
    return _element(key, value, namespaces)


def _context_namespaces(context: Any) -> dict[str, str]:
    found = {"cbvmda": "urn:epcglobal:cbv:mda"}
    for entry in context if isinstance(context, list) else [context]:
        if isinstance(entry, Mapping):
            found.update({k: v for k, v in entry.items() if isinstance(v, str)})
    if found.get("cbvmda") == "urn:epcglobal:cbv:mda:":
        found["cbvmda"] = "urn:epcglobal:cbv:mda"
    return found


def event_to_xml(event: Mapping[str, Any], context: Any = None) -> str:
    """One stored event (a JSON object) as an EPCIS 2.0 XML event element, declaring the
    namespaces of its extension keys (from its own ``@context``, else ``context``)."""
    namespaces = _context_namespaces(event.get("@context", context))
    kind = str(event.get("type", "ObjectEvent"))
    keys = sorted(
        (k for k in event if k not in ("type", "@context")),
        key=lambda k: (_RANK.get(k, len(_RANK)), k),
    )
    body = "".join(_field_xml(k, event[k], namespaces) for k in keys)
    used = {name.split(":", 1)[0] for name in _names(body)}
    xmlns = "".join(
        f" xmlns:{p}={quoteattr(ns)}" for p, ns in sorted(namespaces.items()) if p in used
    )
    return f"<{kind}{xmlns}>{body}</{kind}>"


def _names(body: str) -> set[str]:
    # Prefixed element names in ``body`` (so only namespaces in use are declared).
    return {part.split(">", 1)[0].split(" ", 1)[0] for part in body.split("<")[1:] if ":" in
            part.split(">", 1)[0].split(" ", 1)[0]}  # fmt: skip


def events_to_xml(events: Sequence[Mapping[str, Any]], context: Any = None) -> bytes:
    """An EPCIS 2.0 XML EPCISQueryDocument holding ``events`` (JSON objects as stored)."""
    body = "".join(event_to_xml(e, context) for e in events)
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<epcisq:EPCISQueryDocument xmlns:epcisq="{EPCIS_QUERY2}" schemaVersion="2.0" '
        f'creationDate="{datetime.now(UTC).isoformat(timespec="milliseconds")}">'
        "<EPCISBody><epcisq:QueryResults><queryName>SimpleEventQuery</queryName>"
        f"<resultsBody><EventList>{body}</EventList></resultsBody>"
        "</epcisq:QueryResults></EPCISBody></epcisq:EPCISQueryDocument>"
    )
    return text.encode()
