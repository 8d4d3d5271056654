"""What investigators see of the graph in Neo4j Bloom and Neo4j Browser.

One definition serves three readers: ``scripts/export_bloom.py`` writes it as the Bloom
perspective ``bloom/yima.json`` and as the Neo4j Browser guide ``bloom/guide.html``, and
``tests/test_bloom.py`` runs every search phrase's Cypher against the real server, so a phrase
that stops matching the graph model fails a test instead of an investigator.

Every label of the graph model has a category (caption, icon, colour); every relationship type
a style. Search phrases are parameterised Cypher returning paths, so Bloom draws the nodes and
the relationships between them; each parameter is a string the investigator types.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from html import escape
from typing import Any, Final, LiteralString

__all__ = [
    "CATEGORIES",
    "PERSPECTIVE_NAME",
    "PHRASES",
    "RELATIONSHIPS",
    "Category",
    "Phrase",
    "RelationshipStyle",
    "browser_guide",
    "perspective",
]

PERSPECTIVE_NAME: Final = "yima traceability"
# A fixed time and ids keep the generated file identical from run to run (a test compares it).
_STAMP: Final = 1_767_225_600_000  # 2026-01-01T00:00:00Z in milliseconds


@dataclass(frozen=True, slots=True)
class Category:
    """A Bloom category: one label, what its nodes are captioned with, how they look."""

    label: str
    caption: str
    colour: str
    icon: str
    properties: tuple[str, ...]
    size: float = 1.0


@dataclass(frozen=True, slots=True)
class RelationshipStyle:
    type: str
    colour: str
    width: float = 1.0


@dataclass(frozen=True, slots=True)
class Phrase:
    """A Bloom search phrase: its text with ``$parameters``, and the Cypher behind it.

    ``example`` is what the Browser guide sets the parameters to before running the query.
    """

    text: str
    description: str
    cypher: LiteralString
    parameters: Mapping[str, tuple[str, str]]  # name -> (suggestion label, property)


# Colours by family: goods (blue), parties (green), events and scans (grey), master data
# (sand), findings of an analysis (red and orange), plans (purple).
CATEGORIES: Final[tuple[Category, ...]] = (
    Category("Code", "id", "#4C8EDA", "qr_code", ("id", "status", "gtin", "lot", "serial")),
    Category("Package", "id", "#57C7E3", "inventory_2", ("id",)),
    Category("Batch", "lot", "#3D6FB6", "category", ("id", "lot", "gtin")),
    Category("Product", "name", "#1F4E8C", "local_drink", ("gtin", "name", "brand"), 1.3),
    Category("Shipment", "id", "#8DCC93", "local_shipping", ("id", "shippedAt", "receivedAt")),
    Category("Receipt", "id", "#B5DDB8", "move_to_inbox", ("id", "receivedAt")),
    Category("Party", "name", "#569480", "business", ("id", "name")),
    Category("Plant", "name", "#2E7D32", "factory", ("id", "name"), 1.3),
    Category("Distributor", "name", "#43A047", "warehouse", ("id", "name", "tier"), 1.2),
    Category("Store", "name", "#7CB342", "storefront", ("id", "name", "riskScore")),
    Category("Location", "id", "#A5D6A7", "place", ("id",)),
    Category("Line", "name", "#9CCC65", "precision_manufacturing", ("id", "name")),
    Category("Consumer", "id", "#FFC454", "person", ("id", "createdAt", "spreadSize")),
    Category("Person", "id", "#FFB74D", "badge", ("id",)),
    Category("Staff", "id", "#FFA726", "engineering", ("id", "role")),
    Category("Event", "type", "#959AA1", "event_note", ("id", "type", "bizStep", "eventTime")),
    Category("Scan", "kind", "#C9CDD2", "qr_code_scanner", ("id", "kind", "at", "region")),
    Category("Asset", "id", "#B0BEC5", "sensors", ("id",)),
    Category("Region", "name", "#D9C8AE", "map", ("code", "name", "level")),
    Category("Phone", "number", "#ECB5C9", "smartphone", ("number",)),
    Category("Device", "id", "#DA7194", "devices", ("id",)),
    Category("Address", "text", "#C990C0", "home", ("text",)),
    Category("PayoutAccount", "id", "#B07AA1", "account_balance_wallet", ("id",)),
    Category("Order", "id", "#F79767", "receipt_long", ("id", "quantity", "at", "gtin")),
    Category("StockReport", "gtin", "#FFAB91", "inventory", ("id", "party", "gtin", "quantity")),
    Category("Campaign", "id", "#FFE081", "campaign", ("id",)),
    Category("RefusedReferral", "reason", "#F4A6A6", "block", ("id", "reason", "at")),
    Category(
        "DiversionCase", "severity", "#F16667", "report",
        ("id", "severity", "score", "units", "period", "rule"), 1.5,
    ),
    Category(
        "FraudCluster", "id", "#E53935", "gpp_bad",
        ("id", "score", "size", "reasons", "flagged"), 1.5,
    ),
    Category(
        "ReferralRing", "id", "#D84315", "group_work",
        ("id", "score", "campaign", "reasonKinds"), 1.5,
    ),
    Category("LayoutPlan", "id", "#7E57C2", "hub", ("id", "k", "createdAt"), 1.5),
    Category("Job", "kind", "#BDBDBD", "schedule", ("id", "kind", "status")),
    Category("CaptureDocument", "job", "#E0E0E0", "description", ("job", "behaviour")),
    Category("NamedQuery", "name", "#90A4AE", "manage_search", ("name",)),
    Category("Subscription", "id", "#78909C", "notifications", ("id",)),
    Category("Delivery", "id", "#B0BEC5", "send", ("id",)),
    Category("Award", "id", "#FFD54F", "emoji_events", ("id",)),
    Category("PrizeLevel", "id", "#FFCA28", "military_tech", ("id",)),
    Category("PointsEntry", "id", "#FFE082", "savings", ("id",)),
    Category("StoreCredit", "id", "#FFF176", "credit_card", ("id",)),
    Category("RiskDecision", "id", "#EF9A9A", "gavel", ("id",)),
    Category("CampaignModel", "id", "#E0E0E0", "model_training", ("id", "samples", "trainedAt")),
    Category("ApiKey", "id", "#E0E0E0", "key", ("id",)),
    Category("RateBucket", "key", "#EEEEEE", "speed", ("key", "tokens")),
    Category("Revision", "id", "#EEEEEE", "update", ("id", "token", "at")),
    Category("SchemaMigration", "version", "#EEEEEE", "history", ("version",)),
)  # fmt: skip

RELATIONSHIPS: Final[tuple[RelationshipStyle, ...]] = (
    RelationshipStyle("IN_BATCH", "#4C8EDA"),
    RelationshipStyle("OF", "#A5ABB6"),
    RelationshipStyle("MADE_AT", "#2E7D32"),
    RelationshipStyle("PACKED_IN", "#57C7E3", 1.5),
    RelationshipStyle("CARRIES", "#8DCC93", 2.0),
    RelationshipStyle("FROM", "#43A047", 2.0),
    RelationshipStyle("TO", "#43A047", 2.0),
    RelationshipStyle("ENDS", "#8DCC93"),
    RelationshipStyle("CONCERNS", "#C9CDD2", 0.5),
    RelationshipStyle("INPUT", "#3D6FB6", 1.5),
    RelationshipStyle("OUTPUT", "#3D6FB6", 1.5),
    RelationshipStyle("ASSOCIATED_WITH", "#B0BEC5"),
    RelationshipStyle("BY", "#FFC454"),
    RelationshipStyle("IN", "#D9C8AE"),
    RelationshipStyle("WITHIN", "#D9C8AE", 0.5),
    RelationshipStyle("AT", "#9CCC65"),
    RelationshipStyle("AUTHORIZED_IN", "#D9C8AE", 1.5),
    RelationshipStyle("SUPPLIES", "#569480", 1.5),
    RelationshipStyle("USES", "#DA7194"),
    RelationshipStyle("OWNED_BY", "#FFB74D"),
    RelationshipStyle("REGISTERED_BY", "#FFB74D"),
    RelationshipStyle("WORKS_AT", "#FFA726"),
    RelationshipStyle("PLACED", "#F79767"),
    RelationshipStyle("FULFILS", "#F79767"),
    RelationshipStyle("REFERRED", "#FFC454", 1.5),
    RelationshipStyle("AGAINST", "#F16667", 3.0),
    RelationshipStyle("INCLUDES", "#E53935", 1.5),
    RelationshipStyle("EVIDENCE", "#D84315", 2.0),
    RelationshipStyle("OFFERS", "#FFD54F"),
    RelationshipStyle("LEVEL", "#FFCA28"),
    RelationshipStyle("FOR", "#FFE082"),
    RelationshipStyle("ON", "#FFE082"),
    RelationshipStyle("OPENS", "#7E57C2", 3.0),
    RelationshipStyle("CLOSES", "#9E9E9E", 2.0),
    RelationshipStyle("ASSIGNS", "#B39DDB"),
)

PHRASES: Final[tuple[Phrase, ...]] = (
    Phrase(
        "provenance of code $code",
        "A unit (its EPC URN) with its lot, product, plant, the cases it was packed in, every "
        "shipment that carried it or its case with both ends, and its scans.",
        """
