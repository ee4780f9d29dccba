"""Compiled plans for trusted documents: the frontend's known queries (docs/queries/*.graphql).

A trusted document is compiled once into a plan: one SQL statement (json aggregation on
PostgreSQL, built and read by resolvers/compiled.py) that fetches everything its selection
needs, and one generated Python function that turns that row into the response's `data`,
without walking graphql-core field by field. The plan reuses the resolvers' rules (trust
snapshot, viewer-dependent answers, orderings), and tests/perf/test_compiled.py shows its answer
is identical to the general executor's.

A document compiles only if every field it selects has a compiled form here (`_author_table` and
the tables inside it), with literal page sizes in range, no fragments and no directives; else it
has no plan. A plan answers only the happy path: an id that is not an Author global id, an
author that does not exist, an enum value the schema would reject or any unexpected exception
returns None, and the general executor answers instead (with its errors). It runs after the
pre-execution hooks (cost, rate limits), and only on PostgreSQL.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import (
    BooleanValueNode,
    DocumentNode,
    FieldNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    VariableNode,
)

import settings
from resolvers.compiled import Needs, fetch_row, shape, statement
from resolvers.ids import from_global_id, to_global_id
from resolvers.sql import Row, is_postgres
from schema.context import Context
from server.slice_plan import compile_slice

log = logging.getLogger("peergraph.compiled")

#: the source of an expression for a field's value, given the variable holding its parent
Source = Callable[[str], str]
Compiler = Callable[[FieldNode], Source]
#: the compiled builder: (author row with the decoded sub-lists, viewer answers) → data
Builder = Callable[[Row, "Viewer"], Any]


class NotCompilable(Exception):
    pass


@dataclass
class Viewer:
    following: bool = False
    can_claim: bool = False


def _fields(node: FieldNode) -> list[FieldNode]:
    if node.selection_set is None:
        return []
    out = []
    for sel in node.selection_set.selections:
        if not isinstance(sel, FieldNode) or sel.directives:
            raise NotCompilable("fragments and directives are not compiled")
        out.append(sel)
    return out


def _args(node: FieldNode, allowed: set[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for arg in node.arguments or ():
        name = arg.name.value
        if name not in allowed:
            raise NotCompilable(f"argument {name}")
        if isinstance(arg.value, IntValueNode):
            out[name] = int(arg.value.value)
        elif isinstance(arg.value, BooleanValueNode):
            out[name] = arg.value.value
        else:
            raise NotCompilable(f"argument {name} is not a literal")
    return out


def _first(args: dict[str, Any], default: int) -> int:
    first = int(args.get("first", default))
    if not 0 <= first <= settings.MAX_PAGE_SIZE:
        raise NotCompilable("first out of range: the general executor reports it")
    return first


def _object(node: FieldNode, table: dict[str, Compiler]) -> Source:
    """The source of a dict display building `node`'s selection from its fields' sources."""
    parts: list[tuple[str, Source]] = []
    for sub in _fields(node):
        name = sub.name.value
        if name not in table:
            raise NotCompilable(f"field {name}")
        parts.append(((sub.alias or sub.name).value, table[name](sub)))
    return lambda var: "{" + ", ".join(f"{key!r}: {src(var)}" for key, src in parts) + "}"


def _leaf(template: str) -> Compiler:
    """A scalar: `template` is an expression of `{v}`, the variable holding the parent."""

    def compile_leaf(node: FieldNode) -> Source:
        if node.selection_set is not None or node.arguments:
            raise NotCompilable(node.name.value)
        return lambda var: template.format(v=var)

    return compile_leaf


def _typename(name: str) -> Compiler:
    return _leaf(repr(name))


_NAMES = itertools.count()


def _over(key: str, table: dict[str, Compiler]) -> Compiler:
    """A field whose value is the object at parent[key] (None stays None)."""

    def compile_object(node: FieldNode) -> Source:
        name = f"v{next(_NAMES)}"
        build = _object(node, table)
        return lambda var: f"(None if ({name} := {var}[{key!r}]) is None else {build(name)})"

    return compile_object


def _list_over(key: str, table: dict[str, Compiler]) -> Compiler:
    """A field whose value is the list at parent[key], each item an object."""

    def compile_list(node: FieldNode) -> Source:
        name = f"v{next(_NAMES)}"
        build = _object(node, table)
        return lambda var: f"[{build(name)} for {name} in {var}[{key!r}]]"

    return compile_list


def _gid(kind: str) -> Compiler:
    return _leaf(f"_gid({kind!r}, {{v}}['id'])")


def _col(column: str) -> Compiler:
    return _leaf(f"{{v}}[{column!r}]")


def _set_once(needs: Needs, name: str, value: Any) -> None:
    current = getattr(needs, name)
    if current is not None and current != value:
        raise NotCompilable(f"{name} selected twice with different arguments")
    setattr(needs, name, value)


def _author_table(needs: Needs) -> dict[str, Compiler]:
    institution = {
        "__typename": _typename("Institution"),
        "id": _gid("Institution"),
        "displayName": _col("display_name"),
    }
    topic = {"__typename": _typename("Topic"), "id": _gid("Topic"), "displayName": _col("name")}
    author_topic = {
        "topic": _over("topic", topic),
        "workCount": _col("work_count"),
        "share": _col("share"),
    }
    coauthor = {
        "__typename": _typename("Author"),
        "id": _gid("Author"),
        "displayName": _col("name"),
    }
    collaborator = {
        "sharedWorks": _col("shared_works"),
        "firstYear": _col("first_year"),
        "lastYear": _col("last_year"),
        "isClose": _col("is_close"),
        "author": _over("author", coauthor),
    }
    work = {
        "__typename": _typename("Work"),
        "id": _gid("Work"),
        "title": _col("title"),
        "abstract": _col("abstract"),
        "type": _col("type"),
        "publicationYear": _col("publication_year"),
        "doi": _col("doi"),
        "arxivId": _col("arxiv_id"),
        "citedByCount": _col("cited_by_count"),
        "venue": _over("venue", {"displayName": _col("display_name")}),
    }
    component = {
        "name": _col("name"),
        "points": _col("points"),
        "maxPoints": _col("max_points"),
        "detail": _col("detail"),
    }

    def connection(node_table: dict[str, Compiler]) -> dict[str, Any]:
        return {
            "totalCount": _col("total"),
            "edges": _list_over("edges", {"node": _over("node", node_table)}),
        }

    def affiliation(node: FieldNode) -> Source:
        needs.affiliation = True
        return _over(
            "_affiliation",
            {
                "status": _col("status"),
                "institution": _over("institution", institution),
            },
        )(node)

    def trust(node: FieldNode) -> Source:
        needs.affiliation = True
        return _over(
            "_trust",
            {
                "score": _col("score"),
                "label": _col("label"),
                "verificationLevel": _col("verification_level"),
                "claimed": _col("claimed"),
                "components": _list_over("components", component),
            },
        )(node)

    def topics(node: FieldNode) -> Source:
        _set_once(needs, "topics", _first(_args(node, {"first"}), 10))
        return _list_over("_topics", author_topic)(node)

    def collaborators(node: FieldNode) -> Source:
        args = _args(node, {"first", "closeOnly"})
        _set_once(needs, "collaborators", (_first(args, 10), bool(args.get("closeOnly", False))))
        return _over("_collaborators", connection(collaborator))(node)

    def works(node: FieldNode) -> Source:
        _set_once(needs, "works", _first(_args(node, {"first"}), 10))
        return _over("_works", connection(work))(node)

    def following(node: FieldNode) -> Source:
        needs.following = True
        return _leaf("viewer.following")(node)

    def can_claim(node: FieldNode) -> Source:
        needs.can_claim = True
        return _leaf("viewer.can_claim")(node)

    return {
        "__typename": _typename("Author"),
        "id": _gid("Author"),
        "displayName": _leaf("str({v}['display_name'])"),
        "description": _col("description"),
        "orcid": _col("orcid"),
        "openToCollaborate": _leaf("bool({v}['open_to_collaborate'])"),
        "affiliation": affiliation,
        "trust": trust,
        "counts": _over(
            "_counts",
            {
                "works": _col("works_count"),
                "citations": _col("cited_by_count"),
                "followers": _col("followers_count"),
                "topics": _col("topics_count"),
                "closeCollaborators": _col("close_collaborators_count"),
            },
        ),
        "viewerIsFollowing": following,
        "claim": _over("_claim", {"status": _col("status"), "viewerCanClaim": can_claim}),
        "topics": topics,
        "collaborators": collaborators,
        "works": works,
    }


@dataclass
class Plan:
    """A compiled trusted document: `author(id: …)` and its selection."""

    operation: OperationDefinitionNode
    root_key: str
    id_variable: str | None
    id_literal: str | None
    needs: Needs
    sql: str
    build: Builder

    async def run(self, variables: dict[str, Any] | None, ctx: Context) -> dict[str, Any] | None:
        """The response's `data`, or None to let the general executor answer."""
        if not is_postgres():
            return None
        raw = (variables or {}).get(self.id_variable) if self.id_variable else self.id_literal
        if not isinstance(raw, str):
            return None
        try:
            gid = from_global_id(raw)
        except Exception:
            return None
        if gid.type != "Author" or not gid.in_range:
            return None
        row = await fetch_row(self.sql, gid.int_id)
        if row is None or (row := shape(row, self.needs)) is None:
            return None
        viewer = Viewer()
        if self.needs.following:
            from resolvers import social

            viewer.following = await social.viewer_is_following(ctx, gid.int_id)
        if self.needs.can_claim:
            from resolvers import social

            viewer.can_claim = await social.viewer_can_claim(ctx, row)
        return {self.root_key: self.build(row, viewer)}


