"""The graph's constraints and indexes, as numbered, idempotent migrations.

Each migration is a list of idempotent statements (``CREATE … IF NOT EXISTS``, relabelling);
applied versions are recorded as ``(:SchemaMigration {version})`` nodes, so ``apply_schema``
can run on every start.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import LiteralString

from graph_model.database import Database

__all__ = ["MIGRATIONS", "Migration", "applied_versions", "apply_schema"]


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    description: str
    statements: tuple[LiteralString, ...]


def _unique(label: LiteralString, prop: LiteralString) -> LiteralString:
    return (
        "CREATE CONSTRAINT " + label.lower() + "_" + prop.lower() + "_unique IF NOT EXISTS "
        "FOR (n:" + label + ") REQUIRE n." + prop + " IS UNIQUE"
    )


def _index(label: LiteralString, prop: LiteralString) -> LiteralString:
    return (
        "CREATE INDEX " + label.lower() + "_" + prop.lower() + " IF NOT EXISTS "
        "FOR (n:" + label + ") ON (n." + prop + ")"
    )


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "identity constraints of every aggregate",
        (
            _unique("Product", "gtin"),
            _unique("Batch", "id"),
            _unique("Party", "id"),
            _unique("Plant", "id"),
            _unique("Line", "id"),
            _unique("Distributor", "id"),
            _unique("Store", "id"),
            _unique("Consumer", "id"),
            _unique("Region", "code"),
            _unique("Code", "id"),
            _unique("Package", "id"),
            _unique("Shipment", "id"),
            _unique("Scan", "id"),
            _unique("Event", "id"),
            _unique("CaptureJob", "id"),  # replaced by Job in version 4
            _unique("Campaign", "id"),
            _unique("Phone", "number"),
            _unique("Device", "id"),
            _unique("Address", "text"),
            _unique("Person", "id"),
            _unique("SchemaMigration", "version"),
        ),
    ),
    Migration(
        2,
        "lookups of the EPCIS query interface and of provenance",
        (
            _index("Event", "hash"),
            _index("Event", "eventTime"),
            _index("Event", "bizStep"),
            _index("Event", "type"),
            _index("Event", "disposition"),
            _index("Event", "readPoint"),
            _index("Event", "bizLocation"),
            _index("Event", "parentID"),
            _index("Batch", "lot"),
            _index("Code", "status"),
            _index("Scan", "clientScanId"),
        ),
    ),
    Migration(
        3,
        "channel-layout plans and their jobs",
        (
            _unique("LayoutPlan", "id"),
            _unique("LayoutJob", "id"),  # replaced by Job in version 4
        ),
    ),
    Migration(
        4,
        "one job kind for captures, layouts and analyses",
        (
            _unique("Job", "id"),
            _index("Job", "status"),
            _index("Job", "createdAt"),
            # A capture job's report becomes the job's JSON detail.
            "MATCH (j:CaptureJob) WHERE j.kind IS NULL "
            "SET j:Job, j.kind = 'capture', "
            "j.detail = '{\"behaviour\":\"' + coalesce(j.behaviour, 'rollback') + "
            '\'","captured":\' + toString(coalesce(j.captured, 0)) + '
            "',\"duplicates\":[' + reduce(t = '', d IN coalesce(j.duplicates, []) | "
            "t + CASE t WHEN '' THEN '' ELSE ',' END + '\"' + d + '\"') + "
            "'],\"problems\":' + coalesce(j.problems, '[]') + '}' "
            "REMOVE j:CaptureJob, j.behaviour, j.captured, j.duplicates, j.problems",
            "MATCH (j:LayoutJob) WHERE j.kind IS NULL "
            "SET j:Job, j.kind = 'layout', j.resultId = j.planId, j.errorPath = j.errorField "
            "REMOVE j:LayoutJob, j.planId, j.errorField",
            "DROP CONSTRAINT capturejob_id_unique IF EXISTS",
            "DROP CONSTRAINT layoutjob_id_unique IF EXISTS",
        ),
    ),
    Migration(
        5,
        "referrals: refused referrals, rings, payout accounts, referrals by campaign",
        (
            _unique("RefusedReferral", "id"),
            _unique("ReferralRing", "id"),
            _index("ReferralRing", "scope"),
            _unique("PayoutAccount", "id"),
            "CREATE INDEX referred_campaign IF NOT EXISTS FOR ()-[r:REFERRED]-() ON (r.campaign)",
        ),
    ),
    Migration(
        6,
        "diversion cases and the scans of a window",
        (
            _unique("DiversionCase", "id"),
            _index("DiversionCase", "score"),
            _index("Scan", "at"),
        ),
    ),
    Migration(
        7,
        "store fraud: staff, orders, fraud clusters",
        (
            _unique("Staff", "id"),
            _unique("Order", "id"),
            _unique("FraudCluster", "id"),
            _index("FraudCluster", "score"),
        ),
    ),
    Migration(
        8,
        "locations of organisations, and receipts paired with the shipments they end",
        (
            _unique("Location", "id"),
            _unique("Receipt", "id"),
        ),
    ),
    Migration(
        9,
        "assets that AssociationEvents attach to goods",
        (_unique("Asset", "id"),),
    ),
    Migration(
        10,
        "stock reports dealers declare, for supply analytics",
        (_unique("StockReport", "id"),),
    ),
    Migration(
        11,
        "scan-to-win campaigns: prize levels, awards (a code wins once), risk decisions, "
        "store credits, points",
        (
            _unique("PrizeLevel", "id"),
            _unique("Award", "id"),
            _unique("RiskDecision", "id"),
            _unique("StoreCredit", "id"),
            _unique("PointsEntry", "id"),
            _index("Campaign", "end"),
            _index("Scan", "device"),
        ),
    ),
    Migration(
        12,
        "API keys, found by the digest of the secret a client sends",
        (
            _unique("ApiKey", "name"),
            _unique("ApiKey", "digest"),
        ),
    ),
    Migration(
        14,
        "named queries, subscriptions to them and their webhook deliveries",
        (
            _unique("NamedQuery", "name"),
            _unique("Subscription", "id"),
            _unique("Delivery", "id"),
            _index("Delivery", "subscription"),
        ),
    ),
    Migration(
        15,
        "campaign risk: recent scans per client address, and the fitted campaign models",
        (
            _index("Scan", "address"),
            _unique("CampaignModel", "id"),
        ),
    ),
    Migration(
        16,
        "the public scan's rate-limit buckets, shared by every API process",
        (_unique("RateBucket", "key"),),
    ),
    Migration(
        17,
        "a revision token of the master data, which readers caching territories compare",
        (
            _unique("Revision", "id"),
            "MERGE (v:Revision {id: 'master-data'}) "
            "ON CREATE SET v.token = randomUUID(), v.at = datetime()",
        ),
    ),
)


def applied_versions(db: Database) -> list[int]:
    records = db.read("MATCH (m:SchemaMigration) RETURN m.version AS v ORDER BY v")
    return [int(r["v"]) for r in records]


def apply_schema(db: Database) -> list[int]:
    """Apply every migration not yet recorded; returns the versions applied by this call."""
    done = set(applied_versions(db))
    applied: list[int] = []
    for migration in MIGRATIONS:
        if migration.version in done:
            continue
        for statement in migration.statements:
            db.query(statement)
        db.query(
            "MERGE (m:SchemaMigration {version: $version}) "
            "SET m.description = $description, m.appliedAt = datetime()",
            version=migration.version,
            description=migration.description,
        )
        applied.append(migration.version)
    db.query("CALL db.awaitIndexes(300)")
    return applied
