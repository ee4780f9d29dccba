"""The examples in README.md and docs/*.md, as tests/test_docs.py runs them.

Every fenced ```graphql block, every ```sh/```bash block that calls `curl`, and every ```json
block in those files is an *example part*, and each must say what it is in an HTML comment just
before it (blank lines may stand between):

    <!-- example NAME
    variables: {"id": "AUTHOR_ID"}
    expect: {"data": {"work": {"title": "FTRANS: …"}}}
    -->

A ```graphql block or a curl block with that comment is example NAME's request. Its directives,
one per line (`key: value`; JSON values on one line):

- `variables`: the variables (a JSON object).
- `wrap`: a document around a block that is a selection, not an operation: `BLOCK` stands for
  the block, e.g. `{ BLOCK }`.
- `headers`: extra HTTP headers (a JSON object), e.g. `{"X-API-Key": "API_KEY"}`.
- `setup`: `invalidate-slices`: run `peergraph invalidate-slices` first, so a slice is cold.
- `transport`: `ws`: a subscription over WebSocket (graphql-transport-ws) instead of HTTP POST.
- `expect`: the first answer the text claims (a JSON object, matched as below).
- `until`: the request is sent again (at most 60 s) until its answer matches this; over
  WebSocket, the last update before `complete` must match it.
- `ignore`: comma-separated keys whose values differ between databases (`id`).
- `data`: `openalex`: the example needs the OpenAlex data in ../shared/data, imported on top
  of the demo data.

A ```json block can be an example's variables for a committed document: `<!-- example NAME`
with `document: docs/queries/slice.graphql` and the other directives.

A ```json block gives one directive's value to a named example instead of writing it inline:
`<!-- example NAME: variables -->`, `<!-- example NAME: expect -->` or `<!-- example NAME:
until -->`. A ```json block that is no GraphQL request or answer (a log line) says so:
`<!-- not an example: REASON -->`.

Placeholders in requests, variables and headers are filled in by the test: `AUTHOR_ID` (the
reference profile's global id, Mimi Xie), `TOPIC_ID` (the global id of OpenAlex topic T10319),
`TOKEN` (a new user's Bearer token) and `API_KEY` (a new partner key). A curl block runs with
`bash` in the repository's root, its `http://127.0.0.1:8000` pointed at the test's server, and
must print one JSON answer.

Claimed answers match the real one when every key they name matches (the answer may have more);
a list matches element by element, with the same length unless its last element is "…"; a
string ending in "…" matches any string it starts; "…" alone matches anything.
"""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DOC_FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
PLACEHOLDERS = ("AUTHOR_ID", "TOPIC_ID", "TOKEN", "API_KEY")
DIRECTIVES = {
    *("variables", "wrap", "headers", "setup", "transport", "expect", "until", "ignore", "data"),
    "document",
}
JSON_DIRECTIVES = {"variables", "headers", "expect", "until"}
ELLIPSIS = "…"

#: a fenced block, at the margin or indented (inside a list item) by the same amount as its end
_FENCE = re.compile(r"^([ \t]*)```(\w*)[^\n]*\n(.*?)^\1```[ \t]*$", re.M | re.S)
_COMMENT = re.compile(r"<!--((?:(?!<!--).)*?)-->\s*\Z", re.S)


@dataclass
class Example:
    """One runnable example: where its request is, the request, and its directives."""

    doc: str
    name: str
    line: int
    language: str = ""
    request: str = ""
    directives: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.doc}#{self.name}"


@dataclass
class Extracted:
    examples: list[Example]
    problems: list[str]


def _parse_directives(text: str, where: str, problems: list[str]) -> dict[str, Any]:
    directives: dict[str, Any] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        key, sep, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if not sep or key not in DIRECTIVES:
            problems.append(f"{where}: unknown directive line {line!r}")
            continue
        if key in JSON_DIRECTIVES:
            try:
                directives[key] = json.loads(value)
            except json.JSONDecodeError as error:
                problems.append(f"{where}: `{key}` is not JSON ({error})")
        elif key == "ignore":
            directives[key] = {part.strip() for part in value.split(",") if part.strip()}
        else:
            directives[key] = value
    return directives


def _is_example(language: str, body: str) -> bool:
    if language == "graphql" or language == "json":
        return True
    return language in ("sh", "bash") and "curl " in body


