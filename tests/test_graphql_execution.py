"""The executor's fast path gives the answer of graphql-core's general path, errors included.

Each document runs twice against one small schema: once with strawberry's own execution
context and once with :class:`YimaExecutionContext`; data, error messages and error paths
must be equal. The values are chosen to hit every fallback of the fast path: nulls in
non-null fields (propagating to the nearest nullable parent), values a scalar will not
serialize, attributes that raise, enums, lists of leaves and of objects, aliases, fragments,
and ``@skip`` / ``@include`` with variables, where a plan shared between requests would be
wrong.
"""

from __future__ import annotations

import asyncio
import enum
from typing import Any

import pytest
import strawberry
from strawberry.extensions import ParserCache
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from api.graphql.execution import YimaExecutionContext
from api.graphql.schema import schema as yima_schema


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.type
class Leaf:
    name: str
    count: int | None
    colour: Colour
    tags: list[str]


class Exploding:
    """A source whose ``name`` raises, as a broken domain object would."""

    count = 1
    colour = Colour.RED
    tags: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        raise RuntimeError("name is broken")


@strawberry.type
class Branch:
    label: str
    leaf: Leaf | None
    strict_leaf: Leaf
    leaves: list[Leaf]
    maybe_leaves: list[Leaf] | None

    @strawberry.field
    def computed(self) -> str:
        return self.label.upper()


def _leaf(name: Any = "a", count: Any = 1, colour: Any = Colour.RED, tags: Any = None) -> Any:
    return Leaf(name=name, count=count, colour=colour, tags=["x"] if tags is None else tags)


BRANCHES: dict[str, Any] = {
    "good": Branch(
        label="good",
        leaf=_leaf(),
        strict_leaf=_leaf("b", None, Colour.BLUE, []),
        leaves=[_leaf("c"), _leaf("d", 2)],
        maybe_leaves=[_leaf("e")],
    ),
    # a null name inside a nullable object: the object becomes null
    "null_in_nullable": Branch(
        label="n", leaf=_leaf(name=None), strict_leaf=_leaf(), leaves=[], maybe_leaves=None
    ),
    # a null name in a non-null object of the non-null list `leaves`: the branch becomes null
    "null_in_strict_list": Branch(
        label="s", leaf=None, strict_leaf=_leaf(), leaves=[_leaf(name=None)], maybe_leaves=[]
    ),
    # a null in a nullable list of non-null objects: the list becomes null
    "null_in_maybe_list": Branch(
        label="m", leaf=None, strict_leaf=_leaf(), leaves=[], maybe_leaves=[_leaf(name=None)]
    ),
    # values the scalars refuse, an enum member that is not one, a tag list that is a string
    "bad_scalars": Branch(
        label="b",
        leaf=_leaf(count="many"),
        strict_leaf=_leaf(colour="green"),
        leaves=[_leaf(tags="xyz")],
        maybe_leaves=[_leaf(count=2**40)],
    ),
    "raising": Branch(
        label="r", leaf=Exploding(), strict_leaf=_leaf(), leaves=[], maybe_leaves=None
    ),
    "null_list_item": Branch(
        label="i", leaf=None, strict_leaf=_leaf(), leaves=[], maybe_leaves=[None]
    ),
}


@strawberry.type
class Query:
    @strawberry.field
    def branch(self, key: str) -> Branch | None:
        return BRANCHES[key]

    @strawberry.field
    def strict_branch(self, key: str) -> Branch:
        return BRANCHES[key]


plain = strawberry.Schema(Query, execution_context_class=StrawberryGraphQLCoreExecutionContext)
# With the parser cache, as yima's schema has it: requests then share their parsed documents,
# and with them the fast path's plans.
fast = strawberry.Schema(
    Query, execution_context_class=YimaExecutionContext, extensions=[ParserCache]
)

LEAF = "name count colour tags __typename"
DOCUMENTS = [
    f"query ($k: String!) {{ branch(key: $k) {{ label leaf {{ {LEAF} }} strictLeaf {{ {LEAF} }}"
    f" leaves {{ {LEAF} }} maybeLeaves {{ {LEAF} }} }} }}",
    f"query ($k: String!) {{ strictBranch(key: $k) {{ computed leaves {{ {LEAF} }} }} }}",
    "query ($k: String!) { b: branch(key: $k) { l: leaf { n: name, again: name } "
    "...F } } fragment F on Branch { strictLeaf { ... on Leaf { colour tags } } }",
    "query ($k: String!, $skip: Boolean!) { branch(key: $k) { leaf { name "
    "count @skip(if: $skip) colour @include(if: $skip) } } }",
]


def _run(schema: strawberry.Schema, document: str, variables: dict[str, Any]) -> Any:
    result = asyncio.run(schema.execute(document, variable_values=variables))
    errors = sorted((e.message, tuple(e.path or ())) for e in result.errors or [])
    return result.data, errors


@pytest.mark.parametrize("key", sorted(BRANCHES))
@pytest.mark.parametrize("document", DOCUMENTS)
def test_fast_path_answers_as_the_general_path(document: str, key: str) -> None:
    for skip in (False, True, False):  # the second document of a kind reuses shared plans
        variables = {"k": key, "skip": skip} if "$skip" in document else {"k": key}
        assert _run(fast, document, variables) == _run(plain, document, variables)


def test_null_propagates_to_the_nearest_nullable_parent() -> None:
    data, errors = _run(fast, DOCUMENTS[0], {"k": "null_in_strict_list"})
    assert data == {"branch": None}
    assert [path for _, path in errors] == [("branch", "leaves", 0, "name")]
    data, errors = _run(fast, DOCUMENTS[0], {"k": "null_in_nullable"})
    assert data is not None and data["branch"]["leaf"] is None
    assert data["branch"]["label"] == "n"


def test_skip_with_variables_is_not_served_from_another_requests_plan() -> None:
    document = DOCUMENTS[3]
    shown = _run(fast, document, {"k": "good", "skip": True})[0]
    hidden = _run(fast, document, {"k": "good", "skip": False})[0]
    assert shown == {"branch": {"leaf": {"name": "a", "colour": "RED"}}}
    assert hidden == {"branch": {"leaf": {"name": "a", "count": 1}}}


def test_yima_schema_uses_the_fast_executor() -> None:
    assert yima_schema.execution_context_class is YimaExecutionContext
