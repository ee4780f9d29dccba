"""Work records for `importers.generate`: authorships, institutions, topics, venue and text.

The structure of each work (authors, references, citations) comes from `Universe.plan()`; the
choices made here (type, DOI, topics, venue, affiliations, title, abstract, dates) draw on a
separate seeded stream, so they stay deterministic too.
"""

from __future__ import annotations

import random
from array import array
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable
from itertools import accumulate, groupby
from typing import Any

import orjson

from importers.synthetic import (
    END_YEAR,
    OA,
    SENTENCES,
    TITLES,
    WINDOW,
    Universe,
    issn,
    mix,
    spread,
)
from importers.synthetic_fields import work_fields
from resolvers.ids import SYNTHETIC_DOI_PREFIX

STAMP = {"updated_date": "2025-06-01T00:00:00", "created_date": "2024-01-01"}
_TYPES = [("article", 70), ("preprint", 12), ("review", 5), ("book-chapter", 5), ("dataset", 2)]
_TYPES += [("dissertation", 2), ("letter", 2), ("editorial", 1), ("report", 1)]
TYPES, TYPE_CUM = [t for t, _ in _TYPES], list(accumulate(w for _, w in _TYPES))
#: (work, community, authors, references), as `Universe.plan()` yields them
Planned = tuple[int, int, list[int], list[int]]


