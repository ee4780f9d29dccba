"""The demo data behind `peergraph demo`: the reference profile and generated works around it.

The reference profile is Mimi Xie's five arXiv preprints, from the project's own copy of
`../shared/data/arxiv/mimi_xie.jsonl` (its data README allows exactly this one copy). Next to them
come a few thousand synthetic OpenAlex works (`importers.generate`). They cannot touch her profile:
generated works carry Crossref test DOIs (10.5555/…) and synthetic OpenAlex ids, and generated
authors carry OpenAlex ids and names from a vocabulary without her or her co-authors' surnames, so
the arXiv identity rule (same normalized name, same author) never joins them to a generated
author. She keeps exactly 5 works.

Loading is idempotent: the same seed writes the same files, and both importers upsert, so a
second run changes nothing.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from importers import ImportSummary, run_import
from importers.generate import generate

__all__ = ["DEMO_PROFILE", "GENERATED_FILES", "load_demo"]

DEMO_PROFILE = Path(__file__).resolve().parent / "demo" / "mimi_xie.jsonl"
#: entities that works refer to come first, so a work's links resolve within one import
GENERATED_FILES = ("institutions", "topics", "sources", "authors", "works")


async def load_demo(*, generated_works: int = 3000, seed: int = 7, progress: bool = True) -> None:
    """Import the reference profile and `generated_works` synthetic works (Tortoise must be open
    and migrated)."""
    summaries = [await run_import("arxiv", [DEMO_PROFILE], progress=progress)]
    if generated_works > 0:
        with tempfile.TemporaryDirectory(prefix="peergraph-demo-") as tmp:
            out = Path(tmp)
            await asyncio.to_thread(
                generate, out, works=generated_works, seed=seed, progress=progress
            )
            paths = [out / f"{name}.jsonl" for name in GENERATED_FILES]
            summaries.append(await run_import("openalex", paths, progress=progress))
    rejected = [r for s in summaries for r in s.rejected]
    if rejected:
        raise RuntimeError(f"demo data has rejected lines: {_describe(summaries)}")


def _describe(summaries: list[ImportSummary]) -> str:
    return "; ".join(str(s) for s in summaries)
