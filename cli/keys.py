"""``yima keys``: make, list and revoke the API keys clients send as ``Authorization: Bearer``.

These commands work in the database directly and need no key themselves.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

import typer
from rich.console import Console

from cli.database import open_database
from graph_model.errors import InvalidField, NotFound
from graph_model.keys import Role
from services.keys import KeyService

__all__ = ["app"]

app = typer.Typer(help="API keys and their roles.", no_args_is_help=True)
console = Console(stderr=True)

RoleChoice = StrEnum("RoleChoice", {role.name: role.value for role in Role})  # type: ignore[misc]


@app.command("create")
def create(
    role: Annotated[
        RoleChoice,
        typer.Option(
            help="regulator (provenance, recall, verify, exports; read only), investigator "
            "(every read, detection runs), operator (capture, master data, commissioning, "
            "campaigns) or admin (keys); each may do what the ones before it may"
        ),
    ],
    name: Annotated[str, typer.Option(help="Who holds the key, unique: letters, digits . _ -")],
) -> None:
    """Make a key; the key itself is the last line printed, shown this once (only its digest
    is stored)."""
    db = open_database(console)
    try:
        issued = KeyService(db).create(name, Role(role.value))
    except InvalidField as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(code=2) from exc
    finally:
        db.close()
    console.print(
        f"key {issued.key.name!r} ({issued.key.role.value}) made; it is shown once, keep it now",
        highlight=False,
    )
    typer.echo(issued.secret)


@app.command("list")
def list_keys() -> None:
    """Every key: name, role, the first characters of the key, when made, when revoked."""
    db = open_database(console)
    try:
        keys = KeyService(db).all()
    finally:
        db.close()
    for key in keys:
        revoked = key.revoked_at.isoformat() if key.revoked_at else "-"
        typer.echo(
            f"{key.name}\t{key.role.value}\t{key.hint}…\t{key.created_at.isoformat()}\t"
            f"revoked {revoked}"
        )


@app.command("revoke")
def revoke(name: Annotated[str, typer.Argument(help="The key's name")]) -> None:
    """Revoke the key NAME: refused from then on (by running API processes within 10 s)."""
    db = open_database(console)
    try:
        key = KeyService(db).revoke(name)
    except NotFound as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(code=1) from exc
    finally:
        db.close()
    when = key.revoked_at.isoformat() if key.revoked_at else "now"
    typer.echo(f"revoked {key.name} at {when}")


def demo_key() -> str:
    """An admin key for a local demo (``yima up``), named by the time it was made."""
    db = open_database(console)
    try:
        name = "up-" + datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        return KeyService(db).create(name, Role.ADMIN).secret
    finally:
        db.close()
