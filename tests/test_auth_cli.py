"""``yima keys create|list|revoke``: the key is the last line printed, shown once, and opens
the API for its role until revoked."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from cli.main import app

runner = CliRunner()


@pytest.mark.usefixtures("cli_env")
def test_a_key_made_on_the_command_line_opens_the_api_until_revoked(
    client: TestClient, ns: str
) -> None:
    made = runner.invoke(app, ["keys", "create", "--role", "investigator", "--name", ns])
    assert made.exit_code == 0, made.output
    secret = made.stdout.strip().splitlines()[-1]
    assert secret.startswith("yima_") and len(secret) > 40

    listed = runner.invoke(app, ["keys", "list"])
    assert listed.exit_code == 0
    (line,) = [row for row in listed.stdout.splitlines() if row.startswith(ns + "\t")]
    assert "\tinvestigator\t" in line and "revoked -" in line and secret not in listed.stdout

    headers = {"Authorization": f"Bearer {secret}"}
    cases = {"query": "{ diversionCases(first: 1) { __typename } }"}
    assert client.post("/graphql", json=cases, headers=headers).status_code == 200
    scan = {"query": 'mutation { commissionCodes(input: {gtin: "1", lot: "L", line: "l", '
                     'plant: "p", count: 1}) { __typename } }'}  # fmt: skip
    assert client.post("/graphql", json=scan, headers=headers).status_code == 403

    revoked = runner.invoke(app, ["keys", "revoke", ns])
    assert revoked.exit_code == 0 and f"revoked {ns}" in revoked.stdout
    listed = runner.invoke(app, ["keys", "list"])
    assert "revoked -" not in next(r for r in listed.stdout.splitlines() if r.startswith(ns))
    # Another process revoked it: this API process believes its answer for up to 10 s.
    client.app.state.services.keys._cache.clear()  # type: ignore[attr-defined]
    assert client.post("/graphql", json=cases, headers=headers).status_code == 401


@pytest.mark.usefixtures("cli_env")
def test_key_commands_refuse_bad_input(ns: str) -> None:
    bad_role = runner.invoke(app, ["keys", "create", "--role", "king", "--name", ns])
    assert bad_role.exit_code == 2
    bad_name = runner.invoke(app, ["keys", "create", "--role", "admin", "--name", "a b"])
    assert bad_name.exit_code == 2 and "name:" in bad_name.output
    assert runner.invoke(app, ["keys", "create", "--role", "admin", "--name", ns]).exit_code == 0
    again = runner.invoke(app, ["keys", "create", "--role", "admin", "--name", ns])
    assert again.exit_code == 2 and "exists already" in again.output
    assert runner.invoke(app, ["keys", "revoke", ns]).exit_code == 0
    unknown = runner.invoke(app, ["keys", "revoke", ns + "-none"])
    assert unknown.exit_code == 1 and "no key named" in unknown.output
