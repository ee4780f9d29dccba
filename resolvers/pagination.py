"""Keyset (cursor) pagination for Relay connections.

A cursor is the opaque encoding of the sort key of the row it points at, so pages stay stable
while rows are inserted, and the database seeks with an index instead of skipping an offset.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import orjson

import settings
from resolvers.errors import BadUserInput, InvalidCursor

T = TypeVar("T")
DEFAULT_PAGE_SIZE = 10


@dataclass(frozen=True, slots=True)
class PageArgs:
    """Validated `first`/`after`; `after` decoded into the sort key it names (or None)."""

    first: int
    after: tuple[Any, ...] | None

    @property
    def limit(self) -> int:
        """Rows to fetch: one more than asked, to know whether there is a next page."""
        return self.first + 1


def encode_cursor(key: Sequence[Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(list(key))).decode().rstrip("=")


#: every sort key column is a 32-bit INTEGER or text, never NULL: a cursor value outside that
#: cannot come from us, and PostgreSQL would refuse it as a parameter (an INTERNAL error)
_INT32 = range(-(2**31), 2**31)


class _Text:
    """Text PostgreSQL accepts as a parameter (no NUL character)."""

    def __contains__(self, value: object) -> bool:
        return isinstance(value, str) and "\x00" not in value


_TEXT = _Text()


def decode_cursor(cursor: str, width: int, types: Sequence[type] | None = None) -> tuple[Any, ...]:
    """The sort key a cursor names. `types` gives each position's type (int or str; all int by
    default), so a cursor of another ordering or a forged one is INVALID_CURSOR, not a SQL
    error."""
    padded = cursor + "=" * (-len(cursor) % 4)
    try:
        key = orjson.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (binascii.Error, ValueError, UnicodeError, orjson.JSONDecodeError):
        raise InvalidCursor("The cursor is not valid: pass a cursor from this connection") from None
    if not isinstance(key, list) or len(key) != width:
        raise InvalidCursor("The cursor is not valid: pass a cursor from this connection")
    expected = tuple(types) if types is not None else (int,) * width
    for value, kind in zip(key, expected, strict=True):
        if type(value) is not kind or value not in (_INT32 if kind is int else _TEXT):
            raise InvalidCursor(
                "The cursor is not valid: pass a cursor from this connection and ordering"
            )
    return tuple(key)


def page_args(
    first: int | None,
    after: str | None,
    width: int,
    default: int = DEFAULT_PAGE_SIZE,
    types: Sequence[type] | None = None,
) -> PageArgs:
    limit = settings.MAX_PAGE_SIZE
    if first is None:
        first = default
    if first < 0 or first > limit:
        raise BadUserInput(
            f"`first` must be between 0 and {limit}, got {first}", argument="first", maximum=limit
        )
    return PageArgs(first, decode_cursor(after, width, types) if after else None)


@dataclass
class Page(Generic[T]):
    """One page of a connection; `total` is computed only if `totalCount` is selected."""

    items: list[T]
    cursors: list[str]
    has_next: bool
    has_previous: bool
    total: Callable[[], Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def build_page(
    rows: list[dict[str, Any]],
    args: PageArgs,
    key: Callable[[dict[str, Any]], Sequence[Any]],
    convert: Callable[[dict[str, Any]], T],
    total: Callable[[], Any] | None = None,
) -> Page[T]:
    has_next = len(rows) > args.first
    rows = rows[: args.first]
    return Page(
        items=[convert(r) for r in rows],
        cursors=[encode_cursor(key(r)) for r in rows],
        has_next=has_next,
        has_previous=args.after is not None,
        total=total,
    )
