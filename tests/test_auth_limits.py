"""Every endpoint refuses a body over the size limit with a 413 problem document, whether the
client declared its length or streamed it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from api.app import create_app
from api.security.settings import SecuritySettings
from graph_model.database import Database
from graph_model.settings import DatabaseSettings


@pytest.fixture(scope="module")
def small(
    database_settings: DatabaseSettings, db: Database, admin_headers: dict[str, str]
) -> Iterator[TestClient]:
    app = create_app(database_settings, SecuritySettings(max_body_bytes=2048))
    with TestClient(app, headers=admin_headers) as client:
        yield client


@pytest.mark.parametrize("path", ["/graphql", "/capture", "/events"])
def test_a_declared_body_over_the_limit_is_refused(small: TestClient, path: str) -> None:
    response = small.post(path, content=b"{" + b" " * 4096 + b"}",
                          headers={"Content-Type": "application/json"})  # fmt: skip
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 413


@pytest.mark.parametrize("path", ["/graphql", "/capture"])
def test_a_streamed_body_over_the_limit_is_refused(small: TestClient, path: str) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"{"
        for _ in range(8):
            yield b" " * 1024
        yield b"}"

    response = small.post(path, content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413, response.text


def test_a_body_within_the_limit_passes(small: TestClient) -> None:
    response = small.post("/graphql", json={"query": "{ ok }"})
    assert response.status_code == 200 and response.json() == {"data": {"ok": True}}
