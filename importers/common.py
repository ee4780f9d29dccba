"""What both importers share: the summary, line reading with rejects, and field validation."""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, TextIO

import orjson

from models import text

log = logging.getLogger("peergraph.importers")

#: A line longer than this is rejected without being parsed.
MAX_LINE_BYTES = 64 * 1024 * 1024

#: integer columns are 32-bit on PostgreSQL; larger values are clamped, not refused.
INT32 = 2**31 - 1

#: OpenAlex entity types peergraph does not model, by id letter.
NOT_MODELLED = {"C": "concepts", "P": "publishers", "K": "keywords"}

_NON_WORD = re.compile(r"[^a-z0-9]+")


def text_key(value: str) -> str:
    """`models.text.name_key`, with a fast path for ASCII text (nothing to decompose)."""
    if value.isascii():
        return _NON_WORD.sub(" ", value.lower()).strip()
    return text.name_key(value)


#: `text_key`, memoized: the same names recur on every line of a large import.
name_key = lru_cache(maxsize=1 << 17)(text_key)


class Reject(Exception):
    """A record that cannot be imported; the message is the reason written to the rejects file."""


@dataclass
class ImportSummary:
    kind: str
    files: int = 0
    records: int = 0
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    rejected: list[str] = field(default_factory=list)
    seconds: float = 0.0
    #: earlier runs that never finished, whose aggregates and data version this run repaired
    repaired: int = 0
    #: wall seconds per phase (importers.progress.ImportProgress)
    phases: dict[str, float] = field(default_factory=dict)
    #: written by the staged path (importers/staged.py) rather than batch by batch
    staged: bool = False
    #: ids of the works whose row, topics or references changed (importers/changes.py)
    changed_works: set[int] = field(default_factory=set, repr=False)

    @property
    def changed(self) -> bool:
        return bool(+self.created or +self.updated)

    def __str__(self) -> str:
        rate = f", {self.records / self.seconds:,.0f} records/s" if self.seconds > 0 else ""
        lines = [
            f"{self.kind} import: {self.records:,} records from {self.files} file(s) "
            f"in {self.seconds:.2f}s{rate}"
        ]
        for kind in sorted(set(self.created) | set(self.updated)):
            created, updated = self.created[kind], self.updated[kind]
            lines.append(f"  {kind}: {created:,} created, {updated:,} updated")
        if self.phases:
            spent = ", ".join(f"{k} {v:.2f}s" for k, v in self.phases.items())
            lines.append(f"  time: {spent}")
        if self.staged:
            lines.append("  first load: staged (COPY into staging tables, then set-based)")
        if not self.changed:
            lines.append("  nothing changed")
        if self.repaired:
            lines.append(
                f"  repaired {self.repaired} interrupted import(s): every aggregate recomputed,"
                " graph slices made stale"
            )
        for kind, count in sorted(self.skipped.items()):
            why = ": type not modelled" if kind in NOT_MODELLED.values() else ""
            lines.append(f"  skipped {count:,} {kind} record(s){why}")
        if self.rejected:
            lines.append(f"  rejected {len(self.rejected):,} line(s):")
            lines.extend(f"    {r}" for r in self.rejected[:20])
            if len(self.rejected) > 20:
                lines.append(f"    … and {len(self.rejected) - 20:,} more (see the rejects files)")
        return "\n".join(lines)


@dataclass
class Line:
    path: Path
    number: int
    text: str

    @property
    def where(self) -> str:
        return f"{self.path}:{self.number}"


def read_lines(path: Path, offset: list[int]) -> Iterator[Line | tuple[Line, str]]:
    """Non-blank lines of a JSONL file (a `.json` file is one record, possibly pretty-printed).

    Yields a `Line`, or `(Line, reason)` for a line too long to parse. `offset[0]` tracks the
    bytes read, for the progress bar."""
    with path.open("rb") as fh:
        if path.suffix == ".json":
            raw = fh.read()
            offset[0] += len(raw)
            text = raw.decode("utf-8", errors="replace")
            if text.strip():
                yield Line(path, 1, text)
            return
        number = 0
        while True:
            raw = fh.readline(MAX_LINE_BYTES + 1)
            if not raw:
                return
            number += 1
            offset[0] += len(raw)
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                while (rest := fh.readline(1 << 20)) and not rest.endswith(b"\n"):
                    offset[0] += len(rest)
                offset[0] += len(rest)
                yield Line(path, number, ""), f"line longer than {MAX_LINE_BYTES:,} bytes"
                continue
            if raw.strip():
                yield Line(path, number, raw.decode("utf-8", errors="replace"))


