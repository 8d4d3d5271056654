"""The evidence subgraph of a store-fraud cluster, for a frontend to draw."""

from __future__ import annotations

import strawberry

from graph_model.store_fraud import EvidenceGraph

__all__ = ["FraudEvidence", "FraudEvidenceLink", "FraudEvidenceNode"]


@strawberry.type(description="A node of the evidence: the cluster, a store, or what they share.")
class FraudEvidenceNode:
    id: str = strawberry.field(description="Unique within this answer.")
    label: str = strawberry.field(
        description="FraudCluster, Store, Phone, Device, Address, Person, Order or Scan."
    )
    key: str = strawberry.field(description="The node's key: an id, a number, an address.")
    name: str | None


@strawberry.type(description="A relationship between two evidence nodes.")
class FraudEvidenceLink:
    source: str
    target: str
    type: str = strawberry.field(description="INCLUDES, EVIDENCE, USES, PLACED, BY, ...")


@strawberry.type(description="A cluster, its stores, its evidence and the links among them.")
class FraudEvidence:
    cluster_id: str
    nodes: list[FraudEvidenceNode]
    links: list[FraudEvidenceLink]

    @classmethod
    def from_domain(cls, graph: EvidenceGraph) -> FraudEvidence:
        return cls(
            cluster_id=graph.cluster_id,
            nodes=[
                FraudEvidenceNode(id=n.id, label=n.label, key=n.key, name=n.name)
                for n in graph.nodes
            ],
            links=[
                FraudEvidenceLink(source=x.source, target=x.target, type=x.type)
                for x in graph.links
            ],
        )
