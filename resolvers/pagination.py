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


def decode_cursor(cursor: str, width: int) -> tuple[Any, ...]:
    padded = cursor + "=" * (-len(cursor) % 4)
    try:
        key = orjson.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (binascii.Error, ValueError, UnicodeError, orjson.JSONDecodeError):
        raise InvalidCursor("The cursor is not valid: pass a cursor from this connection") from None
    if not isinstance(key, list) or len(key) != width:
        raise InvalidCursor("The cursor is not valid: pass a cursor from this connection")
    if not all(isinstance(v, int | str) or v is None for v in key):
        raise InvalidCursor("The cursor is not valid: pass a cursor from this connection")
    return tuple(key)


def page_args(
    first: int | None, after: str | None, width: int, default: int = DEFAULT_PAGE_SIZE
) -> PageArgs:
    limit = settings.MAX_PAGE_SIZE
    if first is None:
        first = default
    if first < 0 or first > limit:
        raise BadUserInput(
            f"`first` must be between 0 and {limit}, got {first}", argument="first", maximum=limit
        )
    return PageArgs(first, decode_cursor(after, width) if after else None)


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
