"""What a brand learns from a campaign's scans: reach, repeat behaviour, prizes paid, where
prize money brings people back, which prize drives repeat scans, and what to do about it.

A repeat scanner is a consumer with covered scans on two or more days; the repeat scans a
prize drives are its winners' scans after their win.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace

__all__ = ["CampaignScan", "CampaignSummary", "ProvinceFigures", "summarise"]

_DAY = 86_400.0


@dataclass(frozen=True, slots=True)
class CampaignScan:
    """One covered scan: who, when (epoch seconds), the province it lies in, and the prize
    it won (level and amount paid, ``None`` when none or held)."""

    consumer: str
    at: float
    province: str | None
    level: str | None = None
    amount: float = 0.0


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
class CampaignSummary:
    scans: int
    scanners: int
    repeat_scanners: int
    repeat_days: float
    scans_per_person: float
    prizes_paid: int
    prize_spend: float
    provinces: tuple[ProvinceFigures, ...]
    #: Per level: winners, and their scans after winning per winner.
    repeat_by_prize: tuple[tuple[str, int, float], ...]
    recommendations: tuple[str, ...]


def summarise(scans: Sequence[CampaignScan]) -> CampaignSummary:
    """The campaign's figures and plain-language recommendations with the figures behind.

    >>> s = summarise([CampaignScan("a", 0, "Jiangsu", "first", 10.0),
    ...                CampaignScan("a", 2 * 86400, "Jiangsu"), CampaignScan("b", 0, "Hebei")])
    >>> s.scanners, s.repeat_scanners, s.prizes_paid, s.repeat_by_prize
    (2, 1, 1, (('first', 1, 1.0),))
    >>> s.recommendations[0]
    'Jiangsu returns the most repeat scanners per 1,000 of prize spend (100.0): raise its budget'
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
    provinces = []
    for province in sorted(scans_by_province):
        residents = {c for c, h in home.items() if max(h, key=h.__getitem__) == province}
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
    times: dict[str, list[float]] = defaultdict(list)
    for s in scans:
        times[s.consumer].append(s.at)
    for consumer, won in wins.items():
        level, at = min(won, key=lambda w: w[1])
        by_level[level].append(sum(1 for t in times[consumer] if t > at))
    repeat_by_prize = tuple(
        (level, len(after), sum(after) / len(after)) for level, after in sorted(by_level.items())
    )
    paid = [s for s in scans if s.level is not None]
    people = len(days)
    summary = CampaignSummary(
        scans=len(scans),
        scanners=people,
        repeat_scanners=len(repeaters),
        repeat_days=sum(len(d) for d in days.values()) / people if people else 0.0,
        scans_per_person=len(scans) / people if people else 0.0,
        prizes_paid=len(paid),
        prize_spend=round(sum(s.amount for s in paid), 2),
        provinces=tuple(provinces),
        repeat_by_prize=repeat_by_prize,
        recommendations=(),
    )
    return replace(summary, recommendations=_advice(summary))


def _advice(s: CampaignSummary) -> tuple[str, ...]:
    out = []
    rated = [p for p in s.provinces if p.repeat_per_thousand is not None]
    if rated:
        best = max(rated, key=lambda p: p.repeat_per_thousand or 0.0)
        out.append(
            f"{best.province} returns the most repeat scanners per 1,000 of prize spend "
            f"({best.repeat_per_thousand:.1f}): raise its budget"
        )
        worst = min(rated, key=lambda p: p.repeat_per_thousand or 0.0)
        if worst is not best:
            out.append(
                f"{worst.province} returns the fewest ({worst.repeat_per_thousand:.1f} per "
                "1,000): move prize money from it"
            )
    if s.repeat_by_prize:
        level, winners, after = max(s.repeat_by_prize, key=lambda r: r[2])
        out.append(
            f"prize {level} drives the most repeat scans ({after:.2f} more scans per winner, "
            f"{winners} winners): give it more of the pool"
        )
    return tuple(out)
