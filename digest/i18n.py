"""The site's own language: the theme's words from message catalogues, dates and times from
CLDR (through Babel).

Words come, first match wins, from `strings:` in site.yaml, the site's own catalogue
(layouts/messages/<language>.po), then the theme's (digest/theme/messages/<language>.po);
a word found nowhere is shown as the theme writes it, in English. Catalogues are read as .po
text when first needed, so a fresh clone and an installed package work alike, with no step
that compiles them.
"""

from __future__ import annotations

import functools
import gettext
import io
import re
from datetime import date, datetime
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.lists import format_list
from babel.dates import format_date, format_skeleton, format_time, get_timezone_name
from babel.messages.mofile import write_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from .errors import DigestError, problem

MESSAGES = Path(__file__).parent / "theme" / "messages"
SITE_MESSAGES = "messages"  # the site's own catalogues, in layouts/


@functools.lru_cache(maxsize=16)
def locale_of(language: str, locale: str = "") -> Locale:
    """The CLDR locale for `locale` when given, else for `language`; a tag CLDR lacks whole
    (de-XYZ) falls back to its language (de). None of them known is a ValueError."""
    tag = (locale or language).replace("_", "-")
    for candidate in (tag, tag.split("-")[0]):
        try:
            return Locale.parse(candidate, sep="-")
        except (UnknownLocaleError, ValueError):
            continue
    raise ValueError(f"'{locale or language}' is not a locale CLDR has dates and times for")


def check_locale(language: str, locale: str) -> str:
    """'' when the locale is known, else the message that says why not."""
    try:
        locale_of(language, locale)
    except ValueError as err:
        return f"{err}; set locale: to one it has, such as en, de or pt_BR"
    return ""


def is_right_to_left(language: str, locale: str = "") -> bool:
    return locale_of(language, locale).character_order == "right-to-left"


def open_graph_locale(language: str, locale: str = "") -> str:
    """OpenGraph's language_TERRITORY (de_DE, pt_BR): the territory CLDR finds likeliest
    when the tag names none."""
    found = locale_of(language, locale)
    territory = found.territory
    if not territory:
        likely = get_global("likely_subtags").get(found.language, "")
        territory = likely.split("_")[-1] if likely.count("_") >= 1 else ""
    return f"{found.language}_{territory}" if territory else found.language


class Words(gettext.NullTranslations):
    """site.yaml's `strings:` in front of the catalogues: a msgid to its text, or to a list
    of texts (one a plural form) for a msgid with plurals."""

    def __init__(self, strings: tuple[tuple[str, str | tuple[str, ...]], ...],
                 fallback: gettext.NullTranslations, locale: Locale):
        super().__init__()
        self._strings = dict(strings)
        self.add_fallback(fallback)
        # which of a list's texts to show for a number: the language's plural rule
        self._plural = gettext.c2py(get_plural(locale).plural_expr)

    def gettext(self, message: str) -> str:
        found = self._strings.get(message)
        if found is None:
            return super().gettext(message)
        return found if isinstance(found, str) else found[0]

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        found = self._strings.get(singular)
        if found is None:
            return super().ngettext(singular, plural, n)
        if isinstance(found, str):
            return found
        return found[min(self._plural(n), len(found) - 1)]

    def pgettext(self, context: str, message: str) -> str:
        return self.gettext(message)

    def npgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        return self.ngettext(singular, plural, n)


def translations(language: str, locale: str, strings: tuple = (),
                 layouts: Path | None = None) -> gettext.NullTranslations:
    """The words for a site: `strings` first, then its catalogue in `layouts`, then the
    theme's."""
    found_locale = locale_of(language, locale)
    names = _catalogue_names(found_locale)
    found: gettext.NullTranslations = gettext.NullTranslations()
    folders = [(MESSAGES, "(default theme) messages/")]
    if layouts is not None:
        folders.append((layouts / SITE_MESSAGES, f"layouts/{SITE_MESSAGES}/"))
    for folder, shown in folders:
        for name in names:
            path = folder / f"{name}.po"
            if path.is_file():
                catalogue = gettext.GNUTranslations(io.BytesIO(_compiled(
                    path, path.stat().st_mtime_ns, path.stat().st_size, shown + path.name)))
                catalogue.add_fallback(found)
                found = catalogue
                break
    return Words(strings, found, found_locale) if strings else found


def site_text(config, message: str, **values: object) -> str:
    """One of the theme's words outside the templates (page titles as pages.py gives them,
    feed titles and descriptions, the default description), in the site's language: from
    `strings:` and the theme's catalogue."""
    words = _site_words(config.language, config.locale, config.strings)
    return words.gettext(message) % values


def site_date(config, day: date) -> str:
    """A day in full in the site's language, for titles made outside the templates."""
    return long_date(day, locale_of(config.language, config.locale))


@functools.lru_cache(maxsize=8)
def _site_words(language: str, locale: str, strings: tuple) -> gettext.NullTranslations:
    return translations(language, locale, strings)


