"""The synthetic world behind `importers.generate`: vocabulary, entities and the plan of works.

Everything here is a pure function of (works, seed); `Universe.plan()` replays the same structure
(the authors and references of every work, oldest first) each time it is called.
"""

from __future__ import annotations

import random
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterator
from functools import lru_cache
from itertools import accumulate
from math import log

from resolvers.ids import SYNTHETIC_OPENALEX_FROM, SYNTHETIC_ORCID_PREFIX

START_YEAR, END_YEAR = 1990, 2025
CITATION_YEARS = 10  # a work's citations are spread over this many years from its publication
WINDOW = 0.08  # the share of all authors whose career is under way at one time, halved
OA = "https://openalex.org/"
_ADJ = """adaptive robust scalable efficient distributed sparse latent hierarchical stochastic
    bayesian neural causal dynamic spectral multimodal federated interpretable quantum thermal
    molecular cellular genomic clinical urban coastal microbial catalytic optical acoustic semantic
    temporal spatial nonlinear probabilistic collaborative autonomous secure generative"""
_NOUN = """graph network model inference estimation learning representation signal imaging sensor
    protein membrane catalyst polymer alloy circuit accelerator transformer compiler memory storage
    cache protocol channel spectrum lattice manifold operator equation dynamics turbulence diffusion
    transport climate rainfall sediment aquifer soil crop forest habitat species population cohort
    therapy vaccine biomarker tumor neuron cortex behaviour attention policy market pricing risk
    portfolio labour migration education literacy governance ethics privacy robotics control
    optimization sampling retrieval language vision speech energy battery grid emission"""
# Names chosen so that no generated author shares a surname with the demo's reference profile.
_FIRST = """Anna Ben Clara David Elena Farid Greta Hugo Irene Jonas Kira Luca Maya Nils Olga Pablo
    Quinn Rosa Sami Tara Umar Vera Wim Xenia Yara Zoe Aiko Bruno Chiara Dmitri Esra Felix Gaia
    Hanna Ivo Jana Kofi Lena Marco Nadia Omar Petra Rafael Sofia Timo Ulla Viktor Wanda Yusuf"""
_LAST = """Berg Costa Dahl Eriksen Fischer Garcia Hansen Ivanova Jensen Kowalski Lund Moreau Novak
    Okafor Petrov Quist Rossi Silva Torres Urban Vogel Weber Young Zimmer Almeida Brandt Carvalho
    Dubois Engel Ferreira Gruber Hoffmann Iglesias Janssen Keller Lindqvist Mendes Nielsen Olsen
    Pereira Ramos Santos Schmidt Tanaka Ueda Varga Watanabe Yamada Ziegler Adeyemi Banerjee
    Castillo Nakamura Haddad Kaplan Mensah Novotny Oyelaran Sato Suzuki"""
_PLACE_A = "North East West South Lake River Stone Oak Ash Elm Bright Fair Green High Red"
_PLACE_B = "vale brook field ford haven ridge wood port ton bury mont stead wick moor crest"
ADJ, NOUN, FIRST, LAST, PLACE_A, PLACE_B = (
    s.split() for s in (_ADJ, _NOUN, _FIRST, _LAST, _PLACE_A, _PLACE_B)
)
COUNTRIES = [("US", "United States", 30), ("CN", "China", 18), ("GB", "United Kingdom", 8)]
COUNTRIES += [("DE", "Germany", 7), ("JP", "Japan", 6), ("FR", "France", 5), ("IN", "India", 5)]
COUNTRIES += [
    ("CA", "Canada", 4),
    ("BR", "Brazil", 3),
    ("AU", "Australia", 3),
    ("NG", "Nigeria", 2),
]
COUNTRIES += [("KR", "South Korea", 3), ("NL", "Netherlands", 2), ("ZA", "South Africa", 2)]
INST_TYPES = [("education", "University of {}"), ("education", "{} Institute of Technology")]
INST_TYPES += [("facility", "{} Research Centre"), ("healthcare", "{} University Hospital")]
INST_TYPES += [("company", "{} Labs"), ("government", "{} National Laboratory")]
DOMAINS = {1: "Life Sciences", 2: "Social Sciences", 3: "Physical Sciences", 4: "Health Sciences"}
_FIELDS = """11:1:Agricultural and Biological Sciences|12:2:Arts and Humanities|13:1:Biochemistry,
    Genetics and Molecular Biology|14:2:Business, Management and Accounting|15:3:Chemical
    Engineering|16:3:Chemistry|17:3:Computer Science|18:2:Decision Sciences|19:3:Earth and
    Planetary Sciences|20:2:Economics, Econometrics and Finance|21:3:Energy|22:3:Engineering|
    23:3:Environmental Science|24:1:Immunology and Microbiology|25:3:Materials Science|
    26:3:Mathematics|27:4:Medicine|
    28:1:Neuroscience|29:4:Nursing|30:1:Pharmacology, Toxicology and Pharmaceutics|31:3:Physics and
    Astronomy|32:2:Psychology|33:2:Social Sciences|34:4:Veterinary|35:4:Dentistry|36:4:Health
    Professions"""
