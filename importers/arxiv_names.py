"""arXiv metadata text: the authors string, LaTeX accents, and category display names."""

from __future__ import annotations

import re
import unicodedata

_ACCENTS = {
    "'": "\u0301",
    "`": "\u0300",
    '"': "\u0308",
    "^": "\u0302",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "u": "\u0306",
    "v": "\u030c",
    "H": "\u030b",
    "c": "\u0327",
    "k": "\u0328",
    "r": "\u030a",
}
_LETTERS = {
    "ss": "ß",
    "o": "ø",
    "O": "Ø",
    "aa": "å",
    "AA": "Å",
    "ae": "æ",
    "AE": "Æ",
    "oe": "œ",
    "OE": "Œ",
    "l": "ł",
    "L": "Ł",
    "i": "\u0131",
    "j": "\u0237",
}
# \'a  \'{a}  {\'a}  \' a  \v{s}  \v s  \c{c}  \'{\i}
_ACCENT = re.compile(
    r"\{?\\([`'\"^~=.]|[uvHckr](?=[\s{]))\s*(?:\{\s*(\\?[A-Za-z])\s*\}|(\\?[A-Za-z]))\}?"
)
_LETTER = re.compile(r"\\(ss|aa|AA|ae|AE|oe|OE|[oOlLij])(?![A-Za-z])\s*(?:\{\})?")


def _accent(match: re.Match[str]) -> str:
    base = match.group(2) or match.group(3)
    if base.startswith("\\"):
        base = {"\\i": "i", "\\j": "j"}.get(base, base[1:])
    return unicodedata.normalize("NFC", base + _ACCENTS[match.group(1)])


def delatex(text: str) -> str:
    """`C. Bal\\'azs` → `C. Balázs`; drops remaining braces and stray commands' backslashes."""
    if "\\" not in text and "{" not in text:
        return text
    text = _ACCENT.sub(_accent, text)
    text = _LETTER.sub(lambda m: _LETTERS[m.group(1)], text)
    text = text.replace("\\&", "&").replace("~", " ")
    text = re.sub(r"\\[A-Za-z]+\s*", "", text)
    return text.replace("{", "").replace("}", "").replace("\\", "")


def _strip_parentheses(text: str) -> str:
    """Remove parenthesized groups, nested ones included (affiliations, footnote marks)."""
    previous = None
    while previous != text:
        previous = text
        text = re.sub(r"\([^()]*\)", " ", text)
    return text.replace("(", " ").replace(")", " ")


_SPLIT = re.compile(r"\s*,\s*(?:and\s+)?|\s*;\s*|\s+and\s+|\s*&\s*", re.IGNORECASE)
_SUFFIX = re.compile(r"^(jr|sr|ii|iii|iv)\.?$", re.IGNORECASE)
_NOISE = re.compile(r"^(et\s+al\.?|others|and)$", re.IGNORECASE)


def parse_authors(text: str) -> list[str]:
    """Split an arXiv authors string into display names.

    Commas, semicolons, `and` and `&` separate names; affiliations in parentheses are dropped;
    LaTeX accents become Unicode; `Jr.`-style suffixes stay with the name before them."""
    text = " ".join(_strip_parentheses(delatex(text)).split())
    names: list[str] = []
    for part in _SPLIT.split(text):
        name = part.strip(" .,;:") if _SUFFIX.match(part.strip()) else part.strip(" ,;:")
        if not name or _NOISE.match(name):
            continue
        if _SUFFIX.match(name) and names:
            names[-1] = f"{names[-1]} {name}."
            continue
        names.append(name)
    return names


def parsed_authors(value: object) -> list[str]:
    """Names from `authors_parsed` ([[last, first, suffix], …]), when the string yields none."""
    names: list[str] = []
    if isinstance(value, list):
        for item in value:
            if isinstance(item, list) and item and all(isinstance(p, str) for p in item):
                last, first, suffix = [*item, "", ""][:3]
                name = " ".join(p for p in (first, last, suffix) if p.strip())
                if name.strip():
                    names.append(delatex(" ".join(name.split())))
    return names
