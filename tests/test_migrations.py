"""The migrations build every table on each backend, and `migrate` is idempotent."""

from __future__ import annotations

from models import database
from models.authors import Author


async def test_migrated_database_is_empty_and_usable(db: str) -> None:
    # given a freshly migrated database
    # when an author is written and read back
    author = await Author.create(display_name="Ada Lovelace", name_key="ada lovelace")
    # then it round-trips
    assert (await Author.get(id=author.id)).display_name == "Ada Lovelace"
    assert database.dialect() == db
