"""API keys and the roles they carry.

A key is shown once when it is made and stored only as its SHA-256 digest: a key is 256 random
bits, so a fast digest is enough (a slow password hash protects guessable secrets, not these).
Roles are ranked; each may do what the roles below it may.

Examples
--------
>>> Role.OPERATOR.allows(Role.INVESTIGATOR), Role.REGULATOR.allows(Role.OPERATOR)
(True, False)
>>> secret = new_secret()
>>> secret.startswith("yima_"), len(key_digest(secret))
(True, 64)
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from graph_model.errors import InvalidField

__all__ = ["ApiKey", "Role", "check_key_name", "key_digest", "new_secret"]

SECRET_PREFIX = "yima_"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class Role(StrEnum):
    """What a key may do, from least to most."""

    REGULATOR = "regulator"  # provenance, recall, verification, exports; read only
    INVESTIGATOR = "investigator"  # every read, detection runs
    OPERATOR = "operator"  # capture, master data, commissioning, campaigns
    ADMIN = "admin"  # keys

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def allows(self, needed: Role) -> bool:
        """True when this role may do what ``needed`` may."""
        return self.rank >= needed.rank


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A stored key: never the secret, only its digest and what identifies it to people."""

    name: str
    role: Role
    digest: str
    hint: str  # the secret's first characters, so a holder can tell which key they have
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def new_secret() -> str:
    """A new key: the prefix and 256 bits from the OS random source."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def key_digest(secret: str) -> str:
    """The stored form of ``secret`` (hex SHA-256)."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def check_key_name(path: str, name: str) -> str:
    """``name`` when it is a usable key name, else :class:`InvalidField` at ``path``."""
    if not _NAME.fullmatch(name):
        raise InvalidField(
            path, "must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"
        )
    return name