def compile_document(document: DocumentNode) -> Plan:
    """Raises NotCompilable when any part of the document has no compiled form."""
    if len(document.definitions) != 1:
        raise NotCompilable("one operation, no fragments")
    operation = document.definitions[0]
    if not isinstance(operation, OperationDefinitionNode):
        raise NotCompilable("not an operation")
    if operation.operation is not OperationType.QUERY or operation.directives:
        raise NotCompilable("queries only")
    roots = [s for s in operation.selection_set.selections]
    if len(roots) != 1 or not isinstance(roots[0], FieldNode) or roots[0].directives:
        raise NotCompilable("one root field")
    root = roots[0]
    arguments = root.arguments or ()
    if root.name.value != "author" or len(arguments) != 1:
        raise NotCompilable("author(id:) only")
    value = arguments[0].value
    id_variable = value.name.value if isinstance(value, VariableNode) else None
    id_literal = getattr(value, "value", None) if id_variable is None else None
    declared = [v.variable.name.value for v in operation.variable_definitions or ()]
    if declared != ([id_variable] if id_variable else []):
        raise NotCompilable("only the id variable")
    needs = Needs()
    source = f"def build(row, viewer):\n    return {_object(root, _author_table(needs))('row')}\n"
    namespace: dict[str, Any] = {"_gid": to_global_id}
    exec(compile(source, "<compiled plan>", "exec"), namespace)
    build = namespace["build"]
    return Plan(
        operation=operation,
        root_key=(root.alias or root.name).value,
        id_variable=id_variable,
        id_literal=id_literal if isinstance(id_literal, str) else None,
        needs=needs,
        sql=statement(needs),
        build=build,
    )


