"""Running a planned operation, or saying why not (None: the executor answers).

A root field is answered by one statement: `author(id:)`, `node(id:)` and the like by the
object's row with every relation it selects, `nodes(ids:)` by one aggregate per node type,
`authors`/`works` by the page and (when selected) its count. A root that reads on its own
(`graphSlice`: Redis; `search`: its ranked SQL) is answered by its own resolver, after the
statements, and its value shaped like any other (a slice's nodes and edges straight from the
stored JSON); the entities a value refers to (a search hit's node) are then read by id with their
selection, one statement per field. A mutation whose root fields all declare it runs each
resolver once, then shapes the payload the same way.
Whatever the planner does not cover, or any answer that would carry an error (a malformed id,
`first` over the limit, a null in a non-null field), makes the whole operation fall back to
graphql-core's executor, which then answers exactly as it always has.
"""

from __future__ import annotations

import logging
from typing import Any

from graphql import (
    DocumentNode,
    GraphQLObjectType,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
)
from graphql.execution.values import VariableValues, get_variable_values
from tortoise.exceptions import OperationalError

import settings
from resolvers.errors import ApiError
from resolvers.ids import from_global_id, parse_external
from resolvers.relations import NODE_TABLES, Unplanned
from resolvers.sql import fetch, is_postgres
from server.lru import LRU
from server.planner.emit import splice
from server.planner.shape import Shaper, decode
from server.planner.sql import Builder
from server.planner.tree import Sel, TreeCache

log = logging.getLogger("peergraph.planner")


