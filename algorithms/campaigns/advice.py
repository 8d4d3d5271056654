"""Plain-language recommendations from a campaign's figures, each in English and Chinese
with the figures behind it: where prize money brings people back, which prize brings its
winners back, where units are scanned least, and who is drifting away."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from algorithms.campaigns.analytics import CampaignSummary
from algorithms.campaigns.profiles import RfmSettings, Segment, SegmentFigures
from algorithms.campaigns.scan_rates import UNKNOWN, ScanRates

__all__ = ["MIN_SPEND_SHARE", "Advice", "advise"]


@dataclass(frozen=True, slots=True)
class Advice:
    en: str
    zh: str


#: A province is compared on repeat scanners per 1,000 of spend once it has at least this
#: share of the campaign's prize spend: below it, a prize or two makes the ratio.
MIN_SPEND_SHARE = 0.05


def _spend_advice(s: CampaignSummary) -> list[Advice]:
    rated = [
        p
        for p in s.provinces
        if p.repeat_per_thousand is not None and p.prize_spend >= MIN_SPEND_SHARE * s.prize_spend
    ]
    if not rated:
        return []
    spend = sum(p.prize_spend for p in rated)
    average = 1000 * sum(p.repeat_scanners for p in rated) / spend
    best = max(rated, key=lambda p: p.repeat_per_thousand or 0.0)
    out = [
        Advice(
            f"{best.province} returns the most repeat scanners per 1,000 of prize spend "
            f"({best.repeat_per_thousand:.1f} vs {average:.1f} average): raise its budget",
            f"{best.province}每千元奖金带来的复购扫码人数最多（{best.repeat_per_thousand:.1f}，"
            f"平均 {average:.1f}）：提高其预算",
        )
    ]
    worst = min(rated, key=lambda p: p.repeat_per_thousand or 0.0)
    if worst is not best:
        out.append(
            Advice(
                f"{worst.province} returns the fewest ({worst.repeat_per_thousand:.1f} per "
                f"1,000 vs {average:.1f} average): move prize money from it",
                f"{worst.province}每千元奖金带来的复购扫码人数最少（{worst.repeat_per_thousand:.1f}，"
                f"平均 {average:.1f}）：把奖金从这里调出",
            )
        )
    return out


def _prize_advice(s: CampaignSummary) -> list[Advice]:
    if not s.repeat_by_prize:
        return []
    top = max(s.repeat_by_prize, key=lambda r: (r.repeat_rate, r.scans_after_per_winner))
    return [
        Advice(
            f"prize {top.level} drives the most repeat scans ({top.repeat_rate:.0%} of its "
            f"{top.winners} winners scanned again on a later day, {top.scans_after_per_winner:.2f}"
            " more scans each): give it more of the pool",
            f"奖项 {top.level} 带来的复购最多（{top.winners} 位中奖者中 {top.repeat_rate:.0%} "
            f"在之后几天再次扫码，人均多扫 {top.scans_after_per_winner:.2f} 次）："
            "在奖池中增加其份额",
        )
    ]


def _rate_advice(rates: ScanRates | None) -> list[Advice]:
    if rates is None or rates.total.rate is None:
        return []
    known = [r for r in rates.by_province if r.key != UNKNOWN and r.rate is not None]
    if len(known) < 2:
        return []
    low = min(known, key=lambda r: (r.rate or 0.0, -r.shipped))
    overall = rates.total.rate
    if (low.rate or 0.0) >= overall:
        return []
    return [
        Advice(
            f"{low.key} has the lowest scan rate ({low.rate:.1%} of {low.shipped:,} units shipped "
            f"vs {overall:.1%} overall): promote the campaign there, on packs and in stores",
            f"{low.key}扫码率最低（发货 {low.shipped:,} 件中 {low.rate:.1%}，整体 {overall:.1%}）："
            "加强当地包装和门店的活动宣传",
        )
    ]


def _segment_advice(segments: Sequence[SegmentFigures], settings: RfmSettings) -> list[Advice]:
    at_risk = next((f for f in segments if f.segment is Segment.AT_RISK), None)
    if at_risk is None:
        return []
    total = sum(f.consumers for f in segments)
    return [
        Advice(
            f"{at_risk.consumers:,} of {total:,} scanners came back before but not in the last "
            f"{settings.recent_days:g} days (at risk): send them a win-back offer",
            f"{total:,} 位扫码者中有 {at_risk.consumers:,} 位曾多次扫码、但最近 "
            f"{settings.recent_days:g} 天没有扫码（流失风险）：向他们推送召回优惠",
        )
    ]


def advise(
    summary: CampaignSummary,
    rates: ScanRates | None = None,
    segments: Sequence[SegmentFigures] = (),
    settings: RfmSettings | None = None,
) -> tuple[Advice, ...]:
    """Recommendations, each with the figures behind it.

    >>> from algorithms.campaigns.analytics import CampaignScan, summarise
    >>> s = summarise([CampaignScan("a", 0, "江苏省", "first", 10.0),
    ...                CampaignScan("a", 2 * 86400, "江苏省"), CampaignScan("b", 0, "河北省")])
    >>> print(advise(s)[0].zh)
    江苏省每千元奖金带来的复购扫码人数最多（100.0，平均 100.0）：提高其预算
    """
    return tuple(
        _spend_advice(summary)
        + _prize_advice(summary)
        + _rate_advice(rates)
        + _segment_advice(segments, settings or RfmSettings())
    )
