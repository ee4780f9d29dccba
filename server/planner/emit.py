"""Subtrees the database writes as response JSON itself, spliced into the response unread.

A relation (a list, a page, a single row) whose whole selection is made of fields the database
can write as the executor would serialise them is planned as one SQL text expression holding
its response value: an object is `'{"key":' || value || …'}'` with the response keys (aliases
included) in the executor's order, a list is its items' texts joined in the relation's order.
What the database can write:

- `__typename` (the object type is known from the plan);
- an entity's `id`: its global id (`resolvers.ids.global_id_sql`, the encoding of
  `to_global_id`; SQLite, without base64, writes marks `splice` expands);
- a field declared `plain` (schema/cost.py `column`): a string, an integer, a boolean or an
  enum (each member written under its GraphQL name, from the enum the executor serialises);
- a relation whose own selection is all of these, nested in its parent's text;
- an object field without a resolver or declaration on a value type (a collaborator's
  `author`, an author topic's `topic`): an object read from the same row, as the planner reads
  it everywhere;
- a page's `edges { node }`, `nodes` and `totalCount` (not `cursor` or `pageInfo`: Python
  writes those pages).

Anything else (floats, dates, resolvers with logic) leaves the relation to the Python shaper,
which still splices any relation below it that qualifies. A null the executor would report as
an error (a null in a non-null field, a value outside its enum) is written as the control
character 1, which JSON text never holds raw: `splice` then hands the operation to the
executor, which reports it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson
from graphql import (
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
)

from resolvers.ids import expand_id_marks, global_id_sql
from resolvers.relations import NODE_TABLES, Bound, Relation, Unplanned

if TYPE_CHECKING:
    from server.planner.tree import Sel

#: leaves the database writes: the kind of text for each scalar
_SCALARS = {"String": "string", "Int": "int", "Boolean": "boolean"}
#: a page's own fields the database writes
_PAGE = frozenset({"edges", "nodes", "totalCount", "__typename"})
_EDGE = frozenset({"node", "__typename"})


def _unwrap(gtype: GraphQLOutputType) -> tuple[bool, GraphQLOutputType]:
    if isinstance(gtype, GraphQLNonNull):
        return True, gtype.of_type
    return False, gtype


def _leaf_ok(gtype: GraphQLOutputType) -> bool:
    _non_null, inner = _unwrap(gtype)
    if isinstance(inner, GraphQLEnumType):
        return getattr(inner, "wrapped_cls", None) is not None
    return isinstance(inner, GraphQLScalarType) and inner.name in _SCALARS


def _resolver(sel: Sel) -> Any:
    return getattr(sel.definition, "base_resolver", None)


def _item_type(sel: Sel, kind: str) -> GraphQLObjectType | None:
    """The object type of a relation's items, if the field's GraphQL type fits its kind (a list
    relation answering a list, a page or a single row answering an object)."""
    assert sel.gfield is not None
    _non_null, inner = _unwrap(sel.gfield.type)
    if kind == "list":
        if not isinstance(inner, GraphQLList):
            return None
        _item_non_null, inner = _unwrap(inner.of_type)
    return inner if isinstance(inner, GraphQLObjectType) else None


def expressible(sel: Sel) -> bool:
    """Whether the database writes this relation field's whole response value (cached on the
    plan tree's selection)."""
    if sel.emits is None:
        sel.emits = _expressible(sel)
    return sel.emits


def _expressible(sel: Sel) -> bool:
    reads = sel.reads
    if reads is None or reads.relation is None:
        return False
    kind = reads.relation.kind
    gtype = _item_type(sel, kind)
    if gtype is None or list(sel.children) != [gtype.name]:
        return False
    sels = sel.children[gtype.name]
    if kind != "page":
        return _object_ok(gtype.name, sels)
    for child in sels:
        if child.name not in _PAGE:
            return False
        if child.name in ("__typename", "totalCount"):
            continue
        inner = _named_object(child)
        if inner is None:
            return False
        if child.name == "nodes":
            if not _object_ok(inner.name, child.children[inner.name]):
                return False
            continue
        for edge in child.children[inner.name]:
            if edge.name not in _EDGE:
                return False
            if edge.name == "node":
                node = _named_object(edge)
                if node is None or not _object_ok(node.name, edge.children[node.name]):
                    return False
    return True


def _named_object(sel: Sel) -> GraphQLObjectType | None:
    """The one object type of a page's `edges`/`nodes`/`node`, or None."""
    assert sel.gfield is not None
    gtype: Any = sel.gfield.type
    while isinstance(gtype, GraphQLNonNull | GraphQLList):
        gtype = gtype.of_type
    if not isinstance(gtype, GraphQLObjectType) or list(sel.children) != [gtype.name]:
        return None
    return gtype


