"""`Author.graphSlice` is priced like `Query.graphSlice`: a profile page that shows its graph
panel costs about one point per load and per poll, and only the request that starts a
computation pays its full price."""

from __future__ import annotations

from typing import Any

from resolvers.slices import COMPUTE_POINTS, POLL_POINTS
from tests.slices.helpers import gid, make_coauthors, until_done

PAGE = """query($id: ID!) { author(id: $id) {
  displayName counts { works } graphSlice(maxNodes: 20) { id status } } }"""


async def test_profile_with_its_panel_costs_a_poll_unless_it_starts_the_slice(
    gql: Any, worker: Any
) -> None:
    # given an author whose slice nobody asked for yet
    ada, _bob = await make_coauthors()
    variables = {"id": gid("Author", ada.id)}
    # when the profile page loads (starting the slice), then loads again once it is READY
    first = await gql(PAGE, variables)
    await until_done(gql, {"input": {"center": variables["id"], "maxNodes": 20}})
    again = await gql(PAGE, variables)
    # then the first load paid for the computation, and the next one a single point
    assert first["data"]["author"]["graphSlice"]["status"] == "PENDING"
    assert first["extensions"]["cost"]["requested"] == COMPUTE_POINTS
    assert again["data"]["author"]["graphSlice"]["status"] == "READY"
    assert again["extensions"]["cost"]["requested"] == POLL_POINTS
