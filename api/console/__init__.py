"""The web console at / and GraphiQL's assets, served from packages installed at setup.

`scripts/setup` runs `npm ci` in this folder (package.json, package-lock.json), so every
script, style sheet and map the browser loads comes from this server: the console and
GraphiQL work on a machine with no internet. Only the files named in `VENDOR_FILES` are
served from `node_modules`, at `/vendor/<package>/<file>`.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from strawberry.http.ides import get_graphql_ide_html

__all__ = ["VENDOR_FILES", "offline_graphiql_html", "routes"]

HERE = Path(__file__).parent
STATIC = HERE / "static"
NODE_MODULES = HERE / "node_modules"

VENDOR_FILES = frozenset(
    {
        # GraphiQL at /graphql, the same files strawberry's page takes from a CDN
        "react/umd/react.production.min.js",
        "react-dom/umd/react-dom.production.min.js",
        "js-cookie/dist/js.cookie.min.js",
        "graphiql/graphiql.min.css",
        "graphiql/graphiql.min.js",
        "@graphiql/plugin-explorer/dist/style.css",
        "@graphiql/plugin-explorer/dist/index.umd.js",
        # the console
        "echarts/dist/echarts.min.js",
        "echarts-4-maps/map/json/china.json",
        "jsqr/dist/jsQR.js",
    }
)

NOT_INSTALLED = "console assets are not installed: run scripts/setup (npm ci in api/console)"

# https://unpkg.com/<package>@<version>/<file>, the package possibly scoped
_CDN = re.compile(r"https://unpkg\.com/((?:@[\w.-]+/)?[\w.-]+)@[\w.-]+/([\w./-]+)")
_SRI = re.compile(r"\s+(?:integrity=\"[^\"]*\"|crossorigin(?:=\"[^\"]*\")?)")


@functools.cache
def offline_graphiql_html() -> str:
    """strawberry's GraphiQL page with every CDN address turned into this server's /vendor/."""
    html = get_graphql_ide_html("graphiql")
    missing: list[str] = []

    def local(match: re.Match[str]) -> str:
        path = f"{match[1]}/{match[2]}"
        if path not in VENDOR_FILES:
            missing.append(path)
        return f"/vendor/{path}"

    html = _SRI.sub("", _CDN.sub(local, html))
    if missing:  # strawberry's page asks for a file this package does not install
        raise RuntimeError(f"GraphiQL needs files not in api/console: {missing}")
    return html


async def vendor(request: Request) -> Response:
    path = request.path_params["path"]
    if path not in VENDOR_FILES:
        return PlainTextResponse("not found", status_code=404)
    file = NODE_MODULES / path
    if not file.is_file():
        return PlainTextResponse(NOT_INSTALLED, status_code=503)
    return FileResponse(file, headers={"Cache-Control": "public, max-age=86400"})


async def index(request: Request) -> Response:
    return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


def routes() -> list[BaseRoute]:
    return [
        Route("/", index, methods=["GET"]),
        Route("/vendor/{path:path}", vendor, methods=["GET"]),
        Mount("/console", StaticFiles(directory=STATIC), name="console"),
    ]