def _where(path: Path, err: Exception) -> tuple[int, str]:
    """The line of a catalogue Babel refused, found by its text (Babel's own count is not
    reliable), and its message without that count."""
    message = re.sub(r" on \d+( \d+)?$", "", str(err)) or type(err).__name__
    bad = str(getattr(err, "line", "") or "").strip()
    number = 0
    if bad:
        lines = path.read_text("utf-8", errors="replace").splitlines()
        number = next((n for n, text in enumerate(lines, 1) if text.strip() == bad), 0)
        message += f": {bad[:60]}"
    return number, f"message catalogue: {message}"


def _catalogue_names(locale: Locale) -> list[str]:
    """pt_BR.po, then pt.po: the most particular first."""
    names = [str(locale)]
    if locale.script and locale.territory:
        names.append(f"{locale.language}_{locale.script}")
    names.append(locale.language)
    return list(dict.fromkeys(names))


@functools.lru_cache(maxsize=32)
def _compiled(path: Path, stamp: int, size: int, shown: str) -> bytes:
    """A .po file compiled as gettext reads it; a bad one is a problem at its line."""
    try:
        with path.open("rb") as file:
            catalog = read_po(file, abort_invalid=True)
    except Exception as err:  # noqa: BLE001 - any parse failure is the file's
        raise DigestError(problem(shown, *_where(path, err))) from None
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


# Dates and times. The filters get the locale bound to them by render.make_environment.

def long_date(day: date | datetime, locale: Locale) -> str:
    """The day in full, as the language writes it: 'Friday, March 22, 2024',
    'Freitag, 22. März 2024', '2024年3月22日金曜日'."""
    return _long_date(_day(day), locale)


@functools.lru_cache(maxsize=4096)  # a day is shown on many pages
def _long_date(day: date, locale: Locale) -> str:
    return format_date(day, "full", locale=locale)


def plain_date(day: date | datetime, locale: Locale) -> str:
    """The day without its weekday: 'March 22, 2024', '22. März 2024'."""
    return format_date(_day(day), "long", locale=locale)


def month_name(month: int, locale: Locale) -> str:
    """The month's name standing alone, as in a heading: 'March', 'März', 'marzec'."""
    return locale.months["stand-alone"]["wide"][month]


def month_year(month: object, locale: Locale) -> str:
    """A month of a year ('March 2024', 'März 2024', '2024年3月') from anything with `year`
    and `month`."""
    return format_skeleton("yMMMM", date(month.year, month.month, 1), locale=locale)


def name_list(names: list[str] | tuple[str, ...], locale: Locale) -> str:
    """Names joined as the language joins them: 'A, B, and C', 'A, B und C'."""
    return format_list(list(names), locale=locale) if names else ""


def clock(moment: datetime, locale: Locale) -> str:
    """The time as the language writes it, with the zone's abbreviation where the language
    has one: '5:05 PM ET', '17:05 MEZ', '17:05 JST'; otherwise the time alone."""
    # an article's time is shown on several pages; equal datetimes in other zones are
    # equal, so the zone is part of the key
    return _clock(moment.replace(tzinfo=None), moment.tzinfo, moment.fold, locale)


@functools.lru_cache(maxsize=16384)
def _clock(wall: datetime, zone: object, fold: int, locale: Locale) -> str:
    moment = wall.replace(tzinfo=zone, fold=fold)
    shown = format_time(moment, "short", locale=locale)
    if moment.tzinfo is None:
        return shown
    abbreviation = _generic_abbreviation(str(getattr(zone, "key", "")), locale) or \
        get_timezone_name(moment, "short", locale=locale)
    if not abbreviation or abbreviation == _NO_VALUE or _OFFSET.match(abbreviation):
        return shown
    return f"{shown} {abbreviation}"


def _generic_abbreviation(zone: str, locale: Locale) -> str:
    """The zone's abbreviation whatever the season, as news writes it ('ET', 'PT', 'AET'),
    when the language has one of its own; '' otherwise, where the season's ('MEZ' or
    'MESZ', 'JST') is shown."""
    zone = get_global("zone_aliases").get(zone, zone)
    names = locale.time_zones.get(zone, {}).get("short", {})
    if "generic" not in names:
        metazone = get_global("meta_zones").get(zone)
        names = locale.meta_zones.get(metazone, {}).get("short", {}) if metazone else {}
    generic = names.get("generic", "")
    if generic in (_NO_VALUE, names.get("standard"), names.get("daylight")):
        return ""
    return generic


def date_time(moment: datetime, locale: Locale) -> str:
    """The day in full and the time, joined as the language joins them."""
    return _joining(locale).replace("{1}", long_date(moment, locale)).replace(
        "{0}", clock(moment, locale))


@functools.lru_cache(maxsize=8)
def _joining(locale: Locale) -> str:
    """How the language joins a date and a time: '{1}, {0}', '{1} {0}'."""
    pattern = locale.datetime_formats.get("medium")
    joined = str(getattr(pattern, "pattern", pattern) or "{1}, {0}")
    return re.sub(r"'([^']*)'", r"\1", joined)


_NO_VALUE = "∅∅∅"  # CLDR's mark for a name a language does not have
_OFFSET = re.compile(r"^(GMT|UTC)?[+\-−]\d")


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value
