"""Opening the database for a command: reach it, apply the schema, or say how to fix it."""

from __future__ import annotations

import neo4j
import typer
from rich.console import Console

from graph_model.schema import apply_schema
from graph_model.settings import DatabaseSettings, open_driver

__all__ = ["open_database"]


def open_database(console: Console | None = None) -> tuple[neo4j.Driver, str]:
    """A connected driver and the database name; exits with code 1 and a hint when the server
    cannot be reached."""
    settings = DatabaseSettings.from_env()
    driver = open_driver(settings)
    try:
        driver.verify_connectivity()
    except Exception as exc:
        driver.close()
        hint = (
            "start it with `yima neo4j start`"
            if settings.is_local_default
            else "check YIMA_NEO4J_URI / _USER / _PASSWORD"
        )
        (console or Console(stderr=True)).print(
            f"[red]error:[/red] cannot reach Neo4j at {settings.uri} ({exc}); {hint}"
        )
        raise typer.Exit(code=1) from exc
    apply_schema(driver, settings.database)
    return driver, settings.database
