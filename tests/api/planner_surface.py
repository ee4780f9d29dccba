"""The planned surface of the served schema, for the differential test: the read root fields
the planner answers, and only the fields and arguments it plans (graph slices, read from
Redis, have a surface of their own: SLICE_*), so that hypothesis-graphql spends its examples
where the planner can be wrong.

Generated documents are then made meaningful: ids come from the test's graph (with a few
unknown and malformed ones), `first` is brought into 0..12 and `after` is dropped, so most
documents reach the SQL instead of stopping at an argument error. Then some fields get aliases,
some paged fields a second aliased copy with another page size, and some selections move into
inline fragments under @include/@skip.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from graphql import (
    ArgumentNode,
    BooleanValueNode,
    DirectiveNode,
    DocumentNode,
    FieldDefinitionNode,
    FieldNode,
    GraphQLSchema,
    InlineFragmentNode,
    InterfaceTypeDefinitionNode,
    IntValueNode,
    ListValueNode,
    NamedTypeNode,
    NameNode,
    ObjectFieldNode,
    ObjectTypeDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    TypeDefinitionNode,
    ValueNode,
    build_ast_schema,
    parse,
    visit,
)
from graphql.language import Visitor
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

SDL = Path(__file__).resolve().parents[2] / "schema.graphql"
ROOTS = (
    "node",
    "nodes",
    "author",
    "authors",
    "work",
    "works",
    "topic",
    "institution",
    "source",
    "funder",
    "search",
)
#: what `search(text:)` asks for: prefixes, word starts, an exact name, and nothing
SEARCH_TEXTS = ("ådå", "Pro", "machine", "Ñame of", "unknown person", "zzz", "w", "Ada Łovelace")
#: fields the planner hands to the executor on purpose (a slice is computed by a worker: slice
#: documents have their own differential test, tests/slices/test_plan_equal.py)
LEFT_OUT = {("Author", "graphSlice")}
LEFT_OUT_ARGS: set[str] = set()
NODE_TYPES = {"Author", "Work", "Topic", "Institution", "Source", "Funder"}
#: the slice surface: `graphSlice`, what its stored JSON holds, and the entities it names
#: (`center`, `priorWorks { work }`); a stored node's entity and the deprecated GraphNode.id
#: are the executor's
SLICE_ROOTS = ("graphSlice",)
SLICE_LEFT_OUT = {("GraphNode", "node"), ("GraphNode", "id")}
#: the type a filter's id field names
FILTER_IDS = {
    "topic": "Topic",
    "institution": "Institution",
    "author": "Author",
    "source": "Source",
    "funder": "Funder",
}
#: the type a root field's `id` names
KINDS = {
    "author": "Author",
    "work": "Work",
    "topic": "Topic",
    "institution": "Institution",
    "source": "Source",
    "funder": "Funder",
}


def _named(node: Any) -> str:
    while not isinstance(node, NamedTypeNode):
        node = node.type
    return node.name.value


def _copy(node: Any, **changes: Any) -> Any:
    kwargs = {k: getattr(node, k) for k in node.keys if k != "loc"}
    return type(node)(**{**kwargs, **changes})


def planned_schema(
    roots: tuple[str, ...] = ROOTS,
    left_out: set[tuple[str, str]] = LEFT_OUT,
    start: tuple[str, ...] = tuple(NODE_TYPES),
) -> GraphQLSchema:
    """The served schema (schema.graphql) cut down to the planned surface: the `roots` of
    Query, every type they and `start` reach, without the fields in `left_out`."""
    document = parse(SDL.read_text())
    types: dict[str, TypeDefinitionNode] = {}
    others = []
    for definition in document.definitions:
        if isinstance(definition, TypeDefinitionNode):
            types[definition.name.value] = definition
        else:
            others.append(definition)

    def cut(definition: TypeDefinitionNode) -> TypeDefinitionNode:
        if not isinstance(definition, ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode):
            return definition
        name = definition.name.value
        fields: list[FieldDefinitionNode] = []
        for f in definition.fields or ():
            if name == "Query" and f.name.value not in roots:
                continue
            if (name, f.name.value) in left_out:
                continue
            arguments = tuple(a for a in f.arguments or () if a.name.value not in LEFT_OUT_ARGS)
            fields.append(_copy(f, arguments=arguments))
        result: TypeDefinitionNode = _copy(definition, fields=tuple(fields))
        return result

    kept: dict[str, TypeDefinitionNode] = {}
    todo = ["Query", *start]
    while todo:
        name = todo.pop()
        if name in kept or name not in types:
            continue
        kept[name] = cut(types[name])
        definition = kept[name]
        for f in getattr(definition, "fields", None) or ():
            todo.append(_named(f.type))
            todo.extend(_named(a.type) for a in getattr(f, "arguments", None) or ())
    return build_ast_schema(DocumentNode(definitions=(*others, *kept.values())))


class _Meaningful(Visitor):
    def __init__(
        self, pick_id: Callable[[int, str | None], str], slice_inputs: list[ValueNode]
    ) -> None:
        super().__init__()
        self.pick_id = pick_id
        self.slice_inputs = slice_inputs
        self.n = 0
        self.kind: str | None = None

    def enter_field(self, node: Any, *_args: Any) -> None:
        self.kind = KINDS.get(node.name.value)

    def enter_argument(self, node: ArgumentNode, *_args: Any) -> Any:
        name = node.name.value
        if name == "after":
            return self.REMOVE
        if name == "text":
            self.n += 1
            text = SEARCH_TEXTS[self.n % len(SEARCH_TEXTS)]
            return ArgumentNode(name=node.name, value=StringValueNode(value=text))
        if name == "input" and self.slice_inputs:
            self.n += 1
            value = self.slice_inputs[self.n % len(self.slice_inputs)]
            return ArgumentNode(name=node.name, value=value)
        if name == "id":
            return ArgumentNode(name=node.name, value=self._id())
        if name == "ids" and isinstance(node.value, ListValueNode):
            values = tuple(self._id() for _ in node.value.values)
            return ArgumentNode(name=node.name, value=ListValueNode(values=values))
        if name == "first" and isinstance(node.value, IntValueNode):
            value = IntValueNode(value=str(abs(int(node.value.value)) % 13))
            return ArgumentNode(name=node.name, value=value)
        if name in ("from", "to") and isinstance(node.value, IntValueNode):
            year = 2015 + abs(int(node.value.value)) % 8 + (3 if name == "to" else 0)
            return ArgumentNode(name=node.name, value=IntValueNode(value=str(year)))
        return None

    def enter_object_field(self, node: ObjectFieldNode, *_args: Any) -> Any:
        kind = FILTER_IDS.get(node.name.value)
        if kind is None or not isinstance(node.value, StringValueNode):
            return None
        self.n += 1
        return ObjectFieldNode(
            name=node.name, value=StringValueNode(value=self.pick_id(self.n, kind))
        )

    def _id(self) -> StringValueNode:
        self.n += 1
        return StringValueNode(value=self.pick_id(self.n, self.kind))


class _Variants(Visitor):
    """Aliases, a second copy of a paged field with another page size, and selections moved
    into inline fragments under @include/@skip: what graphql-core's field collection merges,
    and what hypothesis-graphql does not write itself."""

    def __init__(self) -> None:
        super().__init__()
        self.n = 0

    def leave_selection_set(self, node: SelectionSetNode, *_args: Any) -> Any:
        self.n += 1
        selections = list(node.selections)
        extra: list[Any] = []
        for index, selection in enumerate(selections):
            if not isinstance(selection, FieldNode) or selection.name.value.startswith("__"):
                continue
            self.n += 1
            if self.n % 3 == 0 and selection.alias is None:
                selections[index] = selection = _copy(selection, alias=NameNode(value=f"a{self.n}"))
            first = [a for a in selection.arguments or () if a.name.value == "first"]
            if self.n % 4 == 0 and first and isinstance(first[0].value, IntValueNode):
                size = IntValueNode(value=str((int(first[0].value.value) + 1) % 13))
                arguments = tuple(
                    _copy(a, value=size) if a.name.value == "first" else a
                    for a in selection.arguments or ()
                )
                alias = NameNode(value=f"b{self.n}")
                extra.append(_copy(selection, alias=alias, arguments=arguments))
        if self.n % 5 == 0 and len(selections) > 1:
            condition = "include" if self.n % 2 else "skip"
            directive = DirectiveNode(
                name=NameNode(value=condition),
                arguments=(
                    ArgumentNode(
                        name=NameNode(value="if"),
                        value=BooleanValueNode(value=condition == "include"),
                    ),
                ),
            )
            fragment = InlineFragmentNode(
                type_condition=None,
                directives=(directive,),
                selection_set=SelectionSetNode(selections=tuple(selections[1:])),
            )
            selections = [selections[0], fragment]
        return _copy(node, selections=tuple([*selections, *extra]))


def meaningful(
    document: DocumentNode,
    pick_id: Callable[[int, str | None], str],
    slice_inputs: list[ValueNode] | None = None,
) -> DocumentNode:
    """The document with real ids, small `first`s, plausible years and no `after`; each
    `graphSlice(input:)` asks for one of `slice_inputs` (the slices a test computed)."""
    visitor = _Meaningful(pick_id, slice_inputs or [])
    result: DocumentNode = visit(visit(document, visitor), _Variants())
    return result


def differential_settings(examples: int) -> hypothesis_settings:
    """The differential tests' hypothesis settings: the same documents on every run, so that CI is
    reproducible; PEERGRAPH_EXPLORE=1 draws new ones (keep what they find as regression cases)."""
    return hypothesis_settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        derandomize=os.environ.get("PEERGRAPH_EXPLORE") != "1",
    )
