"""The blocks of a clipped story sorted into the story and what surrounds it: chrome is
dropped, and bylines, dates, contributor notes, author bios and copyright lines are read
for the front matter rather than kept in the body."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .chrome import (bio_name, byline_names, contributor_note, ends_story, is_chrome,
                     is_copyright, is_credit, role_byline, split_names, words)
from .dates import Moment, locate_moment
from .markdown import Block

_STAMP = re.compile(r"^(?:(?P<kind>updated|last updated|modified|last modified|published|"
                    r"first published|posted|originally published|released)(?:\s+on)?\b:?\s*)",
                    re.IGNORECASE)
# Where a second stamp starts in one line: "Published March 22, 2024Updated March 23, ..."
_SECOND = re.compile(r"(?<=\S)\s*(?=(?:updated|last updated|modified|last modified)\b)",
                     re.IGNORECASE)
# "Headshot of Ana Ruiz": the alt text of the author's photo beside a byline
_HEADSHOT = re.compile(r"^(?:[Hh]eadshot|[Pp]ortrait|[Pp]hoto) of "
                       r"([A-Z][\w'’.-]+(?: [A-Z][\w'’.-]+){1,3})$")
_CONTROLS = re.compile(r"\b(?:hide|toggle|show)\s+caption\b|\benlarge\s+this\s+image\b",
                       re.IGNORECASE)
_VISIT = re.compile(r"\bvisit\s+(?P<url>https?://[^\s<>\"]+?)[.,)]?(?:\s|$)", re.IGNORECASE)
_HOLDER = re.compile(r"^(?:©|\(c\)|copyright)\s*(?:©|\(c\))?\s*(?:\d{4}(?:\s*[-–]\s*\d{4})?)?"
                     r"\s*,?\s*(?P<name>[^.|©]+?)\s*(?:\.|\||$)", re.IGNORECASE)


def normal(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text).split()).casefold()


@dataclass
class Story:
    blocks: list[Block] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)  # from bylines
    bio_authors: list[str] = field(default_factory=list)  # from one-line bios at the end
    notes: list[str] = field(default_factory=list)  # contributor lines
    published: Moment | None = None
    updated: Moment | None = None
    copyright_holder: str = ""
    home_url: str = ""  # "To see more, visit https://..."


def stamps(text: str) -> list[tuple[str, Moment]]:
    """Every stamp of a date line: "Published March 22, 2024 Updated March 23, 2024, 10:05
    a.m. ET" gives both; a line that is no date line gives []."""
    parts = _SECOND.split(" ".join(text.split()), maxsplit=1)
    found = [stamp(part) for part in parts]
    if any(item is None for item in found):
        whole = stamp(text)
        return [whole] if whole else []
    return found


def stamp(text: str) -> tuple[str, Moment] | None:
    """("updated" or "published", when) for a date line such as "Updated March 10, 2026 at
    4:12 PM ET" or "March 10, 2026 · 5:00 AM ET"; None for any other line."""
    text = " ".join(text.split())
    if words(text) > 18:
        return None
    match = _STAMP.match(text)
    located = locate_moment(text)
    if located is None:
        return None
    start, moment = located
    rest = _STAMP.sub("", text)
    # A line that is a date and little else: a stamp, not a sentence that mentions a day.
    if not match and words(rest) > 12:
        return None
    if not match and re.search(r"[a-z]{3,}\s+[a-z]{3,}\s+[a-z]{3,}", rest.split(",")[0]):
        return None
    # the word nearest before the date says which it is: "By Ana Ruiz Updated 11:34 AM ..."
    said = re.findall(r"\b(updated|modified|published|posted)\b", text[:start], re.IGNORECASE)
    kind = "updated" if said and said[-1].lower() in ("updated", "modified") else "published"
    return kind, moment


_ONE_LINK = re.compile(r"^\[[^\]]*\]\([^)]*\)$")
_FURNITURE_IMAGE = re.compile(r"^!\[(?:[^\]]*\b(?:logo|call-to-action|banner|advert\w*|"
                              r"subscribe|newsletter|sponsor\w*|badge|icon)\b[^\]]*)?\]",
                              re.IGNORECASE)


def trim_edges(blocks: list[Block], names: set[str]) -> list[Block]:
    """The story without what a page puts around it as links: a section or author link
    before its first paragraph, and a run of links to other stories, or a logo, after its
    last; and without its author's name on a line of its own."""
    names = {normal(name) for name in names}
    blocks = [b for b in blocks if not (b.kind == "p" and normal(b.text) in names)]
    first = next((i for i, b in enumerate(blocks) if b.kind == "p" and words(b.text) >= 12),
                 0)
    head = [b for b in blocks[:first] if not (
        b.kind == "p" and _ONE_LINK.match(b.markdown) and words(b.text) <= 4)]
    body = blocks[first:]
    while body and (body[-1].kind == "p" and _ONE_LINK.match(body[-1].markdown)
                    or body[-1].kind == "list" and _only_links(body[-1].markdown)
                    or body[-1].kind == "image" and _FURNITURE_IMAGE.match(body[-1].markdown)
                    or body[-1].kind == "h"):
        body.pop()
    return head + body


