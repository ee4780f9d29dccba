"""Plan tree → one SQL statement per root field, on PostgreSQL (json_build_object, json_agg)
and on SQLite (json_object, json_group_array).

Every object becomes a JSON object of the columns its fields declare (by column name) and one
key per relation (`~n`, `~nt` for a page's total), filled by a correlated subquery: a list is
an ordered, limited subquery aggregated into a JSON array, a single row is a scalar subquery.
PostgreSQL runs each as a SubPlan over the index of the correlation, which is what a LATERAL
join would do, and the same text runs on SQLite. Arguments are checked by the relation's
`bind` (the resolvers' own checks); page sizes are written into the statement as integers,
values (ids, cursors) are parameters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from graphql import GraphQLSchema, ListValueNode, ObjectValueNode, ValueNode, VariableNode
from graphql.execution.values import VariableValues, get_argument_values

import settings
from resolvers.relations import NODE_TABLES, Bound, Relation, Unplanned
from server.lru import LRU
from server.planner.emit import Writer, expressible
from server.planner.tree import Sel

T = TypeVar("T")

#: PostgreSQL takes at most 100 arguments per function call: 50 keys per object
MAX_KEYS = 50


@dataclass
class Slot:
    key: str
    bound: Bound


@dataclass
class Scope:
    """The row an object's fields read: the alias of its entity and the keys it needs."""

    alias: str | None
    columns: dict[str, str] = field(default_factory=dict)
    params: dict[str, list[Any]] = field(default_factory=dict)

    def need(self, name: str, expr: str | None = None) -> None:
        if self.alias is None:
            raise Unplanned(f"column {name} outside a row")
        self.columns.setdefault(name, expr or f"{self.alias}.{name}")


@dataclass
class Statement:
    """What one root field runs: the SQL, its parameters, and the slots the shaper reads."""

    sql: str
    params: list[Any]


