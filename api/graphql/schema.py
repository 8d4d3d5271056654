"""The GraphQL schema: queries and mutations gathered from their own modules."""

from __future__ import annotations

import strawberry
from strawberry.extensions import MaskErrors, MaxTokensLimiter, ParserCache, ValidationCache

from api.graphql.execution import YimaExecutionContext
from api.graphql.extensions.limits import MAX_ALIASES, query_limits
from api.graphql.mutations.capture_epcis import capture_epcis
from api.graphql.mutations.channel_layout import channel_layout
from api.graphql.mutations.commission_codes import commission_codes
from api.graphql.mutations.detect_diversion import detect_diversion
from api.graphql.mutations.detect_referral_rings import detect_referral_rings
from api.graphql.mutations.detect_store_fraud import detect_store_fraud
from api.graphql.mutations.record_referral import record_referral
from api.graphql.mutations.record_scan import record_scan
from api.graphql.mutations.release_award import release_award
from api.graphql.mutations.save_campaign import save_campaign
from api.graphql.mutations.save_master_data import save_master_data
from api.graphql.mutations.spend_points import spend_points
from api.graphql.queries.api_keys import api_keys
from api.graphql.queries.campaign_analytics import (
    campaign_analytics,
    consumer_profile,
    scan_rates,
)
from api.graphql.queries.campaigns import campaign, campaigns
from api.graphql.queries.code import code
from api.graphql.queries.diversion import diversion_cases, diversion_flows, diversion_path
from api.graphql.queries.export import provenance_export
from api.graphql.queries.jobs import job, jobs
from api.graphql.queries.layout import layout_job, layout_plan
from api.graphql.queries.lot import lot, product_recall
from api.graphql.queries.referral_rings import referral_rings
from api.graphql.queries.referral_spread import referral_spread
from api.graphql.queries.store_fraud import store, store_fraud_clusters, store_fraud_evidence
from api.graphql.queries.supply import (
    demand_forecast,
    distribution,
    freshness,
    inventory,
    sell_through,
)
from api.graphql.queries.verify import verify
from api.security.graphql_access import AccessControl

__all__ = ["MAX_ALIASES", "MAX_TOKENS", "schema"]

MAX_TOKENS = 2000


@strawberry.type
class Query:
    @strawberry.field(description="Always true; a cheap liveness probe through GraphQL.")
    def ok(self) -> bool:
        return True

    campaign = strawberry.field(resolver=campaign)
    campaign_analytics = strawberry.field(resolver=campaign_analytics)
    consumer_profile = strawberry.field(resolver=consumer_profile)
    campaigns = strawberry.field(resolver=campaigns)
    api_keys = strawberry.field(resolver=api_keys)
    code = strawberry.field(resolver=code)
    demand_forecast = strawberry.field(resolver=demand_forecast)
    distribution = strawberry.field(resolver=distribution)
    diversion_cases = strawberry.field(resolver=diversion_cases)
    diversion_flows = strawberry.field(resolver=diversion_flows)
    diversion_path = strawberry.field(resolver=diversion_path)
    freshness = strawberry.field(resolver=freshness)
    inventory = strawberry.field(resolver=inventory)
    job = strawberry.field(resolver=job)
    jobs = strawberry.field(resolver=jobs)
    layout_job = strawberry.field(resolver=layout_job)
    layout_plan = strawberry.field(resolver=layout_plan)
    lot = strawberry.field(resolver=lot)
    product_recall = strawberry.field(resolver=product_recall)
    provenance_export = strawberry.field(resolver=provenance_export)
    store = strawberry.field(resolver=store)
    store_fraud_clusters = strawberry.field(resolver=store_fraud_clusters)
    store_fraud_evidence = strawberry.field(resolver=store_fraud_evidence)
    referral_rings = strawberry.field(resolver=referral_rings)
    referral_spread = strawberry.field(resolver=referral_spread)
    scan_rates = strawberry.field(resolver=scan_rates)
    sell_through = strawberry.field(resolver=sell_through)
    verify = strawberry.field(resolver=verify)


@strawberry.type
class Mutation:
    capture_epcis = strawberry.mutation(resolver=capture_epcis)
    channel_layout = strawberry.mutation(resolver=channel_layout)
    commission_codes = strawberry.mutation(resolver=commission_codes)
    detect_diversion = strawberry.mutation(resolver=detect_diversion)
    detect_store_fraud = strawberry.mutation(resolver=detect_store_fraud)
    detect_referral_rings = strawberry.mutation(resolver=detect_referral_rings)
    record_referral = strawberry.mutation(resolver=record_referral)
    record_scan = strawberry.mutation(resolver=record_scan)
    release_award = strawberry.mutation(resolver=release_award)
    save_campaign = strawberry.mutation(resolver=save_campaign)
    save_master_data = strawberry.mutation(resolver=save_master_data)
    spend_points = strawberry.mutation(resolver=spend_points)


def _unexpected(error: Exception) -> bool:
    # Errors yima raises on purpose carry a message meant for the user; anything else is masked.
    from graph_model.errors import YimaError

    original = getattr(error, "original_error", None)
    return original is not None and not isinstance(original, YimaError)


schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    execution_context_class=YimaExecutionContext,
    extensions=[
        query_limits,
        AccessControl,
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        # Clients send the same few documents again and again: parse and validate them once.
        lambda: ParserCache(maxsize=256),
        lambda: ValidationCache(maxsize=256),
        lambda: MaskErrors(should_mask_error=_unexpected),
    ],
)
