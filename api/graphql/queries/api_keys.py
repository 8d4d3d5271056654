"""``apiKeys``: every API key, revoked ones included (admin only, as every ``apiKey…`` field)."""

from __future__ import annotations

import asyncio
from typing import Any

from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.types.api_key import ApiKey

__all__ = ["api_keys"]


async def api_keys(info: Info[Context, Any]) -> list[ApiKey]:
    """Every API key by name: role, the key's first characters, when made and revoked."""
    keys = await asyncio.to_thread(info.context.services.keys.all)
    return [ApiKey.from_domain(key) for key in keys]