def _object_ok(type_name: str, sels: list[Sel]) -> bool:
    entity = type_name in NODE_TABLES
    for sel in sels:
        if sel.gfield is None:  # __typename
            continue
        if entity and sel.name == "id":
            continue
        reads = sel.reads
        if reads is not None and reads.plain:
            if not _leaf_ok(sel.gfield.type) or len(reads.columns) != 1:
                return False
            continue
        if reads is not None and reads.relation is not None:
            if not expressible(sel):
                return False
            continue
        if entity or reads is not None or _resolver(sel) is not None:
            return False
        # a value's object field without a resolver: an object on the same row
        _non_null, inner = _unwrap(sel.gfield.type)
        if not isinstance(inner, GraphQLObjectType) or list(sel.children) != [inner.name]:
            return False
        if not _object_ok(inner.name, sel.children[inner.name]):
            return False
    return True


def splice(text: str | None) -> orjson.Fragment:
    """The database's text of a response value, put into the response as it is."""
    if text is None:
        raise Unplanned("a relation's text is missing")
    if "\x01" in text:
        raise Unplanned("a null in a non-null field, or a value outside its enum")
    if "\x02" in text:
        text = expand_id_marks(text)
    return orjson.Fragment(text)


class Writer:
    """The SQL text expressions of one request's spliced relations (for sql.Builder)."""

    def __init__(self, postgres: bool, args: Any, fresh: Any) -> None:
        self.postgres = postgres
        self.args = args
        self.fresh = fresh
        self.error = "chr(1)" if postgres else "char(1)"

    # --- values --------------------------------------------------------------------------------

    def null(self, non_null: bool) -> str:
        return self.error if non_null else "'null'"

    def leaf(self, gtype: GraphQLOutputType, expr: str) -> str:
        """The text of a plain column's value; `expr` is a column reference (it is written
        more than once, so it must carry no parameter)."""
        non_null, inner = _unwrap(gtype)
        if isinstance(inner, GraphQLEnumType):
            cls = getattr(inner, "wrapped_cls")  # noqa: B009 (strawberry's enum type)
            cases = " ".join(
                f"WHEN {_literal(str(member.value))}"
                f" THEN {_literal(orjson.dumps(inner.serialize(member)).decode())}"
                for member in cls
            )
            written = f"CASE {expr} {cases} ELSE {self.error} END"
        else:
            assert isinstance(inner, GraphQLScalarType)
            kind = _SCALARS[inner.name]
            if kind == "string":
                # as text whatever the column's type, as GraphQL's String serialises it
                text = f"CAST({expr} AS TEXT)"
                written = f"to_json({text})::text" if self.postgres else f"json_quote({text})"
            elif kind == "int":
                written = f"CAST({expr} AS TEXT)"
            else:
                written = f"CASE WHEN {expr} THEN 'true' ELSE 'false' END"
        return f"(CASE WHEN {expr} IS NULL THEN {self.null(non_null)} ELSE {written} END)"

    def global_id(self, type_name: str, alias: str) -> str:
        return f"'\"' || {global_id_sql(type_name, f'{alias}.id', self.postgres)} || '\"'"

    @staticmethod
    def object(parts: list[tuple[str, str]]) -> str:
        """`{"key":value,…}` from (response key, SQL text of the value) in order."""
        if not parts:
            return "'{}'"
        pieces = []
        for i, (key, expr) in enumerate(parts):
            opening = "{" if i == 0 else ","
            pieces.append(f"{_literal(f'{opening}{orjson.dumps(key).decode()}:')} || {expr}")
        return f"({' || '.join(pieces)} || '}}')"

    def array(self, item: str, source: str, where: list[str], order: str, limit: int | None) -> str:
        order_by = f" ORDER BY {order}" if order else ""
        limited = f" LIMIT {int(limit)}" if limit is not None else ""
        conditions = f" WHERE {' AND '.join(where)}" if where else ""
        if self.postgres:
            return (
                f"(SELECT COALESCE('[' || string_agg(q.j, ',' ORDER BY q.n) || ']', '[]')"
                f" FROM (SELECT {item} AS j, ROW_NUMBER() OVER ({order_by.strip()}) AS n"
                f" FROM {source}{conditions}{order_by}{limited}) q)"
            )
        return (
            f"(SELECT COALESCE('[' || group_concat(q.j, ',') || ']', '[]')"
            f" FROM (SELECT {item} AS j FROM {source}{conditions}{order_by}{limited}) q)"
        )

    # --- relations and objects -----------------------------------------------------------------

    def relation(
        self, sel: Sel, relation: Relation, bound: Bound, parent: str
    ) -> tuple[str, list[Any]]:
        """The text of a relation field's value (`expressible(sel)` holds), correlated to the
        parent row `parent`, with its parameters in the order they appear."""
        assert sel.gfield is not None
        n = self.fresh()
        names = {"t": f"t{n}", "x": f"x{n}", "p": parent}
        columns = {name: expr.format(**names) for name, expr in relation.extras}
        source = relation.source.format(**names)
        where = [c.format(**names) for c in (relation.correlate, *bound.where) if c]
        order = bound.order.format(**names)
        gtype = _item_type(sel, relation.kind)
        assert gtype is not None
        sels = sel.children[gtype.name]
        params: list[Any] = []
        if relation.kind == "one":
            item = self.entity(gtype.name, sels, names["t"], columns, params)
            params.extend(bound.params)
            non_null = isinstance(sel.gfield.type, GraphQLNonNull)
            expr = f"(SELECT {item} FROM {source}{_where(where)} LIMIT 1)"
            return f"COALESCE({expr}, {self.null(non_null)})", params
        if relation.kind == "list":
            item = self.entity(gtype.name, sels, names["t"], columns, params)
            params.extend(bound.params)
            return self.array(item, source, where, order, bound.limit), params
        # a page: its edges and nodes, each a list of the page's rows (`first` of them)
        assert bound.page is not None
        keyset = [bound.keyset.format(**names)] if bound.keyset else []
        parts: list[tuple[str, str]] = []
        for child in sels:
            if child.gfield is None:
                parts.append((child.key, _literal(orjson.dumps(gtype.name).decode())))
                continue
            if child.name == "totalCount":
                parts.append((child.key, self.total(bound, source, where, names, params)))
                continue
            inner = _named_object(child)
            assert inner is not None
            if child.name == "nodes":
                item = self.entity(
                    inner.name, child.children[inner.name], names["t"], columns, params
                )
            else:
                edge_parts: list[tuple[str, str]] = []
                for edge in child.children[inner.name]:
                    if edge.gfield is None:
                        edge_parts.append((edge.key, _literal(orjson.dumps(inner.name).decode())))
                        continue
                    node = _named_object(edge)
                    assert node is not None
                    text = self.entity(
                        node.name, edge.children[node.name], names["t"], columns, params
                    )
                    edge_parts.append((edge.key, text))
                item = self.object(edge_parts)
            params.extend(bound.params)
            params.extend(bound.keyset_params)
            parts.append(
                (child.key, self.array(item, source, [*where, *keyset], order, bound.page.first))
            )
        return self.object(parts), params

    def total(
        self,
        bound: Bound,
        source: str,
        where: list[str],
        names: dict[str, str],
        params: list[Any],
    ) -> str:
        """A page's `totalCount`, counted as the Python path counts it (sql.py `relation`): the
        rows without the keyset, what the bound says to count, or the parent's cached counter
        (a null there is the executor's error to report)."""
        if bound.total == "count" and bound.count_source:
            counted = [c.format(**names) for c in bound.count_where]
            params.extend(bound.count_params)
            count = f"(SELECT COUNT(*) FROM {bound.count_source.format(**names)}{_where(counted)})"
        elif bound.total == "count":
            params.extend(bound.params)
            count = f"(SELECT COUNT(*) FROM {source}{_where(where)})"
        else:
            assert bound.total, "a page relation always says how it is counted"
            count = f"{names['p']}.{bound.total}"
        # written once: a COUNT's parameters appear once
        return f"COALESCE(CAST({count} AS TEXT), {self.error})"

    def entity(
        self,
        type_name: str,
        sels: list[Sel],
        alias: str,
        columns: dict[str, str],
        params: list[Any],
    ) -> str:
        """The text of an object read from the row `alias` (link columns in `columns`),
        appending the parameters of the relations it nests to `params`."""
        entity = type_name in NODE_TABLES
        parts: list[tuple[str, str]] = []
        for sel in sels:
            if sel.gfield is None:
                parts.append((sel.key, _literal(orjson.dumps(type_name).decode())))
                continue
            if entity and sel.name == "id":
                parts.append((sel.key, self.global_id(type_name, alias)))
                continue
            reads = sel.reads
            if reads is not None and reads.plain:
                name = reads.columns[0]
                parts.append(
                    (sel.key, self.leaf(sel.gfield.type, columns.get(name, f"{alias}.{name}")))
                )
                continue
            if reads is not None and reads.relation is not None:
                bound = reads.relation.bind(self.args(sel))
                text, nested = self.relation(sel, reads.relation, bound, alias)
                params.extend(nested)
                parts.append((sel.key, text))
                continue
            # a value's object on the same row
            _non_null, inner = _unwrap(sel.gfield.type)
            assert isinstance(inner, GraphQLObjectType)
            parts.append(
                (sel.key, self.entity(inner.name, sel.children[inner.name], alias, columns, params))
            )
        return self.object(parts)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _where(conditions: list[str]) -> str:
    return f" WHERE {' AND '.join(conditions)}" if conditions else ""
