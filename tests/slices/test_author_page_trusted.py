"""The web client's profile page document (docs/queries/author_page.graphql) in
trusted-documents mode: an anonymous visitor's page with its graph panel is allowed, and costs
one request of 1 point once the slice is computing or cached."""

from __future__ import annotations

from typing import Any

import settings
from resolvers.slices import COMPUTE_POINTS, POLL_POINTS
from tests.slices.helpers import gid, make_coauthors

PAGE = (settings.TRUSTED_DOCUMENTS_DIR / "author_page.graphql").read_text(encoding="utf-8")


async def test_anonymous_profile_page_is_one_trusted_request_of_one_point(
    gql: Any, worker: Any, monkeypatch: Any
) -> None:
    # given trusted-documents mode and an author whose slice nobody asked for
    monkeypatch.setattr(settings, "TRUSTED_DOCUMENTS", True)
    ada, _bob = await make_coauthors()
    variables = {"id": gid("Author", ada.id)}
    # when an anonymous visitor loads the page twice
    first = await gql(PAGE, variables)
    again = await gql(PAGE, variables)
    # then both are answered, the first paying for the slice's computation and the next 1 point
    assert "errors" not in first and "errors" not in again
    assert first["data"]["author"]["displayName"] == ada.display_name
    assert first["data"]["author"]["graphSlice"]["status"] == "PENDING"
    assert first["extensions"]["cost"]["requested"] == COMPUTE_POINTS
    assert again["extensions"]["cost"]["requested"] == POLL_POINTS
