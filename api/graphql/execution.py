"""Execution of GraphQL documents, with a fast path for subtrees of plain attributes.

A full provenance answer has about 400 fields, and most are leaves of small objects: an
event's id, hash, type and times; a party's id, name and kind. graphql-core executes each
one through the general machinery — a path entry, a resolve-info object, the field's resolver
wrapper and value completion — at some 10 µs a field, which is more than the database query
costs. When every field selected on an object is a plain attribute (no resolver, no
arguments) of a scalar, an enum, a list of them, or an object or list of objects that are
plain in the same way, :class:`YimaExecutionContext` reads and serializes those attributes
directly.

The answer is the same as the general path's. The plan of an object is decided from the
schema and the document only; a leaf value the fast path does not take as it is (a null in a
non-null field, a value its scalar will not serialize, an attribute that raises) is handed to
the general path of that one field, and an error below an object field is absorbed or
propagated by graphql-core's own error handling, as the spec's null propagation says.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    OperationDefinitionNode,
    Undefined,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList, FragmentDetails, GroupedFieldSet
from graphql.pyutils import AwaitableOrValue, Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter

__all__ = ["YimaExecutionContext"]

_TYPENAME, _LEAF, _LEAF_LIST, _OBJECT, _OBJECT_LIST = range(5)

# One selected field: kind, response name, field group, attribute name, field type, whether
# null is allowed, and either the leaf's serializer or the object's type and plan.
_Entry = tuple[int, str, FieldDetailsList, str, GraphQLOutputType, bool, Any, Any]
_Plan = list[_Entry]

# Plans shared by executions of the same parsed document (the parser cache hands out the same
# nodes again): keyed by the parent type and the identities of the selected field nodes, which
# the entry keeps alive so that no other node can take their identity. Only documents without
# directives share plans, since ``@skip(if: $x)`` makes the fields below depend on variables.
_SHARED_PLANS_MAX = 2048
_shared_plans: dict[tuple[Any, ...], tuple[list[FieldNode], _Plan | None]] = {}
_static_operations: dict[int, tuple[OperationDefinitionNode, bool]] = {}


def _has_directives(node: Any, fragments: dict[str, FragmentDetails]) -> bool:
    selection_set = getattr(node, "selection_set", None)
    for selection in () if selection_set is None else selection_set.selections:
        if selection.directives:
            return True
        if isinstance(selection, FragmentSpreadNode):
            details = fragments.get(selection.name.value)
            if details is None:
                return True
            fragment = details.definition
            if fragment.directives or _has_directives(fragment, fragments):
                return True
        elif _has_directives(selection, fragments):
            return True
    return False


class YimaExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context plus the plain-attribute fast path of this module."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Plans of this execution by the identity of their field set; graphql-core memoizes
        # the field sets of each selection, so list items share one plan. The set is kept
        # with its plan so that its identity cannot be reused while the execution runs.
        self._plans: dict[int, tuple[GroupedFieldSet, _Plan | None]] = {}
        # Field middleware (a schema extension with a ``resolve`` hook) sees every field.
        middleware = self.middleware_manager
        self._fast = middleware is None or not middleware.middlewares
        self._shared = self._fast and self._static()

    def _static(self) -> bool:
        """Whether the operation's selections are the same whatever its variables."""
        operation = self.operation
        known = _static_operations.get(id(operation))
        if known is None or known[0] is not operation:
            static = not _has_directives(operation, self.fragments)
            if len(_static_operations) >= _SHARED_PLANS_MAX:
                _static_operations.clear()
            known = _static_operations[id(operation)] = (operation, static)
        return known[1]

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        plan = self._plan(parent_type, grouped_field_set)
        if plan is None:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        return self._run(plan, parent_type, source_value, path)

    def _plan(self, parent_type: GraphQLObjectType, fields: GroupedFieldSet) -> _Plan | None:
        cached = self._plans.get(id(fields))
        if cached is not None:
            return cached[1]
        if not self._fast:
            plan = None
        elif self._shared:
            nodes = [details.node for group in fields.values() for details in group]
            key = (parent_type, *map(id, nodes))
            shared = _shared_plans.get(key)
            if shared is None:
                if len(_shared_plans) >= _SHARED_PLANS_MAX:
                    _shared_plans.clear()
                shared = _shared_plans[key] = (nodes, self._build_plan(parent_type, fields))
            plan = shared[1]
        else:
            plan = self._build_plan(parent_type, fields)
        self._plans[id(fields)] = (fields, plan)
        return plan

    def _build_plan(self, parent_type: GraphQLObjectType, fields: GroupedFieldSet) -> _Plan | None:
        """How to read every field of the set directly, or None when one needs the general
        path."""
        plan: _Plan = []
        for response_name, field_details_list in fields.items():
            first = field_details_list[0]
            name = first.node.name.value
            if name == "__typename":
                entry = (_TYPENAME, response_name, field_details_list, "", None, False, None, None)
                plan.append(entry)  # type: ignore[arg-type]
                continue
            field_def = self.schema.get_field(parent_type, name)
            if field_def is None or field_def.args or first.node.arguments:
                return None
            if first.defer_usage is not None or not getattr(field_def.resolve, "_is_default", 0):
                return None
            definition = (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
            if definition is None or definition.default_resolver is not getattr:
                return None
            field_type: GraphQLOutputType = field_def.type
            nullable = not isinstance(field_type, GraphQLNonNull)
            named: Any = (
                field_type.of_type if isinstance(field_type, GraphQLNonNull) else field_type
            )
            is_list = isinstance(named, GraphQLList)
            if is_list:
                if not isinstance(named.of_type, GraphQLNonNull):
                    return None
                named = named.of_type.of_type
            detail: Any
            sub: _Plan | None = None
            if is_leaf_type(named):
                kind, detail = (_LEAF_LIST if is_list else _LEAF), named.coerce_output_value
            elif isinstance(named, GraphQLObjectType) and named.is_type_of is None:
                sub_fields = self.collect_subfields(named, field_details_list)[0]
                detail, sub = named, self._plan(named, sub_fields)
                if sub is None:
                    return None
                kind = _OBJECT_LIST if is_list else _OBJECT
            else:
                return None
            attribute = definition.python_name
            plan.append(
                (
                    kind,
                    response_name,
                    field_details_list,
                    attribute,
                    field_type,
                    nullable,
                    detail,
                    sub,
                )
            )
        return plan

    def _run(
        self, plan: _Plan, parent_type: GraphQLObjectType, source: Any, path: Path | None
    ) -> dict[str, Any]:
        results: dict[str, Any] = {}
        type_name = parent_type.name
        for kind, response_name, fields, attribute, field_type, nullable, detail, sub in plan:
            if kind == _TYPENAME:
                results[response_name] = type_name
                continue
            value: Any = Undefined
            try:
                raw = getattr(source, attribute)
            except Exception:  # the general path below reports it as the spec says
                raw = Undefined
            if raw is None:
                if nullable:
                    value = None
            elif raw is Undefined:
                pass
            elif kind == _LEAF:
                value = _serialize(detail, raw)
            elif kind == _LEAF_LIST:
                if isinstance(raw, list | tuple):
                    items = [_serialize(detail, item) for item in raw]
                    if Undefined not in items:
                        value = items
            elif kind == _OBJECT:
                field_path = Path(path, response_name, type_name)
                try:
                    value = self._run(sub, detail, raw, field_path)
                except Exception as error:
                    self.handle_field_error(error, field_type, fields, field_path)
                    value = None
            elif isinstance(raw, list | tuple) and None not in raw:
                field_path = Path(path, response_name, type_name)
                try:
                    value = [
                        self._run(sub, detail, item, Path(field_path, index, None))
                        for index, item in enumerate(raw)
                    ]
                except Exception as error:
                    self.handle_field_error(error, field_type, fields, field_path)
                    value = None
            if value is Undefined:
                value = self.execute_field(
                    parent_type, source, fields, Path(path, response_name, type_name), None
                )
            results[response_name] = value
        return results


def _serialize(serialize: Callable[[Any], Any], raw: Any) -> Any:
    """The leaf's output value, or Undefined when the general path must report a problem."""
    try:
        value = serialize(raw)
    except Exception:
        return Undefined
    return Undefined if value is None else value
