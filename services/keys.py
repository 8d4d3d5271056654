"""API keys: make one (shown once), list them, revoke one, and find who sends a key.

The API asks :meth:`KeyService.authenticate` on every request that carries a key; answers are
kept for ``cache_seconds`` so a request costs no database read, which bounds how long a key
revoked by another process (the CLI) keeps working. A revocation through this service takes
effect at once in this process.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from graph_model.database import Database
from graph_model.keys import ApiKey, Role, check_key_name, key_digest, new_secret
from graph_model.repositories.keys import KeyRepository

__all__ = ["IssuedKey", "KeyService"]

HINT_LENGTH = 9  # "yima_" and four characters of the secret
CACHE_ENTRIES = 10_000


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A key just made: its record and the secret, which is never stored nor shown again."""

    key: ApiKey
    secret: str


class KeyService:
    def __init__(self, db: Database, *, cache_seconds: float = 10.0) -> None:
        self._keys = KeyRepository(db)
        self._cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, ApiKey | None]] = {}
        self._lock = threading.Lock()

    def create(self, name: str, role: Role) -> IssuedKey:
        secret = new_secret()
        key = self._keys.create(
            check_key_name("name", name), role, key_digest(secret), secret[:HINT_LENGTH]
        )
        return IssuedKey(key, secret)

    def all(self) -> list[ApiKey]:
        return self._keys.all()

    def revoke(self, name: str) -> ApiKey:
        key = self._keys.revoke(name)
        with self._lock:
            self._cache.pop(key.digest, None)
        return key

    def authenticate(self, secret: str) -> ApiKey | None:
        """The active key ``secret`` is, or ``None`` (unknown or revoked)."""
        digest = key_digest(secret)
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(digest)
        if hit is not None and hit[0] > now:
            return hit[1]
        key = self._keys.by_digest(digest)
        found = key if key is not None and key.active else None
        if self._cache_seconds > 0:
            with self._lock:
                if len(self._cache) >= CACHE_ENTRIES:
                    self._cache.clear()  # unknown keys sent at random must not grow it unbounded
                self._cache[digest] = (now + self._cache_seconds, found)
        return found
