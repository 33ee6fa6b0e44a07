"""Dates as newsrooms write them: "Updated March 10, 2026 at 4:12 PM ET", "10 Jan 2026
14:30 GMT", "2026-03-10T06:05:00-04:00", each made an aware datetime when it names a zone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

# Abbreviations newsrooms put after a time, and the zone each stands for. The offset is
# the one in force in that zone on that date, whichever of the pair was written: "ET" in
# July is EDT, and so is an "EST" written out of habit in July.
ZONES: dict[str, str] = {
    **dict.fromkeys(("ET", "EST", "EDT"), "America/New_York"),
    **dict.fromkeys(("CT", "CST", "CDT"), "America/Chicago"),
    **dict.fromkeys(("MT", "MST", "MDT"), "America/Denver"),
    **dict.fromkeys(("PT", "PST", "PDT"), "America/Los_Angeles"),
    **dict.fromkeys(("AKT", "AKST", "AKDT"), "America/Anchorage"),
    **dict.fromkeys(("HT", "HST"), "Pacific/Honolulu"),
    **dict.fromkeys(("AT", "AST", "ADT"), "America/Halifax"),
    **dict.fromkeys(("NT", "NST", "NDT"), "America/St_Johns"),
    **dict.fromkeys(("BST", "UK"), "Europe/London"),
    **dict.fromkeys(("CET", "CEST"), "Europe/Paris"),
    **dict.fromkeys(("EET", "EEST"), "Europe/Athens"),
    **dict.fromkeys(("WET", "WEST"), "Europe/Lisbon"),
    "MSK": "Europe/Moscow",
    "IST": "Asia/Kolkata",
    "PKT": "Asia/Karachi",
    "WIB": "Asia/Jakarta",
    "SGT": "Asia/Singapore",
    "HKT": "Asia/Hong_Kong",
    "KST": "Asia/Seoul",
    "JST": "Asia/Tokyo",
    **dict.fromkeys(("AET", "AEST", "AEDT"), "Australia/Sydney"),
    **dict.fromkeys(("NZT", "NZST", "NZDT"), "Pacific/Auckland"),
    "SAST": "Africa/Johannesburg",
    "WAT": "Africa/Lagos",
    "CAT": "Africa/Maputo",
    "EAT": "Africa/Nairobi",
}
# Universal time, whatever the season: "14:30 GMT" in July is 14:30 UTC.
UTC_NAMES = ("GMT", "UTC", "Z")

_MONTHS = {name: number for number, names in enumerate((
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
    ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
    ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
    ("december", "dec")), start=1) for name in names}
_MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))
_TIME = (r"(?P<hour>[0-2]?\d)(?:[:.h](?P<minute>[0-5]\d))?(?::(?P<second>[0-5]\d))?"
         r"(?:\s*(?P<half>[ap])\.?\s?m\.?)?")
# Zones in capitals only: "at 7 pm at the hall" names no Atlantic time.
_ZONE = (r"(?:\s*\(?(?P<zone>(?-i:" + "|".join(sorted((*ZONES, *UTC_NAMES), key=len, reverse=True))
         + r"))\b\)?(?P<shift>[+-]\d{1,2}(?::?\d\d)?)?)?")
_WEEKDAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"
_GLUE = r"(?:\s*(?:,|at|on|@|·|\||-|–|—)?\s*)"
_CALENDAR = (  # March 10, 2026 | 10 March 2026
    rf"(?:{_WEEKDAY}(?P<month1>{_MONTH_NAMES})\.?\s+(?P<day1>[0-3]?\d)(?:st|nd|rd|th)?,?\s+"
    rf"(?P<year1>(?:19|20)\d\d)"
    rf"|{_WEEKDAY}(?P<day2>[0-3]?\d)(?:st|nd|rd|th)?\s+(?P<month2>{_MONTH_NAMES})\.?,?\s+"
    rf"(?P<year2>(?:19|20)\d\d))")
_TIME_FIRST = re.compile(rf"\b{_TIME}{_ZONE}{_GLUE}{_CALENDAR}\b", re.IGNORECASE)
# A year may run into the time when a page's text is copied: "March 22, 20243:16 PM GMT-4"
_DATE_FIRST = re.compile(rf"\b{_CALENDAR}(?:\b|(?=\d{{1,2}}[:.]\d\d))(?:{_GLUE}{_TIME}{_ZONE})?",
                         re.IGNORECASE)
# 19.01.2026, as Europe writes it: day, month, year
_DOTTED = re.compile(rf"\b(?P<day>[0-3]?\d)\.(?P<month>[01]?\d)\.(?P<year>(?:19|20)\d\d)\b"
                     rf"(?:{_GLUE}(?P<hour>[0-2]?\d)[:.h](?P<minute>[0-5]\d){_ZONE})?")
_SHIFT = re.compile(r"([+-])(\d{1,2}):?(\d\d)?")
_ISO = re.compile(r"\b(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)"
                  r"\s*(Z|[+-]\d{2}:?\d{2})?)?\b")


@dataclass(frozen=True)
class Moment:
    """A date found in text: aware when a zone or offset was given, else naive (read later
    in the site's timezone); `has_time` False for a day alone."""

    when: datetime
    has_time: bool

    def front_matter(self) -> str:
        if not self.has_time:
            return self.when.date().isoformat()
        return self.when.replace(microsecond=0).isoformat()


def in_zone(local: datetime, abbreviation: str | None, shift: str | None = None) -> datetime:
    """`local` (naive) as an aware datetime in the zone the abbreviation names."""
    if not abbreviation:
        return local
    name = abbreviation.upper()
    if name in UTC_NAMES:
        offset = timedelta(0)
        match = _SHIFT.fullmatch(shift or "")  # GMT+1, UTC-05:00
        if match:
            sign, hours, minutes = match.groups()
            offset = timedelta(hours=int(hours), minutes=int(minutes or 0))
            offset = -offset if sign == "-" else offset
        return local.replace(tzinfo=timezone(offset))
    return local.replace(tzinfo=ZoneInfo(ZONES[name]))


def find_moment(text: str) -> Moment | None:
    """The first date in `text`, with its time and zone when given; None when none."""
    found = locate_moment(text)
    return found[1] if found else None


def locate_moment(text: str) -> tuple[int, Moment] | None:
    """(where it starts, the first date in `text`), or None."""
    found = []
    for pattern in (_TIME_FIRST, _DATE_FIRST):
        for match in pattern.finditer(text):
            moment = _from_match(match)
            # "on 14 December": a lone number before a date is no time of day
            if moment and (moment.has_time or pattern is _DATE_FIRST):
                found.append((match.start(), moment))
                break
    match = _ISO.search(text)
    if match:
        moment = parse_moment(match.group(0))
        if moment:
            found.append((match.start(), moment))
    match = _DOTTED.search(text)
    if match:
        moment = _from_dotted(match)
        if moment:
            found.append((match.start(), moment))
    return min(found, key=lambda pair: pair[0]) if found else None


def parse_moment(text: str) -> Moment | None:
    """A machine-readable date (ISO 8601 as in <time datetime> and JSON-LD, or RFC 822 as
    in feeds), else whatever `find_moment` reads in it."""
    text = text.strip()
    match = _ISO.fullmatch(text)
    if match:
        day, clock, offset = match.groups()
        try:
            if not clock:
                return Moment(datetime.fromisoformat(day), False)
            when = datetime.fromisoformat(f"{day}T{clock}{(offset or '').upper()}")
        except ValueError:
            return None
        return Moment(when, True)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return find_moment(text) if len(text) < 200 else None
    return Moment(when, True)


def _from_match(match: re.Match) -> Moment | None:
    parts = match.groupdict()
    n = "1" if parts["year1"] else "2"
    try:
        day = datetime(int(parts["year" + n]), _MONTHS[parts["month" + n].lower()],
                       int(parts["day" + n]))
    except ValueError:
        return None
    if parts.get("hour") is None:
        return Moment(day, False)
    hour, minute = int(parts["hour"]), int(parts["minute"] or 0)
    half = (parts["half"] or "").lower()
    if half and not 1 <= hour <= 12 or not half and (hour > 23 or parts["minute"] is None):
        return Moment(day, False)  # "at 25" or a bare number is no time of day
    if half:
        hour = hour % 12 + (12 if half == "p" else 0)
    local = day.replace(hour=hour, minute=minute, second=int(parts["second"] or 0))
    return Moment(in_zone(local, parts["zone"], parts["shift"]), True)


def _from_dotted(match: re.Match) -> Moment | None:
    parts = match.groupdict()
    try:
        day = datetime(int(parts["year"]), int(parts["month"]), int(parts["day"]))
    except ValueError:
        return None
    if parts["hour"] is None or int(parts["hour"]) > 23:
        return Moment(day, False)
    local = day.replace(hour=int(parts["hour"]), minute=int(parts["minute"]))
    return Moment(in_zone(local, parts["zone"], parts["shift"]), True)