MATCH (c:Code {id: $code})
CALL (c) {
  MATCH p = (c)-[:IN_BATCH]->(:Batch)-[:OF]->(:Product) RETURN p
  UNION
  MATCH p = (c)-[:IN_BATCH]->(:Batch)-[:MADE_AT]->(:Plant) RETURN p
  UNION
  MATCH p = (c)-[:PACKED_IN*1..3]->(:Package) RETURN p
  UNION
  MATCH p = (c)-[:PACKED_IN*0..3]->()<-[:CARRIES]-(:Shipment)-[:FROM|TO]->(:Party)
  RETURN p
  UNION
  MATCH p = (c)<-[:OF]-(:Scan) RETURN p
  UNION
  MATCH p = (c) RETURN p
}
RETURN p
""",
        {"code": ("Code", "id")},
    ),
    Phrase(
        "units of lot $lot now at",
        "Every unit of a lot (the lot number, or GTIN|LOT) and the party its latest shipment "
        "went to; units never shipped stay with the plant that made the lot.",
        """
MATCH (b:Batch) WHERE b.lot = $lot OR b.id = $lot
MATCH (c:Code)-[:IN_BATCH]->(b)
CALL (c) {
  MATCH p = (c)-[:PACKED_IN*0..3]->()<-[:CARRIES]-(s:Shipment)-[:TO]->(:Party)
  RETURN p ORDER BY coalesce(s.receivedAt, s.shippedAt) DESC LIMIT 1
  UNION
  MATCH p = (c)-[:IN_BATCH]->(:Batch)-[:MADE_AT]->(:Plant)
  WHERE NOT EXISTS { (c)-[:PACKED_IN*0..3]->()<-[:CARRIES]-(:Shipment) }
  RETURN p
}
RETURN p
""",
        {"lot": ("Batch", "lot")},
    ),
    Phrase(
        "shipments from $distributor",
        "Shipments a party (its id or its name) sent, with whom they went to and what they "
        "carried at the top level.",
        """