_PLANS: dict[str, Plan | None] = {}
_TRUSTED: dict[int, frozenset[str]] = {}
#: Compilers for other root fields, tried before `compile_document` (server/slice_plan.py for
#: `graphSlice`): each returns a plan (anything with `async run(variables, ctx)`) or None.
OTHER_COMPILERS: list[Callable[[DocumentNode], Any]] = [compile_slice]


def trusted_documents() -> frozenset[str]:
    """The text of every trusted document (docs/queries/*.graphql), as the frontend sends it
    (or as automatic persisted queries restore it from its hash)."""
    from server.persisted import trusted_documents as documents

    loaded = documents()
    key = id(loaded)
    if key not in _TRUSTED:
        _TRUSTED.clear()
        _TRUSTED[key] = frozenset(loaded.by_hash.values())
    return _TRUSTED[key]


def plan_for(query: str, document: DocumentNode) -> Plan | None:
    """The compiled plan of a trusted document (compiled on first use), or None."""
    if query not in trusted_documents():
        return None
    if query not in _PLANS:
        try:
            other = next(filter(None, (c(document) for c in OTHER_COMPILERS)), None)
            _PLANS[query] = other or compile_document(document)
        except NotCompilable as reason:
            log.info("trusted document not compiled: %s", reason)
            _PLANS[query] = None
    return _PLANS[query]


async def run_compiled(
    query: str, document: DocumentNode, variables: dict[str, Any] | None, ctx: Context
) -> dict[str, Any] | None:
    """`data` from the compiled plan, or None when the general executor must answer."""
    plan = plan_for(query, document) if settings.COMPILED_PLANS else None
    if plan is None:
        return None
    try:
        return await plan.run(variables, ctx)
    except Exception:
        log.exception("compiled plan failed; the general executor answers")
        return None


__all__ = ["Plan", "compile_document", "plan_for", "run_compiled", "trusted_documents"]
