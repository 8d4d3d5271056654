"""``yima master``: load master data (plants, lines, products, distributors, stores,
consumers, the contracted channel, territories) from CSV / JSON / GeoJSON files."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from cli.database import open_database
from graph_model.errors import NotFound
from graph_model.repositories.master_data import MasterDataRepository
from loaders.master_data import MasterDataFileError, master_data_to_json, prepare_master_data
from services.master_data import save_master

__all__ = ["app"]

app = typer.Typer(help="Load master data into the graph.", no_args_is_help=True)
console = Console(stderr=True)


@app.command("load")
def load(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="CSV files named plants.csv, lines.csv, products.csv, distributors.csv, "
            "stores.csv, consumers.csv, supplies.csv, regions.csv, referrals.csv; JSON files; "
            "GeoJSON territory files; or folders of them"
        ),
    ],
    china_regions: Annotated[
        bool, typer.Option(help="Also write China's provinces and prefectures")
    ] = True,
) -> None:
    """Check every row of PATHS, then write them in one transaction (all or nothing).

    Referrals naming consumers the graph does not know create them; referrals that break a
    campaign's forest (self-referral, cycle, a consumer referred twice) are kept as refused
    referrals and counted."""
    try:
        master = prepare_master_data(paths, with_china_regions=china_regions)
    except MasterDataFileError as exc:
        console.print("[red]rejected, nothing written:[/red]")
        console.print(str(exc), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(code=1) from exc
    db = open_database(console)
    try:
        counts = save_master(master, MasterDataRepository(db))
    except NotFound as exc:
        console.print("[red]rejected, nothing written:[/red]")
        console.print(str(exc), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(code=1) from exc
    finally:
        db.close()
    written = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in asdict(counts).items() if n)
    console.print(f"loaded {written}")


@app.command("locations")
def locations(
    path: Annotated[
        Path, typer.Argument(help="locations.csv: location (SGLN), party (PGLN/GLN), name?")
    ],
) -> None:
    """Declare which organisation each location belongs to, so a custodian named by its site
    in one event and by its PGLN in the next reads as one (a declaration wins over what events
    imply). Every row is checked first; nothing is written if one is bad."""
    from graph_model.errors import InvalidField
    from services.locations import declare_locations

    db = open_database(console)
    try:
        written = declare_locations(db, path)
    except InvalidField as exc:
        console.print("[red]rejected, nothing written:[/red]")
        for problem in exc.problems:
            console.print(f"{problem.path}: {problem.reason}", markup=False, highlight=False)
        raise typer.Exit(code=1) from exc
    finally:
        db.close()
    console.print(f"declared {written} locations")


@app.command("demo-json")
def demo_json(
    out: Annotated[Path, typer.Argument(help="JSON file to write")],
    units: Annotated[int, typer.Option(help="Units the demo brand makes")] = 20_000,
    seed: Annotated[int, typer.Option(help="Seed of the demo world")] = 1,
) -> None:
    """Write the demo world's master data as a JSON file that `yima master load` reads."""
    from loaders.demo import build_world

    world = build_world(units, seed)
    out.write_text(
        json.dumps(master_data_to_json(world.master), ensure_ascii=False, indent=1), "utf-8"
    )
    console.print(f"wrote {out}")
