"""The OpenAlex importer: JSONL of any entity type, mixed, one record per line (or a `.json` file).

Each record's type comes from the letter of its id (W work, A author, I institution, T topic,
S source, F funder). Concepts and publishers (C, P) are not modelled: they are counted and
skipped. A batch is written in dependency order (institutions, topics, sources, authors, works,
then the works' links) in one transaction, with one statement per table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from importers.common import ImportSummary, Reject
from importers.links import (
    AuthorshipRow,
    merge_affiliations,
    replace_authorships,
    replace_citations,
    replace_work_topics,
)
from importers.openalex_records import (
    MODELLED,
    UNMODELLED,
    Nested,
    WorkRecord,
    author_row,
    institution_record,
    openalex_id,
    source_row,
    topic_row,
    work_record,
)
from importers.record_fields import funder_row
from importers.record_links import replace_grants, replace_institution_links
from importers.related import replace_related
from importers.sql import Sql, Table
from importers.upsert import AUTHOR, FUNDER, INSTITUTION, OPENALEX_TOPIC, SOURCE, WORK, upsert


@dataclass
class OpenAlexBatch:
    nested: Nested = field(default_factory=Nested)
    institutions: dict[str, dict[str, Any]] = field(default_factory=dict)
    topics: dict[str, dict[str, Any]] = field(default_factory=dict)
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    authors: dict[str, dict[str, Any]] = field(default_factory=dict)
    funders: dict[str, dict[str, Any]] = field(default_factory=dict)
    works: dict[str, WorkRecord] = field(default_factory=dict)
    #: full institution records' lineage and associated institutions
    institution_links: dict[str, list[tuple[str, int, str]]] = field(default_factory=dict)
    size: int = 0


def _merge(into: Nested, new: Nested) -> None:
    for name in ("institutions", "topics", "sources", "authors", "funders"):
        target: dict[str, dict[str, Any]] = getattr(into, name)
        for key, row in getattr(new, name).items():
            target.setdefault(key, row)
    for author, insts in new.affiliations.items():
        for inst, years in insts.items():
            into.affiliate(author, inst, years)


class OpenAlexImporter:
    kind = "openalex"

    def new_batch(self) -> OpenAlexBatch:
        return OpenAlexBatch()

    def add(self, batch: OpenAlexBatch, record: dict[str, Any]) -> str | None:
        """Parse one record into the batch; returns the entity kind when it is skipped."""
        key = openalex_id(record.get("id"))
        if key is None:
            raise Reject("missing or malformed OpenAlex id in field 'id'")
        letter = key[0]
        if letter not in MODELLED:
            return UNMODELLED.get(letter, f"{letter} entities")
        nested = Nested()
        if letter == "W":
            batch.works[key] = work_record(record, key, nested)
        elif letter == "A":
            batch.authors.__setitem__(*author_row(record, nested))
        elif letter == "I":
            _, batch.institutions[key], batch.institution_links[key] = institution_record(
                record, nested
            )
        else:
            parse = {"T": topic_row, "S": source_row, "F": funder_row}[letter]
            parsed = parse(record)
            if parsed is None:
                raise Reject("missing required field 'display_name'")
            target = {"T": batch.topics, "S": batch.sources, "F": batch.funders}[letter]
            target[key] = parsed[1]
        _merge(batch.nested, nested)
        batch.size += 1
        return None

    async def write(self, sql: Sql, batch: OpenAlexBatch, summary: ImportSummary) -> set[int]:
        """Write the batch; returns the ids of the authors whose aggregates may have changed."""
        nested = batch.nested
        inst_ids = await _both(sql, INSTITUTION, batch.institutions, nested.institutions, summary)
        topic_ids = await _both(sql, OPENALEX_TOPIC, batch.topics, nested.topics, summary)
        source_ids = await _both(sql, SOURCE, batch.sources, nested.sources, summary)
        funder_ids = await _both(sql, FUNDER, batch.funders, nested.funders, summary)
        await replace_institution_links(
            sql,
            {inst_ids[k]: links for k, links in batch.institution_links.items()},
            inst_ids,
            summary,
        )
        author_changed: set[str] = set()
        author_ids = await _both(
            sql, AUTHOR, batch.authors, nested.authors, summary, author_changed
        )
        work_rows = {
            key: {**w.row, "source_id": source_ids.get(w.source_key or "")}
            for key, w in batch.works.items()
        }
        await _adopt_arxiv_works(sql, batch.works)
        works = await upsert(sql, WORK, work_rows)
        summary.created["works"] += works.created
        summary.updated["works"] += works.updated
        if works.stale:
            summary.skipped["outdated work"] += len(works.stale)
        # the authors whose aggregates may change: new or changed author records, and the
        # authors of works whose row or links changed (an unchanged re-import touches none)
        touched = {author_ids[k] for k in author_changed}
        authorships: dict[int, list[AuthorshipRow]] = {}
        topics: dict[int, dict[int, tuple[float, bool]]] = {}
        references: dict[int, set[str]] = {}
        related: dict[int, set[str]] = {}
        grants: dict[int, list[tuple[int, str | None]]] = {}
        for key, w in batch.works.items():
            if key in works.stale:  # its links stay those of the newer version stored
                continue
            work_id = works.ids[key]
            authorships[work_id] = [
                AuthorshipRow(
                    pos,
                    author_ids.get(author) if author else None,
                    raw,
                    corr,
                    tuple(sorted({inst_ids[i] for i in insts})),
                )
                for pos, (author, raw, corr, insts) in enumerate(w.authorships)
            ]
            topics[work_id] = {topic_ids[t]: v for t, v in w.topics.items()}
            references[work_id] = w.references
            related[work_id] = w.related
            grants[work_id] = [(funder_ids[f], award) for f, award in w.grants]
        touched |= await replace_authorships(sql, authorships, summary)
        changed = {works.ids[k] for k in works.changed}
        changed |= await replace_work_topics(sql, topics, summary)
        changed |= await replace_citations(sql, references, summary)
        await replace_related(sql, related, {k: works.ids[k] for k in batch.works}, summary)
        await replace_grants(sql, grants, summary)
        summary.changed_works |= changed
        for work_id in changed & authorships.keys():
            touched.update(a.author_id for a in authorships[work_id] if a.author_id is not None)
        affiliations = {
            (author_ids[a], inst_ids[i]): years
            for a, insts in nested.affiliations.items()
            if a in author_ids
            for i, years in insts.items()
        }
        await merge_affiliations(sql, affiliations, summary)
        return touched


async def _adopt_arxiv_works(sql: Sql, works: dict[str, WorkRecord]) -> None:
    """A paper first imported from arXiv (no OpenAlex id yet) becomes this OpenAlex work, so one
    paper is one work; from then on OpenAlex's record, richer and with ids, is what it holds."""
    by_arxiv = {w.row["arxiv_id"]: key for key, w in works.items() if w.row.get("arxiv_id")}
    if not by_arxiv:
        return
    known = await sql.ids_by_key(WORK, works)
    rows = await sql.select_in(
        "SELECT id, arxiv_id FROM work WHERE openalex_id IS NULL AND {clause}", "arxiv_id", by_arxiv
    )
    adopt = [
        [by_arxiv[r["arxiv_id"]], r["id"]] for r in rows if by_arxiv[r["arxiv_id"]] not in known
    ]
    await sql.execute_many(
        f"UPDATE work SET openalex_id = {sql.ph(1)} WHERE id = {sql.ph(2)}", adopt
    )


async def _both(
    sql: Sql,
    table: Table,
    full: dict[str, dict[str, Any]],
    nested: dict[str, dict[str, Any]],
    summary: ImportSummary,
    changed: set[str] | None = None,
) -> dict[str, int]:
    """Upsert full records, then fill in entities only seen nested in other records; adds the
    keys of the rows created or updated to `changed`."""
    done = await upsert(sql, table, full)
    filled = await upsert(
        sql, table, {k: v for k, v in nested.items() if k not in full}, fill_only=True
    )
    if changed is not None:
        changed |= done.changed | filled.changed
    kind = {
        "institution": "institutions",
        "topic": "topics",
        "source": "sources",
        "funder": "funders",
    }.get(table.name, "authors")
    if done.stale:  # older than the version stored
        summary.skipped[f"outdated {kind.removesuffix('s')}"] += len(done.stale)
    summary.created[kind] += done.created + filled.created
    summary.updated[kind] += done.updated + filled.updated
    return {**done.ids, **filled.ids}
