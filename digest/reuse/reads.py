"""What the theme's own templates read of the values they are given, where it is less than
the whole value, so that a page's fingerprint changes only when what it shows does.

A day page links to the days beside it by date and URL, but is given those days whole, with
their articles: without this, an edited article would render again the pages of its day and
of the two days beside it, of its month and the two beside it (at 100,000 articles a month's
page lists thousands), the archive, the year and the indexes of tags and topics, which show
only counts. Each reader below returns what its template reads of a value, in plain dicts,
lists and scalars (with `Sized` for a sequence of which only the length is read), whose
`repr` stands for it in the fingerprint: a few C calls, where a walk of the values would
cost more than the pages it spares at 10,000 articles.

This holds only for the theme's templates: a site with templates of its own in `layouts/`
may show anything of these values, and its pages are known by their whole data.
tests/test_reads.py renders each template below with what its readers return in place of
the values, and must get the very same bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..model import Day, Month


@dataclass(frozen=True)
class Sized:
    """A sequence of which only the length is read (`tag.articles | length`)."""

    count: int


def _day_link(day: Day | None) -> dict[str, Any] | None:
    return None if day is None else {"url": day.url, "date": day.date}


def _month_link(month: Month | None) -> dict[str, Any] | None:
    return None if month is None else {"url": month.url, "year": month.year,
                                       "month": month.month}


def _month_row(month: Month) -> dict[str, Any]:
    return {"url": month.url, "year": month.year, "month": month.month, "count": month.count}


def _archive_month(month: Month) -> dict[str, Any]:
    return {**_month_row(month), "year_url": month.year_url,
            "days": [{"url": day.url, "date": day.date, "count": day.count}
                     for day in month.days]}


def _label_row(label: Any) -> dict[str, Any]:  # a topic or a tag in its index
    return {"url": label.url, "name": label.name, "articles": Sized(len(label.articles)),
            "description": getattr(label, "description", "")}


def _rows(reader: Callable[[Any], Any]) -> Callable[[Sequence[Any]], list[Any]]:
    return lambda values: [reader(value) for value in values]


# template -> the name of a value in its data -> what the template reads of it
PAGES: dict[str, dict[str, Callable[[Any], Any]]] = {
    "index.html": {"previous": _day_link},
    "day.html": {"newer": _day_link, "older": _day_link},
    "month.html": {"newer": _month_link, "older": _month_link},
    "year.html": {"months": _rows(_month_row)},
    "archive.html": {"months": _rows(_archive_month)},
    "tags.html": {"tags": _rows(_label_row)},
    "topics.html": {"topics": _rows(_label_row)},
}

# a kind of part (see pages.parts) -> the template of its page, and the place in the part of
# each value of the page's data that the template reads in part, by its name there
PARTS: dict[str, tuple[str, dict[int, str]]] = {
    "day": ("day.html", {2: "newer", 3: "older"}),
    "month": ("month.html", {2: "newer", 3: "older"}),
    "year": ("year.html", {2: "months"}),
}


def read_part(part: tuple) -> tuple:
    """The part as its page reads it: each value read in part as the text of what is read
    (see Fingerprints.of_page)."""
    known = PARTS.get(part[0])
    if known is None:
        return part
    readers = PAGES[known[0]]
    names = known[1]
    return tuple(repr(readers[names[place]](value)) if place in names else value
                 for place, value in enumerate(part))
