"""Stable URL slugs and the matching keys for topics and tags."""

from __future__ import annotations

import functools
import re
import unicodedata

_HYPHENS = re.compile(r"-{2,}")
_SPACES = re.compile(r"\s+")


@functools.lru_cache(maxsize=65536)
def slugify(text: str) -> str:
    """A lowercase, hyphen-separated slug that keeps letters of any script.

    Latin letters lose their accents ("Zürich" -> "zurich"), letters of other
    scripts stay as they are ("光の祭り" -> "光の祭り"), everything else becomes one
    hyphen. The result may be empty; callers decide what that means.
    """
    text = unicodedata.normalize("NFKC", text).casefold().replace("ß", "ss")
    kept: list[str] = []
    for char in unicodedata.normalize("NFKD", text):
        if unicodedata.category(char).startswith("M"):
            # An accent on an ASCII letter goes; a mark of another script is part of it.
            if kept and kept[-1].isascii():
                continue
            kept.append(char)
        elif char.isalnum():
            kept.append(char)
        elif char in "'\u2019":
            continue  # "Zürich's" -> "zurichs", not "zurich-s"
        else:
            kept.append("-")
    slug = unicodedata.normalize("NFC", "".join(kept))
    return _HYPHENS.sub("-", slug).strip("-")


@functools.lru_cache(maxsize=65536)
def match_key(name: str) -> str:
    """Topics and tags are the same when they differ only in case and spacing."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", name)).strip().casefold()


def is_valid_slug(slug: str) -> bool:
    """A slug written in front matter: word characters and single inner hyphens."""
    return bool(slug) and slugify(slug) == slug
