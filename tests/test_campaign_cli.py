"""``yima campaign load|list|report``: campaigns from a file, refused whole when one is bad."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from cli.main import app
from graph_model.database import Database
from services.campaigns import CampaignService

runner = CliRunner()


def _campaign(ns: str, **overrides: object) -> dict[str, object]:
    now = datetime.now(UTC)
    base: dict[str, object] = {
        "id": f"{ns}-file",
        "name": "From a file",
        "start": now.isoformat(),
        "end": (now + timedelta(days=30)).isoformat(),
        "budget": 500,
        "regions": [f"R{ns}"],
        "storeReward": 0.5,
        "levels": [{"level": "first", "quantity": 10, "amount": 8.8, "probability": 0.1}],
    }
    base.update(overrides)
    return base


def test_campaigns_load_from_a_file_and_are_listed_and_reported(
    tmp_path: Path, cli_env: None, db: Database, ns: str
) -> None:
    path = tmp_path / "campaigns.json"
    path.write_text(json.dumps({"campaigns": [_campaign(ns)]}))
    loaded = runner.invoke(app, ["campaign", "load", str(path)])
    assert loaded.exit_code == 0, loaded.output
    assert f"{ns}-file: From a file, 1 levels, budget 500.00" in loaded.output
    stored = CampaignService(db).campaign(f"{ns}-file")
    assert (stored.budget, stored.store_reward, stored.levels[0].remaining) == (500.0, 0.5, 10)
    listed = runner.invoke(app, ["campaign", "list"])
    assert listed.exit_code == 0 and "first: 10 of 10 left, 8.80" in listed.output
    report = runner.invoke(app, ["campaign", "report", f"{ns}-file"])
    assert report.exit_code == 0 and "  scans: 0\n  people who scanned: 0" in report.output


def test_a_bad_file_saves_nothing(tmp_path: Path, cli_env: None, db: Database, ns: str) -> None:
    path = tmp_path / "campaigns.json"
    good, bad = _campaign(ns), _campaign(ns, id=f"{ns}-bad", budget=-1)
    path.write_text(json.dumps([good, bad]))
    refused = runner.invoke(app, ["campaign", "load", str(path)])
    assert refused.exit_code == 2
    assert "campaigns[1].budget" in refused.output
    assert f"{ns}-file" not in [k.id for k in CampaignService(db).campaigns()]
    missing = runner.invoke(app, ["campaign", "report", f"{ns}-none"])
    assert missing.exit_code == 2
