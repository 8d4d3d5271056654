"""TransformationEvent and AssociationEvent: an output's trace reaches its inputs, a recall of
an input lot reaches every output, and an asset attached to goods shows on their trace."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from graph_model.database import Database
from graph_model.projection import gtin_of_sgtin
from graph_model.provenance import LotRef
from graph_model.repositories.provenance import ProvenanceRepository
from services.capture import CaptureService
from services.rebuild import rebuild_around
from tests.standard_epcis import StandardWorld


class Blend:
    """Two lots blended into a third, relabelled into a fourth; a lot-level repack too."""

    def __init__(self, ns: str) -> None:
        w = self.world = StandardWorld(ns, units=4)
        self.plant, self.other, self.blender = w.org("a", 10), w.org("b", 11), w.org("c", 12)
        p = w.prefix
        self.first = w.units[:2]
        self.second = [f"urn:epc:id:sgtin:{p}.012346.{ns}v{i}" for i in range(2)]
        self.blended = [f"urn:epc:id:sgtin:{p}.012347.{ns}w{i}" for i in range(2)]
        self.relabelled = f"urn:epc:id:sgtin:{p}.012348.{ns}x0"
        self.sensor = f"urn:epc:id:giai:{p}.{ns}s1"
        self.made = w.commission(self.plant)
        self.made["epcList"] = self.first
        w._event(
            action="ADD", bizStep="commissioning", disposition="active", epcList=self.second,
            bizLocation={"id": self.other.sgln}, ilmd={"cbvmda:lotNumber": f"M{ns}"},
        )  # fmt: skip
        self.blend = w._event(
            type="TransformationEvent", bizStep="transforming", disposition="active",
            inputEPCList=[self.first[0], self.first[1], self.second[0]],
            outputEPCList=self.blended, bizLocation={"id": self.blender.sgln},
            ilmd={"cbvmda:lotNumber": f"B{ns}"},
        )  # fmt: skip
        self.relabel = w._event(
            type="TransformationEvent", bizStep="transforming",
            inputEPCList=[self.blended[0]], outputEPCList=[self.relabelled],
            bizLocation={"id": self.blender.sgln}, ilmd={"cbvmda:lotNumber": f"R{ns}"},
        )  # fmt: skip
        self.lot_input = f"urn:epc:class:lgtin:{p}.012345.L{ns}"
        self.lot_output = f"urn:epc:class:lgtin:{p}.012349.Q{ns}"
        self.repack = w._event(
            type="TransformationEvent", bizStep="repackaging",
            inputQuantityList=[{"epcClass": self.lot_input, "quantity": 10, "uom": "KGM"}],
            outputQuantityList=[{"epcClass": self.lot_output, "quantity": 10, "uom": "KGM"}],
            bizLocation={"id": self.blender.sgln},
        )  # fmt: skip
        self.attach = w._event(
            type="AssociationEvent", action="ADD", bizStep="assembling",
            parentID=self.sensor, childEPCs=[self.blended[1]],
            bizLocation={"id": self.blender.sgln},
        )  # fmt: skip
        self.detach = w._event(
            type="AssociationEvent", action="DELETE", bizStep="disassembling",
            parentID=self.sensor, childEPCs=[],
            bizLocation={"id": self.blender.sgln},
        )  # fmt: skip


@pytest.fixture
def blend(db: Database, ns: str) -> Blend:
    world = Blend(ns)
    result = CaptureService(db).capture_document(world.world.document())
    assert not result.problems, result.problems
    return world


def test_an_output_is_commissioned_where_it_was_made_and_traces_to_its_inputs(
    db: Database, blend: Blend
) -> None:
    trace = ProvenanceRepository(db).trace([blend.relabelled])[blend.relabelled]
    assert trace.plant is not None and trace.plant.id == blend.blender.sgln
    assert trace.lot == f"R{blend.world.ns}"
    inputs = {(i.id, i.kind, i.depth) for i in trace.inputs}
    assert inputs == {
        (blend.blended[0], "unit", 1),
        (blend.first[0], "unit", 2),
        (blend.first[1], "unit", 2),
        (blend.second[0], "unit", 2),
    }
    first = next(i for i in trace.inputs if i.id == blend.first[0])
    assert first.made_at == blend.plant.sgln and first.event == blend.blend["eventID"]


def test_recall_of_an_input_lot_reaches_every_output(db: Database, blend: Blend) -> None:
    gtin = gtin_of_sgtin(blend.first[0])
    summary = ProvenanceRepository(db).lot_summary(LotRef(gtin, blend.world.lot))
    assert summary is not None
    reached = {(o.lot, o.units) for o in summary.outputs}
    ns = blend.world.ns
    assert reached == {(f"B{ns}", 2), (f"R{ns}", 1), (f"Q{ns}", 0)}


def test_an_asset_attached_and_detached_shows_on_the_trace(db: Database, blend: Blend) -> None:
    trace = ProvenanceRepository(db).trace([blend.blended[1]])[blend.blended[1]]
    [link] = trace.assets
    assert link.asset == blend.sensor
    assert link.until is not None and link.since < link.until
    assert ProvenanceRepository(db).trace([blend.blended[0]])[blend.blended[0]].assets == ()


def test_rebuild_keeps_the_links(db: Database, blend: Blend) -> None:
    repo = ProvenanceRepository(db)
    before = repo.trace([blend.relabelled])[blend.relabelled].inputs
    rebuild_around(db, [blend.relabelled])
    assert repo.trace([blend.relabelled])[blend.relabelled].inputs == before


QUERY = """
query ($id: String!, $lot: String!) {
  code(id: $id) { ... on CodeTrace { inputs { id kind depth eventId } assets { asset } } }
  lot(id: $lot) { ... on LotTrace { transformedInto { lot units eventIds } } }
}
"""


def test_over_graphql(client: TestClient, blend: Blend) -> None:
    gtin = gtin_of_sgtin(blend.first[0])
    body: dict[str, Any] = client.post(
        "/graphql",
        json={"query": QUERY, "variables": {"id": blend.blended[0],
                                            "lot": f"{gtin}|{blend.world.lot}"}},
    ).json()  # fmt: skip
    assert "errors" not in body, body
    inputs = body["data"]["code"]["inputs"]
    assert sorted(i["id"] for i in inputs) == sorted([*blend.first, blend.second[0]])
    assert {i["kind"] for i in inputs} == {"UNIT"}
    lots = {o["lot"]: o["units"] for o in body["data"]["lot"]["transformedInto"]}
    ns = blend.world.ns
    assert lots == {f"B{ns}": 2, f"R{ns}": 1, f"Q{ns}": 0}