class Planner:
    """One per schema: the cache of plan trees and the classes behind the node types."""

    def __init__(self, schema: GraphQLSchema) -> None:
        self.schema = schema
        self.trees = TreeCache()
        #: the SQL of root fields, built once per document and argument values (sql.py)
        self.statements: LRU[Any, Any] = LRU(1000)
        self.classes: dict[str, Any] = {}
        for name in NODE_TABLES:
            gtype = schema.get_type(name)
            assert isinstance(gtype, GraphQLObjectType)
            self.classes[name] = (gtype.extensions or {})["strawberry-definition"].origin

    async def run(
        self,
        query: str,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        raw_variables: dict[str, Any] | None,
        ctx: Any,
        coerced: VariableValues | None = None,
    ) -> dict[str, Any]:
        """`data` for the operation; raises Unplanned (or the error the executor would
        report) when the executor must answer. `coerced`: the operation's variables as the
        cost analysis already coerced them, else they are coerced here."""
        mutation = operation.operation is OperationType.MUTATION
        if not mutation and operation.operation is not OperationType.QUERY:
            raise Unplanned("subscriptions are the executor's")
        if coerced is None:
            found = get_variable_values(
                self.schema, operation.variable_definitions or (), raw_variables or {}
            )
            if isinstance(found, list):
                raise Unplanned("variable errors are the executor's to report")
            coerced = found
        roots = self.trees.get(self.schema, query, document, operation, coerced)
        builder = Builder(self.schema, is_postgres(), coerced, self.statements)
        shaper = Shaper(builder, ctx)
        data: dict[str, Any] = {}
        outside: list[Sel] = []
        for sel in roots:
            if sel.reads is not None and sel.reads.outside:
                # read after the statements, and only once the whole selection is known to be
                # planned: such a read may start a computation (and charge for it), or write
                for type_name, sels in sel.children.items():
                    builder.fields(sels, type_name, None)
                data[sel.key] = None
                outside.append(sel)
            elif mutation:
                raise Unplanned(f"Mutation.{sel.name} is the executor's")
            else:
                data[sel.key] = await self.root(sel, builder, shaper)
        if not mutation:
            for sel in outside:
                data[sel.key] = await self.shape(sel, await shaper.field(None, sel), shaper)
            await self.references(shaper, builder)
            return data
        # mutations one after the other, each run once: from the first write on, the executor
        # may still answer, but with the outcomes already recorded (Written)
        done: dict[str, Any] = {}
        try:
            for sel in outside:
                try:
                    value = done[sel.key] = await shaper.field(None, sel)
                except Exception as error:
                    done[sel.key] = error
                    raise
                data[sel.key] = await self.shape(sel, value, shaper)
                await self.references(shaper, builder)
        except Exception as error:
            if done:
                raise Written(done) from error
            raise
        return data

    @staticmethod
    async def shape(sel: Sel, value: Any, shaper: Shaper) -> Any:
        assert sel.gfield is not None
        return await shaper.value(value, sel.gfield.type, sel)

    async def references(self, shaper: Shaper, builder: Builder) -> None:
        """Fetch the entities the shaped values refer to: one statement per referencing field
        (and node type), whatever the number of references."""
        while shaper.references:
            pending, shaper.references = shaper.references, []
            groups: dict[int, list[tuple[dict[str, Any], str, Sel, Any]]] = {}
            for item in pending:
                groups.setdefault(id(item[2]), []).append(item)
            for items in groups.values():
                sel = items[0][2]
                assert sel.gfield is not None and sel.reads is not None
                expect = sel.reads.node or "Node"
                wanted = [
                    None if held is None else self.decode_id(_global_id(held), expect)
                    for _out, _key, _sel, held in items
                ]
                found = await self.fetch_nodes(sel, builder, wanted)
                for (out, key, _sel, _value), named in zip(items, wanted, strict=True):
                    obj = None if named is None else found.get(named)
                    out[key] = await shaper.value(obj, sel.gfield.type, sel)

    async def root(self, sel: Sel, builder: Builder, shaper: Shaper) -> Any:
        if sel.gfield is None:
            return "Query"
        reads = sel.reads
        if reads is None:
            raise Unplanned(f"Query.{sel.name} declares nothing")
        if reads.relation is not None:
            statement = builder.root_relation(sel, reads.relation)
            rows = await _fetch(statement.sql, statement.params)
            row = rows[0]
            if id(sel) in builder.spliced:
                return splice(row["r"])
            slot = builder.slots[id(sel)]
            total = row.get("c")
            assert reads.build is not None
            value = reads.build(None, decode(row["r"]), slot.bound, lambda: total)
            return await shaper.value(value, sel.gfield.type, sel)
        if reads.node is None:
            raise Unplanned(f"Query.{sel.name} is not read from rows")
        args = builder.args(sel)
        many = "ids" in args
        values = args["ids"] if many else [args["id"]]
        if many and len(values) > settings.MAX_NODE_IDS:
            raise Unplanned("too many ids: the executor reports it")
        wanted = [self.decode_id(v, reads.node) for v in values]
        found = await self.fetch_nodes(sel, builder, wanted)
        objects = [found.get(w) if w else None for w in wanted]
        return await shaper.value(objects if many else objects[0], sel.gfield.type, sel)

    @staticmethod
    def decode_id(value: Any, expect: str) -> tuple[str, str, Any] | None:
        """(type, column, value) naming the object, or None when the id names nothing."""
        if not isinstance(value, str) or not value.strip():
            raise Unplanned("an empty id: the executor reports it")
        external = parse_external(value)
        if external is not None:
            key = external.value[:1] if external.scheme == "openalex" else ""
            named = EXTERNAL_COLUMNS.get((external.scheme, key))
            if named is None or (expect != "Node" and named[0] != expect):
                raise Unplanned(f"a {external.scheme} id here is the executor's to resolve")
            return (*named, external.value)
        gid = from_global_id(value)
        if gid.type not in NODE_TABLES or (expect != "Node" and gid.type != expect):
            raise Unplanned(f"a {gid.type} id")
        return (gid.type, "id", gid.int_id) if gid.in_range else None

    async def fetch_nodes(
        self, sel: Sel, builder: Builder, wanted: list[tuple[str, str, Any] | None]
    ) -> dict[tuple[str, str, Any], Any]:
        # one aggregate per type (its relations' slots are the type's), over every column asked
        groups: dict[str, dict[str, list[Any]]] = {}
        for item in wanted:
            if item is not None:
                values = groups.setdefault(item[0], {}).setdefault(item[1], [])
                if item[2] not in values:
                    values.append(item[2])
        if not groups:
            return {}
        parts, params = [], []
        for i, (type_name, columns) in enumerate(groups.items()):
            expr, expr_params = builder.root_node(sel, type_name, columns)
            parts.append(f"{expr} AS r{i}")
            params.extend(expr_params)
        rows = await _fetch(f"SELECT {', '.join(parts)}", params)
        found: dict[tuple[str, str, Any], Any] = {}
        for i, (type_name, columns) in enumerate(groups.items()):
            cls = self.classes[type_name]
            for row in decode(rows[0][f"r{i}"]) or []:
                obj = cls.of(row)
                for column in columns:
                    found[(type_name, column, row[column])] = obj
        return found


