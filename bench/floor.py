"""The floor: a hand-written Starlette + asyncpg endpoint answering the profile query.

No GraphQL at all: it reads `variables.id` from the same POST body, fetches everything the
profile page shows in one statement (one round trip: the statement is prepared once per
connection, and the pool releases connections without asyncpg's reset query), and returns the
same JSON as peergraph, encoded with orjson. `bench.run` checks that the two bodies are equal
before it measures anything.

Run: `uvicorn bench.floor:create_app --factory` with `FLOOR_DATABASE_URL` set.
"""

from __future__ import annotations

import base64
import math
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

PROFILE_SQL = """
SELECT a.id, a.display_name, a.description, a.orcid, a.openalex_id, a.open_to_collaborate,
  a.claim_status, a.works_count, a.followers_count, a.topics_count,
  a.close_collaborators_count, a.has_persistent_work,
  (SELECT json_build_array(i.display_name) FROM author_affiliation x
     JOIN institution i ON i.id = x.institution_id WHERE x.author_id = a.id
     ORDER BY COALESCE(x.last_year, 0) DESC, i.id LIMIT 1) AS affiliation,
  (SELECT json_agg(json_build_array(t.display_name, q.work_count)
                   ORDER BY q.work_count DESC, q.topic_id)
     FROM (SELECT x.topic_id, x.work_count FROM author_topic x WHERE x.author_id = a.id
           ORDER BY x.work_count DESC, x.topic_id LIMIT 6) q
     JOIN topic t ON t.id = q.topic_id) AS topics,
  (SELECT json_agg(json_build_array(c.coauthor_id, c.shared_works, b.display_name)
                   ORDER BY c.shared_works DESC, COALESCE(c.last_year, 0) DESC,
                            c.coauthor_id DESC)
     FROM (SELECT c.coauthor_id, c.shared_works, c.last_year FROM collaboration c
           WHERE c.author_id = a.id AND c.shared_works >= 2
           ORDER BY c.shared_works DESC, COALESCE(c.last_year, 0) DESC, c.coauthor_id DESC
           LIMIT 4) c
     JOIN author b ON b.id = c.coauthor_id) AS collaborators,
  (SELECT json_agg(json_build_array(w.id, w.title, w.abstract, w.type, w.publication_year,
                                    s.display_name) ORDER BY w.pub_sort DESC, w.id DESC)
     FROM (SELECT w.id, w.title, w.abstract, w.type, w.publication_year, w.pub_sort, w.source_id
           FROM authorship x JOIN work w ON w.id = x.work_id WHERE x.author_id = a.id
           ORDER BY w.pub_sort DESC, w.id DESC LIMIT 10) w
     LEFT JOIN source s ON s.id = w.source_id) AS works
FROM author a WHERE a.id = $1
"""

VERIFICATION_POINTS = {0: 0, 1: 10, 2: 25, 3: 40}


def gid(kind: str, key: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{key}".encode()).decode().rstrip("=")


def author_key(global_id: str) -> int | None:
    try:
        raw = base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).decode()
    except ValueError:
        return None
    kind, _, key = raw.partition(":")
    return int(key) if kind == "Author" and key.isdigit() else None


def _json(value: Any) -> Any:
    return orjson.loads(value) if isinstance(value, str) else value


def profile(row: asyncpg.Record) -> dict[str, Any]:
    """The `author` object of the profile response, from the one row."""
    works, close = row["works_count"], row["close_collaborators_count"]
    followers, status = row["followers_count"], row["claim_status"]
    affiliation = _json(row["affiliation"])
    claimed = status in ("CLAIMED", "VERIFIED")
    if status == "VERIFIED":
        level = 3
    elif status == "CLAIMED":
        level = 2
    else:
        external = bool(row["orcid"] or row["openalex_id"] or row["has_persistent_work"])
        level = 1 if external else 0
    components = [
        {"name": "works", "points": min(works, 20), "maxPoints": 20},
        {"name": "closeCollaborators", "points": min(close, 10), "maxPoints": 10},
        {
            "name": "followers",
            "points": min(10, 2 * math.floor(math.log2(1 + followers))),
            "maxPoints": 10,
        },
        {"name": "affiliation", "points": 5 if affiliation else 0, "maxPoints": 5},
        {"name": "claimed", "points": 15 if claimed else 0, "maxPoints": 15},
        {"name": "verification", "points": VERIFICATION_POINTS[level], "maxPoints": 40},
    ]
    share_of = max(works, 1)
    return {
        "id": gid("Author", row["id"]),
        "displayName": row["display_name"],
        "description": row["description"],
        "orcid": row["orcid"],
        "openToCollaborate": row["open_to_collaborate"],
        "affiliation": {"status": "KNOWN", "institution": {"displayName": affiliation[0]}}
        if affiliation
        else {"status": "NOT_IMPORTED", "institution": None},
        "trust": {
            "score": sum(c["points"] for c in components),
            "label": "VERIFIED" if level == 3 else "CLAIMED" if level == 2 else "UNVERIFIED",
            "verificationLevel": f"L{level}",
            "claimed": level >= 2,
            "components": components,
        },
        "counts": {
            "works": works,
            "followers": followers,
            "topics": row["topics_count"],
            "closeCollaborators": close,
        },
        "viewerIsFollowing": False,
        "claim": {
            "status": status if status in ("PENDING", "CLAIMED", "VERIFIED") else "UNCLAIMED",
            "viewerCanClaim": False,
        },
        "topics": [
            {"topic": {"displayName": name}, "workCount": n, "share": n / share_of}
            for name, n in _json(row["topics"]) or []
        ],
        "collaborators": {
            "totalCount": close,
            "edges": [
                {
                    "node": {
                        "sharedWorks": shared,
                        "author": {"id": gid("Author", cid), "displayName": name},
                    }
                }
                for cid, shared, name in _json(row["collaborators"]) or []
            ],
        },
        "works": {
            "totalCount": works,
            "edges": [
                {
                    "node": {
                        "id": gid("Work", wid),
                        "title": title,
                        "abstract": abstract,
                        "type": kind,
                        "publicationYear": year,
                        "venue": {"displayName": venue} if venue is not None else None,
                    }
                }
                for wid, title, abstract, kind, year, venue in _json(row["works"]) or []
            ],
        },
    }


async def _no_reset(_connection: asyncpg.Connection) -> None:
    """Release connections without asyncpg's reset query (one round trip saved per request);
    the floor never changes session state."""


async def graphql(request: Request) -> Response:
    body = orjson.loads(await request.body())
    key = author_key(str((body.get("variables") or {}).get("id", "")))
    pool: asyncpg.Pool = request.app.state.pool
    row = await pool.fetchrow(PROFILE_SQL, key) if key is not None else None
    payload = {"data": {"author": profile(row) if row is not None else None}}
    return Response(orjson.dumps(payload), media_type="application/json")


def create_app() -> Starlette:
    url = os.environ.get("FLOOR_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.pool = await asyncpg.create_pool(url, min_size=2, max_size=10, reset=_no_reset)
        try:
            yield
        finally:
            await app.state.pool.close()

    return Starlette(routes=[Route("/graphql", graphql, methods=["POST"])], lifespan=lifespan)
