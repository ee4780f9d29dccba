"""The compiled plan of trusted `graphSlice` documents (docs/queries/slice.graphql): the stored
slice JSON projected onto the selection in one comprehension, instead of graphql-core resolving
2,000-10,000 fields of a 200-node slice one by one (docs/benchmarks.md, "Graph slices").

A document compiles when its one root field is `graphSlice(input: $var)` and it selects only
leaf fields of GraphSlice, GraphNode and GraphEdge (aliases and `__typename` allowed; no
`center`, no `node`, no fragments or directives). The plan answers the happy path: the input
variable must be well-formed (else None, and the general executor answers with its errors), and
any ApiError (BAD_USER_INPUT, SERVICE_UNAVAILABLE, RATE_LIMITED) also lets the general executor
answer. The slice is read and charged by the same code as the resolver (`request_slice`), after
the same pre-execution hooks (cost, budget); tests/slices/test_plan.py checks the answers are
identical to the general executor's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import DocumentNode, FieldNode, OperationDefinitionNode, OperationType, VariableNode

from resolvers.errors import ApiError
from resolvers.ids import to_global_id
from schema.context import Context
from workers.slice_spec import EDGE_KINDS

Getter = Callable[[dict[str, Any]], Any]

_INPUT_INTS = ("radius", "maxNodes", "yearFrom", "yearTo", "minSimilarity")
_INPUT_KEYS = {"center", "centers", "edgeKinds", "exclude", *_INPUT_INTS}
_INPUT_LISTS = ("centers", "edgeKinds", "exclude")
_EDGE_KINDS = frozenset(EDGE_KINDS)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


#: leaf fields → how to read them from the stored node / edge (Float fields as floats, as the
#: general executor serializes them)
_NODE: dict[str, Getter] = {
    "entityId": lambda n: n["entityId"],
    "kind": lambda n: n["kind"],
    "label": lambda n: n["label"],
    "hop": lambda n: n["hop"],
    "weight": lambda n: _float(n["weight"]),
    "hiddenNeighbors": lambda n: n["hiddenNeighbors"],
    "year": lambda n: n["year"],
    "firstYear": lambda n: n["firstYear"],
    "lastYear": lambda n: n["lastYear"],
    "citedByCount": lambda n: n["citedByCount"],
    "seeds": lambda n: n["seeds"],
    "__typename": lambda n: "GraphNode",
}
_EDGE: dict[str, Getter] = {
    "source": lambda e: e["source"],
    "target": lambda e: e["target"],
    "kind": lambda e: e["kind"],
    "weight": lambda e: float(e["weight"]),
    "__typename": lambda e: "GraphEdge",
}
#: The stored nodes' and edges' keys, in order (workers/slices.py `compute`, weights already
#: floats): a selection of exactly these, unaliased and in this order, is the stored list itself.
_STORED_NODE = [
    (k, k)
    for k in (
        "entityId",
        "kind",
        "label",
        "hop",
        "weight",
        "hiddenNeighbors",
        "year",
        "firstYear",
        "lastYear",
        "citedByCount",
        "seeds",
    )
]
_STORED_EDGE = [(k, k) for k in ("source", "target", "kind", "weight")]
_SLICE_LEAVES = {
    "id",
    "status",
    "retryAfterMs",
    "error",
    "truncated",
    "computedAt",
    "expiresAt",
    "__typename",
}


def _leaves(node: FieldNode, known: dict[str, Getter] | set[str]) -> list[tuple[str, str]]:
    """(response key, field name) of a selection of known leaves; None if anything else."""
    if node.selection_set is None:
        raise _NotCompilable
    out = []
    for sel in node.selection_set.selections:
        if not isinstance(sel, FieldNode) or sel.directives or sel.arguments:
            raise _NotCompilable
        name = sel.name.value
        if name not in known or sel.selection_set is not None:
            raise _NotCompilable
        out.append(((sel.alias or sel.name).value, name))
    return out


class _NotCompilable(Exception):
    pass


def _input(raw: Any) -> dict[str, Any] | None:
    """The input variable when it is exactly what GraphSliceInput accepts, else None."""
    if not isinstance(raw, dict) or not raw.keys() <= _INPUT_KEYS:
        return None
    if raw.get("center") is not None and not isinstance(raw["center"], str):
        return None
    for name in _INPUT_INTS:
        value = raw.get(name)
        if value is not None and (type(value) is not int or abs(value) >= 2**31):
            return None
    for name in _INPUT_LISTS:
        value = raw.get(name)
        if value is not None and (
            not isinstance(value, list) or not all(isinstance(v, str) for v in value)
        ):
            return None
    kinds = raw.get("edgeKinds")
    if kinds is not None and not set(kinds) <= _EDGE_KINDS:
        return None
    return raw


@dataclass
class SlicePlan:
    root_key: str
    variable: str
    top: list[tuple[str, str]]
    nodes: tuple[str, list[tuple[str, str]]] | None
    edges: tuple[str, list[tuple[str, str]]] | None

    async def run(self, variables: dict[str, Any] | None, ctx: Context) -> dict[str, Any] | None:
        """The response's `data`, or None to let the general executor answer."""
        from resolvers.slices import SliceState, build_spec, request_slice

        raw = _input((variables or {}).get(self.variable))
        if raw is None:
            return None
        try:
            spec = await build_spec(
                ctx,
                center=raw.get("center"),
                centers=raw.get("centers"),
                radius=1 if raw.get("radius") is None else raw["radius"],
                edge_kinds=raw.get("edgeKinds"),
                max_nodes=50 if raw.get("maxNodes") is None else raw["maxNodes"],
                exclude=raw.get("exclude") or None,
                year_from=raw.get("yearFrom"),
                year_to=raw.get("yearTo"),
                min_similarity=1 if raw.get("minSimilarity") is None else raw["minSimilarity"],
            )
            state = spec if isinstance(spec, SliceState) else await request_slice(ctx, spec)
        except ApiError:
            return None
        return {self.root_key: self.build(state)}

    def build(self, state: Any) -> dict[str, Any]:
        data = state.data or {}
        values = {
            "id": to_global_id("GraphSlice", state.digest or "unknown"),
            "status": state.status,
            "retryAfterMs": state.retry_after_ms,
            "error": state.error,
            "truncated": bool(data.get("truncated", False)),
            "computedAt": data.get("computedAt"),
            "expiresAt": data.get("expiresAt"),
            "__typename": "GraphSlice",
        }
        out: dict[str, Any] = {key: values[name] for key, name in self.top}
        if self.nodes is not None:
            key, fields = self.nodes
            stored = data.get("nodes", [])
            out[key] = (
                stored
                if fields == _STORED_NODE
                else [{k: _NODE[name](n) for k, name in fields} for n in stored]
            )
        if self.edges is not None:
            key, fields = self.edges
            stored = data.get("edges", [])
            out[key] = (
                stored
                if fields == _STORED_EDGE
                else [{k: _EDGE[name](e) for k, name in fields} for e in stored]
            )
        return out


