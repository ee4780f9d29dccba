"""The deprecation policy (docs/api.md, "Schema changes"): what clients of the last release use
is removed only after a release that marked it `@deprecated`.

`schema.released.graphql` is the schema of the last release. schema.graphql (the code's) may add
anything; it may remove a field, argument, input field or enum value only when the released schema
already deprecated it, and it may not change what a released element is (its type's kind, a field's
type in a way old queries break on, a new required argument or input field)."""

from __future__ import annotations

from pathlib import Path

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    build_schema,
)
from graphql.utilities import BreakingChangeType, find_breaking_changes

ROOT = Path(__file__).resolve().parent.parent
RELEASED = ROOT / "schema.released.graphql"
CURRENT = ROOT / "schema.graphql"

#: Removals, which the policy allows after a deprecation; every other breaking change is refused.
REMOVALS = {
    BreakingChangeType.TYPE_REMOVED,
    BreakingChangeType.FIELD_REMOVED,
    BreakingChangeType.ARG_REMOVED,
    BreakingChangeType.VALUE_REMOVED_FROM_ENUM,
}


def _deprecated_in(released: GraphQLSchema) -> set[str]:
    """Coordinates (`Type.field`, `Type.field(arg:)`, `Enum.VALUE`, `Type`) deprecated there; a
    type counts as deprecated when everything in it is."""
    marked: set[str] = set()
    for name, kind in released.type_map.items():
        if name.startswith("__"):
            continue
        members: list[tuple[str, str | None]] = []
        if isinstance(kind, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in kind.fields.items():
                members.append((f"{name}.{field_name}", field.deprecation_reason))
                for arg_name, arg in field.args.items():
                    coordinate = f"{name}.{field_name}({arg_name}:)"
                    marked |= {coordinate} if arg.deprecation_reason else set()
        elif isinstance(kind, GraphQLInputObjectType):
            members += [(f"{name}.{f}", v.deprecation_reason) for f, v in kind.fields.items()]
        elif isinstance(kind, GraphQLEnumType):
            members += [(f"{name}.{v}", e.deprecation_reason) for v, e in kind.values.items()]
        marked |= {coordinate for coordinate, reason in members if reason}
        if members and all(reason for _, reason in members):
            marked.add(name)
    return marked


def _coordinate(description: str) -> str:
    """The schema coordinate a removal names: "Field Author.bio was removed." → Author.bio,
    "Argument Query.authors(legacy:) …", "Enum value Kind.B …", "Old was removed." → Old."""
    return description.removesuffix(" was removed.").rsplit(" ", 1)[-1]


def violations(released_sdl: str, current_sdl: str) -> list[str]:
    """What `current_sdl` breaks for clients of `released_sdl` against the policy."""
    released, current = build_schema(released_sdl), build_schema(current_sdl)
    deprecated = _deprecated_in(released)
    found = []
    for change in find_breaking_changes(released, current):
        if change.type in REMOVALS:
            if _coordinate(change.description) in deprecated:
                continue
            found.append(f"{change.description} Deprecate it in a release first.")
        else:
            found.append(f"{change.description} Add a new element and deprecate this one instead.")
    return found


def test_the_schema_keeps_everything_the_last_release_did_not_deprecate() -> None:
    # given the last release's schema and the code's
    assert RELEASED.is_file(), "schema.released.graphql is missing (the last release's schema)"
    # then nothing a client of that release uses is gone or changed without a deprecation
    assert violations(RELEASED.read_text(), CURRENT.read_text()) == []


RELEASED_EXAMPLE = """
type Query { author: Author, authors(first: Int, legacy: Int @deprecated(reason: "x")): [Author] }
type Author { name: String, bio: String @deprecated(reason: "Use description"), age: Int }
enum Kind { A B @deprecated(reason: "gone") C }
input Filter { year: Int, old: Int @deprecated(reason: "x") }
type Old { a: Int @deprecated(reason: "x") }
"""


def test_only_deprecated_elements_may_go_and_nothing_may_change_its_meaning() -> None:
    # when a new schema removes deprecated things: a field, an argument, an enum value, an input
    # field, a type whose fields all were; and also removes and changes things that were not
    current = """
    type Query { author: Author, authors(first: Int): [Author] }
    type Author { name: Int }
    enum Kind { A }
    input Filter { year: Int, since: Int! }
    """
    found = violations(RELEASED_EXAMPLE, current)
    # then only the undeprecated removals and the changes are refused, each saying what to do
    assert sorted(found) == sorted(
        [
            "Field Author.age was removed. Deprecate it in a release first.",
            "Field Author.name changed type from String to Int."
            " Add a new element and deprecate this one instead.",
            "Enum value Kind.C was removed. Deprecate it in a release first.",
            "A required field Filter.since was added."
            " Add a new element and deprecate this one instead.",
        ]
    )
