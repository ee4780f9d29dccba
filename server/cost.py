"""Query cost, computed before execution the way GitHub's GraphQL API does it.

- Every field that pages (a `first`/`last` argument, or `ids`) is one *request*, made once per
  item its parents can return: `authors(first: 10) { … works(first: 20) }` is 1 + 10 requests
  and 10 + 10 * 20 = 210 nodes. A missing `first` counts as the field's default page size.
- The cost in points is requests / 100, rounded, at least 1, plus the extra weight of expensive
  fields, declared next to the field and multiplied through its parents:

      @strawberry.field(metadata=cost(weight=10))
      async def graph_slice(…) -> GraphSlice: …

- A query costing more than `MAX_QUERY_COST` points or able to return more than
  `MAX_QUERY_NODES` nodes is rejected with `MAX_COST_EXCEEDED` before any resolver runs.

Duplicated fields are counted each time they appear (execution would merge them), so the
estimate errs on the high side. Fragments are costed once and reused, so the analysis stays
linear in the document even when fragments spread into each other many times.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
    value_from_ast_untyped,
)
from graphql.execution.values import get_variable_values

import settings
from resolvers.pagination import DEFAULT_PAGE_SIZE
from schema.cost import DECLARED, Cost
from server.execution import Operation, RequestError, coded
from server.lru import LRU

MAX_COST_EXCEEDED = "MAX_COST_EXCEEDED"


PAGING_ARGS = ("first", "last")


@dataclass(frozen=True, slots=True)
class QueryCost:
    requests: int = 0
    nodes: int = 0
    weight: int = 0
    free: bool = False

    @property
    def points(self) -> int:
        if self.free:
            return 0
        return max(1, (self.requests + 50) // 100 + self.weight)

    def __add__(self, other: QueryCost) -> QueryCost:
        return QueryCost(
            self.requests + other.requests, self.nodes + other.nodes, self.weight + other.weight
        )


def declared(parent: str, gfield: GraphQLField, name: str) -> Cost | None:
    definition = (gfield.extensions or {}).get("strawberry-definition")
    metadata: Mapping[str, Any] = getattr(definition, "metadata", None) or {}
    found = metadata.get("cost")
    if isinstance(found, Cost):
        return found
    return DECLARED.get(f"{parent}.{name}")


def coerced_variables(schema: GraphQLSchema, op: Operation) -> dict[str, Any]:
    """The operation's variables as execution will see them (`100.0` for an `Int` is 100,
    defaults filled in), so that no input form escapes the cost; `BAD_USER_INPUT` when they do
    not coerce. Cached in `op.meta` (the planner runs with them too: server/execution.py)."""
    if "variable_values" in op.meta:
        known: dict[str, Any] = op.meta["variable_values"].coerced
        return known
    definitions = op.definition.variable_definitions if op.definition else ()
    found = get_variable_values(schema, definitions or (), op.variables or {})
    if isinstance(found, list):
        raise RequestError(
            [coded(e.message, "BAD_USER_INPUT") for e in found]
            or [coded("The variables do not fit the operation", "BAD_USER_INPUT")]
        )
    op.meta["variable_values"] = found
    return found.coerced


class _Analysis:
    def __init__(self, schema: GraphQLSchema, op: Operation) -> None:
        self.schema = schema
        self.variables = coerced_variables(schema, op)
        self.defaults: dict[str, Any] = {}
        if op.definition is not None:
            for var in op.definition.variable_definitions or ():
                if var.default_value is not None:
                    self.defaults[var.variable.name.value] = value_from_ast_untyped(
                        var.default_value
                    )
        self.fragments: dict[str, FragmentDefinitionNode] = {
            d.name.value: d
            for d in (op.document.definitions if op.document else ())
            if isinstance(d, FragmentDefinitionNode)
        }
        self.fragment_costs: dict[str, QueryCost] = {}
        #: the variables the analysis read, in order, and whether its result depends on no
        #: more than those (then `analyse` may reuse it)
        self.read: list[str] = []
        self.cacheable = True

    def value(self, node: ValueNode) -> Any:
        if isinstance(node, VariableNode):
            name = node.name.value
            self.read.append(name)
            return self.variables.get(name, self.defaults.get(name))
        if isinstance(node, ObjectValueNode):
            self.cacheable = False  # may hold variables anywhere inside
        if isinstance(node, IntValueNode):
            return int(node.value)
        if isinstance(node, ListValueNode):
            return [None] * len(node.values)
        return value_from_ast_untyped(node, self.variables)

    def selection_set(self, selection_set: SelectionSetNode | None, parent: Any) -> QueryCost:
        total = QueryCost()
        if selection_set is None:
            return total
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total = total + self.field(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                cond = selection.type_condition
                target = self.schema.get_type(cond.name.value) if cond else parent
                total = total + self.selection_set(selection.selection_set, target)
            elif isinstance(selection, FragmentSpreadNode):
                total = total + self.fragment(selection.name.value)
        return total

    def fragment(self, name: str) -> QueryCost:
        if name not in self.fragment_costs:
            self.fragment_costs[name] = QueryCost()  # guards against cycles
            fragment = self.fragments.get(name)
            if fragment is not None:
                target = self.schema.get_type(fragment.type_condition.name.value)
                self.fragment_costs[name] = self.selection_set(fragment.selection_set, target)
        return self.fragment_costs[name]

    def field(self, node: FieldNode, parent: Any) -> QueryCost:
        name = node.name.value
        if name.startswith("__") or not isinstance(
            parent, GraphQLObjectType | GraphQLInterfaceType
        ):
            return QueryCost()
        gfield = parent.fields.get(name)
        if gfield is None:
            return QueryCost()
        decl = declared(parent.name, gfield, name) or Cost()
        size = self.page_size(node, gfield, decl)
        child = self.selection_set(node.selection_set, get_named_type(gfield.type))
        if size is None:
            return QueryCost(child.requests, child.nodes, decl.weight + child.weight)
        return QueryCost(
            (1 if self.pages(gfield) else 0) + size * child.requests,
            size + size * child.nodes,
            decl.weight + size * child.weight,
        )

    @staticmethod
    def pages(gfield: GraphQLField) -> bool:
        return any(a in gfield.args for a in (*PAGING_ARGS, "ids"))

    def page_size(self, node: FieldNode, gfield: GraphQLField, decl: Cost) -> int | None:
        """Items the field can return, or None for a single object."""
        given = {a.name.value: a.value for a in node.arguments or ()}
        for arg in PAGING_ARGS:
            if arg not in gfield.args:
                continue
            value = self.value(given[arg]) if arg in given else _default(gfield, arg)
            if value is None and arg == "last" and "first" in gfield.args:
                continue
            if not isinstance(value, int) or isinstance(value, bool):
                value = decl.list_size or DEFAULT_PAGE_SIZE
            # a larger page is refused by the resolver with BAD_USER_INPUT
            return min(max(value, 0), settings.MAX_PAGE_SIZE)
        if "ids" in gfield.args:
            ids = self.value(given["ids"]) if "ids" in given else None
            count = len(ids) if isinstance(ids, list) else 1
            return min(count, settings.MAX_NODE_IDS)
        return decl.list_size


def _default(gfield: GraphQLField, arg: str) -> Any:
    default = gfield.args[arg].default_value
    return default if isinstance(default, int) else None


#: Results of `analyse`, by operation node (the executor caches parsed documents, so the same
#: document text brings the same node) and then by the values of the variables the analysis
#: read: the analysis walks the whole document, about as long as a small query's execution.
_MEMO: LRU[int, tuple[OperationDefinitionNode, tuple[str, ...], dict[bytes, QueryCost]]]
_MEMO = LRU(1000)


def _memo_key(schema: GraphQLSchema, names: tuple[str, ...], variables: Any) -> bytes | None:
    values = [variables.get(name) for name in names] if isinstance(variables, dict) else None
    try:
        return orjson.dumps(
            [id(schema), settings.MAX_PAGE_SIZE, settings.MAX_NODE_IDS, values, len(DECLARED)]
        )
    except TypeError:
        return None


def analyse(schema: GraphQLSchema, op: Operation) -> QueryCost:
    """The cost of the operation `op.definition` with its variables."""
    definition = op.definition
    if definition is None:
        return QueryCost()
    variables = coerced_variables(schema, op)
    entry = _MEMO.get(id(definition))
    if entry is not None and entry[0] is definition:
        key = _memo_key(schema, entry[1], variables)
        known = entry[2].get(key) if key is not None else None
        if known is not None:
            return known
    found, analysis = _analyse(schema, op)
    if analysis.cacheable:
        names = tuple(analysis.read)
        if entry is None or entry[0] is not definition:
            entry = (definition, names, {})
            _MEMO.put(id(definition), entry)
        key = _memo_key(schema, names, variables)
        if entry[1] == names and key is not None and len(entry[2]) < 64:
            entry[2][key] = found
    return found


def _analyse(schema: GraphQLSchema, op: Operation) -> tuple[QueryCost, _Analysis]:
    assert op.definition is not None
    analysis = _Analysis(schema, op)
    root = schema.get_root_type(op.definition.operation)
    total = analysis.selection_set(op.definition.selection_set, root)
    if root is not None and _only_free(analysis, op.definition.selection_set, root):
        return QueryCost(total.requests, total.nodes, total.weight, free=True), analysis
    return total, analysis


def _only_free(analysis: _Analysis, selection_set: SelectionSetNode, root: Any) -> bool:
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if selection.name.value == "__typename":
                continue
            gfield = root.fields.get(selection.name.value)
            decl = declared(root.name, gfield, selection.name.value) if gfield else None
            if decl is None or not decl.free:
                return False
        elif isinstance(selection, InlineFragmentNode):
            if not _only_free(analysis, selection.selection_set, root):
                return False
        else:
            fragment = analysis.fragments.get(selection.name.value)  # type: ignore[attr-defined]
            if fragment is None or not _only_free(analysis, fragment.selection_set, root):
                return False
    return True


def check(schema: GraphQLSchema, op: Operation) -> QueryCost:
    """The operation's cost; raises `MAX_COST_EXCEEDED` over the limits."""
    return enforce(analyse(schema, op))


def enforce(found: QueryCost) -> QueryCost:
    """`found`, or `MAX_COST_EXCEEDED` with the numbers when it is over the limits."""
    max_cost, max_nodes = settings.MAX_QUERY_COST, settings.MAX_QUERY_NODES
    if found.points > max_cost or found.nodes > max_nodes:
        over = (
            f"costs {found.points} points (the limit is {max_cost})"
            if found.points > max_cost
            else f"can return {found.nodes} nodes (the limit is {max_nodes})"
        )
        raise RequestError(
            [
                coded(
                    f"The query {over}: ask for smaller pages (`first`) or fewer nested"
                    " connections",
                    MAX_COST_EXCEEDED,
                    cost=found.points,
                    maxCost=max_cost,
                    nodeCount=found.nodes,
                    maxNodes=max_nodes,
                )
            ]
        )
    return found