class Builder:
    """Builds the SQL of one request's root fields; records each relation's slot by field."""

    def __init__(
        self,
        schema: GraphQLSchema,
        postgres: bool,
        variables: VariableValues,
        statements: LRU[Any, Any] | None = None,
    ) -> None:
        self.schema = schema
        #: SQL built for earlier requests (the planner's, shared by them; see `cached`)
        self.statements: LRU[Any, Any] = statements if statements is not None else LRU(64)
        self.postgres = postgres
        self.variables = variables
        self.slots: dict[int, Slot] = {}
        #: the relation fields whose slot holds response JSON written by the database
        self.spliced: set[int] = set()
        self.counter = 0
        self.writer = Writer(postgres, self.args, self.fresh)

    def args(self, sel: Sel) -> dict[str, Any]:
        assert sel.gfield is not None
        return get_argument_values(sel.gfield, sel.nodes[0], self.variables)

    def fresh(self) -> int:
        self.counter += 1
        return self.counter

    # --- objects -----------------------------------------------------------------------------

    def fields(self, sels: list[Sel], type_name: str, scope: Scope | None) -> None:
        """Add what `sels` on an object of `type_name` read to `scope` (its row)."""
        entity = type_name in NODE_TABLES
        for sel in sels:
            if sel.gfield is None:  # __typename
                continue
            reads = sel.reads
            if entity and sel.name == "id":
                assert scope is not None
                scope.need("id")
                continue
            resolver = getattr(sel.definition, "base_resolver", None)
            if reads is None and (entity or resolver is not None):
                raise Unplanned(f"{type_name}.{sel.name} declares nothing")
            if reads is not None and reads.relation is not None:
                if scope is None or scope.alias is None:
                    raise Unplanned(f"{type_name}.{sel.name} outside a row")
                self.relation(sel, reads.relation, scope)
                continue
            if reads is not None and reads.node is not None:
                # a reference to an entity (a search hit's node), fetched by its id after the
                # value is known, in one statement per field: planned here as that statement is
                for child_type in sel.children:
                    self.root_node(sel, child_type, {"id": [0]})
                continue
            if reads is not None:
                for column in reads.columns:
                    if scope is None:
                        raise Unplanned(f"{type_name}.{sel.name} outside a row")
                    scope.need(column)
            # an entity's field builds a value from the row (counts, claim): the value's own
            # fields read no more columns; a value's fields (a connection's edges and nodes,
            # an author topic's topic) stay on the row the value was built from
            inner = None if entity else scope
            for child_type, child_sels in sel.children.items():
                self.fields(child_sels, child_type, inner)

    def relation(self, sel: Sel, relation: Relation, parent: Scope) -> None:
        bound = relation.bind(self.args(sel))
        if parent.alias is not None and expressible(sel):
            # the database writes the whole value as response JSON (emit.py)
            key = f"~{self.fresh()}"
            self.slots[id(sel)] = Slot(key, bound)
            self.spliced.add(id(sel))
            parent.columns[key], parent.params[key] = self.writer.relation(
                sel, relation, bound, parent.alias
            )
            return
        self.spliced.discard(id(sel))
        n = self.fresh()
        names = {"t": f"t{n}", "x": f"x{n}", "p": parent.alias or ""}
        scope = Scope(names["t"])
        for column in relation.always:
            scope.need(column)
        for name, expr in relation.extras:
            scope.need(name, expr.format(**names))
        for column in relation.parent:
            parent.need(column)
        for child_type, child_sels in sel.children.items():
            self.fields(child_sels, child_type, scope)
        key = f"~{n}"
        self.slots[id(sel)] = Slot(key, bound)
        obj, obj_params = self.object(scope)
        source = relation.source.format(**names)
        where = [c.format(**names) for c in (relation.correlate, *bound.where) if c]
        params = [*obj_params, *bound.params]
        if relation.kind == "one":
            expr = f"(SELECT {obj} FROM {source}{_where(where)} LIMIT 1)"
        else:
            keyset = [bound.keyset.format(**names)] if bound.keyset else []
            expr = self.aggregate(
                obj, source, [*where, *keyset], bound.order.format(**names), bound.limit
            )
            params.extend(bound.keyset_params)
        parent.columns[key] = self.embed(expr)
        parent.params[key] = params
        if relation.kind != "page" or not bound.total or not wants_total(sel):
            return
        if bound.total == "count" and bound.count_source:
            counted = [c.format(**names) for c in bound.count_where]
            count_from = bound.count_source.format(**names)
            parent.columns[f"{key}t"] = f"(SELECT COUNT(*) FROM {count_from}{_where(counted)})"
            parent.params[f"{key}t"] = list(bound.count_params)
        elif bound.total == "count":
            parent.columns[f"{key}t"] = f"(SELECT COUNT(*) FROM {source}{_where(where)})"
            parent.params[f"{key}t"] = list(bound.params)
        else:  # a cached counter of the parent
            parent.need(bound.total)

    def object(self, scope: Scope) -> tuple[str, list[Any]]:
        if len(scope.columns) > MAX_KEYS:
            raise Unplanned("too many keys for one JSON object")
        function = "json_build_object" if self.postgres else "json_object"
        parts: list[str] = []
        params: list[Any] = []
        for key, expr in scope.columns.items():
            parts.append(f"'{key}', {expr}")
            params.extend(scope.params.get(key, ()))
        return f"{function}({', '.join(parts)})", params

    def embed(self, expr: str) -> str:
        # SQLite passes a subquery's JSON on as text unless json() marks it as JSON again
        return expr if self.postgres else f"json({expr})"

    def aggregate(
        self, obj: str, source: str, where: list[str], order: str, limit: int | None
    ) -> str:
        order_by = f" ORDER BY {order}" if order else ""
        limited = f" LIMIT {int(limit)}" if limit is not None else ""
        if self.postgres:
            return (
                f"(SELECT COALESCE(json_agg(q.j ORDER BY q.n), '[]'::json) FROM (SELECT {obj} AS j,"
                f" ROW_NUMBER() OVER ({order_by.strip()}) AS n FROM {source}{_where(where)}"
                f"{order_by}{limited}) q)"
            )
        return (
            f"(SELECT json_group_array(json(q.j)) FROM (SELECT {obj} AS j FROM {source}"
            f"{_where(where)}{order_by}{limited}) q)"
        )

    # --- roots --------------------------------------------------------------------------------

    def root_node(
        self, sel: Sel, type_name: str, columns: dict[str, list[Any]]
    ) -> tuple[str, list[Any]]:
        """A JSON array of the objects of one type whose id (or orcid, doi, …: `columns`) is
        one of the values asked."""
        table = NODE_TABLES[type_name]

        def build() -> tuple[str, str, list[Any]]:
            scope = Scope(f"t{self.fresh()}")
            scope.need("id")
            for column in columns:
                scope.need(column)
            self.fields(sel.children.get(type_name, []), type_name, scope)
            obj, obj_params = self.object(scope)
            assert scope.alias is not None
            return scope.alias, obj, obj_params

        # the object's SQL depends on the selection and the arguments below it, not on the
        # ids asked: built once per document and values of the variables its arguments read
        alias, obj, cached_params = self.cached((sel, type_name, tuple(columns)), sel, False, build)
        params = list(cached_params)
        matches = []
        for column, values in columns.items():
            matches.append(f"{alias}.{column} IN ({', '.join('?' for _ in values)})")
            params.extend(values)
        where = [f"({' OR '.join(matches)})"]
        return self.aggregate(obj, f"{table} {alias}", where, "", None), params

    def root_relation(self, sel: Sel, relation: Relation) -> Statement:
        def build() -> Statement:
            root = Scope("root")
            self.relation(sel, relation, root)
            slot = self.slots[id(sel)]
            parts: list[str] = []
            params: list[Any] = []
            for key, expr in root.columns.items():
                parts.append(f"{expr} AS {'r' if key == slot.key else 'c'}")
                params.extend(root.params.get(key, ()))
            return Statement(f"SELECT {', '.join(parts)}", params)

        return self.cached((sel, "relation"), sel, True, build)

    def cached(self, key: tuple[Any, ...], sel: Sel, own: bool, build: Callable[[], T]) -> T:
        """`build()`, or what it built for an earlier request with the same key, backend and
        values of the variables the arguments under `sel` read (`own`: and its own), with the
        slots and spliced relations it recorded. The SQL and its parameters are the same for
        those: they depend on nothing else."""
        values = tuple(repr(self.variables.coerced.get(n)) for n in argument_variables(sel, own))
        # the page size limit the arguments were checked against is part of what decides
        full = (*key, own, self.postgres, settings.MAX_PAGE_SIZE, values)
        hit = self.statements.get(full)
        if hit is not None:
            slots, spliced, result = hit
            self.slots.update(slots)
            self.spliced.update(spliced)
            return result  # type: ignore[no-any-return]
        before, spliced_before = dict(self.slots), set(self.spliced)
        result = build()
        slots = {k: v for k, v in self.slots.items() if before.get(k) is not v}
        self.statements.put(full, (slots, self.spliced - spliced_before, result))
        return result


