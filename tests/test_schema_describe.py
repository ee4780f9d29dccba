"""`schema.common.describe`: a plain Enum defined in models/ or resolvers/ becomes a GraphQL enum
whose values carry descriptions, without touching the module that defines it."""

from __future__ import annotations

from enum import Enum

import pytest
import strawberry

from schema import schema
from schema.common import describe


class Shade(Enum):
    LIGHT = "LIGHT"
    DARK = "DARK"


def test_every_value_of_a_described_enum_carries_its_description() -> None:
    # given a plain Enum, described
    describe(Shade, {"LIGHT": "Pale.", "DARK": "Deep."}, description="A shade.")

    # when a schema uses it
    @strawberry.type
    class Query:
        shade: Shade = Shade.DARK

    sdl = strawberry.Schema(query=Query).as_str()
    assert Query().shade is Shade.DARK

    # then the type and each value are documented, and the values keep their names
    assert [Shade.LIGHT.name, Shade.DARK.name] == ["LIGHT", "DARK"]
    assert '"""A shade."""\nenum Shade {\n  """Pale."""\n  LIGHT\n\n  """Deep."""\n  DARK\n}' in sdl


def test_a_value_left_undescribed_is_refused_at_import() -> None:
    # given a plain Enum with a value the descriptions forget
    class Half(Enum):
        ONE = "ONE"
        TWO = "TWO"

    # when it is described, then the forgotten value is named
    with pytest.raises(KeyError, match=Half.TWO.name):
        describe(Half, {Half.ONE.name: "The first."})


def test_the_plain_enums_of_models_and_resolvers_are_described_in_the_schema() -> None:
    # given the project's schema, when its enums are read
    enums = {name: schema.get_type_by_name(name) for name in ("WorkOrder", "UserErrorCode")}

    # then the values defined outside schema/ carry descriptions too
    for definition in enums.values():
        assert definition is not None
        assert all(value.description for value in definition.values)  # type: ignore[union-attr]
