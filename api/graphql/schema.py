"""The GraphQL schema: queries and mutations gathered from their own modules."""

from __future__ import annotations

import strawberry
from strawberry.extensions import MaskErrors, QueryDepthLimiter

from api.graphql.mutations.capture_epcis import capture_epcis
from api.graphql.mutations.commission_codes import commission_codes

__all__ = ["schema"]


@strawberry.type
class Query:
    @strawberry.field(description="Always true; a cheap liveness probe through GraphQL.")
    def ok(self) -> bool:
        return True


@strawberry.type
class Mutation:
    capture_epcis = strawberry.mutation(resolver=capture_epcis)
    commission_codes = strawberry.mutation(resolver=commission_codes)


def _unexpected(error: Exception) -> bool:
    # Errors yima raises on purpose carry a message meant for the user; anything else is masked.
    from graph_model.errors import YimaError

    original = getattr(error, "original_error", None)
    return original is not None and not isinstance(original, YimaError)


schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    extensions=[
        lambda: QueryDepthLimiter(max_depth=12),
        lambda: MaskErrors(should_mask_error=_unexpected),
    ],
)
