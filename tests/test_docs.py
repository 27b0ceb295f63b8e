"""The docs stand on results files that exist: every ``*.json`` results file that README.md or
a page under docs/ names is in the repository and loads as a results file (version 1 or 2)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ffibench.harness.results import load

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
# A results file as the docs name it: a path ending in .json under a results/ folder.
NAMED = re.compile(r"(?:docs/)?results/[\w.-]+\.json")


def named_results() -> list[tuple[Path, Path]]:
    found = []
    for page in PAGES:
        for name in sorted(set(NAMED.findall(page.read_text(encoding="utf-8")))):
            relative = name if name.startswith("docs/") else f"docs/{name}"
            found.append((page, ROOT / relative))
    return found


def test_the_docs_name_results_files() -> None:
    assert named_results(), "README and docs quote figures: they must name their results files"


@pytest.mark.parametrize(
    ("page", "path"),
    named_results(),
    ids=lambda value: str(value.relative_to(ROOT)) if isinstance(value, Path) else str(value),
)
def test_every_named_results_file_exists_and_loads(page: Path, path: Path) -> None:
    assert path.is_file(), f"{page.relative_to(ROOT)} names {path.relative_to(ROOT)}, missing"
    document = load(path)
    assert document["results"], f"{path.relative_to(ROOT)} has no results"


# A relative link or image in Markdown: ](target) without a scheme or an in-page anchor.
LINK = re.compile(r"\]\((?![a-z]+:|#)([^)\s]+)\)")


def local_links() -> list[tuple[Path, str]]:
    return [
        (page, target)
        for page in PAGES
        for target in sorted(set(LINK.findall(page.read_text(encoding="utf-8"))))
    ]


@pytest.mark.parametrize(
    ("page", "target"),
    local_links(),
    ids=lambda value: str(value.relative_to(ROOT)) if isinstance(value, Path) else str(value),
)
def test_every_local_link_and_plot_exists(page: Path, target: str) -> None:
    path = (page.parent / target.split("#", 1)[0]).resolve()
    assert path.exists(), f"{page.relative_to(ROOT)} links {target}, which is missing"
    if path.suffix == ".png":
        assert path.read_bytes().startswith(b"\x89PNG"), f"{target} is not a PNG"
