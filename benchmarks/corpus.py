"""A deterministic corpus of realistic news articles, for the benchmark.

About 800 words an article (500 to 1,200 in the body), inline links (to other sites and to
the site's own pages) and emphasis in most paragraphs, and now and then a list, a quote, a
table, a subheading, an image or a footnote. Front matter as a newsroom writes it: a title, a
date with its time and offset (a year of days), one of 8 topics, up to 4 of 200 tags, an
author, a summary and a source; a third of the articles have a lead image, some an update
time. The words are drawn from a list of our own. The same seed gives the same corpus.

Links to the site's own pages lead to articles written before, and images to the photos in
static/img/: a build finds nothing broken. python benchmarks/corpus.py DIR --n 1000 writes a
site (site.yaml, static/, content/) into DIR, one article at a time, in
content/<topic>/<year-month>/.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

TOPICS = ["World", "Local", "Business", "Science", "Health", "Technology", "Culture",
          "Sports"]
TAGS = [f"{a} {b}" for a in ("North", "South", "River", "Harbor", "Valley", "City", "Coast",
                             "Upland", "Market", "Public")
        for b in ("Energy", "Housing", "Trade", "Schools", "Water", "Roads", "Budget", "Farms",
                  "Labour", "Courts", "Arts", "Clinics", "Ports", "Rail", "Police", "Parks",
                  "Taxes", "Elections", "Weather", "Museums")]
NAMES = ["Mara Quint", "Ilse Varga", "Tomas Reyne", "Søren Ålund", "Ada Okafor", "Lin Wei",
         "Priya Natarajan", "Jonas Feld", "Elena Duarte", "Gideon Farrow", "Noor Haddad",
         "Kofi Mensah", "Aino Laine", "Rafael Costa", "Yuki Tanabe", "Bríd Ní Shé"]
PHOTOS = 400  # static/img/photo-N.jpg
SOURCES = ["Example Wire", "Harbor City Ledger", "Valley Courier", "North Coast Times",
           "Market Street Journal", "Upland Radio"]
# Offsets a newsroom's dates carry: the same moment can be written in any of them.
ZONE = ZoneInfo("Europe/Berlin")  # the site's, which dates its pages
OFFSETS = [timezone(timedelta(hours=hours)) for hours in (-8, -5, 0, 0, 1, 1, 2, 5.5, 9)]
WORDS = ("council committee harbor valley river budget report minister station market plan "
         "agreement school hospital study trial season league vote district project grant "
         "survey office region festival exchange bridge tram road farmers workers engineers "
         "residents officials spokesperson analysts researchers teachers nurses drivers "
         "announced approved rejected delayed opened closed expanded reviewed measured found "
         "said expected planned reported argued warned noted confirmed estimated described "
         "new early late higher lower local regional national annual weekly public private "
         "small large first second final several many most within after before during "
         "under across between against toward since while although because").split()


def sentence(rng: random.Random, words: int) -> str:
    """Words with the punctuation and figures of news copy: commas, possessives, numbers."""
    chosen = rng.choices(WORDS, k=words)
    if words > 6 and rng.random() < 0.6:
        chosen[rng.randrange(2, words - 2)] += ","
    if rng.random() < 0.25:
        chosen[rng.randrange(words)] = rng.choice((
            f"{rng.randint(2, 950)}", f"{rng.randint(1, 99)}.{rng.randint(1, 9)} million",
            f"{rng.randint(2, 60)} per cent", f"${rng.randint(1, 900)},000",
            f"{rng.randint(1990, 2026)}"))
    if rng.random() < 0.15:
        index = rng.randrange(words)
        if chosen[index][-1].isalpha():
            chosen[index] += "'s"
    text = " ".join(chosen)
    return text[0].upper() + text[1:] + rng.choice([".", ".", ".", "?"])


def linked(rng: random.Random, text: str, site: list[str]) -> str:
    """Sentence text with inline markup where news copy has it: links to other outlets and
    to the site's own pages (`site`: the articles written so far), emphasis and the odd bold
    name."""
    words = text.split(" ")
    for _ in range(rng.choice((0, 1, 1, 1, 2))):
        start = rng.randrange(len(words))
        end = min(len(words), start + rng.randint(1, 4))
        anchor = " ".join(words[start:end])
        if "[" in anchor or "]" in anchor or "*" in anchor:
            continue
        target = (f"https://example.org/{rng.choice(WORDS)}/{rng.randint(1, 99999)}"
                  if rng.random() < 0.7 or not site else rng.choice(site))
        words[start:end] = [f"[{anchor}]({target})"]
    if rng.random() < 0.6:
        index = rng.randrange(len(words))
        if "[" not in words[index] and "]" not in words[index]:
            mark = rng.choice(("*", "*", "**", "_"))
            words[index] = f"{mark}{words[index].rstrip('.?,')}{mark}" + (
                words[index][-1] if words[index][-1] in ".?," else "")
    return " ".join(words)


def paragraph(rng: random.Random, site: list[str]) -> str:
    parts = [sentence(rng, rng.randint(8, 22)) for _ in range(rng.randint(3, 6))]
    if rng.random() < 0.3:
        parts.insert(1, f'"{sentence(rng, rng.randint(6, 12))}" said {rng.choice(NAMES)}.')
    if rng.random() < 0.1:
        parts.append(f"See [the full report](https://example.org/r/{rng.randint(1, 99999)}).")
    text = " ".join(parts)
    return linked(rng, text, site) if rng.random() < 0.85 else text


def body(rng: random.Random, words: int, site: list[str]) -> str:
    blocks: list[str] = []
    count = 0
    while count < words:
        roll = rng.random()
        if roll < 0.08:
            blocks.append("\n".join(f"- {sentence(rng, rng.randint(4, 9))}"
                                    for _ in range(rng.randint(3, 5))))
        elif roll < 0.13:
            blocks.append("> " + sentence(rng, rng.randint(10, 20)))
        elif roll < 0.16:
            rows = [f"| {rng.choice(WORDS)} | {rng.randint(1, 900)} | {rng.random():.2f} |"
                    for _ in range(rng.randint(3, 6))]
            blocks.append("| Item | Count | Share |\n|:--|--:|--:|\n" + "\n".join(rows))
        elif roll < 0.19:
            blocks.append(f"## {sentence(rng, rng.randint(3, 6)).rstrip('.?')}")
        elif roll < 0.21:
            blocks.append(f"![{sentence(rng, rng.randint(4, 8)).rstrip('.?')}]"
                          f"(/img/photo-{rng.randint(1, PHOTOS)}.jpg)")
        else:
            blocks.append(paragraph(rng, site))
        count += len(blocks[-1].split())
    if rng.random() < 0.2:
        blocks[0] += "[^1]"
        blocks.append(f"[^1]: {sentence(rng, 8)}")
    return "\n\n".join(blocks)


def article(rng: random.Random, index: int, start: datetime,
            site: list[str]) -> tuple[str, str]:
    """(path, text) of one article; its page's path is added to `site`."""
    moment = (start + timedelta(minutes=rng.randint(0, 365 * 24 * 60))
              ).astimezone(rng.choice(OFFSETS))
    title = sentence(rng, rng.randint(5, 10)).rstrip(".?")
    topic = TOPICS[index % len(TOPICS)] if rng.random() < 0.7 else rng.choice(TOPICS)
    tags = sorted(rng.sample(TAGS, rng.choice((0, 1, 1, 2, 2, 2, 3, 3, 4))))
    slug = f"story-{index:06d}"
    source = rng.choice(SOURCES)
    front = [
        "---",
        f"title: \"{title}\"",
        f"date: {moment.isoformat()}",
        f"topic: {topic}",
        *([f"tags: [{', '.join(tags)}]"] if tags else []),
        f"author: {rng.choice(NAMES)}",
        f"summary: \"{sentence(rng, rng.randint(12, 25))}\"",
        f"source: {{name: {source}, "
        f"url: 'https://example.org/{source.lower().replace(' ', '-')}/{index}'}}",
    ]
    if rng.random() < 0.3:
        front.append(f"image: {{src: /img/photo-{rng.randint(1, PHOTOS)}.jpg, "
                     f"alt: \"{sentence(rng, 6).rstrip('.?')}\"}}")
    if rng.random() < 0.15:
        front.append(f"updated: {(moment + timedelta(hours=rng.randint(1, 30))).isoformat()}")
    text = "\n".join(front) + "\n---\n" + body(rng, rng.randint(500, 1100), site) + "\n"
    path = f"content/{topic.lower()}/{moment:%Y-%m}/{slug}.md"
    site.append(f"/{moment.astimezone(ZONE):%Y/%m/%d}/{slug}/")
    return path, text


def articles(count: int, seed: int = 2026) -> Iterator[tuple[str, str]]:
    """(path, text) of each article, made one at a time."""
    rng = random.Random(seed)
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    site: list[str] = []
    for index in range(count):
        yield article(rng, index, start, site)


def write_corpus(folder: Path, count: int, seed: int = 2026) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    topics = "\n".join(f"  - title: {t}\n    description: News about {t.lower()}." for t in TOPICS)
    (folder / "site.yaml").write_text(
        "title: Benchmark Brief\nbase_url: https://example.org/bench/\n"
        f"timezone: Europe/Berlin\nfront_page_days: 7\ntopics:\n{topics}\n", encoding="utf-8")
    images = folder / "static" / "img"
    images.mkdir(parents=True, exist_ok=True)
    for number in range(1, PHOTOS + 1):  # the photos articles show, a few kB each
        (images / f"photo-{number}.jpg").write_bytes(random.Random(number).randbytes(3000))
    made: set[Path] = set()  # about a hundred folders for any count: no mkdir for each file
    for path, text in articles(count, seed):
        target = folder / path
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        target.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--n", type=int, default=1000)
    arguments = parser.parse_args()
    write_corpus(arguments.folder, arguments.n)
