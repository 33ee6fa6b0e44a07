"""Plain-text clippings: the text a reader gets by selecting a whole news page and copying
it. No markup says what is what, so the shape of the lines does: the site's chrome is short
lines, the headline comes before the story, a caption appears twice around its credit, a
date line says "Updated ...", the story starts at its first full paragraph (often a dateline
"CITY, Country — ..."), and bylines, contributor notes, copyright and a bio close it."""

from __future__ import annotations

import re

from .chrome import is_chrome, role_byline, split_credit, words
from .clipping import Clipping, Refused
from .markdown import Block, escape, join_blocks
from .story import normal, sort_story, stamp

_DATELINE = re.compile(r"^[A-ZÀ-Ý][A-ZÀ-Ý .'’-]{2,40}(?:,\s*[\w .'’-]{2,40})?\s*"
                       r"(?:\([^)]{2,40}\))?"
                       r"\s*(?:—|–|--|-)\s*\S")
_BULLET = re.compile(r"^\s*(?:[-*•·]|\d+[.)])\s+")
_URL = re.compile(r"^(?:source|url|link|from)?:?\s*(https?://\S+)\s*$", re.IGNORECASE)


def is_prose(line: str) -> bool:
    """A paragraph of the story, not a headline, caption or bit of chrome."""
    return words(line) >= 18 and bool(re.search(r"[.!?\"”’)]$", line.strip()))


def _unwrap(lines: list[str]) -> list[str]:
    """Lines of a hard-wrapped paragraph joined again: a long line that stops mid-sentence,
    followed by one that starts in lower case."""
    joined: list[str] = []
    for line in lines:
        if (joined and line and joined[-1] and len(joined[-1]) >= 40
                and not re.search(r"[.!?:;\"”’)]$", joined[-1]) and re.match(r"[a-z]", line)
                and not is_chrome(line)):
            joined[-1] += " " + line
        else:
            joined.append(line)
    return joined


def read_text(text: str, origin: str) -> Clipping:
    lines = [" ".join(line.split()) for line in text.replace("\r", "\n").split("\n")]
    lines = [line for line in _unwrap(lines) if line]
    for index in range(len(lines) - 1):  # "By" on a line of its own, the name on the next
        if re.fullmatch(r"(?i)by:?", lines[index]):
            lines[index], lines[index + 1] = "", "By " + lines[index + 1]
    lines = [line for line in lines if line]
    url = ""
    for line in lines[:8] + lines[-8:]:
        match = _URL.match(line)
        if match:
            url = url or match.group(1).rstrip(".,")
    lines = [line for line in lines if not _URL.match(line)]
    start = _story_start(lines)
    if start is None:
        raise Refused("no article text found: a clipping needs the story's paragraphs")
    head, rest = lines[:start], lines[start:]
    # A caption appears twice (under the photo and in the photo's own caption box), often
    # with the photographer's name between: all of it is the photo's, none of it the story's.
    counts: dict[str, int] = {}
    for line in head:
        counts[normal(line)] = counts.get(normal(line), 0) + 1
    repeated = {key for key, count in counts.items() if count > 1 and words(key) >= 4}
    caption_lines: set[int] = set()
    for index, line in enumerate(head):
        if normal(line) in repeated:
            caption_lines.add(index)
    if caption_lines:
        first, last = min(caption_lines), max(caption_lines)
        if last - first <= 6:  # "hide caption", "toggle caption", the credit between
            caption_lines |= set(range(first, last + 1))
    # The headline: of the title-like lines before the photo, date or byline (where the
    # story's header starts), the longest; site names and sections are shorter.
    for index, line in enumerate(head):  # a caption that ends with its credit
        if words(line) >= 6 and split_credit(line)[1]:
            caption_lines.add(index)
    markers = [i for i, line in enumerate(head) if i in caption_lines or stamp(line)
               or re.match(r"^(?:by|written by)\s", line, re.IGNORECASE) or role_byline(line)]
    limit = min(markers) if markers else len(head)
    candidates = [index for index, line in enumerate(head[:limit])
                  if index not in caption_lines and not is_chrome(line)
                  and 3 <= words(line) <= 30 and not re.search(r"[.:]$", line)]
    if not candidates:
        candidates = [index for index, line in enumerate(head)
                      if index not in caption_lines and not is_chrome(line)
                      and not stamp(line) and words(line) >= 3]
    if not candidates:
        raise Refused("no headline found: the clipping should hold the story's title above "
                      "its text")
    # The headline is the last such line before the story's header, unless a longer
    # line right after another one is its deck (standfirst).
    title_index, deck = candidates[-1], ""
    if (len(candidates) > 1 and candidates[-2] == title_index - 1
            and words(head[title_index]) >= 10 and words(head[title_index - 1]) >= 5):
        deck, title_index = head[title_index], title_index - 1
    title = head[title_index]
    # Between the headline and the story: a deck (standfirst) up to the first photo, date
    # or byline line, then those lines, then perhaps a short first paragraph of the story.
    later = [i for i in markers if i > title_index]
    first_marker, last_marker = (min(later), max(later)) if later else (start, title_index)
    head_blocks, body_ids = [], set()
    for index in range(title_index + 1, len(head)):
        line = head[index]
        if index in caption_lines:
            continue
        block = _blocks([line])[0]
        head_blocks.append(block)
        if index < first_marker:
            if not deck and words(line) >= 5 and not is_chrome(line):
                deck = line
        elif index > last_marker and not _DATELINE.match(lines[start]) and (
                words(line) >= 6 or re.search(r"[.!?\"”]$", line)):
            # (a story that opens with its dateline starts there: a line before it is not
            # the story's, more likely a photo's caption)
            body_ids.add(id(block))
    rest_blocks = _blocks(rest)
    body_ids |= {id(block) for block in rest_blocks}
    story = sort_story(head_blocks + rest_blocks, {title, deck})
    summary = deck
    body = [block for block in story.blocks if id(block) in body_ids]
    if not body:
        raise Refused("no article text found: a clipping needs the story's paragraphs")
    return Clipping(
        origin=origin, title=title, body=join_blocks(body), date=story.published,
        updated=story.updated, authors=tuple(story.authors or story.bio_authors),
        note=" ".join(story.notes), source_name=story.copyright_holder if (url or story.home_url)
        else "", source_url=url or story.home_url, summary=summary,
        sections=tuple(line for line in reversed(head[:title_index]) if words(line) <= 3))


def _story_start(lines: list[str]) -> int | None:
    for index, line in enumerate(lines):
        if _DATELINE.match(line) and words(line) >= 12:
            return index
    for index, line in enumerate(lines):
        if is_prose(line) and not is_chrome(line) and not stamp(line):
            return index
    return None


def _blocks(lines: list[str]) -> list[Block]:
    """Lines as blocks: runs of bullets make a list, a short line without closing
    punctuation between paragraphs a subheading, anything else a paragraph."""
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if _BULLET.match(line):
            items = []
            while index < len(lines) and _BULLET.match(lines[index]):
                items.append(_BULLET.sub("", lines[index]))
                index += 1
            blocks.append(Block("\n".join("- " + escape(item) for item in items),
                                " ".join(items), "list"))
            continue
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if (blocks and 2 <= words(line) <= 10 and not re.search(r"[.!?,:;\"”]$", line)
                and (is_prose(following) or _BULLET.match(following))
                and not is_chrome(line) and not stamp(line)):
            blocks.append(Block("## " + escape(line), line, "h"))
        else:
            blocks.append(Block(escape(line), line, "p"))
        index += 1
    return blocks
