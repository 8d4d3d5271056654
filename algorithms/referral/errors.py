"""The error raised when referral data cannot be measured as given."""

from __future__ import annotations

__all__ = ["ReferralInputError"]


class ReferralInputError(ValueError):
    """Referral data that breaks a precondition: a self-referral, a consumer referred twice in
    one campaign, referrals closing a cycle, a time without an offset, a bad setting.

    Parameters
    ----------
    field : str
        The offending input (``"edges"``, ``"at"``, ``"top"``, ...).
    reason : str
        Why it is rejected, naming the consumers at fault.
    consumers : tuple of str
        The consumers at fault, for a caller that reports them apart from the message.

    Examples
    --------
    >>> err = ReferralInputError("edges", "consumer 'a' refers itself", ("a",))
    >>> str(err), err.consumers
    ("edges: consumer 'a' refers itself", ('a',))
    """

    def __init__(self, field: str, reason: str, consumers: tuple[str, ...] = ()) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
        self.consumers = consumers
