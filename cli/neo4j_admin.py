"""``yima neo4j dump`` and ``yima neo4j load``: back up and restore the local server's
database with the server's own neo4j-admin (the server is stopped meanwhile, then started)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from runtime.backup import dump, load
from runtime.neo4j_server import LocalNeo4j, Neo4jRuntimeError

__all__ = ["register"]

console = Console(stderr=True)


def _database(name: str | None) -> str:
    return name or os.environ.get("YIMA_NEO4J_DATABASE") or "neo4j"


def register(group: typer.Typer, server: Callable[[], LocalNeo4j]) -> None:
    """Add ``dump`` and ``load`` to the ``yima neo4j`` group."""

    @group.command("dump")
    def dump_command(
        to: Annotated[Path, typer.Option(help="Folder to write <database>.dump into")] = Path(
            "backups"
        ),
        database: Annotated[
            str | None, typer.Option(help="Default: YIMA_NEO4J_DATABASE or neo4j")
        ] = None,
    ) -> None:
        """Dump the database to a file (the server stops meanwhile); prints the file."""
        try:
            file = dump(server(), _database(database), to)
        except Neo4jRuntimeError as exc:
            console.print(f"[red]error:[/red] {exc}", highlight=False)
            raise typer.Exit(code=1) from exc
        typer.echo(str(file))

    @group.command("load")
    def load_command(
        file: Annotated[Path, typer.Argument(help="A dump made by `yima neo4j dump`")],
        database: Annotated[
            str | None, typer.Option(help="Default: YIMA_NEO4J_DATABASE or neo4j")
        ] = None,
    ) -> None:
        """Replace the database with a dump (the server stops meanwhile)."""
        try:
            load(server(), _database(database), file)
        except Neo4jRuntimeError as exc:
            console.print(f"[red]error:[/red] {exc}", highlight=False)
            raise typer.Exit(code=1) from exc
        typer.echo(f"loaded {file} into {_database(database)}")
