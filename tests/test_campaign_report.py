"""``yima campaign report ID --out DIR`` and ``yima campaign profile``, run as a user runs
them on a small campaign world: the text, the PNG charts and the HTML page."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from typer.testing import CliRunner

from cli.main import app
from loaders.demo.campaigns import CASE_SIZE, CampaignWorld
from tests.test_campaign_analytics import loaded_world

__all__ = ["loaded_world"]

runner = CliRunner()


def test_the_report_writes_charts_and_a_page(
    tmp_path: Path, cli_env: None, loaded_world: CampaignWorld
) -> None:
    world = loaded_world
    out = tmp_path / "report"
    done = runner.invoke(app, ["campaign", "report", world.campaign.id, "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert f"  scans: {len(world.scans)}" in done.output
    shipped = CASE_SIZE * len(world.shipments)
    scanned = len({s.code for s in world.scans})
    assert f"  {world.gtin} | {shipped} | {scanned} | {scanned / shipped:.1%}" in done.output
    assert "Recommendations / 建议:" in done.output
    png = (out / "campaign.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
    page = (out / "campaign.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page
    assert "Scan rate by province" in page and "每千元奖金" in page
    assert "Scans by hour of day (UTC+8)" in page
    # Province names in the page are the Chinese ones the graph holds.
    assert "省" in page or "市" in page

    missing = runner.invoke(app, ["campaign", "report", f"{world.campaign.id}-none"])
    assert missing.exit_code == 2


def test_a_consumer_profile_on_the_command_line(cli_env: None, loaded_world: CampaignWorld) -> None:
    world = loaded_world
    actor, n = Counter(s.actor for s in world.scans if s.fraud is None).most_common(1)[0]
    done = runner.invoke(app, ["campaign", "profile", actor, "--campaign", world.campaign.id])
    assert done.exit_code == 0, done.output
    assert f"{actor}: " in done.output and f"{n} scans" in done.output
    assert f"{world.gtin} ({n})" in done.output
    assert runner.invoke(app, ["campaign", "profile", f"{actor}-nobody"]).exit_code == 2


def test_scan_rates_on_the_command_line(cli_env: None, loaded_world: CampaignWorld) -> None:
    world = loaded_world
    done = runner.invoke(app, ["campaign", "scan-rates", "--product", world.gtin])
    assert done.exit_code == 0, done.output
    shipped = CASE_SIZE * len(world.shipments)
    scanned = len({s.code for s in world.scans})
    assert f"product {world.gtin}: {scanned:,} of {shipped:,} shipped" in done.output
    assert f"all all: {scanned:,} of {shipped:,} shipped" in done.output
    assert runner.invoke(app, ["campaign", "scan-rates", "--days", "0"]).exit_code == 2
