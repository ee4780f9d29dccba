"""schema.graphql is the SDL exported from the code (`make schema`); it must not drift."""

from __future__ import annotations

import difflib
from pathlib import Path

SDL_FILE = Path(__file__).resolve().parent.parent / "schema.graphql"


def exported_sdl() -> str:
    """What `peergraph export-schema` prints."""
    from schema import schema

    return schema.as_str() + "\n"


def test_committed_schema_graphql_matches_the_code() -> None:
    # given the SDL the code exports, and the committed schema.graphql
    exported = exported_sdl()
    assert SDL_FILE.is_file(), "schema.graphql is missing: run `make schema` and commit it"
    committed = SDL_FILE.read_text(encoding="utf-8")
    # then they are the same, or the failure shows how they differ and how to fix it
    if committed != exported:
        diff = "".join(
            list(
                difflib.unified_diff(
                    committed.splitlines(keepends=True),
                    exported.splitlines(keepends=True),
                    "schema.graphql (committed)",
                    "schema.graphql (from the code)",
                )
            )[:80]
        )
        raise AssertionError(
            f"schema.graphql has drifted from the code: run `make schema` and commit it\n{diff}"
        )
