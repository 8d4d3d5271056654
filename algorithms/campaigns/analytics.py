"""What a brand learns from a campaign's scans: reach, repeat behaviour, prizes paid, where
prize money brings people back and which prize drives repeat scans
(:mod:`algorithms.campaigns.advice` turns them into recommendations).

A repeat scanner is a consumer with covered scans on two or more days; the repeat scans a
prize drives are its winners' scans after their win, and its repeat rate the share of its
winners who scanned again on a later day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["CampaignScan", "CampaignSummary", "PrizeFigures", "ProvinceFigures", "summarise"]

_DAY = 86_400.0


@dataclass(frozen=True, slots=True)
class CampaignScan:
    """One covered scan: who, when (epoch seconds), the province it lies in, the prize it won
    (level and amount paid, ``None`` when none or held), and the region (prefecture) it was
    made in, the unit and its product."""

    consumer: str
    at: float
    province: str | None
    level: str | None = None
    amount: float = 0.0
    region: str | None = None
    code: str | None = None
    gtin: str | None = None


@dataclass(frozen=True, slots=True)
class ProvinceFigures:
    province: str
    scans: int
    scanners: int
    repeat_scanners: int
    prize_spend: float

    @property
    def repeat_per_thousand(self) -> float | None:
        """Repeat scanners per 1,000 of prize spend (``None`` without spend)."""
        return 1000 * self.repeat_scanners / self.prize_spend if self.prize_spend else None


@dataclass(frozen=True, slots=True)
class PrizeFigures:
    """A prize level and what its winners did after their (first) win."""

    level: str
    winners: int
    scans_after_per_winner: float
    #: Share of winners with a scan on a later day than their win.
    repeat_rate: float


@dataclass(frozen=True, slots=True)
class CampaignSummary:
    scans: int
    scanners: int
    repeat_scanners: int
    repeat_days: float
    scans_per_person: float
    prizes_paid: int
    prize_spend: float
    provinces: tuple[ProvinceFigures, ...]
    repeat_by_prize: tuple[PrizeFigures, ...]


def summarise(scans: Sequence[CampaignScan]) -> CampaignSummary:
    """The campaign's figures.

    >>> s = summarise([CampaignScan("a", 0, "Jiangsu", "first", 10.0),
    ...                CampaignScan("a", 2 * 86400, "Jiangsu"), CampaignScan("b", 0, "Hebei")])
    >>> s.scanners, s.repeat_scanners, s.prizes_paid
    (2, 1, 1)
    >>> s.repeat_by_prize[0]
    PrizeFigures(level='first', winners=1, scans_after_per_winner=1.0, repeat_rate=1.0)
    >>> s.provinces[1].repeat_per_thousand
    100.0
    """
    days: dict[str, set[int]] = defaultdict(set)
    home: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    wins: dict[str, list[tuple[str, float]]] = defaultdict(list)
    spend_by_province: dict[str, float] = defaultdict(float)
    scans_by_province: dict[str, int] = defaultdict(int)
    for s in scans:
        days[s.consumer].add(int(s.at // _DAY))
        if s.province is not None:
            home[s.consumer][s.province] += 1
            scans_by_province[s.province] += 1
        if s.level is not None:
            wins[s.consumer].append((s.level, s.at))
            if s.province is not None:
                spend_by_province[s.province] += s.amount
    repeaters = {c for c, d in days.items() if len(d) >= 2}
    home_of = {c: max(h, key=h.__getitem__) for c, h in home.items()}
    provinces = []
    for province in sorted(scans_by_province):
        residents = {c for c, p in home_of.items() if p == province}
        provinces.append(
            ProvinceFigures(
                province,
                scans_by_province[province],
                len(residents),
                len(residents & repeaters),
                round(spend_by_province[province], 2),
            )
        )
    by_level: dict[str, list[int]] = defaultdict(list)
    came_back: dict[str, int] = defaultdict(int)
    times: dict[str, list[float]] = defaultdict(list)
    for s in scans:
        times[s.consumer].append(s.at)
    for consumer, won in wins.items():
        level, at = min(won, key=lambda w: w[1])
        by_level[level].append(sum(1 for t in times[consumer] if t > at))
        came_back[level] += any(d > int(at // _DAY) for d in days[consumer])
    repeat_by_prize = tuple(
        PrizeFigures(level, len(after), sum(after) / len(after), came_back[level] / len(after))
        for level, after in sorted(by_level.items())
    )
    paid = [s for s in scans if s.level is not None]
    people = len(days)
    return CampaignSummary(
        scans=len(scans),
        scanners=people,
        repeat_scanners=len(repeaters),
        repeat_days=sum(len(d) for d in days.values()) / people if people else 0.0,
        scans_per_person=len(scans) / people if people else 0.0,
        prizes_paid=len(paid),
        prize_spend=round(sum(s.amount for s in paid), 2),
        provinces=tuple(provinces),
        repeat_by_prize=repeat_by_prize,
    )
