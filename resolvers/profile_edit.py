"""`updateAuthorProfile`: the claimant (or an admin) edits the bio line and openToCollaborate.

Every refusal has its own code, so a form can put the message next to the right input:
UNAUTHENTICATED, FORBIDDEN (not the claimant), NOT_FOUND, NOTHING_TO_UPDATE, TEXT_TOO_LONG and
CONTROL_CHARACTERS. Nothing is written unless every argument is valid.
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING, Any

from resolvers.claims import after_author_change, is_claimant
from resolvers.refusals import Code, Refused, author_id_of, require_user
from resolvers.sql import fetch

if TYPE_CHECKING:
    from resolvers.context import Context

MAX_DESCRIPTION = 500
#: bidirectional overrides and isolates can make a bio read differently from what it says
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def clean_description(value: str) -> str | None:
    """The bio line as stored: stripped, NFC; an empty one clears it (None)."""
    text = unicodedata.normalize("NFC", value.strip())
    if any(unicodedata.category(c) == "Cc" or c in _BIDI for c in text):
        raise Refused(
            Code.CONTROL_CHARACTERS,
            "`description` is one line of text: remove line breaks, tabs and control characters",
            "description",
        )
    if len(text) > MAX_DESCRIPTION:
        raise Refused(
            Code.TEXT_TOO_LONG,
            f"`description` must be at most {MAX_DESCRIPTION} characters (it has {len(text):,})",
            "description",
        )
    return text or None


async def update_author_profile(
    ctx: Context,
    author_value: str,
    description: str | None,
    open_to_collaborate: bool | None,
) -> int:
    user = require_user(ctx)
    if description is None and open_to_collaborate is None:
        raise Refused(
            Code.NOTHING_TO_UPDATE, "Give `description`, `openToCollaborate` or both to change"
        )
    author_id = await author_id_of(ctx, author_value)
    if not user.is_admin and not await is_claimant(user.id, author_id):
        raise Refused(
            Code.FORBIDDEN,
            "Only this author's claimant or an admin may edit the profile: claim it first",
            "authorId",
        )
    columns: list[str] = []
    values: list[Any] = []
    if description is not None:
        columns.append("description = ?")
        values.append(clean_description(description))
    if open_to_collaborate is not None:
        columns.append("open_to_collaborate = ?")
        values.append(open_to_collaborate)
    await fetch(
        f"UPDATE author SET {', '.join(columns)} WHERE id = ? RETURNING id", [*values, author_id]
    )
    await after_author_change(ctx, author_id)
    return author_id
