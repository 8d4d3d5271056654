"""The bulk write statements look nodes up by their keys through the index, whatever the counts.

Neo4j plans a statement from the committed counts. Planned on an empty database, or before the
transaction that creates the nodes commits, ``MATCH (n:Code {id: id})`` may become a scan of
the whole index for every row: the first capture into a new database once spent 30 s on 1,264
status changes that way. Every lookup by key in these statements is therefore pinned with
``USING INDEX SEEK``; these tests hold each statement to that and plan it on the real server.
"""

from __future__ import annotations

import re
from typing import Any

import neo4j
import pytest

from graph_model.repositories import events as ev
from graph_model.repositories import locations
from graph_model.repositories import master_data as md

STATEMENTS: dict[str, str] = {
    "INSERT_EVENTS": ev.INSERT_EVENTS,
    "MERGE_BATCHES": ev.MERGE_BATCHES,
    "COMMISSION": ev.COMMISSION,
    "SHIPMENTS": ev.SHIPMENTS,
    "RECEIPTS": ev.RECEIPTS,
    "PAIR_RECEIPTS": ev.PAIR_RECEIPTS,
    "SETTLE_RECEIPTS": ev.SETTLE_RECEIPTS,
    "LOCATIONS": ev.LOCATIONS,
    "DECLARE_LOCATIONS": locations.DECLARE_LOCATIONS,
    "TRANSFORMATIONS": ev.TRANSFORMATIONS,
    **{f"ASSOCIATIONS[{label}]": s for label, s in ev.ASSOCIATIONS.items()},
    "SCANS": ev.SCANS,
    "FULFILMENTS": ev.FULFILMENTS,
    **{f"CONCERNS[{label}]": s for label, s in ev.CONCERNS.items()},
    **{f"STATUS[{label}]": s for label, s in ev.STATUS.items()},
    **{f"PACKS[{label}]": s for label, s in ev.PACKS.items()},
    **{f"UNPACKS[{label}]": s for label, s in ev.UNPACKS.items()},
    "LINK_REGIONS": md._LINK_REGIONS,
    "MERGE_PLANTS": md._MERGE_PLANTS,
    "MERGE_LINES": md._MERGE_LINES,
    "MERGE_DISTRIBUTORS": md._MERGE_DISTRIBUTORS,
    "MERGE_STORES": md._MERGE_STORES,
    "MERGE_CONSUMERS": md._MERGE_CONSUMERS,
    "MERGE_SUPPLIES": md._MERGE_SUPPLIES,
    "MERGE_STAFF": md._MERGE_STAFF,
    "MERGE_ORDERS": md._MERGE_ORDERS,
}

# A MATCH (not a MERGE, whose lookup always seeks) of one node by one key property.
LOOKUP = re.compile(r"MATCH \((\w+):(\w+) \{(\w+): [^}]+\}\)(.*)")
SCANS = {"NodeIndexScan", "NodeByLabelScan", "AllNodesScan"}


def _operators(plan: dict[str, Any]) -> set[str]:
    found = {plan["operatorType"].split("@")[0]}
    for child in plan.get("children", []):
        found |= _operators(child)
    return found


def unpinned(statement: str) -> list[str]:
    """The lookups by key in ``statement`` that no ``USING INDEX SEEK`` follows."""
    missing = []
    for m in LOOKUP.finditer(statement):
        var, label, key, rest = m.groups()
        if not rest.strip().startswith(f"USING INDEX SEEK {var}:{label}({key})"):
            missing.append(f"({var}:{label} {{{key}: ...}})")
    return missing


@pytest.mark.parametrize("name", sorted(STATEMENTS))
def test_every_lookup_by_key_is_pinned_to_its_index(name: str) -> None:
    assert unpinned(STATEMENTS[name]) == []


def test_the_check_finds_an_unpinned_lookup() -> None:
    assert unpinned("UNWIND $rows AS r MATCH (e:Event {id: r.event}) SET e.x = 1") == [
        "(e:Event {id: ...})"
    ]
    assert unpinned("MATCH (e:Event {id: $id}) USING INDEX SEEK e:Event(id) RETURN e") == []
    assert unpinned("MATCH (e:Event {id: $id}) USING INDEX SEEK e:Event(hash)") != []


@pytest.mark.parametrize("name", sorted(STATEMENTS))
def test_statement_plans_without_scanning(driver: neo4j.Driver, name: str) -> None:
    """The hints name real indexes (a wrong one fails planning) and no operator scans."""
    with driver.session() as session:
        summary = session.run(
            "EXPLAIN " + STATEMENTS[name], rows=[], ids=[], keys=[], receipts=[], shipments=[]
        ).consume()  # type: ignore[arg-type]
    assert summary.plan is not None
    assert not _operators(summary.plan) & SCANS, f"{name} plans a scan"
