"""What `importers.generate` adds to each work beyond the graph, at the rates of the shared
OpenAlex records (../shared/data/openalex, 256 works): open-access status and URL (about a third
open, in OpenAlex's mix of statuses), language (mostly English), keywords (nearly all works),
grants (about 1 work in 8, as the shared records' 32 of 256), related works (nearly all works,
up to 10 each), retractions (rare) and biblio (journal and conference works); funders and the
parent/child links between institutions.

Every value comes from the work's own random stream or from a hash of an index, so the files stay
byte-identical for the same (works, seed).
"""

from __future__ import annotations

import random
from bisect import bisect_right
from itertools import accumulate
from typing import Any

from importers.synthetic import COUNTRIES, NOUN, OA, Universe, mix, ror

#: OpenAlex's open statuses among open works (the shared records: 36 green, 18 gold, 18 bronze,
#: 7 diamond, 4 hybrid of 83)
_OPEN = [("green", 36), ("gold", 18), ("bronze", 18), ("diamond", 7), ("hybrid", 4)]
_OPEN_CUM = list(accumulate(w for _, w in _OPEN))
_LANGUAGES = ["de", "fr", "es", "zh", "pt", "ja", "ru"]
_FUNDER_KINDS = ["Research Council", "Science Foundation", "Foundation", "Health Institute"]
#: funders' ROR ids start here, after the institutions' (synthetic.ror numbers them)
FUNDER_ROR_BASE = 500_000
#: every tenth institution is part of another one (its parent)
PARENT_EVERY = 10


def funder_count(works: int) -> int:
    return min(max(works // 2000, 20), 2000)


def funder_ref(uni: Universe, k: int) -> dict[str, Any]:
    """Funder `k`, as works (`funders`, `grants`) and the funders file name it."""
    h = mix(k * 7_919 + 17)
    country = COUNTRIES[h % len(COUNTRIES)]
    noun = NOUN[(h >> 16) % len(NOUN)].title()
    kind = _FUNDER_KINDS[(h >> 32) % len(_FUNDER_KINDS)]
    return {
        "id": f"{OA}F{uni.other_base + k}",
        "display_name": f"{country[1]} {noun} {kind} {k}",
        "ror": ror(FUNDER_ROR_BASE + k),
        "country_code": country[0],
    }


def funder_record(uni: Universe, k: int) -> dict[str, Any]:
    """Funder `k`'s own record (its ROR under `ids`, as OpenAlex's funder records have it)."""
    rec = funder_ref(uni, k)
    return {k: v for k, v in rec.items() if k != "ror"} | {
        "ids": {"openalex": rec["id"], "ror": rec["ror"]}
    }


def parent_of(k: int) -> int | None:
    """The institution institution `k` is part of, or None."""
    return mix(k) % k if k > 0 and k % PARENT_EVERY == 3 else None


def work_fields(
    uni: Universe, rng: random.Random, i: int, year: int, kind: str, oa: bool
) -> dict[str, Any]:
    """The fields of work `i` beyond the graph (drawn from the work's own stream `rng`)."""
    rnd = rng.random
    wid = uni.work_base + i
    status = _OPEN[bisect_right(_OPEN_CUM, int(rnd() * _OPEN_CUM[-1]))][0] if oa else "closed"
    if kind == "preprint" and oa:
        status = "green"
    out: dict[str, Any] = {
        "open_access": {
            "is_oa": oa,
            "oa_status": status,
            "oa_url": f"https://oa.example/W{wid}.pdf" if oa else None,
            "any_repository_has_fulltext": status == "green",
        },
        "language": "en" if rnd() < 0.94 else _LANGUAGES[int(rnd() * len(_LANGUAGES))],
        "is_retracted": rnd() < 0.002,
    }
    words = [NOUN[int(rnd() * len(NOUN))] for _ in range(int(rnd() * 6))]
    out["keywords"] = [
        {"id": f"{OA}keywords/{w}", "display_name": w.title(), "score": round(0.8 - 0.1 * n, 3)}
        for n, w in enumerate(dict.fromkeys(words))
    ]
    funders, grants = [], []
    if rnd() < 0.125:
        n_funders = funder_count(uni.n_works)
        for n in range(1 + (rnd() < 0.3)):
            ref = funder_ref(uni, int(rnd() * n_funders))
            if ref in funders:
                continue
            funders.append(ref)
            if rnd() < 0.7:
                award = f"{ref['display_name'].split()[0][:2].upper()}-{year}-{wid % 99991:05d}{n}"
                grants.append(
                    {
                        "funder": ref["id"],
                        "funder_display_name": ref["display_name"],
                        "award_id": award,
                    }
                )
    out["funders"], out["grants"] = funders, grants
    # related works: earlier works nearby in time (so mostly the same community's)
    related = {i - 1 - int(rnd() * 2000) for _ in range(int(rnd() * 11) if rnd() < 0.97 else 0)}
    out["related_works"] = [f"{OA}W{uni.work_base + j}" for j in sorted(related) if j >= 0]
    if kind == "preprint":
        out["biblio"] = {"volume": None, "issue": None, "first_page": None, "last_page": None}
    else:
        first = 1 + int(rnd() * 900)
        out["biblio"] = {
            "volume": str(max(year - 1950, 1)),
            "issue": str(1 + int(rnd() * 12)) if rnd() < 0.8 else None,
            "first_page": str(first),
            "last_page": str(first + 4 + int(rnd() * 25)),
        }
    return out


def institution_links(uni: Universe, k: int, children: list[int]) -> dict[str, Any]:
    """Institution `k`'s lineage and associated institutions (its parent and children)."""
    inst = uni.institutions[k]
    parent = parent_of(k)
    lineage = [inst["id"]]
    associated = []
    if parent is not None:
        associated.append(_associate(uni, parent, "parent"))
    up = parent
    while up is not None:  # parents have smaller indexes, so the chain ends
        lineage.append(uni.institutions[up]["id"])
        up = parent_of(up)
    associated += [_associate(uni, c, "child") for c in children]
    return {"lineage": lineage, "associated_institutions": associated}


def _associate(uni: Universe, k: int, relationship: str) -> dict[str, Any]:
    inst = uni.institutions[k]
    keys = ("id", "ror", "display_name", "country_code", "type")
    return {key: inst[key] for key in keys} | {"relationship": relationship}
