"""Document → plan tree: the fields an operation selects, merged the way graphql-core merges
them (fragments, inline fragments, aliases, @include/@skip), with each field's declaration.

The tree depends on the document, the operation and the values of the variables that
@include/@skip read, and is cached on exactly that: a partner's document is planned once.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    VariableNode,
    get_named_type,
    visit,
)
from graphql.execution.collect_fields import (
    FieldDetails,
    FragmentDetails,
    collect_fields,
    collect_subfields,
)
from graphql.execution.values import VariableValues
from graphql.language import Visitor

from resolvers.relations import NODE_TABLES, Unplanned
from schema.cost import Reads
from server.planner.stored import projection


@dataclass(eq=False)
class Sel:
    """One response key: the field, its merged nodes, its declaration, and its sub-selection
    for each object type it can return."""

    key: str
    name: str
    gfield: GraphQLField | None
    nodes: list[FieldNode]
    definition: Any = None
    reads: Reads | None = None
    children: dict[str, list[Sel]] = field(default_factory=dict)
    #: the shaper's fast path, set once here: a leaf's serialiser (None for lists and objects)
    leaf: Callable[[Any], Any] | None = None
    non_null: bool = False
    #: a synchronous resolver without arguments (called on the object), or a plain attribute
    call: Callable[[Any], Any] | None = None
    attribute: str | None = None
    #: a stored list (`reads(stored=…)`): parent object → the response value
    project: Callable[[Any], Any] | None = None
    #: an entity referenced by a value (`reads(node=…)` below the root): fetched by its id
    reference: bool = False
    #: a relation the database writes as response JSON (emit.py; None: not yet known)
    emits: bool | None = None
    #: the variables read by its arguments and its fields' (and theirs only), once known
    variables: tuple[str, ...] | None = None
    child_variables: tuple[str, ...] | None = None

    def prepare(self) -> None:
        assert self.gfield is not None
        gtype = self.gfield.type
        self.non_null = isinstance(gtype, GraphQLNonNull)
        inner = gtype.of_type if isinstance(gtype, GraphQLNonNull) else gtype
        if isinstance(inner, GraphQLScalarType | GraphQLEnumType):
            self.leaf = inner.serialize
        if self.reads is not None and self.reads.relation is not None:
            return
        resolver = getattr(self.definition, "base_resolver", None)
        if resolver is None:
            self.attribute = self.definition.python_name
        elif not resolver.is_async and not resolver.arguments and not resolver.info_parameter:
            self.call = resolver.wrapped_func


def _definition(gfield: GraphQLField) -> Any:
    return (gfield.extensions or {}).get("strawberry-definition")


def _sels(
    schema: GraphQLSchema,
    fragments: dict[str, FragmentDetails],
    variables: VariableValues,
    operation: OperationDefinitionNode,
    parent: GraphQLObjectType,
    grouped: dict[str, list[FieldDetails]],
) -> list[Sel]:
    out = []
    for key, details in grouped.items():
        nodes = [d.node for d in details]
        if any(d.defer_usage is not None for d in details):
            raise Unplanned("@defer")
        name = nodes[0].name.value
        if name == "__typename":
            out.append(Sel(key, name, None, nodes))
            continue
        if name.startswith("__"):
            raise Unplanned("introspection")
        gfield = parent.fields[name]
        definition = _definition(gfield)
        metadata = getattr(definition, "metadata", None) or {}
        sel = Sel(key, name, gfield, nodes, definition, metadata.get("reads"))
        sel.prepare()
        root = parent in (schema.query_type, schema.mutation_type)
        if sel.reads is not None and sel.reads.node is not None and not root:
            if getattr(definition, "base_resolver", None) is not None and sel.reads.ref is None:
                raise Unplanned(f"{parent.name}.{name}: a resolver's reference needs its ref")
            sel.reference = True
        named = get_named_type(gfield.type)
        if isinstance(named, GraphQLInterfaceType | GraphQLObjectType):
            if isinstance(named, GraphQLObjectType):
                possible = [named]
            else:
                # the node types the planner reads; any other makes the run fall back
                possible = [t for t in schema.get_possible_types(named) if t.name in NODE_TABLES]
            for runtime in possible:
                sub = collect_subfields(schema, fragments, variables, operation, runtime, details)
                sel.children[runtime.name] = _sels(
                    schema, fragments, variables, operation, runtime, sub.grouped_field_set
                )
        if sel.reads is not None and sel.reads.stored is not None:
            sel.project = projection(sel)
        out.append(sel)
    return out


def plan_tree(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: VariableValues,
) -> list[Sel]:
    """The root selections of a query or mutation (variables: only the directives' ones)."""
    fragments = {
        d.name.value: FragmentDetails(d)
        for d in document.definitions
        if isinstance(d, FragmentDefinitionNode)
    }
    mutation = operation.operation is OperationType.MUTATION
    root = schema.mutation_type if mutation else schema.query_type
    assert root is not None
    collected = collect_fields(schema, fragments, variables, root, operation)
    return _sels(schema, fragments, variables, operation, root, collected.grouped_field_set)


class _DirectiveVariables(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_directive(self, node: Any, *_args: Any) -> None:
        for arg in node.arguments or ():
            if isinstance(arg.value, VariableNode):
                self.names.add(arg.value.name.value)


def directive_variables(document: DocumentNode) -> tuple[str, ...]:
    """The variables @include/@skip read: a plan is cached per value of these."""
    visitor = _DirectiveVariables()
    visit(document, visitor)
    return tuple(sorted(visitor.names))


class TreeCache:
    """Plan trees per (document, operation, directive variable values), least recently used
    dropped first."""

    def __init__(self, size: int = 1000) -> None:
        self.size = size
        self.data: OrderedDict[Any, list[Sel] | Unplanned] = OrderedDict()
        self.names: dict[str, tuple[str, ...]] = {}

    def get(
        self,
        schema: GraphQLSchema,
        query: str,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: VariableValues,
    ) -> list[Sel]:
        names = self.names.get(query)
        if names is None:
            names = self.names[query] = directive_variables(document)
            if len(self.names) > self.size:
                self.names.clear()
        values = tuple(repr(variables.coerced.get(n)) for n in names)
        key = (query, operation.name.value if operation.name else None, values)
        found = self.data.get(key)
        if found is None:
            try:
                found = plan_tree(schema, document, operation, variables)
            except Unplanned as reason:
                found = reason
            self.data[key] = found
            if len(self.data) > self.size:
                self.data.popitem(last=False)
        else:
            self.data.move_to_end(key)
        if isinstance(found, Unplanned):
            raise found
        return found
