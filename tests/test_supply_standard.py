"""Supply analytics on EPCIS as other systems write it: organisations named by PGLN holding
goods at sites named by SGLN. Goods made and sold at a site and shipped and received by its
owner add up at one node (the organisation), whichever way each event names it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from graph_model.database import Database
from services.capture import CaptureService
from services.supply import SupplyService
from tests.standard_epcis import Naming, StandardWorld


@pytest.mark.parametrize("naming", ["pgln+sgln", "pgln"])
def test_a_site_and_its_organisation_are_one_node(db: Database, ns: str, naming: Naming) -> None:
    w = StandardWorld(ns, units=6)
    maker, dealer, shop = w.org("maker", 10), w.org("dealer", 20), w.org("shop", 30)
    w.commission(maker)  # made at the maker's site (its SGLN)
    case = w.package()
    w.pack(case, w.units)
    for n, (source, destination) in enumerate([(maker, dealer), (dealer, shop)], start=1):
        w.ship([case], source, destination, naming=naming, desadv=w.desadv(n))
        w.receive([case], source, destination, naming=naming, desadv=w.desadv(n))
    w.unpack(case)
    w.sell(w.units[:2], shop)  # sold at the shop's site (its SGLN)
    # Sites are known as their organisations' once an event names both.
    w.ship([], maker, maker, naming="pgln+sgln")
    w.ship([], shop, shop, naming="pgln+sgln")
    assert not CaptureService(db).capture_document(w.document()).problems
    at = datetime(2026, 3, 1, tzinfo=UTC)
    service = SupplyService(db)

    made = service.inventory(at, maker.pgln)
    assert [(b.party, b.produced, b.shipped, b.on_hand) for b in made.balances] == [
        (maker.pgln, 6, 6, 0)
    ]
    sold = service.inventory(at, shop.pgln)
    assert [(b.party, b.received, b.sold, b.on_hand) for b in sold.balances] == [
        (shop.pgln, 6, 2, 4)
    ]
