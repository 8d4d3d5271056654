"""An API key as an admin sees it: never the key, only what identifies it."""

from __future__ import annotations

from datetime import datetime

import strawberry

from graph_model.keys import ApiKey as ApiKeyValue
from graph_model.keys import Role as RoleValue

__all__ = ["ApiKey", "Role"]

Role = strawberry.enum(RoleValue, name="Role", description="What an API key may do.")


@strawberry.type(description="An API key (`yima keys create`); the key itself is never shown.")
class ApiKey:
    name: str
    role: Role  # type: ignore[valid-type]
    hint: str = strawberry.field(description="The key's first characters.")
    created_at: datetime
    revoked_at: datetime | None

    @classmethod
    def from_domain(cls, key: ApiKeyValue) -> ApiKey:
        return cls(
            name=key.name,
            role=key.role,
            hint=key.hint,
            created_at=key.created_at,
            revoked_at=key.revoked_at,
        )