MATCH (d:Party) WHERE d.id = $distributor OR d.name = $distributor
MATCH p = (d)<-[:FROM]-(s:Shipment)-[:TO]->(:Party)
OPTIONAL MATCH q = (s)-[:CARRIES]->(:Package)
RETURN p, q
""",
        {"distributor": ("Distributor", "name")},
    ),
    Phrase(
        "diversion cases against $distributor",
        "Diversion cases (窜货) held against a distributor (its id or its name), with the region "
        "where its goods surfaced.",
        """
MATCH (d:Distributor) WHERE d.id = $distributor OR d.name = $distributor
MATCH p = (d)<-[:AGAINST]-(k:DiversionCase)
OPTIONAL MATCH q = (k)-[:IN]->(:Region)
RETURN p, q
""",
        {"distributor": ("Distributor", "name")},
    ),
    Phrase(
        "fraud cluster $id",
        "A store-fraud cluster: its stores, the evidence that ties them and which store uses "
        "each shared phone, device, address or person.",
        """
MATCH (f:FraudCluster {id: $id})
CALL (f) {
  MATCH p = (f)-[:INCLUDES]->(:Store) RETURN p
  UNION
  MATCH p = (f)-[:EVIDENCE]->() RETURN p
  UNION
  MATCH p = (f)-[:INCLUDES]->(:Store)-[:USES|OWNED_BY|REGISTERED_BY]->(e)<-[:EVIDENCE]-(f)
  RETURN p
  UNION
  MATCH p = (f) RETURN p
}
RETURN p
""",
        {"id": ("FraudCluster", "id")},
    ),
    Phrase(
        "referral ring of $consumer",
        "The referral ring a consumer belongs to: its members, their referrals inside the ring, "
        "the devices, phones and payout accounts they share and the campaign.",
        """
MATCH (:Consumer {id: $consumer})<-[:INCLUDES]-(r:ReferralRing)
CALL (r) {
  MATCH p = (r)-[:INCLUDES]->(:Consumer) RETURN p
  UNION
  MATCH p = (r)-[:EVIDENCE]->() RETURN p
  UNION
  MATCH p = (r)-[:IN]->(:Campaign) RETURN p
  UNION
  MATCH p = (r)-[:INCLUDES]->(:Consumer)-[:REFERRED]->(:Consumer)<-[:INCLUDES]-(r)
  RETURN p
}
RETURN p
""",
        {"consumer": ("Consumer", "id")},
    ),
    Phrase(
        "layout plan $id",
        "A channel-layout plan: the sites it opens and closes and the stores each open site "
        "serves.",
        """
MATCH (l:LayoutPlan {id: $id})
CALL (l) {
  MATCH p = (l)-[:OPENS|CLOSES]->() RETURN p
  UNION
  MATCH p = (l)-[:ASSIGNS]->(:Store) RETURN p
}
RETURN p
""",
        {"id": ("LayoutPlan", "id")},
    ),
    Phrase(
        "diversion case $id",
        "One diversion case with its distributor, region and the units that surfaced.",
        """
