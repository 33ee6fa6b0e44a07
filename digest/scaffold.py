"""`digest new` and `digest init`: files a user starts from."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

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
        "---\n"
        "Write the article here, in Markdown.\n",
        encoding="utf-8")
    return path


SITE_YAML = """\
# The site's settings. Every key is optional; see the README for all of them.
title: My News Digest
description: The day's news, grouped by topic.
base_url: https://example.org/          # where the site is published; may end in a sub-path
language: en
timezone: UTC                           # days are counted in this timezone
topics:                                 # in display order
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


def init_site(folder: Path, now: datetime) -> None:
    """A new site that builds at once; refuses a folder that already holds one."""
    for name in ("site.yaml", "content"):
        if (folder / name).exists():
            raise DigestError(problem(str(folder / name), 0, "already exists; digest init "
                                                             "only creates new sites"))
    for sub in ("content/general", "layouts", "static"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    (folder / "site.yaml").write_text(SITE_YAML, encoding="utf-8")
    day = now.date().isoformat()
    (folder / "content" / "general" / f"{day}-welcome.md").write_text(
        WELCOME.format(date=day), encoding="utf-8")
    (folder / "layouts" / ".gitkeep").write_text("", encoding="utf-8")
    (folder / "static" / ".gitkeep").write_text("", encoding="utf-8")
    if not (folder / ".gitignore").exists():
        (folder / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