def compile_slice(document: DocumentNode) -> SlicePlan | None:
    """The plan of a `graphSlice(input: $var) { … }` document, or None (not compilable)."""
    try:
        return _compile(document)
    except _NotCompilable:
        return None


def _compile(document: DocumentNode) -> SlicePlan:
    if len(document.definitions) != 1:
        raise _NotCompilable
    operation = document.definitions[0]
    if not isinstance(operation, OperationDefinitionNode):
        raise _NotCompilable
    if operation.operation is not OperationType.QUERY or operation.directives:
        raise _NotCompilable
    roots = list(operation.selection_set.selections)
    if len(roots) != 1 or not isinstance(roots[0], FieldNode) or roots[0].directives:
        raise _NotCompilable
    root = roots[0]
    args = root.arguments or ()
    if root.name.value != "graphSlice" or len(args) != 1 or args[0].name.value != "input":
        raise _NotCompilable
    if not isinstance(args[0].value, VariableNode):
        raise _NotCompilable
    variable = args[0].value.name.value
    declared = [v.variable.name.value for v in operation.variable_definitions or ()]
    if declared != [variable] or root.selection_set is None:
        raise _NotCompilable
    top: list[tuple[str, str]] = []
    nodes = edges = None
    for sel in root.selection_set.selections:
        if not isinstance(sel, FieldNode) or sel.directives or sel.arguments:
            raise _NotCompilable
        key, name = (sel.alias or sel.name).value, sel.name.value
        if name == "nodes" and nodes is None:
            nodes = (key, _leaves(sel, _NODE))
        elif name == "edges" and edges is None:
            edges = (key, _leaves(sel, _EDGE))
        elif name in _SLICE_LEAVES and sel.selection_set is None:
            top.append((key, name))
        else:
            raise _NotCompilable
    return SlicePlan((root.alias or root.name).value, variable, top, nodes, edges)
