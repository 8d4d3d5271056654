"""Risk control of one scan before any prize is drawn (实时风控).

Each signal is graded by thresholds in :class:`RiskSettings`: a strong one denies the prize, a
weaker one sends the scan to review (the smallest prize, held until released). The signals are
the usual marks of scan fraud:

- a code unknown to the graph (a fake) or already redeemed in the campaign (a recycled cap);
- a code other consumers scanned before (a copied code);
- impossible travel between one consumer's scans (geodesic distance over time);
- many accounts on one device or phone (a device farm), a burst of scans from one device or
  from one client address (a script);
- siblings of the code in its case scanned far away within minutes (codes copied from a
  warehouse and scanned in bulk elsewhere);
- membership in a referral ring;
- an anomaly score from a model trained on past scans, when one is given.

References
----------
C.F.F. Karney, "Algorithms for geodesics", Journal of Geodesy 87, 2013,
doi:10.1007/s00190-012-0578-z (geopy's geodesic).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from ipaddress import ip_address
from typing import Final

from geopy.distance import geodesic

from algorithms.campaigns.errors import CampaignInputError

__all__ = [
    "Decision",
    "RiskFacts",
    "RiskSettings",
    "count_far",
    "decide",
    "public_address",
    "travel_speed_kmh",
]

ALLOW: Final = "allow"
REVIEW: Final = "review"
DENY: Final = "deny"


@dataclass(frozen=True, slots=True)
class RiskSettings:
    """Thresholds of the risk rules; each ``*_deny`` is at least its ``*_review``."""

    #: Other consumers who scanned the code before: review at one, deny from this many.
    copied_review: int = 1
    copied_deny: int = 2
    #: Faster than this between a consumer's two scans (and further than ``travel_min_km``).
    travel_kmh: float = 800.0
    travel_min_km: float = 100.0
    #: Consumers on one device (this one included).
    device_accounts_review: int = 3
    device_accounts_deny: int = 5
    #: Consumers sharing a phone with this one (this one included).
    phone_accounts_review: int = 3
    phone_accounts_deny: int = 5
    #: Scans from the device within ``burst_minutes`` before this one.
    burst_minutes: float = 10.0
    burst_review: int = 6
    burst_deny: int = 15
    #: Scans from the client address within ``address_minutes`` before this one. A shop's
    #: Wi-Fi or a carrier's NAT puts many consumers behind one address, so these are high.
    address_minutes: float = 10.0
    address_review: int = 100
    address_deny: int = 400
    #: Siblings in the code's case scanned further than ``sibling_km`` within
    #: ``sibling_minutes`` of this scan.
    sibling_km: float = 200.0
    sibling_minutes: float = 60.0
    sibling_review: int = 1
    sibling_deny: int = 3
    #: Membership in a referral ring sends the scan to review.
    ring_review: bool = True
    #: Anomaly scores at or above these (an isolation forest's score in (0, 1]: about 0.5 and
    #: below is ordinary, near 1 isolated at once; past scans rarely score above 0.65).
    anomaly_review: float = 0.65
    anomaly_deny: float = 0.95

    def __post_init__(self) -> None:
        pairs = (
            ("copied", self.copied_review, self.copied_deny),
            ("device_accounts", self.device_accounts_review, self.device_accounts_deny),
            ("phone_accounts", self.phone_accounts_review, self.phone_accounts_deny),
            ("burst", self.burst_review, self.burst_deny),
            ("address", self.address_review, self.address_deny),
            ("sibling", self.sibling_review, self.sibling_deny),
            ("anomaly", self.anomaly_review, self.anomaly_deny),
        )
        for name, review, deny in pairs:
            if not 0 < review <= deny:
                raise CampaignInputError(f"{name}: need 0 < review <= deny, got {review}, {deny}")
        windows = (self.burst_minutes, self.address_minutes, self.sibling_minutes)
        if self.travel_kmh <= 0 or min(windows) <= 0:
            raise CampaignInputError("speeds and windows must be positive")


@dataclass(frozen=True, slots=True)
class RiskFacts:
    """What the graph says about one scan.

    ``here`` and ``previous`` are ``(lat, lon, epoch seconds)`` of this scan and of the
    consumer's latest located scan before it.
    """

    code_known: bool = True
    redeemed: bool = False
    other_scanners: int = 0
    here: tuple[float, float, float] | None = None
    previous: tuple[float, float, float] | None = None
    device_accounts: int = 1
    phone_accounts: int = 1
    device_recent: int = 0
    #: Scans from this scan's client address in the window (0 when the address is unknown).
    address_recent: int = 0
    far_siblings: int = 0
    ring_member: bool = False
    anomaly: float | None = None
    #: The consumer's scans before this one.
    history_scans: int = 0


@dataclass(frozen=True, slots=True)
class Decision:
    decision: str
    reasons: tuple[str, ...]
    score: float


def travel_speed_kmh(
    here: tuple[float, float, float], previous: tuple[float, float, float]
) -> tuple[float, float]:
    """``(km, km/h)`` between two located scans; an instant move is infinitely fast.

    >>> km, kmh = travel_speed_kmh((39.9, 116.4, 3600.0), (31.23, 121.47, 0.0))
    >>> round(km), round(kmh)
    (1066, 1066)
    """
    km = float(geodesic(here[:2], previous[:2]).km)
    hours = abs(here[2] - previous[2]) / 3600.0
    return km, (km / hours if hours > 0 else float("inf"))


def public_address(text: str | None) -> str | None:
    """``text`` when it is a public (globally routed) IP address, else ``None``.

    A loopback, private or link-local peer is a proxy or the operator's own network, never a
    consumer's, so it says nothing about who scanned: counting bursts on it would put every
    consumer behind an unconfigured proxy into one burst.

    >>> public_address("93.184.216.34"), public_address("10.0.0.7"), public_address("::1")
    ('93.184.216.34', None, None)
    >>> public_address("testclient") is None
    True
    """
    if text is None:
        return None
    try:
        address = ip_address(text)
    except ValueError:
        return None
    return str(address) if address.is_global else None


def _grade(value: float, review: float, deny: float) -> str | None:
    if value >= deny:
        return DENY
    if value >= review:
        return REVIEW
    return None


def decide(facts: RiskFacts, settings: RiskSettings | None = None) -> Decision:
    """The decision on one scan and every reason behind it, strongest first.

    The score is the share of signals that fired, a deny counting twice a review.

    Examples
    --------
    >>> decide(RiskFacts()).decision
    'allow'
    >>> d = decide(RiskFacts(device_accounts=6, ring_member=True))
    >>> d.decision, d.reasons
    ('deny', ('device used by 6 accounts', 'member of a referral ring'))
    """
    s = settings or RiskSettings()
    found: list[tuple[str, str]] = []
    if not facts.code_known:
        found.append((DENY, "code unknown to the brand"))
    if facts.redeemed:
        found.append((DENY, "code already redeemed"))
    grade = _grade(facts.other_scanners, s.copied_review, s.copied_deny)
    if grade:
        found.append((grade, f"code scanned before by {facts.other_scanners} other consumers"))
    if facts.here is not None and facts.previous is not None:
        km, kmh = travel_speed_kmh(facts.here, facts.previous)
        if km >= s.travel_min_km and kmh > s.travel_kmh:
            minutes = abs(facts.here[2] - facts.previous[2]) / 60
            found.append((DENY, f"impossible travel: {km:.0f} km in {minutes:.0f} min"))
    grade = _grade(facts.device_accounts, s.device_accounts_review, s.device_accounts_deny)
    if grade:
        found.append((grade, f"device used by {facts.device_accounts} accounts"))
    grade = _grade(facts.phone_accounts, s.phone_accounts_review, s.phone_accounts_deny)
    if grade:
        found.append((grade, f"phone shared by {facts.phone_accounts} accounts"))
    grade = _grade(facts.device_recent, s.burst_review, s.burst_deny)
    if grade:
        found.append(
            (grade, f"{facts.device_recent} scans from the device in {s.burst_minutes:g} min")
        )
    grade = _grade(facts.address_recent, s.address_review, s.address_deny)
    if grade:
        found.append(
            (grade, f"{facts.address_recent} scans from the address in {s.address_minutes:g} min")
        )
    grade = _grade(facts.far_siblings, s.sibling_review, s.sibling_deny)
    if grade:
        found.append(
            (
                grade,
                f"{facts.far_siblings} codes of the same case scanned over "
                f"{s.sibling_km:g} km away within {s.sibling_minutes:g} min",
            )
        )
    if facts.ring_member and s.ring_review:
        found.append((REVIEW, "member of a referral ring"))
    if facts.anomaly is not None:
        grade = _grade(facts.anomaly, s.anomaly_review, s.anomaly_deny)
        if grade:
            found.append((grade, f"anomaly score {facts.anomaly:.2f}"))
    found.sort(key=lambda f: f[0] != DENY)
    decision = DENY if any(g == DENY for g, _ in found) else REVIEW if found else ALLOW
    weight = sum(2 if g == DENY else 1 for g, _ in found)
    return Decision(decision, tuple(r for _, r in found), min(1.0, weight / 6))


def count_far(here: tuple[float, float], points: Sequence[tuple[float, float]], km: float) -> int:
    """How many of ``points`` lie further than ``km`` from ``here`` (geodesic).

    >>> count_far((31.23, 121.47), [(31.2, 121.4), (39.9, 116.4)], 200.0)
    1
    """
    return sum(1 for p in points if float(geodesic(here, p).km) > km)
