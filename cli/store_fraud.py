"""``yima detect store-fraud`` (registered by :mod:`cli.detect`): find and store store-fraud
clusters (虚增门店 · 虚假订单 · 跑冒滴漏)."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.database import open_database
from graph_model.errors import InvalidField

__all__ = ["store_fraud"]


def store_fraud(
    show: Annotated[int, typer.Option(help="Flagged clusters to print.", min=0)] = 20,
) -> None:
    """Score every store by identity and behaviour, store the clusters as (:FraudCluster)
    nodes with their evidence, replacing the clusters of the run before."""
    from services.store_fraud import StoreFraudService

    db = open_database()
    try:
        run = StoreFraudService(db).detect()
    except InvalidField as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from None
    finally:
        db.close()
    seconds = ", ".join(f"{stage} {s:.1f} s" for stage, s in run.seconds.items())
    typer.echo(f"stores: {run.stores:,}; identity groups: {run.identity_groups:,}")
    typer.echo(
        f"clusters: {run.clusters:,}, flagged {run.flagged:,} ({run.flagged_stores:,} stores)"
    )
    typer.echo(f"time: {seconds}")
    for cluster in run.detection.flagged[:show]:
        why = "; ".join(f"{r.kind.value}: {r.detail}" for r in cluster.reasons[:4])
        typer.echo(f"  {cluster.score:.2f} {cluster.id}  {len(cluster.store_ids)} stores: {why}")
