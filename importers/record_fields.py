"""The fields of an OpenAlex record beyond the graph itself, parsed in one place: record → rows.

`work_fields` gives a work's open access, language, keywords, counts by year, reference count,
retraction flag and biblio (columns of `work`) and its grants (rows of `work_grant`, with the
funders they name); `funder_row` an `F…` record; `institution_links` an `I…` record's lineage and
associated institutions. Writing them is the importer's business (importers/openalex.py,
importers/record_links.py), so that a faster writer can take the same rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from importers.common import dicts, opt_dict, opt_float, opt_int, opt_list, opt_str
from models.enums import InstitutionRelationship, OpenAccessStatus

#: OpenAlex `oa_status` → the stored status (anything else is left null)
OA_STATUSES = {s.value.lower(): s.value for s in OpenAccessStatus}
#: OpenAlex `associated_institutions[].relationship` → the stored kind
RELATIONSHIPS = {
    "parent": InstitutionRelationship.PARENT.value,
    "child": InstitutionRelationship.CHILD.value,
    "related": InstitutionRelationship.RELATED.value,
}
_OPENALEX_ID = re.compile(r"^(?:https?://(?:api\.)?openalex\.org/(?:\w+/)?)?([A-Za-z])(\d{1,30})$")


def _id(value: Any, letter: str) -> str | None:
    match = _OPENALEX_ID.match(value.strip()) if isinstance(value, str) else None
    if match is None or match.group(1).upper() != letter:
        return None
    return f"{letter}{match.group(2)}"


def _clip(value: str | None, size: int) -> str | None:
    return value[:size] if value else None


@dataclass
class WorkFields:
    """What `work_fields` found: the work's new columns, and its grants."""

    columns: dict[str, Any]
    #: (funder OpenAlex id, award id or None), in the record's order
    grants: list[tuple[str, str | None]] = field(default_factory=list)
    #: funders named by the grants: OpenAlex id → funder row (as `funder_row` makes)
    funders: dict[str, dict[str, Any]] = field(default_factory=dict)


