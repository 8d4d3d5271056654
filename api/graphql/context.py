"""Per-request GraphQL context: the application's services and this request's DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from services.application import Application

__all__ = ["Context"]


@dataclass
class Context:
    request: Request
    services: Application
    # DataLoaders live here, one set per request, never shared between requests.
    loaders: dict[str, Any] = field(default_factory=dict)
    response: Any = None