MATCH (k:DiversionCase {id: $id})
CALL (k) {
  MATCH p = (k)-[:AGAINST|IN]->() RETURN p
  UNION
  MATCH p = (k)-[:INCLUDES]->(:Code) RETURN p
}
RETURN p
""",
        {"id": ("DiversionCase", "id")},
    ),
)


def _category(number: int, category: Category) -> dict[str, Any]:
    return {
        "id": number,
        "name": category.label,
        "labels": [category.label],
        "properties": [
            {"name": name, "exclude": False, "isCaption": name == category.caption,
             "dataType": "string"}
            for name in category.properties
        ],
        "createdAt": _STAMP,
        "lastEditedAt": _STAMP,
        "color": category.colour,
        "icon": category.icon,
        "size": category.size,
        "textSize": 1,
        "textAlign": "top",
        "captionKeys": [category.caption],
        "captions": [
            {"key": category.caption, "type": "property", "isCaption": True,
             "inTooltip": True, "styles": []}
        ],
        "styleRules": [],
    }  # fmt: skip


def _relationship(style: RelationshipStyle) -> dict[str, Any]:
    return {
        "id": style.type,
        "name": style.type,
        "color": style.colour,
        "size": style.width,
        "textSize": 1,
        "textAlign": "top",
        "properties": [],
        "captionKeys": [],
        "captions": [
            {"key": style.type, "type": "relationship", "isCaption": True, "inTooltip": True,
             "styles": []}
        ],
        "styleRules": [],
    }  # fmt: skip


def _template(number: int, phrase: Phrase) -> dict[str, Any]:
    return {
        "id": f"yima-phrase-{number}",
        "name": phrase.text,
        "text": phrase.text,
        "description": phrase.description,
        "cypher": phrase.cypher.strip(),
        "createdAt": _STAMP,
        "params": [
            {"name": f"${name}", "dataType": "String", "suggestionLabel": label,
             "suggestionProp": prop, "cypher": None}
            for name, (label, prop) in phrase.parameters.items()
        ],
        "hasCypherErrors": False,
        "isUpdateQuery": False,
    }  # fmt: skip


def perspective() -> dict[str, Any]:
    """The Bloom perspective, as Bloom imports it (Perspectives → Import)."""
    return {
        "name": PERSPECTIVE_NAME,
        "id": "yima-traceability",
        "createdAt": _STAMP,
        "lastEditedAt": _STAMP,
        "type": "STANDARD_PERSPECTIVE",
        "hideUncategorisedData": False,
        "parentPerspectiveId": None,
        "categories": [_category(n, c) for n, c in enumerate(CATEGORIES, start=1)],
        "labels": {
            c.label: [{"propertyKey": p, "type": c.label, "dataType": "string"}
                      for p in c.properties]
            for c in CATEGORIES
        },
        "relationshipTypes": [_relationship(r) for r in RELATIONSHIPS],
        "hiddenRelationshipTypes": [],
        "templates": [_template(n, p) for n, p in enumerate(PHRASES, start=1)],
        "sceneActions": [],
        "palette": {"colors": [c.colour for c in CATEGORIES], "currentIndex": 0},
        "metadata": {"pathSegments": [], "indexes": []},
    }  # fmt: skip


def _cypher_block(text: str) -> str:
    return f'<pre mode="cypher" class="pre-scrollable code runnable">{escape(text)}</pre>'


def browser_guide() -> str:
    """The same phrases as a Neo4j Browser guide (``:play`` it), one slide per phrase: set the
    parameters with ``:param``, then run the query."""
    slides = [
        '<slide class="row-fluid"><div class="col-sm-12">'
        "<h3>yima: the traceability graph</h3>"
        "<p>Each slide is one question an investigator asks. Click a block to put it in the "
        "editor, set the parameter to your own value, run it, then run the query.</p>"
        "<p>Codes are EPC URNs (<code>urn:epc:id:sgtin:…</code>); distributors are named by "
        "their id or their name.</p>"
        + _cypher_block("CALL db.schema.visualization()")
        + "</div></slide>"
    ]
    for phrase in PHRASES:
        params = "\n".join(f":param {name} => ''" for name in phrase.parameters)
        slides.append(
            '<slide class="row-fluid"><div class="col-sm-12">'
            f"<h3>{escape(phrase.text)}</h3><p>{escape(phrase.description)}</p>"
            + _cypher_block(params)
            + _cypher_block(phrase.cypher.strip())
            + "</div></slide>"
        )
    body = "\n".join(slides)
    return (
        '<article class="guide" ng-controller="AppCtrl">\n'
        '<carousel class="deck container-fluid">\n'
        f"{body}\n"
        "</carousel>\n</article>\n"
    )