FIELDS = [
    (int(f), int(d), name)
    for f, d, name in (x.split(":") for x in " ".join(_FIELDS.split()).split("|"))
]
TITLES = ["{A} {N} {N} for {T}", "On the {N} of {A} {N} in {T}", "{T}: a {A} {N} approach"]
TITLES += ["Towards {A} {N} with {A} {N}", "A {A} framework for {N} {N}", "{A} {N} in {T}"]
SENTENCES = ["Existing approaches to {N} {N} are limited by {A} {N}."]
SENTENCES += ["We propose a {A} {N} that combines {N} {N} with {A} {N}."]
SENTENCES += ["Experiments on {A} {N} data show that the method improves {N} by a wide margin."]
SENTENCES += ["Our analysis reveals how {A} {N} shapes {N} {N} across {A} settings."]
SENTENCES += ["We further discuss the {N} of {A} {N} and its implications for {N} {N}."]
_M64 = (1 << 64) - 1


def mix(x: int) -> int:
    """A deterministic 64-bit integer hash (splitmix64's finaliser); never Python's hash()."""
    x = (x + 0x9E3779B97F4A7C15) & _M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _M64
    return x ^ (x >> 31)


def orcid(n: int) -> str:
    """A valid ORCID (ISO 7064 11,2) in the unissued 9900- block: never a real person's."""
    block = int(SYNTHETIC_ORCID_PREFIX.strip("-")) * 10**11
    base, total = f"{block + n:015d}", 0
    for ch in base:
        total = (total + int(ch)) * 2
    check = (12 - total % 11) % 11
    text = base + ("X" if check == 10 else str(check))
    return "https://orcid.org/" + "-".join(text[k : k + 4] for k in (0, 4, 8, 12))


def issn(n: int) -> str:
    digits = f"{9_000_000 + n % 1_000_000:07d}"
    check = (11 - sum(int(c) * (8 - k) for k, c in enumerate(digits)) % 11) % 11
    return f"{digits[:4]}-{digits[4:]}{'X' if check == 10 else check}"


def ror(n: int) -> str:
    """A well-formed ROR id: 0, six Crockford base32 characters, an ISO 7064 97,10 checksum."""
    value = number = 1_040_000_000 + n
    text = ""
    for _ in range(6):
        text, value = "0123456789abcdefghjkmnpqrstvwxyz"[value % 32] + text, value // 32
    return f"https://ror.org/0{text}{98 - (number * 100) % 97:02d}"


def spread(cites: int, year: int) -> list[tuple[int, int]]:
    """A work's citations spread over the years after its publication, newest year first."""
    if cites <= 0:
        return []
    span = min(CITATION_YEARS, END_YEAR - year + 1)
    base, rem = divmod(cites, span)
    return [(y, base + (y - year < rem)) for y in range(year + span - 1, year - 1, -1)
            if base or y - year < rem]  # fmt: skip


def _tokens(template: str) -> list[str]:
    return (
        template.replace("{", " {").replace("}", "} ").replace(".", " .").replace(":", " :").split()
    )


_TOKENS: dict[str, list[str]] = {}


