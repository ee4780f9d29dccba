"""Which database an operation reads (resolvers/sql.py, docs/scaling.md): a query that does not
ask for `viewer` may read a replica; a mutation, a subscription and `viewer` (what the signed-in
user just changed: follows, claims, invitations) read the primary."""

from __future__ import annotations

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
)

from resolvers.sql import route_reads

#: Root fields whose answers must show the caller's own writes.
PRIMARY_FIELDS = frozenset({"viewer"})


def _root_fields(selections: SelectionSetNode, document: DocumentNode, seen: set[str]) -> set[str]:
    names: set[str] = set()
    for node in selections.selections:
        if isinstance(node, FieldNode):
            names.add(node.name.value)
        elif isinstance(node, InlineFragmentNode):
            names |= _root_fields(node.selection_set, document, seen)
        elif isinstance(node, FragmentSpreadNode) and node.name.value not in seen:
            seen.add(node.name.value)
            for fragment in document.definitions:
                if (
                    isinstance(fragment, FragmentDefinitionNode)
                    and fragment.name.value == node.name.value
                ):
                    names |= _root_fields(fragment.selection_set, document, seen)
    return names


def route_operation(document: DocumentNode, definition: OperationDefinitionNode | None) -> None:
    """Mark where the operation about to run reads."""
    replica = (
        definition is not None
        and definition.operation is OperationType.QUERY
        and not PRIMARY_FIELDS & _root_fields(definition.selection_set, document, set())
    )
    route_reads(replica)
