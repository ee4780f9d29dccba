"""The response from the statement's JSON, without graphql-core's per-field walk.

Each field's value comes from the same code the executor runs: a relation's `build` on the
fetched rows, a declared resolver called on the object built from its row (`Author.of(row)`),
or a plain attribute. Leaves are serialised by their GraphQL type. Anything the executor would
answer with an error (a null in a non-null field, an exception) stops the shaper with
`Unplanned`, and graphql-core's executor answers the whole operation instead, errors included.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import (
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
)
from strawberry.types.arguments import convert_arguments

from resolvers.relations import Unplanned
from server.planner.emit import splice
from server.planner.sql import Builder
from server.planner.tree import Sel


@dataclass
class _Info:
    """What a declared resolver may read from `info`: the request's context."""

    context: Any


def decode(value: Any) -> Any:
    """JSON the driver returned as text (SQLite, asyncpg's json), or already decoded."""
    return orjson.loads(value) if isinstance(value, str | bytes) else value


class Shaper:
    def __init__(self, builder: Builder, ctx: Any) -> None:
        self.builder = builder
        self.info = _Info(ctx)
        #: strawberry's schema (its scalars and name converter), for resolvers' arguments
        self.strawberry = builder.schema._strawberry_schema  # type: ignore[attr-defined]
        #: references to entities met while shaping a value read outside the database (a
        #: search hit's node): (the response object, its key, the field, the entity or its
        #: global id), filled once they are fetched (run.py)
        self.references: list[tuple[dict[str, Any], str, Sel, Any]] = []

    async def value(self, value: Any, gtype: GraphQLOutputType, sel: Sel) -> Any:
        if isinstance(gtype, GraphQLNonNull):
            out = await self.value(value, gtype.of_type, sel)
            if out is None:
                raise Unplanned(f"null in the non-null field {sel.key}")
            return out
        if value is None:
            return None
        if isinstance(gtype, GraphQLList):
            return [await self.value(item, gtype.of_type, sel) for item in value]
        if isinstance(gtype, GraphQLScalarType | GraphQLEnumType):
            return gtype.serialize(value)
        if isinstance(gtype, GraphQLObjectType):
            name = gtype.name
        else:  # Node: the object's own type (a generic's instance never gets here)
            name = value.__strawberry_definition__.name
        children = sel.children.get(name)
        if children is None:
            raise Unplanned(f"{name} in {sel.key}")
        return await self.object(value, name, children)

    async def object(self, obj: Any, type_name: str, sels: list[Sel]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for sel in sels:
            if sel.gfield is None:
                out[sel.key] = type_name
                continue
            if sel.project is not None:  # stored items, shaped without objects
                out[sel.key] = sel.project(obj)
                continue
            if sel.emits and id(sel) in self.builder.spliced:  # response JSON, as written
                out[sel.key] = splice(obj._row[self.builder.slots[id(sel)].key])
                continue
            if sel.reference:  # an entity to fetch with its selection: filled in later
                out[sel.key] = None
                assert sel.reads is not None
                ref = sel.reads.ref
                held = ref(obj) if ref is not None else getattr(obj, sel.definition.python_name)
                self.references.append((out, sel.key, sel, held))
                continue
            # the common case first: a column or attribute, serialised as a leaf
            if sel.call is not None:
                value = sel.call(obj)
            elif sel.attribute is not None:
                value = getattr(obj, sel.attribute)
            else:
                value = await self.field(obj, sel)
            if sel.leaf is None:
                out[sel.key] = await self.value(value, sel.gfield.type, sel)
            elif value is not None:
                out[sel.key] = sel.leaf(value)
            elif sel.non_null:
                raise Unplanned(f"null in the non-null field {sel.key}")
            else:
                out[sel.key] = None
        return out

    async def field(self, obj: Any, sel: Sel) -> Any:
        reads = sel.reads
        if reads is not None and reads.relation is not None:
            assert reads.build is not None
            slot = self.builder.slots[id(sel)]
            row = obj._row
            data = decode(row[slot.key])
            if reads.relation.kind != "page":
                return reads.build(row, data, slot.bound)
            total_key = slot.bound.total
            total = row.get(f"{slot.key}t") if total_key == "count" else row.get(total_key or "")
            return reads.build(row, data, slot.bound, lambda: total)
        resolver = getattr(sel.definition, "base_resolver", None)
        if resolver is None:
            return getattr(obj, sel.definition.python_name)
        kwargs: dict[str, Any] = {}
        if resolver.info_parameter is not None:
            kwargs[resolver.info_parameter.name] = self.info
        if resolver.arguments:
            # the arguments as the executor passes them (input objects built, enums as members)
            kwargs.update(
                convert_arguments(
                    self.builder.args(sel),
                    resolver.arguments,
                    scalar_registry=self.strawberry.schema_converter.scalar_registry,
                    config=self.strawberry.config,
                )
            )
        result = resolver.wrapped_func(obj, **kwargs)
        if inspect.isawaitable(result):
            result = await result
        return result