class WorkMaker:
    """Builds the work records of one block of the plan at a time.

    Each block's text (types, DOIs, titles, abstracts, dates, affiliations) comes from an RNG
    seeded by (seed, block), so the output is the same whichever process makes which block.
    Alongside the JSONL it collects authorship rows (for the author pass) and tallies
    (kind, entity, citations) of the institutions (0), topics (1) and sources (2) it used.
    """

    def __init__(self, uni: Universe, cites: array[int]) -> None:
        self.uni, self.cites = uni, cites
        self.rng = random.Random()
        self.rows, self.tallies = array("i"), array("q")
        self.aff = [
            {"raw_affiliation_string": x["display_name"], "institution_ids": [x["id"]]}
            for x in uni.institutions
        ]
        self.topic_tail = uni.topic_tails
        self.sources = [source_ref(uni, k) for k in range(len(uni.sources))]

    def block(self, b: int, plan: Iterable[Planned]) -> tuple[bytearray, bytes, bytes]:
        """(JSONL, authorship rows, tallies) for the works of block `b`."""
        self.rng.seed(mix(self.uni.seed * 1_000_003 + b))
        self.rows, self.tallies, out = array("i"), array("q"), bytearray()
        for i, comm, team, refs in plan:
            out += orjson.dumps(self.record(i, comm, team, refs))
            out += b"\n"
        return out, self.rows.tobytes(), self.tallies.tobytes()

    def topic(self, t: int, score: float) -> dict[str, Any]:
        return {"id": f"{OA}T{self.uni.other_base + t}", "display_name": self.uni.topics[t],
                "score": score, **self.topic_tail[t]}  # fmt: skip

    def record(self, i: int, comm: int, team: list[int], refs: list[int]) -> dict[str, Any]:
        uni, rng, rnd, c = self.uni, self.rng, self.rng.random, self.cites[i]
        year, wid = uni.year_of(i), f"{OA}W{uni.work_base + i}"
        kind = TYPES[bisect_right(TYPE_CUM, int(rnd() * TYPE_CUM[-1]))]
        doi = f"https://doi.org/{SYNTHETIC_DOI_PREFIX}peergraph.w{i}" if rnd() < 0.88 else None
        oa = kind == "preprint" or rnd() < 0.35
        topics = self.work_topics(comm)
        src = self.source_of(comm, kind)
        ships, insts = [], set()
        for pos, a in enumerate(team):
            inst_ids = self.institutions_of(a, year)
            insts.update(inst_ids)
            ships.append(self.authorship(a, pos, len(team), inst_ids))
            if ships[-1]["author"]["id"] is not None:
                self.rows.extend((a, year * 2 + oa, c, inst_ids[0] if inst_ids else -1, topics[0]))
        for code, keys in enumerate((insts, topics, () if src is None else (src,))):
            for k in keys:
                self.tallies.extend((code, k, c))
        title = " ".join(uni.fill(rng.choice(TITLES), uni.topics[topics[0]].lower(), rnd))
        title = title[0].upper() + title[1:]
        rec: dict[str, Any] = {"id": wid, "doi": doi, "title": title, "display_name": title}
        rec["publication_year"] = year
        rec["publication_date"] = f"{year}-{1 + int(rnd() * 12):02d}-{1 + int(rnd() * 28):02d}"
        rec["ids"] = {"openalex": wid, "doi": doi} if doi else {"openalex": wid}
        rec["primary_location"] = {
            "is_oa": oa, "landing_page_url": doi or wid, "pdf_url": None,
            "source": None if src is None else self.sources[src],
            "license": "cc-by" if oa else None, "version": "publishedVersion",
            "is_accepted": True, "is_published": kind != "preprint",
        }  # fmt: skip
        rec["type"] = kind
        rec["authorships"] = ships
        rec["countries_distinct_count"] = len({uni.institutions[k]["country_code"] for k in insts})
        rec["institutions_distinct_count"] = len(insts)
        rec["corresponding_author_ids"] = [
            s["author"]["id"] for s in ships if s["is_corresponding"] and s["author"]["id"]
        ]
        rec["cited_by_count"] = c
        rec["is_paratext"] = False
        rec["primary_topic"] = self.topic(topics[0], 0.99)
        rec["topics"] = [rec["primary_topic"]]
        rec["topics"] += [self.topic(t, round(0.9 - 0.1 * k, 2)) for k, t in enumerate(topics[1:])]
        rec["referenced_works_count"] = len(refs)
        rec["referenced_works"] = [f"{OA}W{uni.work_base + j}" for j in refs]
        rec["abstract_inverted_index"] = self.abstract(topics[0]) if rnd() < 0.85 else None
        rec["counts_by_year"] = [{"year": y, "cited_by_count": n} for y, n in spread(c, year)]
        rec.update(work_fields(uni, rng, i, year, kind, oa))
        rec.update(STAMP)
        return rec

    def work_topics(self, comm: int) -> list[int]:
        """1 to 3 topics, nearly all from the community's subfield, its first topics likeliest."""
        uni, rnd = self.uni, self.rng.random
        own, start, chosen = uni.sub_topics[uni.comm[6 * comm]], uni.comm[6 * comm + 1], []
        for _ in range(1 + (rnd() < 0.85) + (rnd() < 0.6)):
            if rnd() < 0.92:
                t = own[(start + min(int(self.rng.expovariate(0.8)), 5)) % len(own)]
            else:
                t = int(rnd() * len(uni.topics))
            if t not in chosen:
                chosen.append(t)
        return chosen

    def source_of(self, comm: int, kind: str) -> int | None:
        r = self.rng.random()
        if kind == "preprint":
            return 0
        if r < 0.04:
            return None
        if r < 0.88:
            return self.uni.comm[6 * comm + 4 + (r < 0.5)]
        return 1 + int(self.rng.random() * (len(self.uni.sources) - 1))

    def institutions_of(self, a: int, year: int) -> list[int]:
        """The author's home institution (or where they moved), at times a second one."""
        uni, r = self.uni, self.rng.random()
        if r < 0.07:
            return []
        c, h = uni.community_of(a), mix(a * 31 + uni.seed)
        inst = uni.comm[6 * c + 2 + (h & 1)]
        if h % 100 < 12:  # a mover: from the middle of the career on, somewhere else
            centre = min(max((a / uni.n_authors - WINDOW) / (1 - 2 * WINDOW), 0.0), 0.999)
            if year >= uni.year_of(int(centre * uni.n_works)):
                inst = (inst + 1 + (h >> 8) % (len(uni.institutions) - 1)) % len(uni.institutions)
        other = uni.comm[6 * c + 3 - (h & 1)]
        return [inst, other] if r > 0.94 and other != inst else [inst]

    def authorship(self, a: int, pos: int, n: int, inst_ids: list[int]) -> dict[str, Any]:
        author, short = self.uni.author(a)
        if self.rng.random() < 0.003:  # OpenAlex sometimes names an author it has no id for
            author = {"id": None, "display_name": author["display_name"], "orcid": None}
        insts = [self.uni.institutions[k] for k in inst_ids]
        return {
            "author_position": "first" if pos == 0 else "last" if pos == n - 1 else "middle",
            "author": author,
            "institutions": insts,
            "countries": sorted({str(x["country_code"]) for x in insts}),
            "is_corresponding": pos == n - 1,
            "raw_author_name": author["display_name"] if self.rng.random() < 0.7 else short,
            "raw_affiliation_strings": [x["display_name"] for x in insts],
            "affiliations": [self.aff[k] for k in inst_ids],
        }

    def abstract(self, t: int) -> dict[str, list[int]]:
        """An `abstract_inverted_index` (word -> positions) of 3 to 6 sentences."""
        topic, rng = self.uni.topics[t].lower(), self.rng
        words = ["We", "study", *topic.split()]
        words[-1] += "."
        start, count = int(rng.random() * len(SENTENCES)), 2 + int(rng.random() * 4)
        for k in range(start, start + count):
            words += self.uni.fill(SENTENCES[k % len(SENTENCES)], topic, rng.random)
        index: dict[str, list[int]] = {}
        for pos, word in enumerate(words):
            if word in index:
                index[word].append(pos)
            else:
                index[word] = [pos]
        return index


