"""GraphQL ``inventory``, ``freshness``, ``distribution``, ``sellThrough``, ``demandForecast``
and ``yima supply ...`` on the supply tests' demo world: the adapters give the service's
answers, checked here against counts from the generated events, and bad input comes back
as a ``Problem`` naming the field."""

from __future__ import annotations

from datetime import UTC, timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from cli.main import app
from graph_model.database import Database
from tests.factories import post
from tests.supply_world import Truth, supply_world


@pytest.fixture(scope="module")
def truth(db: Database) -> Truth:
    return supply_world(db)


def _mid(truth: Truth) -> str:
    return (truth.world.start.astimezone(UTC) + timedelta(days=9)).isoformat()


INVENTORY = """
query($at: DateTime!, $channel: ID, $party: ID) {
  inventory(at: $at, channel: $channel, party: $party) {
    __typename
    ... on Inventory { totalOnHand nodeCount nodes { party tier gtin onHand }
                       byTier { key gtin onHand } differences { party declared computed } }
    ... on Problem { path reason }
  }
}
"""


def test_inventory_over_graphql(client: TestClient, truth: Truth) -> None:
    at = _mid(truth)
    data = post(client, INVENTORY, at=at, channel=truth.national)["inventory"]
    assert data["__typename"] == "Inventory"
    moment = truth.world.start.astimezone(UTC) + timedelta(days=9)
    for row in data["nodes"]:
        assert row["onHand"] == truth.on_hand(row["party"], row["gtin"], moment)
    expected = sum(truth.on_hand(p, g, moment) for p, g in {(k[0], k[1]) for k in truth.moves})
    assert data["totalOnHand"] == expected
    store = next(r["party"] for r in data["nodes"] if r["tier"] == "store")
    one = post(client, INVENTORY, at=at, channel=truth.national, party=store)["inventory"]
    assert {r["party"] for r in one["nodes"]} == {store}


@pytest.mark.parametrize(
    ("variables", "path"),
    [
        ({"at": "1999-01-01T00:00:00Z"}, "at"),
        ({"at": "2025-01-01T00:00:00Z", "channel": "urn:epc:id:sgln:0000000.00000.0"}, "channel"),
        ({"at": "2025-01-01T00:00:00Z", "channel": "x" * 65}, "channel"),
    ],
)
def test_inventory_refuses_bad_arguments(
    client: TestClient, variables: dict[str, str], path: str
) -> None:
    data = post(client, INVENTORY, **variables)["inventory"]
    assert data == {"__typename": "Problem", "path": path, "reason": data["reason"]}


def test_freshness_distribution_sell_through_and_forecast_over_graphql(
    client: TestClient, truth: Truth
) -> None:
    start = truth.world.start.astimezone(UTC)
    end = truth.last + timedelta(seconds=1)
    query = """
    query($at: DateTime!, $from: DateTime!, $to: DateTime!, $channel: ID) {
      freshness(at: $at, horizonDays: 10, channel: $channel) {
        ... on Freshness { unitsOnHand unitsAtRisk lots { lot expires atRisk }
                           violations { party } }
      }
      distribution(from: $from, to: $to, channel: $channel) {
        ... on SupplyDistribution { rates { gtin province targetStores stockedStores rate }
                                    arrival { gtin shipped reachedStore } }
      }
      sellThrough(at: $to, channel: $channel) {
        ... on SellThrough { transit { stage province units meanDays } slowMovers { party } }
      }
      demandForecast(to: $to, horizon: 2, holdout: 2, channel: $channel) {
        __typename
        ... on DemandForecast { forecastWeeks backtest { modelWape baselineWape seasonUsed }
                                production { gtin units } }
        ... on Problem { path }
      }
    }
    """
    data = post(
        client, query, at=(start + timedelta(days=16)).isoformat(), channel=truth.national,
        **{"from": start.isoformat(), "to": end.isoformat()},
    )  # fmt: skip
    fresh = data["freshness"]
    assert fresh["unitsOnHand"] >= fresh["unitsAtRisk"] > 0
    assert all(lot["expires"] for lot in fresh["lots"])
    stores = {s.id for s in truth.world.master.stores}
    received = {(k[0], k[1]) for k in truth.moves if k[3] == "received" and k[0] in stores}
    for rate in data["distribution"]["rates"]:
        stocked = {p for p, g in received if g == rate["gtin"]}
        in_province = {s.id for s in truth.world.master.stores
                       if s.region_code[:2] + "0000" == rate["province"]}  # fmt: skip
        assert rate["stockedStores"] == len(stocked & in_province)
    assert sum(a["shipped"] for a in data["distribution"]["arrival"]) == truth.world.units
    assert {t["stage"] for t in data["sellThrough"]["transit"]} == {
        "plantToStore",
        "storeToConsumer",
    }
    forecast = data["demandForecast"]
    assert forecast["__typename"] == "DemandForecast"
    assert len(forecast["forecastWeeks"]) == 2


