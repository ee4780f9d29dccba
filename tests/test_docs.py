"""The docs agree with the server: an example answers what the text says it answers, a limit is
the code's, and no doc sends the reader to a file the repository does not have."""

from __future__ import annotations

import json
import re
from pathlib import Path

from importers import run_import
from importers.demo import DEMO_PROFILE
from schema.args import MAX_YEAR_SPAN
from tests.conftest import GraphQLClient

ROOT = Path(__file__).resolve().parent.parent
API_MD = ROOT / "docs" / "api.md"
DOCS = [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").glob("*.md"))]


def _first_example() -> tuple[dict[str, object], dict[str, object]]:
    """docs/api.md's first request (the curl body) and the `data` the text says it answers."""
    text = API_MD.read_text()
    body = re.search(r"-d '(\{.*?\})'", text, re.S)
    answer = re.search(r'`(\{"data":.*?\}),…\}`', text, re.S)
    assert body and answer, "docs/api.md: the first example or its answer moved"
    claimed = json.loads(answer.group(1).replace("\n", "") + "}")
    return json.loads(body.group(1)), claimed


async def test_the_first_example_of_the_api_guide_answers_what_it_says(
    db: str, gql: GraphQLClient, tmp_path: Path
) -> None:
    # given the demo's reference profile (the five preprints every demo has)
    await run_import("arxiv", [DEMO_PROFILE], rejects_dir=tmp_path, progress=False)
    body, claimed = _first_example()
    # when the guide's first request is sent
    answer = await gql(str(body["query"]), body["variables"])  # type: ignore[arg-type]
    # then the answer is the one the guide prints
    assert answer["data"] == claimed["data"]


def test_the_counts_by_year_limit_in_the_guide_is_the_codes() -> None:
    assert f"the range is at most {MAX_YEAR_SPAN} years" in API_MD.read_text()


def test_no_doc_cites_a_file_the_repository_does_not_have() -> None:
    # given every Markdown doc's relative links
    broken = [
        f"{doc.relative_to(ROOT)}: {link}"
        for doc in DOCS
        for link in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", doc.read_text())
        if not (doc.parent / link).exists()
    ]
    # then each names a file that exists, and none sends the reader to DESIGN.md, which is the
    # steering document of the project and not part of the repository
    assert broken == []
    assert [str(doc.relative_to(ROOT)) for doc in DOCS if "DESIGN.md" in doc.read_text()] == []