def extract(paths: list[Path] = DOC_FILES) -> Extracted:
    """Every example in `paths`, and every problem with the convention (a block without its
    comment, a json block for an example that does not exist, an unknown directive)."""
    examples: dict[str, Example] = {}
    parts: list[tuple[str, str, str, Any]] = []  # (where, example name, directive, value)
    problems: list[str] = []
    for path in paths:
        text = path.read_text()
        doc = str(path.relative_to(ROOT))
        for block in _FENCE.finditer(text):
            language, body = block.group(2), textwrap.dedent(block.group(3))
            if not _is_example(language, body):
                continue
            where = f"{doc}:{text.count(chr(10), 0, block.start()) + 1}"
            comment = _COMMENT.search(text[: block.start()])
            head, _, rest = (comment.group(1) if comment else "").strip().partition("\n")
            if language == "json" and head.startswith("not an example:"):
                continue
            match = re.fullmatch(r"example ([\w-]+)(?::\s*(\w+))?", head.strip())
            if match is None:
                problems.append(
                    f"{where}: a ```{language} block without its `<!-- example … -->` comment "
                    "(the convention is in tests/doc_examples.py)"
                )
                continue
            name, role = match.group(1), match.group(2)
            if role is not None:
                if language != "json" or role not in JSON_DIRECTIVES:
                    problems.append(
                        f"{where}: `example {name}: ROLE` goes before a json block, ROLE one of "
                        f"{sorted(JSON_DIRECTIVES)}"
                    )
                    continue
                try:
                    parts.append((where, name, role, json.loads(body)))
                except json.JSONDecodeError as error:
                    problems.append(f"{where}: the json block is not JSON ({error})")
                continue
            directives = _parse_directives(rest, where, problems)
            if language == "json":
                document = ROOT / str(directives.pop("document", "-"))
                if not document.is_file():
                    problems.append(f"{where}: a json example names its `document: PATH`")
                    continue
                directives["variables"] = json.loads(body)
                body, language = document.read_text(), "graphql"
            if name in examples:
                problems.append(f"{where}: example {name!r} is defined twice")
                continue
            line = int(where.rsplit(":", 1)[1])
            examples[name] = Example(doc, name, line, language, body, directives)
    for where, name, role, value in parts:
        if name not in examples:
            problems.append(f"{where}: there is no example {name!r} for this block")
        elif role in examples[name].directives:
            problems.append(f"{where}: example {name!r} already has `{role}`")
        else:
            examples[name].directives[role] = value
    for example in examples.values():
        if "expect" not in example.directives and "until" not in example.directives:
            problems.append(
                f"{example.doc}:{example.line}: example {example.name!r} claims no "
                "answer (`expect` or `until`)"
            )
    return Extracted(list(examples.values()), problems)


def mismatches(claimed: Any, actual: Any, ignore: set[str], path: str = "") -> list[str]:
    """Where `actual` differs from what `claimed` says (the matching rules above)."""
    if claimed == ELLIPSIS:
        return []
    if isinstance(claimed, dict):
        if not isinstance(actual, dict):
            return [f"{path or '.'}: expected an object, got {actual!r}"]
        found: list[str] = []
        for key, value in claimed.items():
            if key not in actual:
                found.append(f"{path}.{key}: missing")
            elif key not in ignore:
                found += mismatches(value, actual[key], ignore, f"{path}.{key}")
        return found
    if isinstance(claimed, list):
        if not isinstance(actual, list):
            return [f"{path}: expected a list, got {actual!r}"]
        open_ended = bool(claimed) and claimed[-1] == ELLIPSIS
        items = claimed[:-1] if open_ended else claimed
        if len(actual) < len(items) or (not open_ended and len(actual) != len(items)):
            return [
                f"{path}: expected {len(items)} items{'+' if open_ended else ''}, "
                f"got {len(actual)}: {actual!r}"[:600]
            ]
        return [
            m for i, c in enumerate(items) for m in mismatches(c, actual[i], ignore, f"{path}[{i}]")
        ]
    if isinstance(claimed, str) and claimed.endswith(ELLIPSIS) and isinstance(actual, str):
        prefix = claimed[: -len(ELLIPSIS)]
        return (
            [] if actual.startswith(prefix) else [f"{path}: {actual!r} does not start {prefix!r}"]
        )
    if claimed != actual:
        return [f"{path}: expected {claimed!r}, got {actual!r}"]
    return []


def fill(value: Any, values: dict[str, str]) -> Any:
    """`value` (text or JSON) with every placeholder replaced."""
    if isinstance(value, str):
        for name, replacement in values.items():
            value = value.replace(name, replacement)
        return value
    return json.loads(fill(json.dumps(value), values))