class Universe:
    """Topics, institutions, sources, communities and author weights for one (works, seed)."""

    work_base = SYNTHETIC_OPENALEX_FROM  # ids no registry issues (resolvers.ids.is_synthetic)
    author_base, other_base = work_base + 500_000_000, work_base + 800_000_000

    def __init__(self, works: int, seed: int) -> None:
        self.n_works, self.seed = works, seed
        self.author = lru_cache(maxsize=1 << 12)(self._author)
        rng = self.rng = random.Random(seed)
        growth = list(accumulate(1.05**k for k in range(END_YEAR - START_YEAR + 1)))
        self.year_cut = array("q", (round(g / growth[-1] * works) for g in growth))
        self.subfields = [
            (f"{OA}subfields/{f * 100 + 60 + k}", f"{self.word(NOUN).title()} {kind}", f, d, name)
            for f, d, name in FIELDS
            for k, kind in enumerate(("Science", "Engineering", "Studies", "Systems"))
        ]
        n_topics = min(max(works // 150, 3 * len(self.subfields)), 4500)
        self.topics = [
            f"{self.word(ADJ).title()} {self.word(NOUN).title()} and {self.word(NOUN).title()}"
            for _ in range(n_topics)
        ]
        n_sub = len(self.subfields)
        self.sub_topics = [list(range(s, n_topics, n_sub)) for s in range(n_sub)]
        tails = [
            {"subfield": {"id": sid, "display_name": name},
             "field": {"id": f"{OA}fields/{f}", "display_name": field},
             "domain": {"id": f"{OA}domains/{d}", "display_name": DOMAINS[d]}}
            for sid, name, f, d, field in self.subfields
        ]  # fmt: skip
        #: a topic's subfield, field and domain, as works, authors and topics embed them
        self.topic_tails = [tails[t % n_sub] for t in range(n_topics)]
        country_cum = list(accumulate(w for _, _, w in COUNTRIES))
        self.institutions: list[
            dict[str, object]
        ] = []  # as authorships and affiliations embed them
        self.inst_geo: list[tuple[str, str]] = []  # city, country
        for k in range(min(max(works // 120, 30), 9000)):
            place = self.word(PLACE_A) + self.word(PLACE_B)
            kind, pattern = INST_TYPES[0 if rng.random() < 0.55 else rng.randrange(len(INST_TYPES))]
            name = pattern.format(place) + (f" at {self.word(PLACE_A)}" if k >= 400 else "")
            country = COUNTRIES[bisect_right(country_cum, rng.randrange(country_cum[-1]))]
            iid = f"{OA}I{self.other_base + k}"
            ref = {"id": iid, "display_name": name, "ror": ror(k), "country_code": country[0]}
            self.institutions.append({**ref, "type": kind, "lineage": [iid]})
            self.inst_geo.append((place, country[1]))
        self.sources = [("SynthRxiv (synthetic preprints)", "repository")]
        for _ in range(min(max(works // 400, 12), 3000)):
            journal = rng.random() < 0.8
            pattern = rng.choice(["Journal of {A} {N}", "{N} Letters", "{A} {N} Review"])
            template = pattern if journal else "Proceedings of the {A} {N} Conference"
            name = " ".join(self.fill(template, "", rng.random))
            kind = "journal" if journal else "conference"
            self.sources.append(
                (name.title().replace(" Of ", " of ").replace(" The ", " the "), kind)
            )
        # communities: contiguous blocks of authors; per community six ints in `comm`:
        # subfield, first topic, two home institutions, two journals
        self.comm_start, self.comm = array("i", [0]), array("i")
        n_inst, n_src = len(self.institutions), len(self.sources)
        while self.comm_start[-1] < int(works * 1.6) + 50:
            size = 6 + min(int(rng.paretovariate(1.3) * 8), 400)
            self.comm_start.append(self.comm_start[-1] + size)
            self.comm.extend((rng.randrange(n_sub), rng.randrange(1 << 20)))
            self.comm.extend((rng.randrange(n_inst), rng.randrange(n_inst)))
            self.comm.extend((rng.randrange(1, n_src), rng.randrange(1, n_src)))
        self.n_authors = self.comm_start[-1]
        # productivity: Pareto weights, kept as a cumulative array for weighted picks by bisection
        weights = (min(rng.paretovariate(1.3), 2000.0) for _ in range(self.n_authors))
        self.cum = array("d", accumulate(weights, initial=0.0))

    def _author(self, a: int) -> tuple[dict[str, str | None], str]:
        """The `author` object of author `a`'s authorships, and a short form of the name."""
        h = mix(a * 1_000_003 + self.seed)
        first, last = FIRST[h % len(FIRST)], LAST[(h >> 24) % len(LAST)]
        middle = chr(65 + (h >> 16) % 26)
        code = orcid(a) if mix(a ^ 0xC0FFEE) % 100 < 45 else None
        ref = {"id": f"{OA}A{self.author_base + a}", "display_name": f"{first} {middle}. {last}"}
        return {**ref, "orcid": code}, f"{first[0]}. {middle}. {last}"

    def word(self, words: list[str]) -> str:
        return words[int(self.rng.random() * len(words))]

    @staticmethod
    def fill(template: str, topic: str, rnd: Callable[[], float]) -> list[str]:
        """The words of `template` with `{A}` an adjective, `{N}` a noun, `{T}` the topic."""
        out: list[str] = []
        for tok in _TOKENS.get(template) or _TOKENS.setdefault(template, _tokens(template)):
            if tok == "{A}":
                out.append(ADJ[int(rnd() * len(ADJ))])
            elif tok == "{N}":
                out.append(NOUN[int(rnd() * len(NOUN))])
            elif tok == "{T}":
                out.extend(topic.split())
            elif tok in ".:" and out:
                out[-1] += tok
            else:
                out.append(tok)
        return out

    def year_of(self, i: int) -> int:
        return START_YEAR + bisect_right(self.year_cut, i)

    def community_of(self, a: int) -> int:
        return bisect_right(self.comm_start, a) - 1

    def _pick(self, lo: int, hi: int, u: float) -> int:
        """An author in [lo, hi), chosen with probability proportional to their weight."""
        cum = self.cum
        found = bisect_right(cum, cum[lo] + u * (cum[hi] - cum[lo]), lo, hi) - 1
        return min(max(found, lo), hi - 1)

    def plan(self) -> Iterator[tuple[int, int, list[int], list[int]]]:
        """(work, community, authors, references) for every work, oldest first."""
        rng = random.Random(self.seed * 1_000_003 + 1)
        rnd, pick, n, m = rng.random, self._pick, self.n_works, self.n_authors
        last = array("i", [-1]) * m  # each author's latest work
        clast = array("i", [-1]) * len(self.comm_start)  # each community's latest work
        first_ref = array("i")  # each work's first reference: the chain that copying follows
        width = max(2, int(2 * WINDOW * m))
        for i in range(n):
            lo = int(i / n * (m - width))
            hi = lo + width
            lead = pick(lo, hi, rnd())
            c = self.community_of(lead)
            cs, ce = self.comm_start[c], self.comm_start[c + 1]
            size, team = self._team_size(rng), [lead]
            for _ in range(4 * size):
                if len(team) >= size:
                    break
                a = pick(cs, ce, rnd()) if rnd() < 0.85 else pick(lo, hi, rnd())
                if a not in team:
                    team.append(a)
            if len(team) > 1 and rnd() < 0.5:
                team.append(team.pop(0))  # the lead signs last, as a group leader does
            refs = self._refs(i, team, last, clast[c], first_ref, rng)
            first_ref.append(refs[0] if refs else -1)
            for a in team:
                last[a] = i
            clast[c] = i
            yield i, c, team, refs

    @staticmethod
    def _team_size(rng: random.Random) -> int:
        r = rng.random()
        if r < 0.09:
            return 1
        if r < 0.99:
            return 2 + min(int(rng.lognormvariate(0.8, 0.65)), 14)
        return 12 + min(int(rng.paretovariate(1.1) * 8), 300)  # a large collaboration

    def _refs(self, i: int, team: list[int], last: array[int], comm_last: int,
              first_ref: array[int], rng: random.Random) -> list[int]:  # fmt: skip
        rnd = rng.random
        wanted = 0 if rnd() < 0.1 else min(int(rng.lognormvariate(2.4, 0.6)), 80)
        refs: list[int] = []
        recent = max(10.0, i * 0.15)
        for _ in range(2 * wanted):
            if len(refs) >= wanted:
                break
            r = rnd()
            if r < 0.25:  # a co-author's latest work
                j = last[team[int(rnd() * len(team))]]
            elif r < 0.45:  # the community's latest work
                j = comm_last
            elif r < 0.7:  # what a random earlier work cited first: the rich get richer
                j = first_ref[int(rnd() * i)] if i else -1
            elif r < 0.98:  # a recent older work
                j = i - 1 - int(-recent * log(1.0 - rnd()))
            else:  # a slightly newer one, as a preprint cites what came out later
                j = i + 1 + int(rnd() * max(20, self.n_works // 40))
            if r < 0.45 and j >= 0 and rnd() < 0.5:
                j = first_ref[j]
            if 0 <= j < self.n_works and j != i and j not in refs:
                refs.append(j)
        return refs