def parse_json_object(line: Line) -> dict[str, Any]:
    text = line.text.replace("\\u0000", "") if "\\u0000" in line.text else line.text
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        # orjson is stricter than the json module (integers beyond 64 bits, NaN, lone
        # surrogates): what json accepts still imports, and json's message names the fault.
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise Reject(f"malformed JSON: {exc.msg} at column {exc.colno}") from None
    if not isinstance(value, dict):
        raise Reject(f"expected a JSON object, got {type(value).__name__}")
    return value


def add_lines(
    importer: Any,
    batch: Any,
    items: list[Line | tuple[Line, str]],
    rejects: list[tuple[Line, str]],
    skipped: Counter[str],
) -> list[int]:
    """Map each line's record into `batch` (the importer's record → row mapping) and return the
    positions of the lines it took. A line refused already (a `(line, reason)` pair) or now goes
    to `rejects` with its reason; a record the importer leaves out (outdated, a type not
    modelled) is counted in `skipped` by its reason. The batch path and the staged path's
    workers share it."""
    accepted: list[int] = []
    for position, item in enumerate(items):
        if isinstance(item, tuple):
            rejects.append(item)
            continue
        try:
            left_out = importer.add(batch, parse_json_object(item))
        except Reject as exc:
            rejects.append((item, str(exc)))
            continue
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            rejects.append((item, f"unexpected record shape: {exc!r}"))
            continue
        if left_out:
            skipped[left_out] += 1
        else:
            accepted.append(position)
    return accepted


class RejectsWriter:
    """Appends rejected lines to `<rejects_dir>/<file stem>.rejects.jsonl`, created on first use.

    A rejects file left over from an earlier run is replaced the first time it is written."""

    def __init__(self, rejects_dir: Path, summary: ImportSummary) -> None:
        self.dir = rejects_dir
        self.summary = summary
        self._open: dict[Path, TextIO] = {}

    def reject(self, line: Line, reason: str) -> None:
        message = f"{line.where}: {reason}"
        log.warning("rejected %s", message)
        self.summary.rejected.append(message)
        target = self.dir / f"{line.path.stem}.rejects.jsonl"
        fh = self._open.get(target)
        if fh is None:
            self.dir.mkdir(parents=True, exist_ok=True)
            fh = self._open[target] = target.open("w", encoding="utf-8")
        record = {"file": str(line.path), "line": line.number, "reason": reason, "text": line.text}
        fh.write(json.dumps(record, ensure_ascii=False) + "\n")

    def close(self) -> None:
        for fh in self._open.values():
            fh.close()
        self._open.clear()


# -- field access that rejects wrong types ------------------------------------------------------


def opt_str(record: dict[str, Any], key: str) -> str | None:
    value = record.get(key)
    if type(value) is str:
        return value.strip() or None
    if value is None:
        return None
    if not isinstance(value, str):
        raise Reject(f"field {key!r} must be a string, got {type(value).__name__}")
    return value.strip() or None


def req_str(record: dict[str, Any], key: str) -> str:
    value = opt_str(record, key)
    if value is None:
        raise Reject(f"missing required field {key!r}")
    return value


def opt_int(record: dict[str, Any], key: str) -> int | None:
    value = record.get(key)
    if type(value) is int:
        return value if -INT32 <= value <= INT32 else max(-INT32, min(INT32, value))
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Reject(f"field {key!r} must be a number, got {type(value).__name__}")
    return max(-INT32, min(INT32, int(value)))


def opt_float(record: dict[str, Any], key: str) -> float | None:
    value = record.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Reject(f"field {key!r} must be a number, got {type(value).__name__}")
    return float(value)


def opt_list(record: dict[str, Any], key: str) -> list[Any]:
    value = record.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise Reject(f"field {key!r} must be a list, got {type(value).__name__}")
    return value


def opt_dict(record: dict[str, Any], key: str) -> dict[str, Any]:
    value = record.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Reject(f"field {key!r} must be an object, got {type(value).__name__}")
    return value


def dicts(items: list[Any], what: str) -> list[dict[str, Any]]:
    for item in items:
        if not isinstance(item, dict):
            raise Reject(f"every {what} must be an object, got {type(item).__name__}")
    return items


_DOI = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:)?(10\.\S+)$", re.IGNORECASE)


def normalize_doi(value: str | None) -> str | None:
    """`https://doi.org/10.1145/ABC` → `10.1145/abc` (DOIs are case-insensitive)."""
    if not value:
        return None
    match = _DOI.match(value.strip())
    return match.group(1).lower()[:255] if match else None
