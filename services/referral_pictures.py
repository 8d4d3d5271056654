"""Pictures of a campaign's largest cascades (``yima referral plot``): read the campaign's
referrals and stored rings, lay the trees out and draw them (:mod:`algorithms.referral.pictures`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from algorithms.referral import ReferralForest, ReferralInputError
from algorithms.referral.pictures import cascades_html, draw_cascades_png, tree_layout
from graph_model.database import Database
from graph_model.errors import InvalidField
from graph_model.referral import check_campaign
from graph_model.repositories.referral_rings import ReferralRingRepository
from graph_model.repositories.referrals import ReferralRepository
from services.referral import input_error

__all__ = ["draw_campaign"]

MAX_CASCADES = 12


def draw_campaign(
    db: Database, campaign: str, out: str | Path, *, cascades: int = 4
) -> tuple[Path, Path]:
    """Draw the ``cascades`` largest cascades of ``campaign`` into ``out/cascades.png`` and
    ``out/cascades.html``; members of rings found in the campaign (or over every campaign)
    are outlined.

    Raises
    ------
    InvalidField
        When the campaign has no referrals, or ``cascades`` is out of 1..12.
    """
    campaign = check_campaign("campaign", campaign)
    if not 1 <= cascades <= MAX_CASCADES:
        raise InvalidField("cascades", f"must be between 1 and {MAX_CASCADES}, got {cascades}")
    edges = ReferralRepository(db).edges(campaign)
    if not edges:
        raise InvalidField("campaign", f"campaign {campaign!r} has no referrals")
    try:
        forest = ReferralForest.from_edges(edges)
    except ReferralInputError as exc:
        raise input_error(exc, "campaign") from None
    rings = ReferralRingRepository(db)
    ringed = rings.members_of(campaign) | rings.members_of(None)
    roots = forest.roots
    largest = roots[np.argsort(-forest.size[roots], kind="stable")[:cascades]]
    trees = [tree_layout(forest, forest.ids[int(r)], ringed) for r in largest]
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    title = f"Largest cascades of {campaign}"
    return (
        draw_cascades_png(trees, folder / "cascades.png", title),
        cascades_html(trees, folder / "cascades.html", title),
    )