def funder_row(rec: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """An `F…` record, or a funder nested in a work (`funders[]`, `grants[]`, `awards[]`)."""
    key = _id(rec.get("id") or rec.get("funder") or rec.get("funder_id"), "F")
    name = opt_str(rec, "display_name") or opt_str(rec, "funder_display_name")
    if key is None or name is None:
        return None
    ror = opt_str(rec, "ror") or opt_str(opt_dict(rec, "ids"), "ror")
    return key, {
        "display_name": name[:512],
        "ror": _clip(ror.removeprefix("https://ror.org/").lower() if ror else None, 64),
        "country_code": _clip(opt_str(rec, "country_code"), 8),
    }


def work_fields(rec: dict[str, Any]) -> WorkFields:
    """A work record's open access, language, keywords, counts by year, reference count,
    retraction flag, biblio and grants."""
    oa = opt_dict(rec, "open_access")
    status = OA_STATUSES.get((opt_str(oa, "oa_status") or "").lower())
    keywords = [
        [name, opt_float(k, "score")]
        for k in dicts(opt_list(rec, "keywords"), "keyword")
        if (name := opt_str(k, "display_name"))
    ]
    by_year: dict[str, int] = {}
    for item in dicts(opt_list(rec, "counts_by_year"), "counts_by_year entry"):
        year = opt_int(item, "year")
        if year is not None:
            by_year[str(year)] = opt_int(item, "cited_by_count") or 0
    biblio = opt_dict(rec, "biblio")
    references = len(opt_list(rec, "referenced_works"))
    columns: dict[str, Any] = {
        "is_oa": bool(oa["is_oa"]) if isinstance(oa.get("is_oa"), bool) else None,
        "oa_status": status,
        "oa_url": opt_str(oa, "oa_url"),
        "language": _clip(opt_str(rec, "language"), 16),
        "keywords": keywords or None,
        "counts_by_year": dict(sorted(by_year.items())) or None,
        "referenced_works_count": max(opt_int(rec, "referenced_works_count") or 0, references),
        "is_retracted": rec.get("is_retracted") is True,
    }
    for part in ("volume", "issue", "first_page", "last_page"):
        value = biblio.get(part)
        text = str(value).strip() if isinstance(value, str | int) else ""
        columns[f"biblio_{part}"] = text[:64] or None
    out = WorkFields(columns)
    _grants(rec, out)
    return out


def _grants(rec: dict[str, Any], out: WorkFields) -> None:
    """`grants` (funder, award_id), `awards` (funder_id, funder_award_id) and `funders`: every
    (funder, award) pair once, and each funder named with no award once, with a null award."""
    seen: set[tuple[str, str | None]] = set()
    awarded: set[str] = set()
    items = [(g, "award_id") for g in dicts(opt_list(rec, "grants"), "grant")]
    items += [(a, "funder_award_id") for a in dicts(opt_list(rec, "awards"), "award")]
    items += [(f, "") for f in dicts(opt_list(rec, "funders"), "funder")]
    for item, award_key in items:
        funder = funder_row(item)
        if funder is None:
            continue
        key = funder[0]
        out.funders.setdefault(*funder)
        award = _clip(opt_str(item, award_key), 255) if award_key else None
        if (award is None and key in awarded) or (key, award) in seen:
            continue
        if award is not None:
            awarded.add(key)
            seen.discard((key, None))
            out.grants = [g for g in out.grants if g != (key, None)]
        seen.add((key, award))
        out.grants.append((key, award))


def institution_links(rec: dict[str, Any]) -> list[tuple[str, int, str]]:
    """An `I…` record's lineage (itself and its ancestors, in order) and associated
    institutions, as (kind, position, OpenAlex id)."""
    links: list[tuple[str, int, str]] = []
    seen: set[tuple[str, str]] = set()
    lineage = [i for v in opt_list(rec, "lineage") if (i := _id(v, "I"))]
    for position, key in enumerate(dict.fromkeys(lineage)):
        links.append((InstitutionRelationship.LINEAGE.value, position, key))
    associated = dicts(opt_list(rec, "associated_institutions"), "institution")
    for position, item in enumerate(associated):
        kind = RELATIONSHIPS.get((opt_str(item, "relationship") or "").lower())
        other = _id(item.get("id"), "I")
        if kind is None or other is None or (kind, other) in seen:
            continue
        seen.add((kind, other))
        links.append((kind, position, other))
    return links


_YEAR_IN_PARENS = re.compile(r"\((?:[^()]*\D)?((?:19|20)\d\d)\)")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
_VENUE_END = re.compile(r"[\d(,;]")
_CONFERENCE = re.compile(r"conf|symp|workshop|proc", re.IGNORECASE)
_JOURNAL = re.compile(r"\bj\.|journal|\brev\b|rev\.|lett|phys", re.IGNORECASE)
_VOLUME_WORD = re.compile(r"[\s,]+(?:vol|v|no|pp)\.?$", re.IGNORECASE)
#: `DATE 2022`, `ASP-DAC 2022`: a name followed by its year is how proceedings are cited
_NAME_YEAR = re.compile(r"^\s*(?:19|20)\d\d\b")


@dataclass(frozen=True)
class PublishedVenue:
    """Where an arXiv paper was published, from its `journal-ref`."""

    name: str
    year: int | None
    type: str


def published_venue(journal_ref: str | None) -> PublishedVenue | None:
    """`ISLPED 2020 (ACM/IEEE Int. Symp. …)` → ISLPED, 2020, CONFERENCE;
    `Phys.Rev.D76:013009,2007` → Phys.Rev.D, 2007, JOURNAL. The venue is the text before the
    first digit, parenthesis, comma or semicolon; the year is one in parentheses, else the last
    one of the first reference (an erratum after `;` is not the publication)."""
    if not journal_ref:
        return None
    text = " ".join(journal_ref.split())
    first = text.split(";")[0]
    end = _VENUE_END.search(first)
    name = first[: end.start() if end else len(first)].strip(" .:-") or ""
    name = name + "." if name and first[len(name) : len(name) + 1] == "." else name
    name = _VOLUME_WORD.sub("", name)
    if len(name) < 2 or not any(c.isalpha() for c in name):
        return None
    found = _YEAR_IN_PARENS.search(first)
    years = _YEAR.findall(first)
    year = int(found.group(1)) if found else (int(years[-1]) if years else None)
    kind = "OTHER"
    if _CONFERENCE.search(text) or _NAME_YEAR.match(first[len(name) :].lstrip(". ")):
        kind = "CONFERENCE"
    elif _JOURNAL.search(name):
        kind = "JOURNAL"
    return PublishedVenue(name[:512], year, kind)
