"""API keys in the graph: ``(:ApiKey {name, role, digest, hint, createdAt, revokedAt})``.

Only the digest of a key is stored; a revoked key keeps its node (and its name), so who held
which key stays on record.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph_model.database import Database, Record, Transaction
from graph_model.errors import InvalidField, NotFound, WriteConflict
from graph_model.keys import ApiKey, Role

__all__ = ["KeyRepository", "key_from_record"]

_RETURN = "RETURN k {.*} AS k"


def key_from_record(record: Mapping[str, Any]) -> ApiKey:
    """The one mapping of a ``{k}`` row (the node's properties) to an :class:`ApiKey`."""
    k = record["k"]
    revoked = k.get("revokedAt")
    return ApiKey(
        name=k["name"],
        role=Role(k["role"]),
        digest=k["digest"],
        hint=k["hint"],
        created_at=k["createdAt"].to_native(),
        revoked_at=None if revoked is None else revoked.to_native(),
    )


def _create(tx: Transaction, name: str, role: str, digest: str, hint: str) -> list[Record]:
    result = tx.run(
        "CREATE (k:ApiKey {name: $name, role: $role, digest: $digest, hint: $hint, "
        "createdAt: datetime.realtime()}) " + _RETURN,
        name=name,
        role=role,
        digest=digest,
        hint=hint,
    )
    return list(result)


class KeyRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def create(self, name: str, role: Role, digest: str, hint: str) -> ApiKey:
        """Store a new key; a name already used (revoked keys included) is refused."""
        try:
            records = self._db.write(_create, name, role.value, digest, hint)
        except WriteConflict:
            raise InvalidField("name", f"a key named {name!r} exists already") from None
        return key_from_record(records[0])

    def all(self) -> list[ApiKey]:
        """Every key, revoked ones included, by name."""
        return [
            key_from_record(r)
            for r in self._db.read("MATCH (k:ApiKey) " + _RETURN + " ORDER BY k.name")
        ]

    def by_digest(self, digest: str) -> ApiKey | None:
        records = self._db.read("MATCH (k:ApiKey {digest: $digest}) " + _RETURN, digest=digest)
        return key_from_record(records[0]) if records else None

    def revoke(self, name: str) -> ApiKey:
        """Mark the key ``name`` revoked (once: a second revocation keeps the first time)."""
        records = self._db.query(
            "MATCH (k:ApiKey {name: $name}) "
            "SET k.revokedAt = coalesce(k.revokedAt, datetime.realtime()) " + _RETURN,
            name=name,
        )
        if not records:
            raise NotFound(f"name: no key named {name!r}")
        return key_from_record(records[0])
