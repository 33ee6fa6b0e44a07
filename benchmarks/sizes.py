"""Bytes per kind of page of a built site, and what the whole output weighs per article.

    python benchmarks/sizes.py _site

GitHub Pages takes a published site of 1 GB at most, and a news archive only grows: this
tells which kinds of file the bytes go to (articles, listings, feeds, the search index, ...),
so that a change to the theme can be weighed. It reads the output folder and writes nothing.
"""

from __future__ import annotations

import argparse
import re
from collections import defaultdict
from pathlib import Path

# (kind, pattern of the path inside the output), the first that matches wins.
KINDS = [
    ("article pages", r"\d{4}/\d{2}/\d{2}/[^/]+/index\.html"),
    ("day pages", r"\d{4}/\d{2}/\d{2}/index\.html"),
    ("month pages", r"\d{4}/\d{2}/index\.html"),
    ("year pages", r"\d{4}/index\.html"),
    ("search index (search/)", r"search/.*"),
    ("topic listing pages", r"topics/[^/]+/(page/\d+/)?index\.html"),
    ("topic feeds", r"topics/[^/]+/(feed\.xml|atom\.xml|feed\.json)"),
    ("tag listing pages", r"tags/[^/]+/(page/\d+/)?index\.html"),
    ("tag feeds", r"tags/[^/]+/(feed\.xml|atom\.xml|feed\.json)"),
    ("site feeds", r"(feed\.xml|atom\.xml|feed\.json)"),
    ("sitemaps", r"(news-)?sitemap(-\d+)?\.xml|robots\.txt"),
    (".digest-manifest.json", r"\.digest-manifest\.json"),
    ("other pages", r"(.+/)?index\.html|404\.html"),
]
ARTICLE_KIND = "article pages"


def kind_of(relative: str) -> str:
    for kind, pattern in KINDS:
        if re.fullmatch(pattern, relative):
            return kind
    return "other files (static/, theme)"


def measure(output: Path) -> dict[str, tuple[int, int]]:
    """For each kind: (files, bytes)."""
    files: dict[str, int] = defaultdict(int)
    sizes: dict[str, int] = defaultdict(int)
    for path in output.rglob("*"):
        if path.is_file():
            kind = kind_of(path.relative_to(output).as_posix())
            files[kind] += 1
            sizes[kind] += path.stat().st_size
    return {kind: (files[kind], sizes[kind]) for kind in files}


def report(figures: dict[str, tuple[int, int]]) -> str:
    lines = [f"{'kind':<30}{'files':>7}{'MB':>9}{'avg':>11}"]
    for kind, (count, size) in sorted(figures.items(), key=lambda item: -item[1][1]):
        lines.append(f"{kind:<30}{count:>7}{size / 1e6:>9.2f}{size / count / 1e3:>8.1f} KB")
    total = sum(size for _, size in figures.values())
    lines.append(f"{'all':<30}{sum(count for count, _ in figures.values()):>7}"
                 f"{total / 1e6:>9.2f}")
    articles = figures.get(ARTICLE_KIND, (0, 0))[0]
    if articles:
        lines.append(f"{articles:,} articles: {total / articles / 1e3:.1f} KB per article all in")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output", type=Path, help="a built output folder, e.g. _site")
    arguments = parser.parse_args()
    if not arguments.output.is_dir():
        parser.error(f"{arguments.output} is not a folder")
    print(report(measure(arguments.output)))


if __name__ == "__main__":
    main()
