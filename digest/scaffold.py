"""`digest new` and `digest init`: files a user starts from."""

from __future__ import annotations

import json
from datetime import datetime
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from .checks import PLACEHOLDER
from .config import Config
from .errors import DigestError, did_you_mean, problem
from .project import Project
from .slugs import match_key, slugify


def _yaml_text(text: str) -> str:
    """A YAML double-quoted scalar, whatever the text holds."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def new_article(project: Project, config: Config, title: str, topic: str | None,
                now: datetime) -> Path:
    title = " ".join(title.split())
    slug = slugify(title)
    if not slug:
        raise DigestError(problem("title", 0, "needs a letter or a digit"))
    topic = " ".join((topic or config.default_topic).split())
    known = [t.title for t in config.topics] + [config.default_topic]
    matches = [name for name in known if match_key(name) == match_key(topic)]
    if matches:
        topic = matches[0]
    elif config.strict_topics:
        raise DigestError(problem("--topic", 0, f"unknown topic '{topic}'"
                                                f"{did_you_mean(topic, known)}"))
    if not slugify(topic):
        raise DigestError(problem("--topic", 0, "needs a letter or a digit"))
    local = now.astimezone(config.zone).replace(second=0, microsecond=0)
    path = project.content / slugify(topic) / f"{local:%Y-%m-%d}-{slug}.md"
    if path.exists():
        raise DigestError(problem(project.shown(path), 0, "already exists; choose another title"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "---\n"
        f"title: {_yaml_text(title)}\n"
        f"date: {local.isoformat()}\n"
        f"topic: {_yaml_text(topic)}\n"
        "tags: []\n"
        f"author: {_yaml_text(config.author)}\n"
        "summary: \n"
        "draft: true            # left out of the site until this line is removed\n"
        "---\n"
        f"{PLACEHOLDER}\n",
        encoding="utf-8")
    return path


SITE_YAML = """\
# The site's settings. Every key is optional; see the README for all of them.
title: My News Digest
description: The day's news, grouped by topic.
base_url: https://example.org/          # where the site is published; may end in a sub-path
language: en                            # the theme's words, dates and times: de, fr, ja, ar, ...
timezone: UTC                           # days are counted in this timezone
topics:                                 # in display order; others are warned about
  - title: General
    description: Everything else.
"""

WELCOME = """\
---
title: Welcome to your news digest
date: {date}
topic: General
tags: [Getting started]
summary: This site was created by digest init. Edit or delete this article.
---
Articles are Markdown files with front matter, anywhere under `content/`.
Create one with `digest new "A headline" --topic General`, then run
`digest build` to write the site into `_site/`.
"""

GITIGNORE = "_site/\n.digest-cache/\n"

# The GitHub Pages workflow, one text for this repository and for every new site.
PAGES_WORKFLOW = Path(__file__).parent / "workflows" / "pages.yml"

REQUIREMENTS = """\
# What the site's build installs; the GitHub Pages workflow reads this file.
# If digest does not come from a package index where you work, name where it does,
# e.g.: digest @ git+https://github.com/OWNER/digest@v1.0.0
{requirement}
"""


def digest_requirement() -> str:
    """How to install the digest that is running: from its repository when pip knows it."""
    try:
        dist = distribution("digest")
    except PackageNotFoundError:
        return "digest"
    try:
        origin = json.loads(dist.read_text("direct_url.json") or "null")
    except ValueError:
        origin = None
    vcs = (origin or {}).get("vcs_info")
    if vcs and vcs.get("vcs") == "git" and not origin["url"].startswith("file:"):
        return f"digest @ git+{origin['url']}@{vcs['commit_id']}"
    return f"digest=={dist.version}"


def init_site(folder: Path, now: datetime) -> None:
    """A new site that builds at once; refuses a folder that already holds one."""
    for name in ("site.yaml", "content"):
        if (folder / name).exists():
            raise DigestError(problem(str(folder / name), 0, "already exists; digest init "
                                                             "only creates new sites"))
    for sub in ("content/general", "layouts", "static", ".github/workflows"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    (folder / "site.yaml").write_text(SITE_YAML, encoding="utf-8")
    day = now.date().isoformat()
    (folder / "content" / "general" / f"{day}-welcome.md").write_text(
        WELCOME.format(date=day), encoding="utf-8")
    (folder / "layouts" / ".gitkeep").write_text("", encoding="utf-8")
    (folder / "static" / ".gitkeep").write_text("", encoding="utf-8")
    workflow = folder / ".github" / "workflows" / "pages.yml"
    if not workflow.exists():
        workflow.write_bytes(PAGES_WORKFLOW.read_bytes())
    if not (folder / "requirements.txt").exists():
        (folder / "requirements.txt").write_text(
            REQUIREMENTS.format(requirement=digest_requirement()), encoding="utf-8")
    if not (folder / ".gitignore").exists():
        (folder / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
