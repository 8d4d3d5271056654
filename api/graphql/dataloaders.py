"""Per-request DataLoaders of provenance and verification.

Built on first use and kept in the request's :class:`~api.graphql.context.Context`, never
shared between requests. Every top-level ``code`` / ``verify`` field of one request (aliases
included) is answered by one batched query.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from api.graphql.context import Context
from graph_model.provenance import Provenance, VerifyFacts
from graph_model.repositories.provenance import ProvenanceRepository

__all__ = ["ProvenanceLoaders", "provenance_loaders"]

_KEY = "provenance"


class ProvenanceLoaders:
    """The loaders of one request, over one repository."""

    def __init__(self, repository: ProvenanceRepository) -> None:
        self.repository = repository
        self.trace: DataLoader[str, Provenance | None] = DataLoader(load_fn=self._trace)
        self.trace_raw: DataLoader[str, Provenance | None] = DataLoader(load_fn=self._trace_raw)
        self.verify: DataLoader[str, VerifyFacts] = DataLoader(load_fn=self._verify)

    async def _trace(self, codes: Sequence[str]) -> list[Provenance | None]:
        found = await asyncio.to_thread(self.repository.trace, codes)
        return [found.get(code) for code in codes]

    async def _trace_raw(self, codes: Sequence[str]) -> list[Provenance | None]:
        found = await asyncio.to_thread(self.repository.trace, codes, raw=True)
        return [found.get(code) for code in codes]

    async def _verify(self, codes: Sequence[str]) -> list[VerifyFacts]:
        found = await asyncio.to_thread(self.repository.verify_facts, codes)
        return [found[code] for code in codes]


def provenance_loaders(context: Context) -> ProvenanceLoaders:
    """This request's loaders, created on first use."""
    loaders = context.loaders.get(_KEY)
    if loaders is None:
        services = context.services
        repository = ProvenanceRepository(services.db)
        loaders = context.loaders[_KEY] = ProvenanceLoaders(repository)
    assert isinstance(loaders, ProvenanceLoaders)
    return loaders
