"""Referral campaigns (裂变) of the demo world: organic cascades and planted referral farms.

Over a given list of consumers, :func:`referral_world` makes

* organic cascades of varied shape: broadcasts (one big sharer, many direct referees),
  chains (person to person, deep), and mixtures of both;
* organic families: a member who brings one to three relatives onto one shared device
  (grandparents scanning with their son's phone), sometimes the same evening;
* organic colleagues: members of one cascade who often scan at one office;
* consumers who take part without referring or being referred;
* planted farms, each an account run by a farmer who fills an invite tree with fake accounts:
  ``device`` farms (the fakes made on the farmer's device or one more), ``phone`` farms (each
  fake on its own device, their phone numbers from a small SIM pool) and ``payout`` farms
  (devices and phones all different, rewards paid to one account). Fakes are made in bursts
  (some farms make a few a day instead), mostly scan exactly once, soon after joining (to
  claim the reward), at the farm's place, and never again.

The answer rows are what the graph would be loaded from: referrals ``(referrer_id,
referee_id, at, campaign)``, consumer identities ``(id, phone, device, payout, created_at)``
and consumer scans ``(consumer_id, at, lat, lon, device)``, times ISO 8601 with the offset
``+08:00``; ``truth`` says who was planted. Nothing here detects anything.

>>> world = referral_world(consumer_ids(2_000), seed=7)
>>> world.referrals[0].keys() == {"referrer_id", "referee_id", "at", "campaign"}
True
>>> len(world.truth["rings"]) > 0
True
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final, Literal, TypedDict

from graph_model.master import consumer_urn
from loaders.demo.world import DEFAULT_START

__all__ = [
    "ConsumerRow",
    "ReferralPolicy",
    "ReferralRow",
    "ReferralWorld",
    "ScanRow",
    "consumer_ids",
    "referral_world",
]

FarmKind = Literal["device", "phone", "payout"]
Shape = Literal["broadcast", "chain", "mixed"]

_HOUR: Final = 3_600
_DAY: Final = 86_400
# Seats of a few cities where the demo's consumers live (lat, lon).
_CITIES: Final = ((31.23, 121.47), (23.13, 113.26), (30.57, 104.07), (34.34, 108.94))


class ReferralRow(TypedDict):
    referrer_id: str
    referee_id: str
    at: str
    campaign: str


class ConsumerRow(TypedDict):
    id: str
    phone: str | None
    device: str
    payout: str | None
    created_at: str


class ScanRow(TypedDict):
    consumer_id: str
    at: str
    lat: float
    lon: float
    device: str


@dataclass(frozen=True, slots=True)
class ReferralPolicy:
    """The knobs of a referral world; the defaults give about 5 % of consumers in farms."""

    campaigns: tuple[str, ...] = ("spring-2025", "summer-2025")
    """Campaign names, run one after the other."""
    campaign_days: int = 30
    """Days each campaign runs; cascades start in its first two thirds."""
    alone_share: float = 0.25
    """Share of organic consumers who take part without referring or being referred."""
    shapes: tuple[tuple[Shape, float], ...] = (("broadcast", 0.2), ("chain", 0.2), ("mixed", 0.6))
    """Weights of the organic cascade shapes."""
    cascade_size_alpha: float = 1.2
    """Pareto shape of organic cascade sizes (heavier tail when smaller)."""
    max_cascade: int = 400
    """Largest organic cascade (before families join it)."""
    family_share: float = 0.06
    """Chance that an organic member brings one to three relatives onto their device."""
    family_evening_share: float = 0.3
    """Share of families whose relatives join the same evening as each other."""
    colleague_share: float = 0.1
    """Share of organic cascades of six or more with a group of colleagues at one office."""
    farm_share: float = 0.05
    """Share of the consumers used by farms (farmers and fakes)."""
    farm_fakes: tuple[int, int] = (6, 30)
    """Fewest and most fake accounts of one farm."""
    farm_kinds: tuple[tuple[FarmKind, float], ...] = (
        ("device", 0.4),
        ("phone", 0.3),
        ("payout", 0.3),
    )
    """Weights of the farm kinds."""
    slow_farm_share: float = 0.3
    """Share of farms making a few fakes a day over days instead of in bursts."""
    nested_farm_share: float = 0.5
    """Share of farmers who were themselves referred inside an organic cascade."""
    rereferred_share: float = 0.02
    """Share of organic members referred again in a later campaign."""


@dataclass(frozen=True, slots=True)
class ReferralWorld:
    """Referral rows, consumer identities, consumer scans and the planted truth.

    ``truth`` is ``{"rings": [{"id", "members", "kind"}], "organic_members": [...]}``:
    every consumer of the world is in exactly one ring or among the organic members.
    """

    referrals: tuple[ReferralRow, ...]
    consumers: tuple[ConsumerRow, ...]
    scans: tuple[ScanRow, ...]
    truth: dict[str, Any]

    def write(self, directory: str | Path) -> Path:
        """Write ``referrals.csv``, ``consumers.csv``, ``scans.csv`` and
        ``referral-truth.json`` into ``directory`` (made if missing)."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        tables: tuple[tuple[str, Sequence[Mapping[str, Any]], type], ...] = (
            ("referrals.csv", self.referrals, ReferralRow),
            ("consumers.csv", self.consumers, ConsumerRow),
            ("scans.csv", self.scans, ScanRow),
        )
        for name, rows, row_type in tables:
            with (out / name).open("w", newline="", encoding="utf-8") as f:
                writer = csv.DictWriter(f, fieldnames=list(row_type.__annotations__))
                writer.writeheader()
                writer.writerows(rows)
        truth = json.dumps(self.truth, ensure_ascii=False, indent=2, sort_keys=True)
        (out / "referral-truth.json").write_text(truth, encoding="utf-8")
        return out


