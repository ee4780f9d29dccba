"""Stored mappings → the response: a field declared `reads(stored=…)` (a graph slice's nodes and
edges, as the worker stored them in Redis) is shaped straight from the mappings, one
comprehension per list, instead of building an object per item and walking its fields.

Each selected field of the item type is read from the mapping under its GraphQL name and
serialised by its GraphQL type, as the executor serialises the object the resolver builds from
the same mapping. A field of the item type with a resolver of its own (`GraphNode.node`) is not
stored: the plan falls back to the executor.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from graphql import (
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
)

from resolvers.relations import Unplanned

if TYPE_CHECKING:
    from server.planner.tree import Sel

Item = Mapping[str, Any]


def _serializer(gtype: GraphQLOutputType, where: str) -> Callable[[Any], Any]:
    """A value → its response form, raising Unplanned where the executor would report a null
    in a non-null position."""
    if isinstance(gtype, GraphQLNonNull):
        inner = _serializer(gtype.of_type, where)

        def non_null(value: Any) -> Any:
            if value is None:
                raise Unplanned(f"null in the non-null field {where}")
            return inner(value)

        return non_null
    if isinstance(gtype, GraphQLList):
        item = _serializer(gtype.of_type, where)
        return lambda value: None if value is None else [item(v) for v in value]
    if isinstance(gtype, GraphQLScalarType | GraphQLEnumType):
        serialize = gtype.serialize
        return lambda value: None if value is None else serialize(value)
    raise Unplanned(f"{where} is not a leaf")


#: scalars whose stored value is already its response form when it has this Python type
_WIRE_TYPES = {"String": str, "ID": str, "Int": int, "Float": float, "Boolean": bool}


def _column(
    name: str, gtype: GraphQLOutputType, where: str
) -> tuple[str, type | None, Callable[[Any], Any]]:
    """(stored key, the type a value needs to go out as it is, the serializer otherwise)."""
    inner = gtype.of_type if isinstance(gtype, GraphQLNonNull) else gtype
    wire = _WIRE_TYPES.get(inner.name) if isinstance(inner, GraphQLScalarType) else None
    return name, wire, _serializer(gtype, where)


def _keys(items: list[Any]) -> list[str] | None:
    """The keys of the first and last items, in order, when they agree (the worker writes every
    item of a list with one function)."""
    first, last = items[0], items[-1]
    if not isinstance(first, dict) or not isinstance(last, dict):
        return None
    keys = list(first)
    return keys if list(last) == keys else None


def projection(sel: Sel) -> Callable[[Any], list[dict[str, Any]]]:
    """parent object → the field's response value, from `reads.stored(parent)`."""
    assert sel.gfield is not None and sel.reads is not None and sel.reads.stored is not None
    stored = sel.reads.stored
    gtype = sel.gfield.type
    outer = gtype.of_type if isinstance(gtype, GraphQLNonNull) else gtype
    inner = outer.of_type if isinstance(outer, GraphQLList) else None
    named = inner.of_type if isinstance(inner, GraphQLNonNull) else inner
    if not isinstance(named, GraphQLObjectType) or list(sel.children) != [named.name]:
        raise Unplanned(f"{sel.key}: stored items are a list of one object type")
    typename: list[str] = []
    columns: list[tuple[str, str, type | None, Callable[[Any], Any]]] = []
    for child in sel.children[named.name]:
        if child.gfield is None:  # __typename
            typename.append(child.key)
            continue
        if getattr(child.definition, "base_resolver", None) is not None:
            raise Unplanned(f"{named.name}.{child.name} is not stored")
        where = f"{sel.key}.{child.key}"
        columns.append((child.key, *_column(child.name, child.gfield.type, where)))

    def shape(item: Item) -> dict[str, Any]:
        out: dict[str, Any] = {}
        # a value already in its response form (nearly all: the worker stores them so) goes
        # out as it is; anything else (null, an int for a Float, an enum) through its serializer
        for key, name, wire, serialize in columns:
            value = item[name]
            out[key] = value if type(value) is wire else serialize(value)
        for key in typename:
            out[key] = named.name
        return out

    names = [name for _key, name, _wire, _serialize in columns]
    as_stored = not typename and all(key == name for key, name, _w, _s in columns)

    def project(parent: Any) -> list[dict[str, Any]]:
        items: Sequence[Item] = stored(parent)
        if as_stored and isinstance(items, list) and items and _keys(items) == names:
            # the selection is the stored keys, in their order (the trusted slice document):
            # the worker wrote every item in its response form (workers/slices.py), so the list
            # goes out as it is, instead of 2,000 items rebuilt field by field (docs/slices.md)
            return items
        return [shape(item) for item in items]

    return project