def test_distribution_window_must_run_forward(client: TestClient) -> None:
    query = """{ distribution(from: "2025-02-01T00:00:00Z", to: "2025-01-01T00:00:00Z") {
                  ... on Problem { path } } }"""
    assert post(client, query)["distribution"] == {"path": "to"}


def test_supply_commands(cli_env: None, truth: Truth, tmp_path: Path) -> None:
    at = _mid(truth)
    moment = truth.world.start.astimezone(UTC) + timedelta(days=9)
    store = next(s.id for s in truth.world.master.stores if any(k[0] == s.id for k in truth.moves))
    gtin = next(k[1] for k in truth.moves if k[0] == store)
    reports = tmp_path / "stock_reports.csv"
    declared = truth.on_hand(store, gtin, moment) + 5
    reports.write_text(f"party_id,gtin,quantity,at\n{store},{gtin},{declared},{at}\n")
    runner = CliRunner()
    loaded = runner.invoke(app, ["supply", "load-reports", str(reports)])
    assert loaded.exit_code == 0, loaded.output
    assert "stock reports stored: 1" in loaded.output
    shown = runner.invoke(app, ["supply", "inventory", "--at", at, "--channel", truth.national])
    assert shown.exit_code == 0, shown.output
    assert f"declared {store} {gtin}" in shown.output and "difference +5" in shown.output
    for args in (
        ["freshness", "--at", at, "--channel", truth.national],
        ["distribution", "--from", truth.world.start.isoformat(), "--to", at,
         "--channel", truth.national],
        ["sell-through", "--at", at, "--channel", truth.national],
    ):  # fmt: skip
        result = runner.invoke(app, ["supply", *args])
        assert result.exit_code == 0, result.output
    end = (truth.last + timedelta(seconds=1)).isoformat()
    planned = runner.invoke(
        app,
        ["supply", "forecast", "--to", end, "--horizon", "2", "--holdout", "2",
         "--channel", truth.national],
    )  # fmt: skip
    assert planned.exit_code == 0, planned.output
    assert "backtest on 2 weeks" in planned.output and "produce " in planned.output
    drawn = runner.invoke(
        app, ["supply", "report", "--at", end, "--channel", truth.national, "--out", str(tmp_path)]
    )
    assert drawn.exit_code == 0, drawn.output
    png, page = tmp_path / "supply.png", tmp_path / "supply.html"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = page.read_text(encoding="utf-8")
    assert "<svg" in text and "铺货率" in text


def test_bad_stock_reports_name_row_and_column(cli_env: None, tmp_path: Path) -> None:
    bad = tmp_path / "stock_reports.csv"
    bad.write_text("party_id,gtin,quantity,at\nx,123,abc,2025-01-01T00:00:00\n")
    result = CliRunner().invoke(app, ["supply", "load-reports", str(bad)])
    assert result.exit_code == 2
    assert "stock_reports.csv:2.gtin" in result.output
