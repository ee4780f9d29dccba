"""graphql-schema-linter (pinned in tests/schema_lint/package.json) with its description rules on
the committed schema.graphql: every type, field, argument, input field and enum value is documented.

It needs node and npm; without them the test is skipped, except on CI (`CI=true`), where it fails.
The npm packages are installed with `npm ci` into tests/schema_lint/node_modules (gitignored) when
missing.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from tests.serving import require_node, require_npm_packages

HERE = Path(__file__).resolve().parent / "schema_lint"
SCHEMA = Path(__file__).resolve().parent.parent / "schema.graphql"
WHAT = "the schema lint"
LINTER = "node_modules/graphql-schema-linter/lib/cli.js"
LINT_TIMEOUT_S = 120.0
DESCRIPTION_RULES = (
    "types-have-descriptions",
    "fields-have-descriptions",
    "arguments-have-descriptions",
    "input-object-values-have-descriptions",
    "enum-values-have-descriptions",
    "descriptions-are-capitalized",
)
RULES = ",".join(DESCRIPTION_RULES)

# Every type, field, argument, input field and enum value is described: the linter reports nothing.
MAX_PROBLEMS = 0


def _lint(schema: Path) -> list[dict[str, Any]]:
    node = require_node(WHAT)
    require_npm_packages(HERE, LINTER, WHAT)
    linter = HERE / LINTER
    done = subprocess.run(
        [node, str(linter), "--format", "json", "--rules", RULES, str(schema)],
        cwd=HERE,
        capture_output=True,
        text=True,
        timeout=LINT_TIMEOUT_S,
        check=False,
    )
    assert done.returncode in (0, 1), f"the linter failed (exit {done.returncode}): {done.stderr}"
    errors: list[dict[str, Any]] = json.loads(done.stdout)["errors"]
    return errors


def test_every_part_of_the_committed_schema_is_described() -> None:
    # given the committed schema.graphql
    assert SCHEMA.is_file()

    # when graphql-schema-linter checks its descriptions
    problems = _lint(SCHEMA)

    # then it reports at most MAX_PROBLEMS problems (the goal is 0)
    listing = "\n".join(f"{p['rule']}: {p['message']}" for p in problems)
    assert len(problems) <= MAX_PROBLEMS, (
        f"{len(problems)} description problems (at most {MAX_PROBLEMS} allowed); add a description"
        f" in the strawberry code and run `peergraph export-schema > schema.graphql`:\n{listing}"
    )


def test_the_linter_reports_an_undocumented_field(tmp_path: Path) -> None:
    # given a schema whose only field has no description
    schema = tmp_path / "undocumented.graphql"
    schema.write_text('"""The root query."""\ntype Query {\n  hello: String\n}\n')

    # when graphql-schema-linter checks its descriptions
    problems = _lint(schema)

    # then it reports exactly that field, so the check above counts real problems
    assert [p["rule"] for p in problems] == ["fields-have-descriptions"]
    assert "Query.hello" in problems[0]["message"]
