"""OpenAlex records (API JSON, one entity per line) → rows for the upserts in `importers.openalex`.

Ids arrive as URLs and are normalized here: `https://openalex.org/W123` → `W123`, ORCID URL →
`0000-…`, DOI URL → lower-case `10.…`, ROR URL → the ROR id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from importers.common import (
    NOT_MODELLED,
    Reject,
    dicts,
    name_key,
    normalize_doi,
    opt_dict,
    opt_float,
    opt_int,
    opt_list,
    opt_str,
    req_str,
    text_key,
)
from importers.record_fields import institution_links, work_fields
from models.enums import SourceType, WorkType

MODELLED = {
    "W": "works",
    "A": "authors",
    "I": "institutions",
    "T": "topics",
    "S": "sources",
    "F": "funders",
}
UNMODELLED = NOT_MODELLED

WORK_TYPES = {
    "article": WorkType.ARTICLE,
    "journal-article": WorkType.ARTICLE,
    "proceedings-article": WorkType.ARTICLE,
    "preprint": WorkType.PREPRINT,
    "posted-content": WorkType.PREPRINT,
    "book": WorkType.BOOK,
    "monograph": WorkType.BOOK,
    "edited-book": WorkType.BOOK,
    "book-chapter": WorkType.BOOK_CHAPTER,
    "book-section": WorkType.BOOK_CHAPTER,
    "dataset": WorkType.DATASET,
    "dissertation": WorkType.DISSERTATION,
    "review": WorkType.REVIEW,
    "letter": WorkType.LETTER,
    "editorial": WorkType.EDITORIAL,
    "report": WorkType.REPORT,
}
SOURCE_TYPES = {
    "journal": SourceType.JOURNAL,
    "repository": SourceType.REPOSITORY,
    "conference": SourceType.CONFERENCE,
    "book series": SourceType.BOOK_SERIES,
}

_OPENALEX_ID = re.compile(r"^(?:https?://(?:api\.)?openalex\.org/(?:\w+/)?)?([A-Za-z])(\d{1,30})$")
_ORCID = re.compile(r"(\d{4}-\d{4}-\d{4}-\d{3}[\dX])$", re.IGNORECASE)
_ROR = re.compile(r"^(?:https?://ror\.org/)?(0[a-z0-9]{8})$", re.IGNORECASE)
_ARXIV_URL = re.compile(
    r"arxiv\.org/(?:abs|pdf)/([a-z\-]+(?:\.[A-Z]{2})?/\d{7}|\d{4}\.\d{4,5})", re.IGNORECASE
)
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+?)(?:v\d+)?$")


def openalex_id(value: Any) -> str | None:
    """`https://openalex.org/W123` → `W123`; None for anything that is not an OpenAlex id."""
    return _openalex_id(value) if isinstance(value, str) else None


@lru_cache(maxsize=1 << 18)
def _openalex_id(value: str) -> str | None:
    # memoized: the same ids recur across records (authors, institutions, cited works)
    match = _OPENALEX_ID.match(value.strip())
    return f"{match.group(1).upper()}{match.group(2)}" if match else None


def orcid(value: Any) -> str | None:
    match = _ORCID.search(value.strip()) if isinstance(value, str) else None
    return match.group(1).upper() if match else None


def ror(value: Any) -> str | None:
    match = _ROR.match(value.strip()) if isinstance(value, str) else None
    return match.group(1).lower() if match else None


def abstract_text(record: dict[str, Any]) -> str | None:
    """Rebuild the text from `abstract_inverted_index` ({word: [positions]}), or `abstract`."""
    index = record.get("abstract_inverted_index")
    if isinstance(index, dict) and index:
        slots: dict[int, str] = {}
        for word, positions in index.items():
            if not isinstance(positions, list):
                raise Reject("abstract_inverted_index positions must be lists")
            for pos in positions:
                if isinstance(pos, int) and not isinstance(pos, bool):
                    slots[pos] = word
        text = " ".join(slots[i] for i in sorted(slots))
        return text or None
    return opt_str(record, "abstract")


def parse_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def pub_sort(year: int | None, day: date | None) -> int:
    if day is not None:
        return day.year * 10000 + day.month * 100 + day.day
    return year * 10000 if year else 0


@dataclass
class WorkRecord:
    row: dict[str, Any]
    source_key: str | None
    #: (author OpenAlex id or None, raw name, is corresponding, institution OpenAlex ids)
    authorships: list[tuple[str | None, str, bool, list[str]]]
    topics: dict[str, tuple[float, bool]]
    references: set[str]
    #: OpenAlex `related_works` (W ids), kept for the explorer's RELATED edges
    related: set[str] = field(default_factory=set)
    #: (funder OpenAlex id, award id or None), in the record's order
    grants: list[tuple[str, str | None]] = field(default_factory=list)


@dataclass
class Nested:
    """Entities found inside other records ("dehydrated" in OpenAlex's terms)."""

    institutions: dict[str, dict[str, Any]] = field(default_factory=dict)
    topics: dict[str, dict[str, Any]] = field(default_factory=dict)
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    authors: dict[str, dict[str, Any]] = field(default_factory=dict)
    funders: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: author OpenAlex id → institution OpenAlex id → years
    affiliations: dict[str, dict[str, set[int]]] = field(default_factory=dict)

    def affiliate(self, author: str, institution: str, years: set[int]) -> None:
        self.affiliations.setdefault(author, {}).setdefault(institution, set()).update(years)


_INSTITUTION_FIELDS = ("id", "display_name", "ror", "country_code", "type")


def institution_row(rec: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The institution's key and row (a new dict: the upserts may change it)."""
    get = rec.get  # once per authorship institution of every work: no generators here
    values = (get("id"), get("display_name"), get("ror"), get("country_code"), get("type"))
    for value in values:
        if value is not None and type(value) is not str:
            return _institution_row(rec)  # a wrong type: the uncached path says which
    found = _institution_row_cached(values)
    return None if found is None else (found[0], dict(found[1]))


@lru_cache(maxsize=1 << 14)
def _institution_row_cached(values: tuple[Any, ...]) -> tuple[str, dict[str, Any]] | None:
    # the same few institutions are nested in most records
    return _institution_row(dict(zip(_INSTITUTION_FIELDS, values, strict=True)))


def _institution_row(rec: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    key = openalex_id(rec.get("id"))
    name = opt_str(rec, "display_name")
    if key is None or name is None:
        return None
    return key, {
        "display_name": name[:512],
        "name_key": name_key(name)[:512],
        "ror": ror(rec.get("ror")),
        "country_code": (opt_str(rec, "country_code") or "")[:8] or None,
        "type": (opt_str(rec, "type") or "")[:64] or None,
    }


def institution_record(
    rec: dict[str, Any], nested: Nested
) -> tuple[str, dict[str, Any], list[tuple[str, int, str]]]:
    """A full `I…` record: its row, and its lineage and associated institutions (those named
    with their names become institutions themselves, like any nested entity)."""
    parsed = institution_row(rec)
    if parsed is None:
        raise Reject("missing required field 'display_name'")
    for item in dicts(opt_list(rec, "associated_institutions"), "associated institution"):
        if other := institution_row(item):
            nested.institutions.setdefault(*other)
    return parsed[0], parsed[1], institution_links(rec)


def topic_row(rec: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    key = openalex_id(rec.get("id"))
    name = opt_str(rec, "display_name")
    if key is None or name is None:
        return None
    row: dict[str, Any] = {"display_name": name[:512], "name_key": name_key(name)[:512]}
    for level in ("subfield", "field", "domain"):
        row[level] = (opt_str(opt_dict(rec, level), "display_name") or "")[:255] or None
    row["description"] = opt_str(rec, "description")
    return key, row


def source_row(rec: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    key = openalex_id(rec.get("id"))
    name = opt_str(rec, "display_name")
    if key is None or name is None:
        return None
    kind = SOURCE_TYPES.get((opt_str(rec, "type") or "").lower(), SourceType.OTHER)
    return key, {
        "display_name": name[:512],
        "openalex_id": key,
        "issn_l": (opt_str(rec, "issn_l") or "")[:16] or None,
        "type": kind.value,
    }


def author_row(rec: dict[str, Any], nested: Nested) -> tuple[str, dict[str, Any]]:
    key = openalex_id(rec.get("id"))
    assert key is not None
    name = req_str(rec, "display_name")
    alternatives = [a for a in opt_list(rec, "display_name_alternatives") if isinstance(a, str)]
    row: dict[str, Any] = {
        "display_name": name[:512],
        "name_key": name_key(name)[:512],
        "alternative_names": [a for a in dict.fromkeys(alternatives) if a != name],
        "orcid": orcid(rec.get("orcid")) or orcid(opt_dict(rec, "ids").get("orcid")),
        "source_updated": (opt_str(rec, "updated_date") or "")[:32] or None,
    }
    stats = opt_dict(rec, "summary_stats")
    row["metrics_from_openalex"] = "h_index" in stats
    if row["metrics_from_openalex"]:
        row["h_index"] = opt_int(stats, "h_index") or 0
        row["i10_index"] = opt_int(stats, "i10_index") or 0
        by_year: dict[str, list[int]] = {}
        for item in dicts(opt_list(rec, "counts_by_year"), "counts_by_year entry"):
            year = opt_int(item, "year")
            if year is not None:
                works, cites = opt_int(item, "works_count"), opt_int(item, "cited_by_count")
                by_year[str(year)] = [works or 0, cites or 0]
        row["counts_by_year"] = dict(sorted(by_year.items()))
    for aff in dicts(opt_list(rec, "affiliations"), "affiliation"):
        inst = institution_row(opt_dict(aff, "institution"))
        if inst:
            nested.institutions.setdefault(*inst)
            years = {y for y in opt_list(aff, "years") if isinstance(y, int)}
            nested.affiliate(key, inst[0], years)
    last_known = opt_list(rec, "last_known_institutions") or [rec.get("last_known_institution")]
    for item in last_known:
        inst = institution_row(item) if isinstance(item, dict) else None
        if inst:
            nested.institutions.setdefault(*inst)
            nested.affiliate(key, inst[0], set())
    return key, row


def arxiv_id_of(rec: dict[str, Any], doi: str | None) -> str | None:
    given = opt_dict(rec, "ids").get("arxiv")
    if isinstance(given, str) and given.strip():
        match = _ARXIV_URL.search(given)
        return match.group(1) if match else given.strip().removeprefix("arXiv:")[:64]
    if doi and (match := _ARXIV_DOI.match(doi)):
        return match.group(1)
    for loc in dicts(opt_list(rec, "locations"), "location"):
        for url_key in ("landing_page_url", "pdf_url"):
            url = loc.get(url_key)
            if isinstance(url, str) and (match := _ARXIV_URL.search(url)):
                return match.group(1)
    return None


def work_record(rec: dict[str, Any], key: str, nested: Nested) -> WorkRecord:
    title = opt_str(rec, "title") or opt_str(rec, "display_name") or "(untitled)"
    year = opt_int(rec, "publication_year")
    day = parse_date(opt_str(rec, "publication_date"))
    doi = normalize_doi(opt_str(rec, "doi")) or normalize_doi(opt_dict(rec, "ids").get("doi"))
    row: dict[str, Any] = {
        "title": title,
        "title_key": text_key(title),
        "abstract": abstract_text(rec),
        "type": WORK_TYPES.get((opt_str(rec, "type") or "").lower(), WorkType.OTHER).value,
        "publication_year": year or (day.year if day else None),
        "publication_date": day,
        "pub_sort": pub_sort(year, day),
        "doi": doi,
        "arxiv_id": arxiv_id_of(rec, doi),
        "cited_by_count": opt_int(rec, "cited_by_count") or 0,
        "source_updated": (opt_str(rec, "updated_date") or "")[:32] or None,
    }
    source = source_row(opt_dict(opt_dict(rec, "primary_location"), "source"))
    if source:
        nested.sources.setdefault(*source)
    years = {row["publication_year"]} if row["publication_year"] else set()
    corresponding = {openalex_id(a) for a in opt_list(rec, "corresponding_author_ids")}
    authorships: list[tuple[str | None, str, bool, list[str]]] = []
    for item in dicts(opt_list(rec, "authorships"), "authorship"):
        author = opt_dict(item, "author")
        author_key = openalex_id(author.get("id"))
        raw = opt_str(item, "raw_author_name") or opt_str(author, "display_name") or "Unknown"
        institutions: list[str] = []
        for inst_rec in dicts(opt_list(item, "institutions"), "institution"):
            inst = institution_row(inst_rec)
            if inst:
                nested.institutions.setdefault(*inst)
                institutions.append(inst[0])
        if author_key is not None:
            name = opt_str(author, "display_name") or raw
            if author_key not in nested.authors:
                nested.authors[author_key] = {
                    "display_name": name[:512],
                    "name_key": name_key(name)[:512],
                    "orcid": orcid(author.get("orcid")),
                }
            for inst_key in institutions:
                nested.affiliate(author_key, inst_key, years)
        is_corr = bool(item.get("is_corresponding")) or (
            author_key is not None and author_key in corresponding
        )
        authorships.append((author_key, raw, is_corr, list(dict.fromkeys(institutions))))
    primary = openalex_id(opt_dict(rec, "primary_topic").get("id"))
    topics: dict[str, tuple[float, bool]] = {}
    for topic_rec in dicts(opt_list(rec, "topics"), "topic"):
        topic = topic_row(topic_rec)
        if topic:
            nested.topics.setdefault(*topic)
            topics[topic[0]] = (opt_float(topic_rec, "score") or 0.0, topic[0] == primary)
    if primary and primary not in topics and (topic := topic_row(opt_dict(rec, "primary_topic"))):
        nested.topics.setdefault(*topic)
        topics[primary] = (opt_float(opt_dict(rec, "primary_topic"), "score") or 0.0, True)
    refs = {r for r in map(openalex_id, opt_list(rec, "referenced_works")) if r and r[0] == "W"}
    related = {r for r in map(openalex_id, opt_list(rec, "related_works")) if r and r[0] == "W"}
    related.discard(key)
    row["author_count"] = len(authorships)
    extra = work_fields(rec)
    row.update(extra.columns)
    for funder in extra.funders.items():
        nested.funders.setdefault(*funder)
    return WorkRecord(
        row, source[0] if source else None, authorships, topics, refs, related, extra.grants
    )