_LINK_ITEM = re.compile(r"^(?:- |\d+\. )\[[^\]]*\]\([^)]*\)$")


def _only_links(markdown: str) -> bool:
    """A list whose every item is one link and nothing else."""
    return all(_LINK_ITEM.match(line.strip()) for line in markdown.split("\n"))


def sort_story(blocks: list[Block], known: set[str]) -> Story:
    """The story in `blocks`; `known` holds texts already in the front matter (title,
    caption, credit), dropped wherever they are repeated."""
    story = Story()
    known = {normal(text) for text in known if text}
    pairs = {a + " " + b for a in known for b in known}
    last_long = max((i for i, b in enumerate(blocks) if b.kind == "p" and words(b.text) >= 15),
                    default=len(blocks) - 1)
    ended = False  # past the story: related links, comments, the copyright line
    after_chrome = False  # the block before was a chrome heading ("Related stories")
    for index, block in enumerate(blocks):
        text = " ".join(_CONTROLS.sub(" ", block.text).split())  # "... hide caption"
        ended = ended or index > last_long and (ends_story(text) or is_copyright(text))
        if ended:  # only what names or credits the story's people is read from here on
            _read_closing(story, text)
            continue
        if block.kind not in ("p", "h"):
            if block.kind == "list" and (after_chrome and _only_links(block.markdown) or all(
                    is_chrome(re.sub(r"^(?:- |\d+\. )", "", line))
                    for line in block.markdown.split("\n"))):
                continue
            after_chrome = False
            story.blocks.append(block)
            continue
        if not text or normal(text) in known or normal(text) in pairs:
            continue
        if is_copyright(text) or _VISIT.search(text) and words(text) <= 20 and re.match(
                r"^(?:to\s+)?(?:see|read)\s+more", text, re.IGNORECASE):
            _read_closing(story, text)
            continue
        if index <= 12 and _read_header(story, text):
            continue
        if is_chrome(text) or ends_story(text):
            after_chrome = True
            continue
        after_chrome = False
        if block.kind == "p" and is_credit(text):  # a picture's credit, not the story's
            continue
        if index > last_long and _read_stamps(story, text):
            continue
        if index >= last_long - 1 and contributor_note(text):
            story.notes.append(contributor_note(text))
            continue
        name = bio_name(text) if index > last_long or index >= len(blocks) - 2 else ""
        if name:
            story.bio_authors.append(name)
            continue
        if index > 12 and byline_names(text):
            _add(story.authors, byline_names(text))
            continue
        story.blocks.append(block)
    # A name alone on a line, where the page shows its author's photo or card.
    names = {normal(name) for name in story.authors + story.bio_authors}
    story.blocks = [b for b in story.blocks if b.kind != "p" or normal(b.text) not in names]
    while story.blocks and story.blocks[-1].kind == "h":  # a heading with nothing under it
        story.blocks.pop()
    return story


def _add(names: list[str], more) -> None:
    names.extend(name for name in more if name not in names)


def _read_header(story: Story, text: str) -> bool:
    """Read a line of the story's header into `story`: a byline ("By Ana Ruiz", "Ana Ruiz
    Arts correspondent", the alt text of her headshot) or a date line; False for others."""
    headshot = _HEADSHOT.match(text)
    names = byline_names(text) or ((role_byline(text),) if role_byline(text) else ()) or (
        (headshot.group(1),) if headshot else ())
    if names:
        _add(story.authors, names)
        return True
    return _read_stamps(story, text)


def _read_stamps(story: Story, text: str) -> bool:
    found = stamps(text)
    for kind, moment in found:
        if kind == "updated":
            story.updated = story.updated or moment
        else:
            story.published = story.published or moment
    by = re.search(r"\bby\s+(.+)$", text) if found else None  # "Posted on 2 May by Ana Ruiz"
    if by:
        _add(story.authors, split_names(by.group(1)))
    return bool(found)


def _read_closing(story: Story, text: str) -> None:
    """What the lines after a story say about it: a byline, a contributor note, an author's
    bio, the copyright holder, the site's address ("To see more, visit ...")."""
    names, note, name = byline_names(text), contributor_note(text), bio_name(text)
    if names:
        _add(story.authors, names)
    elif note:
        story.notes.append(note)
    elif name:
        story.bio_authors.append(name)
    elif is_copyright(text):
        holder = _HOLDER.match(text)
        if holder and not story.copyright_holder:
            story.copyright_holder = holder.group("name").strip()
    visit = _VISIT.search(text)
    if visit and not story.home_url:
        story.home_url = visit.group("url")
