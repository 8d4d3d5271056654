"""The one place a request's key is read: ``Authorization: Bearer KEY``.

The middleware finds the key's role, refuses a REST route the role may not call (401 without a
key, 403 with one too weak), and hands the caller to GraphQL as ``request.state.principal``,
where :mod:`api.security.graphql` decides per operation. A key that is unknown or revoked is
refused on every path. With auth off, every caller is an admin.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from api.rest.problems import problem
from api.security.policy import rest_role
from api.security.settings import SecuritySettings
from graph_model.errors import DatabaseUnavailable
from graph_model.keys import Role

__all__ = ["ANONYMOUS", "AccessMiddleware", "Principal", "refusal"]

log = logging.getLogger("yima.api.security")


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a key's name and role, or anonymous (``role`` None)."""

    name: str
    role: Role | None

    def may(self, needed: Role | None) -> bool:
        return needed is None or (self.role is not None and self.role.allows(needed))


ANONYMOUS = Principal("anonymous", None)
AUTH_OFF = Principal("anyone (auth off)", Role.ADMIN)


def refusal(principal: Principal, needed: Role) -> tuple[int, str]:
    """HTTP status and message for a caller refused what ``needed`` may do."""
    if principal.role is None:
        return 401, "authentication required: send Authorization: Bearer KEY"
    return 403, f"forbidden: a {principal.role.value} key may not do this (needs {needed.value})"


def _problem(status: int, detail: str) -> JSONResponse:
    answer = problem(status, detail, type_="about:blank")
    if status == 401:
        answer.headers["WWW-Authenticate"] = 'Bearer realm="yima"'
    return answer


def _bearer(scope: Scope) -> str | None:
    """The key of the Authorization header; ``""`` for a header that is no bearer key."""
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, key = value.decode("latin-1").strip().partition(" ")
            if not value.strip():
                return None  # an empty header sends no key
            return key.strip() if scheme.lower() == "bearer" and key.strip() else ""
    return None


class AccessMiddleware:
    def __init__(self, app: ASGIApp, settings: SecuritySettings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        try:
            principal = await self._principal(scope)
        except DatabaseUnavailable:
            answer = _problem(503, "the database is unavailable; try again shortly")
            await self._refuse(answer, scope, receive, send)
            return
        if principal is None:
            answer = _problem(401, "unauthorized: the key is unknown or revoked")
            await self._refuse(answer, scope, receive, send)
            return
        needed = rest_role(scope.get("method", "GET"), scope["path"])
        if needed is not None and not principal.may(needed):
            await self._refuse(_problem(*refusal(principal, needed)), scope, receive, send)
            return
        scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)

    async def _principal(self, scope: Scope) -> Principal | None:
        """The caller, or ``None`` for a key that opens nothing."""
        if not self.settings.auth:
            return AUTH_OFF
        secret = _bearer(scope)
        if secret is None:
            return ANONYMOUS
        if not secret:
            return None
        services = scope["app"].state.services
        key = await run_in_threadpool(services.keys.authenticate, secret)
        return None if key is None else Principal(key.name, key.role)

    async def _refuse(
        self, answer: JSONResponse, scope: Scope, receive: Receive, send: Send
    ) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 4000 + answer.status_code})
            return
        await answer(scope, receive, send)