def consumer_ids(count: int) -> list[str]:
    """Consumer keys numbered as the demo network numbers its consumers.

    >>> consumer_ids(2)
    ['urn:yima:consumer:c0000000', 'urn:yima:consumer:c0000001']
    """
    return [consumer_urn(f"c{i:07d}") for i in range(count)]


@dataclass(slots=True)
class _Member:
    """One consumer while the world is made; times in seconds after the world's start."""

    id: str
    created: int
    device: str
    phone: str | None
    payout: str | None
    home: tuple[float, float]
    office: tuple[float, float] | None = None
    scans: list[tuple[int, tuple[float, float]]] = field(default_factory=list)


@dataclass(slots=True)
class _Cascade:
    campaign: str
    joined: dict[str, int]  # member id -> when they joined (the root: when it started sharing)


def referral_world(
    consumers: Sequence[str],
    seed: int,
    *,
    policy: ReferralPolicy | None = None,
    start: datetime = DEFAULT_START,
) -> ReferralWorld:
    """A referral world over ``consumers``, the same for the same arguments.

    Parameters
    ----------
    consumers
        Distinct consumer ids; every one of them is used (in a ring or as an organic member).
    seed
        Seeds every random choice.
    policy
        The knobs; :class:`ReferralPolicy` by default.
    start
        Timezone-aware start of the first campaign.
    """
    if len(set(consumers)) != len(consumers):
        raise ValueError("consumers: ids must be distinct")
    if start.utcoffset() is None:
        raise ValueError("start must be timezone-aware")
    maker = _Maker(random.Random(f"yima-demo-referrals:{seed}"), policy or ReferralPolicy())
    pool = list(consumers)
    maker.rng.shuffle(pool)
    maker.make(pool)
    return maker.world(consumers, start)


