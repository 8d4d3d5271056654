"""``yima referral``: how a campaign spread, and pictures of its largest cascades; and
``yima detect referral-rings`` (registered by :mod:`cli.detect`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.database import open_database
from graph_model.errors import InvalidField

__all__ = ["app", "referral_rings"]

app = typer.Typer(
    help="Referral spread (裂变): cascades, spreaders, pictures.", no_args_is_help=True
)


def _fail(exc: InvalidField) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(code=2)


def referral_rings(
    campaign: Annotated[
        str | None, typer.Option(help="Only this campaign's referrals (default: every campaign).")
    ] = None,
) -> None:
    """Find self-referral farms among the referrals and store them as (:ReferralRing) nodes,
    replacing the rings found before for the same scope."""
    from services.referral_rings import detect_referral_rings

    db = open_database()
    try:
        run = detect_referral_rings(db, campaign)
    except InvalidField as exc:
        raise _fail(exc) from None
    finally:
        db.close()
    typer.echo(
        f"scope: {campaign or 'every campaign'}: {run.referrals:,} referrals, "
        f"{run.consumers:,} consumers"
    )
    typer.echo(f"rings: {len(run.rings)} ({run.members} members)")
    for ring in run.rings:
        why = "; ".join(r.detail for r in ring.reasons)
        typer.echo(f"  {ring.score:.2f} {ring.id}  {len(ring.members)} members: {why}")


@app.command("spread")
def spread(
    campaign: Annotated[str, typer.Option(help="The campaign.")],
    root: Annotated[
        str | None, typer.Option(help="Only the cascade this consumer started.")
    ] = None,
) -> None:
    """Print how CAMPAIGN (or ROOT's cascade in it) spread."""
    from services.referral import CascadeSpread, SpreadRequest, referral_spread

    db = open_database()
    try:
        answer = referral_spread(db, SpreadRequest(campaign, root))
    except InvalidField as exc:
        raise _fail(exc) from None
    finally:
        db.close()
    if isinstance(answer, CascadeSpread):
        typer.echo(
            f"cascade of {answer.root}: size {answer.size}, depth {answer.depth}, "
            f"virality {answer.virality:.3f}, breadth {list(answer.breadth)}"
        )
        spreaders = answer.top_spreaders
    else:
        typer.echo(
            f"campaign {campaign}: {answer.members:,} members, {answer.referrals:,} referrals, "
            f"{answer.cascades:,} cascades, depth {answer.depth}, K-factor {answer.k_factor:.3f}"
        )
        typer.echo(
            f"cascade size p50 {answer.sizes.median:g} p99 {answer.sizes.p99:g} max "
            f"{answer.sizes.maximum:g}; virality mean {answer.virality.mean:.3f}; "
            f"deeper than 2: {answer.deep_share:.1%}"
        )
        spreaders = answer.top_spreaders
    for s in spreaders:
        typer.echo(f"  {s.consumer}: reach {s.reach}, direct {s.direct}, depth {s.depth}")


@app.command("plot")
def plot(
    campaign: Annotated[str, typer.Option(help="The campaign.")],
    out: Annotated[Path, typer.Option(help="Folder to write the pictures into.")] = Path("."),
    cascades: Annotated[int, typer.Option(help="How many of the largest cascades.")] = 4,
) -> None:
    """Draw CAMPAIGN's largest cascades as trees coloured by depth, ring members outlined
    in red: cascades.png and cascades.html (self-contained, no network)."""
    from services.referral_pictures import draw_campaign

    db = open_database()
    try:
        written = draw_campaign(db, campaign, out, cascades=cascades)
    except InvalidField as exc:
        raise _fail(exc) from None
    finally:
        db.close()
    for path in written:
        typer.echo(f"wrote {path}")
