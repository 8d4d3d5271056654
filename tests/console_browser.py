"""A real yima server and Debian's headless Chromium with the network cut off, for the console
and GraphiQL tests.

The server is uvicorn in a child process on a free loopback port, on the test session's
database. Chromium is the system's (`chromium` from Debian, installed by scripts/setup; set
YIMA_CHROMIUM to use another binary), driven by Playwright for Python: Playwright's own
browser download is never used. Every request for a host other than the server's is refused
by the browser's resolver and recorded, so a page that needs the internet fails its test.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.error import URLError
from urllib.parse import urlsplit
from urllib.request import Request, urlopen

import pytest
from playwright.sync_api import Page, Route, sync_playwright

from graph_model.settings import DatabaseSettings
from runtime.neo4j_server import PROJECT_ROOT

#: Screenshots the browser tests keep, one folder per test module.
ARTEFACTS = PROJECT_ROOT / "var" / "test-artefacts"


def chromium_path() -> str:
    found = os.environ.get("YIMA_CHROMIUM") or shutil.which("chromium")
    if not found:
        pytest.fail("no chromium on PATH: scripts/setup installs Debian's chromium package")
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def served(settings: DatabaseSettings, log: Path) -> Iterator[str]:
    """yima's API under uvicorn on the session's database; yields its base URL."""
    port = _free_port()
    env = dict(os.environ)
    env.update(YIMA_NEO4J_URI=settings.uri, YIMA_NEO4J_DATABASE=settings.database, YIMA_AUTH="on")
    if settings.user:
        env["YIMA_NEO4J_USER"] = settings.user
    if settings.password:
        env["YIMA_NEO4J_PASSWORD"] = settings.password
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
            cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 180  # a loaded machine starts slowly
            while True:
                if server.poll() is not None:
                    pytest.fail(f"the server stopped: {log.read_text(errors='replace')[-2000:]}")
                try:
                    with urlopen(base + "/health", timeout=2) as answer:
                        if answer.status == 200:
                            break
                except (URLError, OSError):
                    pass
                if time.monotonic() > deadline:
                    pytest.fail("the server did not answer /health within 180 s")
                time.sleep(0.2)
            yield base
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def gql(base: str, key: str, query: str, **variables: Any) -> dict[str, Any]:
    """One GraphQL request to the served API with an API key, as any client would send it."""
    body = json.dumps({"query": query, "variables": variables}).encode()
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {key}"}
    request = Request(base + "/graphql", body, headers)
    with urlopen(request, timeout=60) as answer:
        result: dict[str, Any] = json.loads(answer.read())
    assert "errors" not in result, result
    data: dict[str, Any] = result["data"]
    return data


@dataclass
class Offline:
    """What the browser tried to reach beyond the server, and browser-side errors."""

    outside: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@contextlib.contextmanager
def offline_page(base: str, *, locale: str = "zh-CN") -> Iterator[tuple[Page, Offline]]:
    """A Chromium page that can reach only `base`; yields (page, what it tried beyond)."""
    host = urlsplit(base).hostname
    seen = Offline()
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium_path(),
            headless=True,
            args=[
                "--no-sandbox",
                # no name resolves except the loopback server's: the network is cut off
                f"--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE {host}",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        try:
            context = browser.new_context(
                locale=locale, viewport={"width": 1400, "height": 1000}, service_workers="block"
            )

            def route(r: Route) -> None:
                url = r.request.url
                if urlsplit(url).hostname == host or url.startswith("data:"):
                    r.continue_()
                else:
                    seen.outside.append(url)
                    r.abort("internetdisconnected")

            context.route("**/*", route)
            page = context.new_page()
            page.on("pageerror", lambda e: seen.errors.append(str(e)))
            page.on(
                "console",
                lambda m: seen.errors.append(m.text) if m.type == "error" else None,
            )
            yield page, seen
        finally:
            browser.close()