def _global_id(held: Any) -> str:
    """The global id of a referenced entity, given as the entity or as its id."""
    return held if isinstance(held, str) else str(held.id)


async def _fetch(sql: str, params: list[Any]) -> list[dict[str, Any]]:
    try:
        return await fetch(sql, params)
    except OperationalError as error:
        # SQLite's parser has a fixed stack: about five levels of nested lists are its limit
        if "parser stack overflow" in str(error):
            raise Unplanned("nested too deep for SQLite's parser") from None
        raise


#: external id scheme (and OpenAlex's letter) → the type and the unique column it names, as
#: resolvers/loaders.py looks them up (ISSNs, which are not unique, and funders' RORs, which
#: `node` does not resolve, are left to the executor)
EXTERNAL_COLUMNS = {
    ("orcid", ""): ("Author", "orcid"),
    ("doi", ""): ("Work", "doi"),
    ("arxiv", ""): ("Work", "arxiv_id"),
    ("ror", ""): ("Institution", "ror"),
    ("openalex", "A"): ("Author", "openalex_id"),
    ("openalex", "W"): ("Work", "openalex_id"),
    ("openalex", "I"): ("Institution", "openalex_id"),
    ("openalex", "T"): ("Topic", "external_id"),
    ("openalex", "S"): ("Source", "openalex_id"),
    ("openalex", "F"): ("Funder", "openalex_id"),
}


class Written(Exception):
    """A planned mutation stopped after its first resolver ran: the executor answers, with the
    outcome of each root field already run (its value, or the error it raised) replayed."""

    def __init__(self, outcomes: dict[str, Any]) -> None:
        super().__init__(f"{len(outcomes)} root field(s) already run")
        self.outcomes = outcomes

    def resolve(self, next_: Any, root: Any, info: Any, **args: Any) -> Any:
        """graphql-core middleware: a root field already run answers with its outcome."""
        if info.path.prev is None and info.path.key in self.outcomes:
            outcome = self.outcomes[info.path.key]
            if isinstance(outcome, Exception):
                raise outcome
            return outcome
        return next_(root, info, **args)


_PLANNERS: dict[int, Planner] = {}


async def run_planned(
    schema: GraphQLSchema,
    query: str,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: dict[str, Any] | None,
    ctx: Any,
    coerced: VariableValues | None = None,
) -> dict[str, Any] | None:
    """`data` from the planner, or None when graphql-core's executor must answer (Written
    when a mutation already ran: the executor replays its outcomes). `coerced`: the variables
    as the cost analysis coerced them, when it did."""
    if not settings.PLANNER:
        return None
    planner = _PLANNERS.get(id(schema))
    if planner is None:
        planner = _PLANNERS[id(schema)] = Planner(schema)
    try:
        return await planner.run(query, document, operation, variables, ctx, coerced)
    except Written:
        raise
    except (Unplanned, ApiError) as reason:
        log.debug("executor answers: %s", reason)
        return None
    except Exception:
        log.exception("the planner failed; the executor answers")
        return None
