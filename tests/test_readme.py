"""The README stays true: every setting the code reads is in its table, and its links resolve."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETTING = re.compile(r'config\(\s*"([A-Z0-9_]+)"')


def _settings_read_by_code() -> set[str]:
    names: set[str] = set()
    for path in ["settings.py", *map(str, (ROOT / "workers").glob("*.py"))]:
        names |= set(SETTING.findall((ROOT / path).read_text()))
    return names


def test_every_setting_is_documented_in_the_readme() -> None:
    # given the settings the code reads and the README
    readme = (ROOT / "README.md").read_text()
    # when each name is looked up in the README
    missing = sorted(n for n in _settings_read_by_code() if f"`{n}`" not in readme)
    # then none is missing
    assert not missing, f"add these settings to the README's configuration table: {missing}"


def test_readme_links_resolve() -> None:
    # given the README's relative links
    readme = (ROOT / "README.md").read_text()
    links = re.findall(r"\]\(([^)#:]+)\)", readme)
    # then every linked file exists
    assert links
    assert [link for link in links if not (ROOT / link).exists()] == []
