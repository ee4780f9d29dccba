"""The arXiv importer: the arXiv OAI metadata snapshot, one paper per line.

Every paper is a PREPRINT whose venue is the Source "arXiv" (key `arxiv`), unless its
`journal-ref` names where it was published: then that venue (a Source keyed by its name) and its
year are the work's, and the arXiv id and `journal-ref` stay on it. Each category becomes a Topic
of scheme ARXIV. arXiv has no author ids, so the identity rule is by name: within one
import (and across imports), the same normalized name (`models.text.name_key`) is the same
author, stored as `Author.arxiv_key = "arxiv:" + name_key`. Its limits are documented in
docs/importers.md: two people with the same name merge, one person with name variants splits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from email.utils import parsedate_to_datetime
from typing import Any

from importers.arxiv_categories import category_names
from importers.arxiv_names import parse_authors, parsed_authors
from importers.common import (
    ImportSummary,
    Reject,
    dicts,
    name_key,
    normalize_doi,
    opt_list,
    opt_str,
    req_str,
)
from importers.links import AuthorshipRow, replace_authorships, replace_work_topics
from importers.openalex_records import pub_sort
from importers.record_fields import PublishedVenue, published_venue
from importers.sql import Sql
from importers.upsert import ARXIV_AUTHOR, ARXIV_TOPIC, ARXIV_WORK, SOURCE, upsert
from models.enums import SourceType, WorkType

ARXIV_SOURCE_KEY = "arxiv"
_ARXIV_ID = re.compile(
    r"^(?:arxiv:)?([a-z\-]+(?:\.[A-Z]{2})?/\d{7}|\d{4}\.\d{4,5})(?:v\d+)?$", re.I
)


def author_key(name: str) -> str:
    """The identity of an author known only from arXiv: `arxiv:` + normalized name."""
    return f"arxiv:{name_key(name)}"


def venue_key(name: str) -> str:
    """The Source key of a venue known only by name (models/works.py Source.key)."""
    return f"name:{name_key(name)}"[:600]


def arxiv_id(value: str) -> str:
    match = _ARXIV_ID.match(value.strip())
    if not match:
        raise Reject(f"malformed arXiv id {value!r}")
    return match.group(1)


def version_date(value: Any) -> date | None:
    """`Mon, 2 Apr 2007 19:18:42 GMT` (the snapshot's format) or `2007-04-02`."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(value).date()
    except (TypeError, ValueError):
        return None


@dataclass
class Paper:
    row: dict[str, Any]
    authors: list[tuple[str, str]]  # (arxiv_key, display name)
    categories: list[str]
    #: where it was published, from `journal-ref` (None: the venue is arXiv)
    venue: PublishedVenue | None = None


@dataclass
class ArxivBatch:
    papers: dict[str, Paper] = field(default_factory=dict)
    size: int = 0


def parse_paper(record: dict[str, Any]) -> tuple[str, Paper]:
    key = arxiv_id(req_str(record, "id"))
    title = " ".join(req_str(record, "title").split())
    names = parse_authors(req_str(record, "authors")) or parsed_authors(
        record.get("authors_parsed")
    )
    authors = [(author_key(n), n[:512]) for n in names if name_key(n)]
    if not authors:
        raise Reject("no author names in field 'authors'")
    categories = list(dict.fromkeys((opt_str(record, "categories") or "").split()))
    abstract = opt_str(record, "abstract")
    versions = dicts(opt_list(record, "versions"), "version")
    first = next((v for v in versions if v.get("version") == "v1"), versions[0] if versions else {})
    day = version_date(first.get("created")) or version_date(record.get("update_date"))
    doi_text = opt_str(record, "doi")
    journal_ref = opt_str(record, "journal-ref")
    venue = published_venue(journal_ref)
    year = day.year if day else None
    if venue is not None and venue.year is not None and venue.year != year:
        # published in a later year than posted: the publication's year, without a day
        day, year = None, venue.year
    row: dict[str, Any] = {
        "title": title,
        "title_key": name_key(title),
        "abstract": " ".join(abstract.split()) if abstract else None,
        "type": WorkType.PREPRINT.value,
        "publication_year": year,
        "publication_date": day,
        "pub_sort": pub_sort(year, day),
        # the published DOI when the paper has one (arXiv's `doi` field names the publication)
        "doi": normalize_doi(doi_text.split()[0]) if doi_text else None,
        "author_count": len(authors),
        "journal_ref": journal_ref,
    }
    return key, Paper(row, authors, [c[:64] for c in categories], venue)


class ArxivImporter:
    kind = "arxiv"

    def new_batch(self) -> ArxivBatch:
        return ArxivBatch()

    def add(self, batch: ArxivBatch, record: dict[str, Any]) -> str | None:
        key, paper = parse_paper(record)
        batch.papers[key] = paper
        batch.size += 1
        return None

    async def write(self, sql: Sql, batch: ArxivBatch, summary: ImportSummary) -> set[int]:
        """Write the batch; returns the ids of the authors whose aggregates may have changed."""
        owned = await sql.select_in(
            "SELECT arxiv_id FROM work WHERE openalex_id IS NOT NULL AND {clause}",
            "arxiv_id",
            batch.papers,
        )
        for row in owned:  # OpenAlex's record of the same paper wins
            del batch.papers[row["arxiv_id"]]
            summary.skipped["papers already imported from OpenAlex"] += 1
        arxiv = {"display_name": "arXiv", "type": SourceType.REPOSITORY.value}
        venues = {
            venue_key(p.venue.name): {"display_name": p.venue.name, "type": p.venue.type}
            for p in batch.papers.values()
            if p.venue is not None
        }
        source = await upsert(sql, SOURCE, {ARXIV_SOURCE_KEY: arxiv, **venues}, fill_only=True)
        summary.created["sources"] += source.created
        topic_rows: dict[str, dict[str, Any]] = {}
        author_rows: dict[str, dict[str, Any]] = {}
        for paper in batch.papers.values():
            for code in paper.categories:
                name, group = category_names(code)
                topic_rows[code] = {
                    "display_name": name,
                    "name_key": name_key(name),
                    "field": group,
                }
            for key, name in paper.authors:
                author_rows.setdefault(
                    key, {"display_name": name, "name_key": name_key(name)[:512]}
                )
        topics = await upsert(sql, ARXIV_TOPIC, topic_rows)
        authors = await upsert(sql, ARXIV_AUTHOR, author_rows, fill_only=True)
        works = await upsert(
            sql,
            ARXIV_WORK,
            {
                k: {
                    **p.row,
                    "source_id": source.ids[
                        venue_key(p.venue.name) if p.venue else ARXIV_SOURCE_KEY
                    ],
                }
                for k, p in batch.papers.items()
            },
        )
        for kind, done in (("topics", topics), ("authors", authors), ("works", works)):
            summary.created[kind] += done.created
            summary.updated[kind] += done.updated
        authorships: dict[int, list[AuthorshipRow]] = {}
        work_topics: dict[int, dict[int, tuple[float, bool]]] = {}
        for key, paper in batch.papers.items():
            work_id = works.ids[key]
            authorships[work_id] = [
                AuthorshipRow(pos, authors.ids[akey], name, False)
                for pos, (akey, name) in enumerate(paper.authors)
            ]
            work_topics[work_id] = {
                topics.ids[code]: (1.0, pos == 0) for pos, code in enumerate(paper.categories)
            }
        touched = {authors.ids[k] for p in batch.papers.values() for k, _ in p.authors}
        touched |= await replace_authorships(sql, authorships, summary)
        summary.changed_works |= {works.ids[k] for k in works.changed}
        summary.changed_works |= await replace_work_topics(sql, work_topics, summary)
        return touched
