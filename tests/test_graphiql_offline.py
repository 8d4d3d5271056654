"""GraphiQL at /graphql works on a machine with no internet: the page names only this server's
/vendor/ files (installed by scripts/setup from the npm registry), and Debian's headless
Chromium, cut off from the network, loads it and runs a query."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect
from starlette.testclient import TestClient

from api.console import NODE_MODULES, VENDOR_FILES, offline_graphiql_html
from graph_model.settings import DatabaseSettings
from tests.console_browser import ARTEFACTS, offline_page, served

ADDRESS = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")


def test_the_page_names_only_files_of_this_server() -> None:
    html = offline_graphiql_html()
    addresses = [a for a in ADDRESS.findall(html) if not a.startswith("data:")]
    assert addresses, "the page loads no script or style sheet"
    for address in addresses:
        assert address.startswith("/vendor/"), address
        path = address.removeprefix("/vendor/")
        assert path in VENDOR_FILES
        assert (NODE_MODULES / path).is_file(), f"{path} is not installed: run scripts/setup"
    assert "unpkg.com" not in html and "integrity=" not in html


def test_vendor_serves_only_the_files_it_names(client: TestClient) -> None:
    answer = client.get("/vendor/graphiql/graphiql.min.js")
    assert answer.status_code == 200 and "javascript" in answer.headers["content-type"]
    assert client.get("/vendor/graphiql/package.json").status_code == 404
    assert client.get("/vendor/../../app.py").status_code == 404
    page = client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "/vendor/graphiql/graphiql.min.js" in page.text


@pytest.fixture(scope="module")
def base(database_settings: DatabaseSettings) -> Iterator[str]:
    with served(database_settings, ARTEFACTS / "graphiql" / "server.log") as url:
        yield url


@pytest.mark.slow
def test_graphiql_runs_a_query_with_the_network_cut_off(base: str) -> None:
    with offline_page(base) as (page, seen):
        page.goto(base + "/graphql")
        editor = page.locator(".graphiql-query-editor .CodeMirror")
        # the page is ready when the editor shows its welcome text; then the query replaces it
        expect(editor).to_contain_text("Welcome to GraphiQL", timeout=120_000)
        editor.evaluate("(el) => el.CodeMirror.setValue('{ ok }')")
        expect(editor).to_contain_text("{ ok }")
        page.locator(".graphiql-execute-button").click()
        response = page.locator(".graphiql-response")
        expect(response).to_contain_text('"ok": true', timeout=120_000)
        (ARTEFACTS / "graphiql").mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTEFACTS / "graphiql" / "graphiql.png"))
        assert seen.outside == [], f"GraphiQL reached beyond the server: {seen.outside}"
        assert seen.errors == [], seen.errors
