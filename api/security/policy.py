"""The access policy: which role each GraphQL root field and REST route needs.

Decided by default from the kind of operation, so a field or route added later is guarded
without a line here: queries and REST reads need ``investigator``, mutations and REST writes
``operator``, fields named ``apiKey…`` ``admin``. The exceptions are short lists: what a
``regulator`` may read (provenance, recall, verification, exports), the detection runs an
``investigator`` may start, and what anyone may call (the consumer scan, probes).
"""

from __future__ import annotations

from graph_model.keys import Role

__all__ = [
    "GRAPHQL_PATH",
    "PUBLIC_FIELDS",
    "PUBLIC_SCAN_FIELD",
    "PUBLIC_SCAN_WITHHELD",
    "REGULATOR_FIELDS",
    "graphql_role",
    "rest_role",
]

#: Root fields a regulator may read: a unit's provenance, a lot and a recall, verification,
#: the provenance export.
REGULATOR_FIELDS = frozenset({"code", "lot", "productRecall", "verify", "provenanceExport"})
#: The consumer scan, open to anyone (rate-limited), and the GraphQL liveness probe.
PUBLIC_SCAN_FIELD = "recordScan"
PUBLIC_FIELDS = frozenset({PUBLIC_SCAN_FIELD, "ok", "__typename"})
#: What a scan answers only to a key (paths in its answer): the dealer answering for the unit
#: and its territory, why risk control decided as it did and with what scores, the stores a
#: prize credited. A consumer learns the verdict, the prize and the decision, not how to get
#: round them.
PUBLIC_SCAN_WITHHELD = frozenset(
    {
        "diversion",
        *(f"{at}risk.{f}" for at in ("", "campaigns.") for f in ("reasons", "score", "anomaly")),
        *(f"{at}prize.credited" for at in ("", "campaigns.")),
        "campaigns.valueScore",
    }
)
ADMIN_PREFIX = "apiKey"
DETECTION_PREFIX = "detect"

GRAPHQL_PATH = "/graphql"
PUBLIC_PATHS = frozenset({"/health", "/healthz", "/readyz", "/metrics", "/openapi.json"})
#: Static pages and assets of the console; what they show comes through GraphQL with a key.
PUBLIC_PREFIXES = ("/console/", "/vendor/")
#: REST reads a regulator may make: the provenance export and report, the EPCIS query interface.
REGULATOR_PATHS = ("/export/provenance", "/export/report", "/events", "/epcs/")
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def graphql_role(operation: str, field: str) -> Role | None:
    """The least role that may select root ``field`` in an ``operation`` (``query``,
    ``mutation``, ``subscription``); ``None`` when anyone may."""
    if field in PUBLIC_FIELDS:
        return None
    if field.startswith(ADMIN_PREFIX):
        return Role.ADMIN
    if operation == "mutation":
        return Role.INVESTIGATOR if field.startswith(DETECTION_PREFIX) else Role.OPERATOR
    return Role.REGULATOR if field in REGULATOR_FIELDS else Role.INVESTIGATOR


def rest_role(method: str, path: str) -> Role | None:
    """The least role that may call ``method path``; ``None`` when anyone may. GraphQL
    decides for itself, per operation (:mod:`api.security.graphql`)."""
    if path in PUBLIC_PATHS or path == GRAPHQL_PATH:
        return None
    if (path == "/" or path.startswith(PUBLIC_PREFIXES)) and method.upper() in READ_METHODS:
        return None
    if path.startswith("/keys"):
        return Role.ADMIN
    if method.upper() not in READ_METHODS:
        return Role.OPERATOR
    if path.startswith(REGULATOR_PATHS):
        return Role.REGULATOR
    return Role.INVESTIGATOR
