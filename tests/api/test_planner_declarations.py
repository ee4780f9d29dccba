"""Every field the planner's surface reaches says what it reads.

A field with a resolver and no `reads(...)` declaration makes the planner hand the whole
operation to the executor: answers stay right, but every document selecting it runs at the
executor's speed. A new field added without its declaration fails here, by name, instead of
showing up as a drop in the differential test's planned share.
"""

from __future__ import annotations

from graphql import GraphQLObjectType

from schema import schema
from tests.api.planner_surface import planned_schema


def test_every_planned_field_declares_what_it_reads() -> None:
    # given the planned surface and the served schema's field definitions
    surface = planned_schema()
    served = schema._schema

    # when every resolved field of every object type on the surface is looked up
    undeclared = []
    for name, gtype in surface.type_map.items():
        if name.startswith("__") or not isinstance(gtype, GraphQLObjectType) or name == "Query":
            continue
        served_type = served.get_type(name)
        assert isinstance(served_type, GraphQLObjectType), name
        for field_name in gtype.fields:
            definition = (served_type.fields[field_name].extensions or {}).get(
                "strawberry-definition"
            )
            metadata = getattr(definition, "metadata", None) or {}
            if getattr(definition, "base_resolver", None) is not None and "reads" not in metadata:
                undeclared.append(f"{name}.{field_name}")

    # then none is missing its declaration
    assert undeclared == [], f"declare what these read (schema/cost.py reads): {undeclared}"
