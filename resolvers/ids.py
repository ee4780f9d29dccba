"""Opaque global ids (`base64url("Author:42")`) and the external id forms clients may send.

A malformed id raises `InvalidId`; a well-formed id that names nothing resolves to None.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from resolvers.errors import InvalidId

NODE_TYPES: frozenset[str] = frozenset(
    {
        "Author",
        "Work",
        "Topic",
        "Institution",
        "Source",
        "Funder",
        "GraphSlice",
        "Claim",
        "Invitation",
    }
)
MAX_ROW_ID = 2**31 - 1


class ExternalIdScheme(StrEnum):
    """The registries whose ids the API takes (`orcid:…`, the scheme in lower case) and shows
    (`externalIds`); the GraphQL enum ExternalIdScheme is this one."""

    ORCID = "ORCID"
    OPENALEX = "OPENALEX"
    DOI = "DOI"
    ARXIV = "ARXIV"
    ROR = "ROR"
    ISSN = "ISSN"


EXTERNAL_SCHEMES = tuple(scheme.lower() for scheme in ExternalIdScheme)

#: the external ids each entity type has: (scheme, OpenAlex letter or "", table, unique column),
#: in the order `node(id:)` tries them (a ROR names an institution before a funder)
EXTERNAL_COLUMNS: tuple[tuple[str, str, str, str, str], ...] = (
    ("orcid", "", "Author", "author", "orcid"),
    ("openalex", "A", "Author", "author", "openalex_id"),
    ("doi", "", "Work", "work", "doi"),
    ("arxiv", "", "Work", "work", "arxiv_id"),
    ("openalex", "W", "Work", "work", "openalex_id"),
    ("ror", "", "Institution", "institution", "ror"),
    ("openalex", "I", "Institution", "institution", "openalex_id"),
    # OpenAlex topics keep their `T…` id as external_id (arXiv categories never start with T
    # followed by digits only, so the two schemes cannot collide)
    ("openalex", "T", "Topic", "topic", "external_id"),
    ("openalex", "S", "Source", "source", "openalex_id"),
    ("issn", "", "Source", "source", "issn_l"),
    ("openalex", "F", "Funder", "funder", "openalex_id"),
    ("ror", "", "Funder", "funder", "ror"),
)

_ORCID = re.compile(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")
_OPENALEX = re.compile(r"^[WAITSF]\d+$")
_ISSN = re.compile(r"^\d{4}-\d{3}[\dX]$")


@dataclass(frozen=True, slots=True)
class GlobalId:
    type: str
    key: str

    @property
    def int_id(self) -> int:
        return int(self.key)

    @property
    def in_range(self) -> bool:
        """Whether the id can name a row at all (ids are 32-bit integers in the database)."""
        return self.type == "GraphSlice" or int(self.key) <= MAX_ROW_ID


@dataclass(frozen=True, slots=True)
class ExternalRef:
    scheme: str
    value: str


def to_global_id(type_name: str, key: int | str) -> str:
    raw = f"{type_name}:{key}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


#: what SQLite writes for a global id it cannot encode itself (it has no base64): `Type:key`
#: between the control characters 2 and 3, which JSON text never holds raw
_MARKS = re.compile("\x02([A-Za-z]+):([0-9]+)\x03")


def global_id_sql(type_name: str, key_sql: str, postgres: bool) -> str:
    """SQL text of the global id of the row whose id is `key_sql`: on PostgreSQL
    `to_global_id`'s own encoding (base64url of `Type:key`, unpadded; ids are short enough
    that `encode` wraps no line), on SQLite the marks `expand_id_marks` replaces."""
    assert type_name.isalpha()
    if postgres:
        raw = f"convert_to('{type_name}:' || {key_sql}, 'UTF8')"
        return f"rtrim(translate(encode({raw}, 'base64'), '+/', '-_'), '=')"
    return f"char(2) || '{type_name}:' || {key_sql} || char(3)"


def expand_id_marks(text: str) -> str:
    """Text holding SQLite's global id marks, each replaced by `to_global_id`'s form."""
    return _MARKS.sub(lambda m: to_global_id(m[1], m[2]), text)


def from_global_id(value: str) -> GlobalId:
    padded = value + "=" * (-len(value) % 4)
    try:
        raw = base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        raise InvalidId(f"'{_clip(value)}' is not a valid id") from None
    type_name, sep, key = raw.partition(":")
    if not sep or type_name not in NODE_TYPES or not key:
        raise InvalidId(f"'{_clip(value)}' is not a valid id")
    if type_name != "GraphSlice" and not (key.isascii() and key.isdigit() and len(key) <= 18):
        raise InvalidId(f"'{_clip(value)}' is not a valid id")
    if type_name != "GraphSlice" and key != str(int(key)):
        # one id, one spelling: `Invitation:01` is not another name of `Invitation:1`
        raise InvalidId(f"'{_clip(value)}' is not a valid id (not in its canonical form)")
    return GlobalId(type_name, key)


def row_id(gid: GlobalId) -> int:
    """The database id behind `gid`; `InvalidId` when no row can have it (ids are 32-bit
    integers in the database, and PostgreSQL refuses a larger value in a comparison)."""
    if not gid.in_range:
        raise InvalidId(f"No {gid.type.lower()} can have this id: ids are at most {MAX_ROW_ID}")
    return gid.int_id


def parse_external(value: str) -> ExternalRef | None:
    """`orcid:0000-…`, `doi:10.…`, `arxiv:2007.08563`, `openalex:A123`, `ror:…`, `issn:…`;
    else None."""
    scheme, sep, rest = value.partition(":")
    scheme = scheme.lower()
    if not sep or scheme not in EXTERNAL_SCHEMES:
        return None
    rest = rest.strip()
    if any(ord(c) < 0x20 for c in rest):
        # no scheme's ids hold control characters, and PostgreSQL refuses NUL in text
        raise InvalidId(f"'{_clip(value)}' is not a valid id")
    if scheme == "orcid":
        rest = rest.removeprefix("https://orcid.org/").upper()
        if not _ORCID.match(rest):
            raise InvalidId(f"'{_clip(value)}' is not a valid ORCID id")
    elif scheme == "doi":
        rest = rest.removeprefix("https://doi.org/").lower()
        if not rest.startswith("10."):
            raise InvalidId(f"'{_clip(value)}' is not a valid DOI")
    elif scheme == "openalex":
        rest = rest.removeprefix("https://openalex.org/").upper()
        if not _OPENALEX.match(rest):
            raise InvalidId(f"'{_clip(value)}' is not a valid OpenAlex id")
    elif scheme == "ror":
        rest = rest.removeprefix("https://ror.org/").lower()
        if not rest:
            raise InvalidId(f"'{_clip(value)}' is not a valid ROR id")
    elif scheme == "issn":
        rest = rest.upper()
        if not _ISSN.match(rest):
            raise InvalidId(f"'{_clip(value)}' is not a valid ISSN (`1234-567X`)")
    elif not rest:
        raise InvalidId(f"'{_clip(value)}' is not a valid arXiv id")
    return ExternalRef(scheme, rest)


#: Where generated data (the demo's, the benchmarks') takes its ids: ranges the registries never
#: issue, so a generated id is never a real person's or paper's and names no page there.
SYNTHETIC_ORCID_PREFIX = "9900-"
SYNTHETIC_DOI_PREFIX = "10.5555/"  # Crossref's test prefix
SYNTHETIC_OPENALEX_FROM = 9_000_000_000
_ISSUED_ORCID_PREFIXES = ("0000-", "0009-")  # the only blocks ORCID issues iDs from


def is_synthetic(scheme: str, value: str) -> bool:
    """Whether an external id (`scheme` as in EXTERNAL_SCHEMES, `value` without its URL) is from
    a range its registry never issues: an ORCID outside ORCID's blocks, a DOI under the test
    prefix, an OpenAlex id from 9,000,000,000 on. Such an id has no page to link to."""
    if scheme == "orcid":
        return not value.startswith(_ISSUED_ORCID_PREFIXES)
    if scheme == "doi":
        return value.lower().startswith(SYNTHETIC_DOI_PREFIX)
    if scheme == "openalex":
        digits = value[1:]
        return digits.isdigit() and int(digits) >= SYNTHETIC_OPENALEX_FROM
    return False


def _clip(value: str) -> str:
    return value if len(value) <= 80 else value[:77] + "..."


def columns_for(ref: ExternalRef, type_name: str | None = None) -> list[tuple[str, str, str]]:
    """(type, table, column) an external id of `type_name` may name. Without a type, those of
    the scheme's first type: `node(id: "ror:…")` names an institution, and a funder's ROR is
    for `funder(id:)` and filters."""
    letter = ref.value[:1] if ref.scheme == "openalex" else ""
    found = [
        (t, table, column)
        for scheme, prefix, t, table, column in EXTERNAL_COLUMNS
        if scheme == ref.scheme and prefix == letter and type_name in (None, t)
    ]
    return [f for f in found if f[0] == found[0][0]] if type_name is None and found else found


@dataclass(frozen=True, slots=True)
class RowRef:
    """A filter's id: a row id, or an external id resolved in the statement itself (so a
    filter takes every id form `node` takes, without a round trip of its own)."""

    table: str
    column: str
    value: Any

    def match(self, expr: str) -> tuple[str, Any]:
        """`expr` names this row: the condition and its one parameter."""
        if self.column == "id":
            return f"{expr} = ?", self.value
        return f"{expr} IN (SELECT id FROM {self.table} WHERE {self.column} = ?)", self.value


#: a row id (a list owned by a row) or a filter's id
Ref = int | RowRef


def match_id(ref: Ref, expr: str) -> tuple[str, Any]:
    """The condition that `expr` is the row `ref` names, and its one parameter."""
    return ref.match(expr) if isinstance(ref, RowRef) else (f"{expr} = ?", ref)


def ref_of(value: str | None, type_name: str, table: str) -> RowRef | None:
    """A filter's id of `type_name`: a global id or an external id (`openalex:T…`, `ror:…`);
    InvalidId for a malformed id or one of another type. None stays None."""
    if value is None:
        return None
    external = parse_external(str(value))
    if external is None:
        return RowRef(table, "id", int_id_of(value, type_name))
    named = columns_for(external, type_name)
    if not named:
        others = sorted({t for t, _, _ in columns_for(external)})
        got = f"the id of {article(others[0])}" if others else "an id of no type"
        raise InvalidId(f"Expected the id of {article(type_name)}, got {got}")
    return RowRef(table, named[0][2], external.value)


def int_id_of(value: str | None, type_name: str) -> int | None:
    """The row id a global id of `type_name` names (None stays None); InvalidId for a malformed
    id or one of another type."""
    if value is None:
        return None
    gid = from_global_id(str(value))
    if gid.type != type_name:
        raise InvalidId(
            f"Expected the id of {article(type_name)}, got the id of {article(gid.type)}"
        )
    return row_id(gid)


def article(type_name: str) -> str:
    """ "an Author", "a Work": for error messages."""
    return ("an " if type_name[0] in "AEIOU" else "a ") + type_name