def argument_variables(sel: Sel, own: bool) -> tuple[str, ...]:
    """The variables the arguments of the fields under `sel` read (`own`: and of `sel`)."""
    found = sel.variables if own else sel.child_variables
    if found is None:
        below: set[str] = set()
        for sels in sel.children.values():
            for child in sels:
                below.update(argument_variables(child, True))
        sel.child_variables = tuple(sorted(below))
        mine = {
            node.name.value
            for field_node in sel.nodes
            for arg in field_node.arguments or ()
            for node in _variables(arg.value)
        }
        sel.variables = tuple(sorted(below | mine))
        found = sel.variables if own else sel.child_variables
    return found


def _variables(value: ValueNode) -> list[VariableNode]:
    if isinstance(value, VariableNode):
        return [value]
    if isinstance(value, ListValueNode):
        return [v for item in value.values for v in _variables(item)]
    if isinstance(value, ObjectValueNode):
        return [v for f in value.fields for v in _variables(f.value)]
    return []


def wants_total(sel: Sel) -> bool:
    """Whether a connection's `totalCount` is selected (else its COUNT is not run)."""
    return any(c.name == "totalCount" for sels in sel.children.values() for c in sels)


def _where(conditions: list[str]) -> str:
    return f" WHERE {' AND '.join(conditions)}" if conditions else ""
