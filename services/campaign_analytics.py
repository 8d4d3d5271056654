"""What the brand learns from a campaign (``campaignAnalytics``, ``consumerProfile``,
``scanRates``, ``yima campaign report``): reach and repeat behaviour, scan rates of shipped
units, consumer segments and profiles from behaviour only, and recommendations with the
figures behind them.

Every figure is read from the graph: the scans the campaign decided
(:class:`graph_model.repositories.campaign_analytics.CampaignAnalyticsRepository`), the units
the brand's plants shipped and which of them consumers scanned, and each consumer's earlier
scans; the measuring is in :mod:`algorithms.campaigns`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from algorithms.campaigns.advice import Advice, advise
from algorithms.campaigns.analytics import CampaignScan, CampaignSummary, summarise
from algorithms.campaigns.errors import CampaignInputError
from algorithms.campaigns.profiles import (
    ConsumerProfile,
    ProfileScan,
    RfmSettings,
    Segment,
    SegmentFigures,
    hour_counts,
    profile,
    segment_figures,
    segments,
)
from algorithms.campaigns.scan_rates import ScanRate, ScanRates, ShippedLine, scan_rates
from graph_model.campaigns import StoredCampaign, covers_region
from graph_model.database import Database
from graph_model.errors import InvalidField, NotFound
from graph_model.repositories.campaign_analytics import CampaignAnalyticsRepository, CoveredScan
from graph_model.repositories.campaigns import CampaignRepository

__all__ = [
    "CampaignAnalytics",
    "CampaignAnalyticsService",
    "ConsumerProfileView",
    "ScanRate",
    "ScanRates",
    "Segment",
    "campaign_scans",
]

_DAY = 86_400.0


def _utc(moment: datetime) -> datetime:
    """``moment`` at offset zero (a time read back from Neo4j comes in the named zone UTC,
    which Neo4j holds unequal to the stored offset times)."""
    return moment.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class CampaignAnalytics:
    campaign: StoredCampaign
    #: The moment recency is measured at: the campaign's end, or now while it runs.
    as_of: datetime
    summary: CampaignSummary
    scan_rates: ScanRates
    #: Scanners whose first scan ever falls in the campaign, and those who scanned before.
    new_scanners: int
    returning_scanners: int
    segments: tuple[SegmentFigures, ...]
    advice: tuple[Advice, ...]
    #: Scans per hour of day on the clock of ``utc_offset_hours`` (China: +8).
    active_hours: tuple[int, ...]
    utc_offset_hours: float


@dataclass(frozen=True, slots=True)
class ConsumerProfileView:
    profile: ConsumerProfile
    period_start: datetime
    as_of: datetime
    home_region_name: str | None
    home_province: str | None


def campaign_scans(
    rows: Sequence[CoveredScan], provinces: dict[str, str | None]
) -> list[CampaignScan]:
    """The covered scans of consumers as the analytics algorithms take them."""
    return [
        CampaignScan(
            r.consumer,
            r.at,
            provinces.get(r.region or ""),
            r.level,
            r.cents / 100,
            r.region,
            r.code,
            r.gtin,
        )
        for r in rows
        if r.consumer
    ]


class CampaignAnalyticsService:
    def __init__(self, db: Database, settings: RfmSettings | None = None) -> None:
        self.repository = CampaignAnalyticsRepository(db)
        self.campaigns = CampaignRepository(db)
        self.settings = settings or RfmSettings()

    def analytics(self, campaign_id: str, now: datetime | None = None) -> CampaignAnalytics:
        """The campaign's figures; :class:`NotFound` for an unknown campaign."""
        k = self.campaigns.campaign(campaign_id)
        as_of = _utc(min(now or datetime.now(UTC), k.end))
        # Scans are decided only inside the window; the slices stop a day past now.
        until = min(_utc(k.end), _utc(now or datetime.now(UTC)) + timedelta(days=1))
        rows = self.repository.covered_scans(
            campaign_id, _utc(k.start), until + timedelta(seconds=1)
        )
        places = self.repository.regions([r.region for r in rows if r.region])
        scans = campaign_scans(rows, {c: p.province for c, p in places.items()})
        summary = summarise(scans)
        rates = self.scan_rates(k.products or None, k.regions, k.start, as_of)
        figures, new = self._segments(scans, _utc(k.start), as_of)
        return CampaignAnalytics(
            campaign=k,
            as_of=as_of,
            summary=summary,
            scan_rates=rates,
            new_scanners=new,
            returning_scanners=summary.scanners - new,
            segments=figures,
            advice=advise(summary, rates, figures, self.settings),
            active_hours=hour_counts([x.at for x in scans], self.settings.utc_offset_hours),
            utc_offset_hours=self.settings.utc_offset_hours,
        )

    def _segments(
        self, scans: Sequence[CampaignScan], start: datetime, as_of: datetime
    ) -> tuple[tuple[SegmentFigures, ...], int]:
        first: dict[str, float] = {}
        last: dict[str, float] = {}
        days: dict[str, set[int]] = {}
        units: dict[str, set[str]] = {}
        count: dict[str, int] = {}
        prize: dict[str, float] = {}
        for s in scans:
            c = s.consumer
            first[c] = min(first.get(c, s.at), s.at)
            last[c] = max(last.get(c, s.at), s.at)
            days.setdefault(c, set()).add(int(s.at // _DAY))
            units.setdefault(c, set()).add(s.code or f"{s.at}")
            count[c] = count.get(c, 0) + 1
            prize[c] = prize.get(c, 0.0) + s.amount
        people = sorted(first)
        if not people:
            return (), 0
        earlier = self.repository.first_scans_before(people, start)
        t = as_of.timestamp()
        labels = segments(
            [(t - last[c]) / _DAY for c in people],
            [len(days[c]) for c in people],
            [len(units[c]) for c in people],
            [(t - min(first[c], earlier.get(c, first[c]))) / _DAY for c in people],
            self.settings,
        )
        figures = segment_figures(
            labels,
            [count[c] for c in people],
            [len(units[c]) for c in people],
            [prize[c] for c in people],
        )
        return figures, sum(1 for c in people if c not in earlier)

    def scan_rates(
        self,
        products: Sequence[str] | None,
        regions: Sequence[str],
        start: datetime,
        end: datetime,
    ) -> ScanRates:
        """Scanned ÷ shipped of the units plants shipped up to ``end`` (of ``products``,
        ``None``: all; to parties within ``regions``, empty: anywhere), scanned by a consumer
        between ``start`` and ``end``; in total, by province and by product."""
        if end < start:
            raise InvalidField("to", "must not be before from")
        lines = self.repository.shipped(products, _utc(start), _utc(end))
        places = self.repository.parties([x.party for x in lines])
        kept = []
        for x in lines:
            place = places.get(x.party)
            if covers_region(regions, place.within if place else ()):
                kept.append(
                    ShippedLine(place.province if place else None, x.gtin, x.units, x.scanned)
                )
        return scan_rates(kept)

    def consumer_profile(
        self, consumer: str, campaign: str | None = None, now: datetime | None = None
    ) -> ConsumerProfileView:
        """A consumer's profile over a campaign's period (without one: the last
        ``lost_days``); :class:`NotFound` for an unknown consumer or campaign, or a consumer
        without scans in the period."""
        now = _utc(now or datetime.now(UTC))
        if campaign is not None:
            k = self.campaigns.campaign(campaign)
            start, as_of = _utc(k.start), min(now, _utc(k.end))
        else:
            start, as_of = now - timedelta(days=self.settings.lost_days), now
        rows, earlier = self.repository.consumer_scans(consumer, start, as_of, campaign)
        scans = [
            ProfileScan(at, region, code, gtin, cents / 100)
            for at, region, code, gtin, cents in rows
        ]
        try:
            made = profile(
                consumer, scans, as_of.timestamp(), start.timestamp(), earlier, self.settings
            )
        except CampaignInputError:
            raise NotFound(f"consumer {consumer!r} has no scans in the period") from None
        home = (
            self.repository.regions([made.home_region]).get(made.home_region)
            if made.home_region
            else None
        )
        return ConsumerProfileView(
            made, start, as_of, home.name if home else None, home.province if home else None
        )