def author_block(uni: Universe, data: bytes) -> bytearray:
    """The JSONL of the authors whose authorship rows (5 ints each) are in `data`."""
    ints, out = array("i", data), bytearray()
    rows = sorted(zip(*(ints[k::5] for k in range(5)), strict=True))
    for a, group in groupby(rows, key=lambda r: r[0]):
        out += orjson.dumps(author_record(uni, a, list(group)))
        out += b"\n"
    return out


def author_record(uni: Universe, a: int, rows: list[tuple[int, ...]]) -> dict[str, Any]:
    """An OpenAlex author record whose counts are exactly those of the rows (its authorships)."""
    per_year: dict[int, list[int]] = {}  # year -> [works, oa works, citations]
    aff: dict[int, set[int]] = {}
    for _a, year_oa, _c, inst, _t in rows:
        year = year_oa >> 1
        per_year.setdefault(year, [0, 0, 0])[0] += 1
        per_year[year][1] += year_oa & 1
        if inst >= 0:
            aff.setdefault(inst, set()).add(year)
    for _a, year_oa, cites, _i, _t in rows:
        for y, n in spread(cites, year_oa >> 1):
            per_year.setdefault(y, [0, 0, 0])[2] += n
    all_cites = sorted((r[2] for r in rows), reverse=True)
    recent = [r[2] for r in rows if (r[1] >> 1) in (END_YEAR - 1, END_YEAR - 2)]
    author, short = uni.author(a)
    rec: dict[str, Any] = {"id": author["id"], "orcid": author["orcid"]}
    rec["display_name"] = author["display_name"]
    rec["display_name_alternatives"] = [author["display_name"], short]
    rec["works_count"], rec["cited_by_count"] = len(rows), sum(all_cites)
    rec["summary_stats"] = {
        "2yr_mean_citedness": round(sum(recent) / len(recent), 4) if recent else 0.0,
        "h_index": sum(1 for k, c in enumerate(all_cites, 1) if c >= k),
        "i10_index": sum(1 for c in all_cites if c >= 10),
    }
    rec["ids"] = {"openalex": author["id"]} | (
        {"orcid": author["orcid"]} if author["orcid"] else {}
    )
    ranked = sorted(aff.items(), key=lambda kv: (-max(kv[1]), kv[0]))
    rec["affiliations"] = [
        {"institution": uni.institutions[k], "years": sorted(ys, reverse=True)} for k, ys in ranked
    ]
    latest = max(max(ys) for ys in aff.values()) if aff else None
    rec["last_known_institutions"] = [uni.institutions[k] for k, ys in ranked if max(ys) == latest]
    rec["topics"] = [
        {"id": f"{OA}T{uni.other_base + t}", "display_name": uni.topics[t], "count": n,
         **uni.topic_tails[t]}
        for t, n in Counter(r[4] for r in rows).most_common(5)
    ]  # fmt: skip
    rec["counts_by_year"] = [
        {"year": y, "works_count": w, "oa_works_count": o, "cited_by_count": n}
        for y, (w, o, n) in sorted(per_year.items(), reverse=True)
    ]
    key = f"A{uni.author_base + a}"
    rec["works_api_url"] = f"https://api.openalex.org/works?filter=author.id:{key}"
    return rec | STAMP


def source_ref(uni: Universe, k: int) -> dict[str, Any]:
    name, kind = uni.sources[k]
    code = issn(k) if kind == "journal" else None
    return {"id": f"{OA}S{uni.other_base + k}", "display_name": name, "issn_l": code,
            "issn": [code] if code else None, "is_oa": k == 0, "is_in_doaj": False,
            "is_core": kind != "repository", "host_organization": None, "type": kind}  # fmt: skip