class _Maker:
    """Makes one referral world; every draw comes from ``rng``, in a fixed order."""

    def __init__(self, rng: random.Random, policy: ReferralPolicy) -> None:
        self.rng = rng
        self.policy = policy
        self.members: dict[str, _Member] = {}
        self.referrals: list[tuple[str, str, int, str]] = []
        self.referred: set[tuple[str, str]] = set()  # (campaign, referee)
        self.cascades: list[_Cascade] = []
        self.rings: list[dict[str, Any]] = []
        self.fakes: set[str] = set()

    # -- identities ---------------------------------------------------------------------------

    def device(self) -> str:
        return f"dev-{self.rng.getrandbits(64):016x}"

    def phone(self) -> str:
        return f"1{self.rng.choice('3589')}{self.rng.randrange(10**9):09d}"

    def payout(self) -> str:
        return f"pay-{self.rng.getrandbits(48):012x}"

    def place(self) -> tuple[float, float]:
        lat, lon = self.rng.choice(_CITIES)
        r = self.rng.random
        return (round(lat + (r() - r()) * 0.2, 5), round(lon + (r() - r()) * 0.2, 5))

    def organic(
        self,
        cid: str,
        created: int,
        device: str | None = None,
        home: tuple[float, float] | None = None,
    ) -> _Member:
        """A person: their own phone (90 %) and payout account (70 %), and their own device
        and home unless they share a household's."""
        rng = self.rng
        member = _Member(
            cid,
            created,
            device=device or self.device(),
            phone=self.phone() if rng.random() < 0.9 else None,
            payout=self.payout() if rng.random() < 0.7 else None,
            home=home or self.place(),
        )
        self.members[cid] = member
        return member

    # -- the world ----------------------------------------------------------------------------

    def make(self, pool: list[str]) -> None:
        p = self.policy
        farm_ids = pool[: round(p.farm_share * len(pool))]
        organic = pool[len(farm_ids) :]
        alone = organic[: round(p.alone_share * len(organic))]
        for cid in alone:
            self.organic(cid, self.before_campaigns())
        self.make_cascades(organic[len(alone) :])
        self.make_farms(farm_ids)
        self.rerefer()
        for member in self.members.values():
            if member.id not in self.fakes:  # a farm's fakes scanned when they claimed
                self.scan_organically(member)

    def before_campaigns(self) -> int:
        return -int(self.rng.uniform(1, 365) * _DAY)

    def campaign_start(self, campaign: str) -> int:
        return self.policy.campaigns.index(campaign) * self.policy.campaign_days * _DAY

    def make_cascades(self, ids: list[str]) -> None:
        rng, p = self.rng, self.policy
        shapes, weights = zip(*p.shapes, strict=True)
        queue = ids[::-1]
        while queue:
            size = min(p.max_cascade, int(rng.paretovariate(p.cascade_size_alpha)))
            shape = rng.choices(shapes, weights)[0]
            campaign = rng.choice(p.campaigns)
            begin = self.campaign_start(campaign) + int(
                rng.uniform(0, p.campaign_days * 2 / 3) * _DAY
            )
            root = self.organic(queue.pop(), self.before_campaigns())
            cascade = _Cascade(campaign, {root.id: begin})
            self.cascades.append(cascade)
            order = [root.id]
            while len(order) < size and queue:
                parent = self.pick_parent(shape, order)
                mean = 0.5 * _DAY if shape == "broadcast" else 1.5 * _DAY
                at = cascade.joined[parent] + 60 + int(rng.expovariate(1 / mean))
                child = self.organic(queue.pop(), at - rng.randrange(60))
                self.refer(parent, child.id, at, cascade)
                order.append(child.id)
                if rng.random() < p.family_share:
                    order.extend(self.family(child, cascade, queue))
            if len(order) >= 6 and rng.random() < p.colleague_share:
                office = self.place()
                for cid in rng.sample(order, rng.randint(5, min(12, len(order)))):
                    self.members[cid].office = office

    def pick_parent(self, shape: Shape, order: list[str]) -> str:
        rng = self.rng
        if shape == "broadcast":
            return order[0] if rng.random() < 0.85 else rng.choice(order)
        if shape == "chain":
            return order[-1] if rng.random() < 0.8 else rng.choice(order[-3:])
        return rng.choice(order)

    def family(self, head: _Member, cascade: _Cascade, queue: list[str]) -> list[str]:
        """Relatives ``head`` refers onto their own device, living with them."""
        rng = self.rng
        evening = rng.random() < self.policy.family_evening_share
        joined = cascade.joined[head.id]
        relatives = []
        for _ in range(min(rng.randint(1, 3), len(queue))):
            delay = rng.randint(600, 2 * _HOUR) if evening else int(rng.expovariate(1 / 7 / _DAY))
            at = joined + 60 + delay
            relative = self.organic(
                queue.pop(), at - rng.randrange(60), device=head.device, home=head.home
            )
            self.refer(head.id, relative.id, at, cascade)
            relatives.append(relative.id)
        return relatives

    def refer(self, referrer: str, referee: str, at: int, cascade: _Cascade) -> None:
        self.referrals.append((referrer, referee, at, cascade.campaign))
        self.referred.add((cascade.campaign, referee))
        cascade.joined[referee] = at

    # -- farms --------------------------------------------------------------------------------

    def make_farms(self, ids: list[str]) -> None:
        rng, p = self.rng, self.policy
        kinds, weights = zip(*p.farm_kinds, strict=True)
        low, high = p.farm_fakes
        # Organic cascades a farmer may have joined before farming (never another farm).
        hosts = [c for c in self.cascades if len(c.joined) >= 3]
        queue = ids[::-1]
        while len(queue) > low:
            fakes = min(len(queue) - 1, rng.randint(low, high))
            if len(queue) - 1 - fakes < low:
                fakes = len(queue) - 1
            kind = rng.choices(kinds, weights)[0]
            self.farm(kind, queue.pop(), [queue.pop() for _ in range(fakes)], hosts)
        for cid in queue:  # too few left for a farm: they take part alone
            self.organic(cid, self.before_campaigns())

    def farm(
        self, kind: FarmKind, farmer_id: str, fake_ids: list[str], hosts: list[_Cascade]
    ) -> None:
        rng, p = self.rng, self.policy
        if hosts and rng.random() < p.nested_farm_share:
            cascade = rng.choice(hosts)
            parent = rng.choice(list(cascade.joined))
            at = cascade.joined[parent] + int(rng.uniform(0.5, 5) * _DAY)
            farmer = self.organic(farmer_id, at - rng.randrange(120))
            self.refer(parent, farmer_id, at, cascade)
        else:
            campaign = rng.choice(p.campaigns)
            begin = self.campaign_start(campaign) + int(rng.uniform(0, p.campaign_days / 2) * _DAY)
            farmer = self.organic(farmer_id, self.before_campaigns())
            cascade = _Cascade(campaign, {farmer_id: begin})
            self.cascades.append(cascade)
        if farmer.payout is None:
            farmer.payout = self.payout()
        devices = [farmer.device] + [self.device() for _ in range(rng.randint(0, 1))]
        phones = [farmer.phone or self.phone()] + [self.phone() for _ in range(rng.randint(1, 3))]
        site = self.place()
        made = [farmer_id]
        for cid, created in zip(
            fake_ids, self.sessions(cascade.joined[farmer_id], len(fake_ids)), strict=True
        ):
            fake = _Member(cid, created, device=self.device(), phone=None, payout=None, home=site)
            if kind == "device":
                fake.device = devices[0] if rng.random() < 0.7 else rng.choice(devices)
                fake.phone = self.phone() if rng.random() < 0.5 else None
            elif kind == "phone":
                fake.phone = rng.choice(phones)
            else:
                fake.phone = self.phone()
                fake.payout = farmer.payout
            self.members[cid] = fake
            self.fakes.add(cid)
            # Mostly the farmer invites; some fakes invite fakes, to look like a deeper cascade.
            referrer = farmer_id if len(made) < 3 or rng.random() < 0.8 else rng.choice(made[1:])
            self.refer(referrer, cid, created + rng.randint(5, 120), cascade)
            made.append(cid)
            self.claim(fake, created)
        self.rings.append(
            {"id": f"{kind}-farm-{len(self.rings) + 1}", "members": sorted(made), "kind": kind}
        )

    def sessions(self, begin: int, count: int) -> list[int]:
        """When each fake account is made: a few bursts, or a few a day for a slow farm."""
        rng = self.rng
        slow = rng.random() < self.policy.slow_farm_share
        times: list[int] = []
        t = begin + rng.randint(_HOUR, 2 * _DAY)
        while len(times) < count:
            batch = rng.randint(1, 4) if slow else rng.randint(4, 12)
            for _ in range(min(batch, count - len(times))):
                t += rng.randint(300, 1_800) if slow else rng.randint(60, 360)
                times.append(t)
            t += rng.randint(_DAY // 2, 2 * _DAY) if slow else rng.randint(_HOUR, _DAY)
        return times

    def claim(self, fake: _Member, created: int) -> None:
        """A fake scans once soon after joining to claim the reward; a few twice, a few never."""
        rng = self.rng
        draw = rng.random()
        if draw < 0.1:
            return
        first = created + rng.randint(600, 30 * _HOUR)
        fake.scans.append((first, self.near(fake.home, 0.0003)))
        if draw > 0.88:
            fake.scans.append((first + rng.randint(_DAY, 3 * _DAY), self.near(fake.home, 0.0003)))

    # -- later campaigns and scans -----------------------------------------------------------

    def rerefer(self) -> None:
        """Referrals of organic members again in a later campaign, always from an older
        account to a newer one, so that referrals across campaigns close no cycle."""
        rng, p = self.rng, self.policy
        if len(p.campaigns) < 2:
            return
        organic = sorted(
            (m for m in self.members.values() if m.id not in self.fakes), key=lambda m: m.created
        )
        for k in rng.sample(range(1, len(organic)), int(p.rereferred_share * len(organic))):
            referee = organic[k]
            referrer = organic[rng.randrange(k)]
            campaign = p.campaigns[-1]
            if (campaign, referee.id) in self.referred or referrer.created == referee.created:
                continue
            at = max(self.campaign_start(campaign), referee.created) + rng.randint(_HOUR, 20 * _DAY)
            self.refer(referrer.id, referee.id, at, _Cascade(campaign, {}))

    def scan_organically(self, member: _Member) -> None:
        """Scans as people buy: none, one, or several over weeks, at home or at the office."""
        rng = self.rng
        draw = rng.random()
        count = 0 if draw < 0.2 else 1 if draw < 0.5 else 2 + int(rng.expovariate(1 / 3))
        t = max(member.created, 0) + 300 + int(rng.expovariate(1 / 6 / _DAY))
        for _ in range(min(count, 30)):
            at_office = member.office is not None and rng.random() < 0.6
            where = member.office if at_office and member.office else member.home
            member.scans.append((t, self.near(where, 0.0005)))
            t += _HOUR + int(rng.expovariate(1 / 10 / _DAY))

    def near(self, where: tuple[float, float], spread: float) -> tuple[float, float]:
        r = self.rng.random
        return (
            round(where[0] + (r() - r()) * spread, 5),
            round(where[1] + (r() - r()) * spread, 5),
        )

    def world(self, consumers: Sequence[str], start: datetime) -> ReferralWorld:
        def iso(t: int) -> str:
            return (start + timedelta(seconds=t)).isoformat()

        members = [self.members[cid] for cid in consumers]
        scans = sorted((t, m.id, lat, lon, m.device) for m in members for t, (lat, lon) in m.scans)
        ringed = {cid for ring in self.rings for cid in ring["members"]}
        return ReferralWorld(
            referrals=tuple(
                ReferralRow(referrer_id=a, referee_id=b, at=iso(t), campaign=c)
                for a, b, t, c in sorted(self.referrals, key=lambda r: (r[2], r[1], r[3]))
            ),
            consumers=tuple(
                ConsumerRow(
                    id=m.id,
                    phone=m.phone,
                    device=m.device,
                    payout=m.payout,
                    created_at=iso(m.created),
                )
                for m in members
            ),
            scans=tuple(
                ScanRow(consumer_id=cid, at=iso(t), lat=lat, lon=lon, device=device)
                for t, cid, lat, lon, device in scans
            ),
            truth={
                "rings": self.rings,
                "organic_members": sorted(set(consumers) - ringed),
            },
        )
