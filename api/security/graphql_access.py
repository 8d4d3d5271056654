"""Access control of GraphQL operations, in one schema extension.

Before an operation executes, every root field it selects (through fragments too, skipped or
not) is held to :func:`api.security.policy.graphql_role` for the caller the middleware found.
One field refused refuses the whole operation: the answer carries no data, one error with
``extensions.code`` (``UNAUTHENTICATED``, ``FORBIDDEN``, ``RATE_LIMITED``) and the HTTP status
to match. An anonymous caller may record consumer scans only, within the rate limits per
device and per client address.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_operation_ast,
)
from graphql.utilities import value_from_ast_untyped
from strawberry.extensions import SchemaExtension

from api.security.client_address import client_address
from api.security.middleware import ANONYMOUS, Principal, refusal
from api.security.policy import PUBLIC_SCAN_FIELD, PUBLIC_SCAN_WITHHELD, graphql_role
from api.security.rate_limit import Limiter, RateLimiter, SharedRateLimiter
from api.security.settings import SecuritySettings
from graph_model.database import Database

__all__ = ["AccessControl", "ScanLimits"]

GRAPHQL_FIELDS = "graphql_fields"  # the request state key api.ops reads
INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})
PUBLIC_SCAN_KIND = "CONSUMER"


@dataclass(frozen=True, slots=True)
class ScanLimits:
    """The public scan's rate limiters, one set per application."""

    per_device: Limiter
    per_address: Limiter

    @classmethod
    def of(cls, settings: SecuritySettings, db: Database | None = None) -> ScanLimits:
        """In this process's memory, or in ``db`` shared by every process when the settings
        say so (``YIMA_SCAN_RATE_SHARED``)."""
        if settings.shared_scan_limits and db is not None:
            return cls(
                SharedRateLimiter(db, settings.scans_per_device),
                SharedRateLimiter(db, settings.scans_per_address),
            )
        return cls(RateLimiter(settings.scans_per_device), RateLimiter(settings.scans_per_address))


@dataclass(frozen=True, slots=True)
class _Refusal:
    status: int
    code: str
    message: str
    retry_after: float | None = None


def _root_fields(
    selection_set: SelectionSetNode, document: DocumentNode, seen: set[str] | None = None
) -> Iterator[FieldNode]:
    seen = set() if seen is None else seen
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _root_fields(selection.selection_set, document, seen)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
            seen.add(selection.name.value)
            for definition in document.definitions:
                if (
                    isinstance(definition, FragmentDefinitionNode)
                    and definition.name.value == selection.name.value
                ):
                    yield from _root_fields(definition.selection_set, document, seen)


def _paths(
    selection_set: SelectionSetNode | None, document: DocumentNode, prefix: str = ""
) -> Iterator[str]:
    """The path (``risk.reasons``) of every field selected under ``selection_set``."""
    if selection_set is None:
        return
    for field in _root_fields(selection_set, document):
        path = prefix + field.name.value
        yield path
        yield from _paths(field.selection_set, document, path + ".")


def _scan_input(field: FieldNode, variables: dict[str, Any] | None) -> dict[str, Any]:
    for argument in field.arguments or ():
        if argument.name.value == "input":
            value = value_from_ast_untyped(argument.value, variables)
            return value if isinstance(value, dict) else {}
    return {}


class AccessControl(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        ec = self.execution_context
        document = ec.graphql_document
        if document is not None:
            operation = get_operation_ast(document, ec.operation_name)
            if operation is not None:
                refused = self._check(operation, document)
                if refused is not None:
                    self._answer(refused)
        yield

    def _check(self, operation: OperationDefinitionNode, document: DocumentNode) -> _Refusal | None:
        request = self.execution_context.context.request
        state = request.app.state
        settings: SecuritySettings = state.security
        principal: Principal = getattr(request.state, "principal", ANONYMOUS)
        kind = operation.operation.value
        scans: list[FieldNode] = []
        fields = list(_root_fields(operation.selection_set, document))
        if hasattr(request, "scope"):  # the operation names the request in metrics
            request.scope.setdefault("state", {})[GRAPHQL_FIELDS] = [f.name.value for f in fields]
        for field in fields:
            name = field.name.value
            if name in INTROSPECTION_FIELDS:
                if not settings.introspection:
                    return _Refusal(403, "FORBIDDEN", "introspection is disabled on this server")
                continue
            needed = graphql_role(kind, name)
            if needed is not None and not principal.may(needed):
                status, message = refusal(principal, needed)
                code = "UNAUTHENTICATED" if status == 401 else "FORBIDDEN"
                return _Refusal(status, code, message)
            if name == PUBLIC_SCAN_FIELD and principal.role is None:
                scans.append(field)
        return self._limit_scans(scans, request) if scans else None

    def _limit_scans(self, scans: list[FieldNode], request: Any) -> _Refusal | None:
        """Anonymous scans: consumer scans only, each spending its device's and address's
        allowance."""
        limits: ScanLimits = request.app.state.scan_limits
        address = client_address(request, request.app.state.security.trusted_proxies)
        document = self.execution_context.graphql_document
        for field in scans:
            assert document is not None  # checked before the fields were read
            withheld = PUBLIC_SCAN_WITHHELD.intersection(_paths(field.selection_set, document))
            if withheld:
                return _Refusal(
                    403,
                    "FORBIDDEN",
                    "without a key a scan answers its verification, prize and risk decision; "
                    f"{', '.join(sorted(withheld))} {'needs' if len(withheld) == 1 else 'need'}"
                    " a key",
                )
            scan = _scan_input(field, self.execution_context.variables)
            if scan.get("kind") != PUBLIC_SCAN_KIND:
                return _Refusal(
                    401,
                    "UNAUTHENTICATED",
                    "authentication required: without a key only CONSUMER scans are recorded",
                )
            wait = limits.per_address.take(["address:" + address])
            device = scan.get("device")
            if wait is None and isinstance(device, str) and device:
                wait = limits.per_device.take(["device:" + device])
            if wait is not None:
                return _Refusal(429, "RATE_LIMITED", "too many scans; try again later", wait)
        return None

    def _answer(self, refused: _Refusal) -> None:
        ec = self.execution_context
        error = GraphQLError(refused.message, extensions={"code": refused.code})
        ec.result = ExecutionResult(data=None, errors=[error])
        response = getattr(ec.context, "response", None)
        if response is not None and hasattr(response, "status_code"):
            response.status_code = refused.status
            if refused.retry_after is not None:
                response.headers["Retry-After"] = str(max(1, round(refused.retry_after)))
