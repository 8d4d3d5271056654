"""Opening the database for a command: reach it, apply the schema, or say how to fix it."""

from __future__ import annotations

import typer
from rich.console import Console

from graph_model.database import Database
from graph_model.errors import DatabaseUnavailable
from graph_model.schema import apply_schema
from graph_model.settings import DatabaseSettings

__all__ = ["open_database"]


def open_database(console: Console | None = None) -> Database:
    """The database every command works in (``YIMA_NEO4J_URI``, ``_DATABASE``, ...), schema
    applied; exits with code 1 and a hint when it cannot be reached."""
    settings = DatabaseSettings.from_env()
    db = Database.open(settings)
    try:
        db.verify()
    except DatabaseUnavailable as exc:
        db.close()
        hint = (
            "start it with `yima neo4j start`"
            if settings.is_local_default
            else "check YIMA_NEO4J_URI / _USER / _PASSWORD / _DATABASE"
        )
        (console or Console(stderr=True)).print(
            f"[red]error:[/red] {exc} (server {settings.uri}); {hint}",
            markup=True,
            highlight=False,
        )
        raise typer.Exit(code=1) from exc
    apply_schema(db)
    return db
