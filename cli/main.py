"""The ``yima`` command line: database, service, demo world, codes, EPCIS and planning."""

from __future__ import annotations

import importlib
import os
import sys
from typing import Annotated

import typer
from rich.console import Console

from cli.database import open_database
from cli.neo4j_admin import register as register_backup
from runtime.neo4j_server import LocalNeo4j, Neo4jRuntimeError, ServerSettings

app = typer.Typer(
    help="yima: one item, one code — traceability on a Neo4j graph.", no_args_is_help=True
)
neo4j_app = typer.Typer(help="Run yima's local Neo4j 5.26 Community server.", no_args_is_help=True)
app.add_typer(neo4j_app, name="neo4j")

console = Console(stderr=True)

# Sub-commands that live in their own modules, registered when the module is present.
SUBCOMMANDS = {
    "epcis": "cli.epcis",
    "codes": "cli.codes",
    "master": "cli.master",
    "layout": "cli.layout",
    "export": "cli.export",
    "detect": "cli.detect",
    "referral": "cli.referral",
    "diversion": "cli.diversion",
    "supply": "cli.supply",
    "campaign": "cli.campaign",
    "keys": "cli.keys",
}
for _name, _module in SUBCOMMANDS.items():
    try:
        app.add_typer(importlib.import_module(_module).app, name=_name)
    except ModuleNotFoundError as exc:
        if exc.name != _module:
            raise


def _server(
    heap: str | None = None, bolt_port: int | None = None, http_port: int | None = None
) -> LocalNeo4j:
    settings = ServerSettings.from_env()
    if bolt_port or http_port:
        settings = settings.with_ports(
            bolt_port or settings.bolt_port, http_port or settings.http_port
        )
    if heap:
        from dataclasses import replace

        settings = replace(settings, heap=heap)
    return LocalNeo4j(settings)


register_backup(neo4j_app, _server)


def _fail(message: str) -> typer.Exit:
    console.print(f"[red]error:[/red] {message}")
    return typer.Exit(code=1)


@neo4j_app.command("start")
def neo4j_start(
    heap: str | None = typer.Option(None, help="JVM heap, e.g. 1g (env YIMA_NEO4J_HEAP)"),
    bolt_port: int | None = typer.Option(
        None, help="Bolt port (env YIMA_NEO4J_BOLT_PORT, default 7687)"
    ),
    http_port: int | None = typer.Option(
        None, help="HTTP port (env YIMA_NEO4J_HTTP_PORT, default 7474)"
    ),
) -> None:
    """Assemble (once, from Maven Central) and start the local server; wait for Bolt."""
    server = _server(heap, bolt_port, http_port)
    try:
        started = server.start()
    except Neo4jRuntimeError as exc:
        raise _fail(str(exc)) from exc
    console.print(("started: " if started else "already running: ") + server.status())


@neo4j_app.command("stop")
def neo4j_stop() -> None:
    """Stop the local server."""
    server = _server()
    console.print("stopped" if server.stop() else "was not running")


@neo4j_app.command("status")
def neo4j_status() -> None:
    """Say whether the local server runs, where, and with which data folder."""
    server = _server()
    status = server.status()
    typer.echo(status)
    if status == "stopped":
        raise typer.Exit(code=3)


@app.command("schema")
def schema() -> None:
    """Apply the graph schema (constraints and indexes); safe to run again."""
    from graph_model.schema import applied_versions

    db = open_database(console)
    try:
        typer.echo(f"schema versions applied: {applied_versions(db)}")
    finally:
        db.close()


@app.command("demo")
def demo(
    units: int = typer.Option(20_000, help="How many units the demo brand makes"),
    seed: int = typer.Option(7, help="Same seed, same world and history"),
) -> None:
    """Generate the demo world and load it through the capture path."""
    from services.demo import load_demo

    db = open_database(console)
    try:
        from runtime.neo4j_server import PROJECT_ROOT

        load_demo(
            db,
            units=units,
            seed=seed,
            console=console,
            truth_dir=PROJECT_ROOT / "var",
            diversions=True,
            campaigns=True,
        )
    finally:
        db.close()


@app.command("rebuild")
def rebuild(
    epc: Annotated[
        list[str] | None,
        typer.Option(
            "--epc",
            help="Rebuild only the part of the graph around this EPC (repeatable); "
            "without it, the whole projected graph",
        ),
    ] = None,
) -> None:
    """Rebuild the projected graph from the stored EPCIS events."""
    from services.rebuild import rebuild_around, rebuild_projection

    db = open_database(console)
    try:
        count = rebuild_around(db, epc) if epc else rebuild_projection(db)
    finally:
        db.close()
    console.print(f"replayed {count} events")


@app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on"),
    port: int = typer.Option(8000, help="Port to listen on"),
    workers: int = typer.Option(1, help="Worker processes"),
) -> None:
    """Serve GraphQL (/graphql) and EPCIS REST (/capture, /events) on a running database."""
    import uvicorn

    from cli.logs import JSON_LOG_CONFIG

    _ensure_port(host, port)
    if workers > 1:  # the public scan's rate limits must hold across the worker processes
        os.environ.setdefault("YIMA_SCAN_RATE_SHARED", "on")
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=JSON_LOG_CONFIG,
        timeout_graceful_shutdown=120,  # in-flight captures finish before the process ends
        # The client's address is decided by yima from YIMA_TRUSTED_PROXIES, not by uvicorn
        # (which would believe X-Forwarded-For from any local connection).
        proxy_headers=False,
    )


def _ensure_port(host: str, port: int) -> None:
    from runtime.ports import PortTaken, ensure_free

    try:
        ensure_free(host, port, hint="choose another with --port")
    except PortTaken as exc:
        raise _fail(str(exc)) from exc


@app.command("up")
def up(
    units: int = typer.Option(20_000, help="Demo world size"),
    seed: int = typer.Option(7, help="Demo world seed"),
    host: str = typer.Option("127.0.0.1"),
    port: int = typer.Option(8000),
    serve_api: bool = typer.Option(True, "--serve/--no-serve", help="Serve the API afterwards"),
) -> None:
    """Start Neo4j (unless YIMA_NEO4J_URI names another), apply the schema, load the demo
    world, then serve the API."""
    from graph_model.settings import DatabaseSettings

    if serve_api:  # say so now, not after the demo has loaded
        _ensure_port(host, port)
    if DatabaseSettings.from_env().is_local_default:
        neo4j_start(heap=None, bolt_port=None, http_port=None)
    demo(units=units, seed=seed)
    if serve_api:
        from cli.keys import demo_key

        console.print(f"GraphQL (GraphiQL in a browser): http://{host}:{port}/graphql")
        console.print(
            "an admin key for this demo (GraphiQL: Headers tab, "
            '{"Authorization": "Bearer KEY"}; revoke it with `yima keys revoke NAME`):'
        )
        typer.echo(demo_key())
        serve(host=host, port=port, workers=1)


def main() -> None:  # pragma: no cover - console entry point
    sys.exit(app())


if __name__ == "__main__":  # pragma: no cover
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
