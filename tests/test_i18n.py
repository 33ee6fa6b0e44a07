"""The site's own language: one site built in German, French, Japanese and Arabic, read for
its words, dates and direction, checked by the Nu Html Checker and by axe-core in Chromium;
words changed in site.yaml or by the site's own catalogue; every theme word translated."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from http.server import ThreadingHTTPServer
from pathlib import Path

import feedparser
import pytest
from babel.messages.extract import extract
from babel.messages.pofile import read_po
from jinja2.ext import babel_extract

from conftest import SiteDir, article
from test_browser import browser  # noqa: F401 - the Chromium fixture, shared
from test_incremental import CountingParses
from test_published_site import VNU_JAR, _Handler

ROOT = Path(__file__).parent.parent
THEME = ROOT / "digest" / "theme"
AXE = ROOT / ".ci" / "node" / "node_modules" / "axe-core" / "axe.min.js"
REQUIRED = {"en", "de", "fr", "es", "pt", "it", "nl", "pl", "sv", "ja", "ar"}

# Topic and tag names in several scripts; no English word of the theme in any of it.
ARTICLES = {
    "content/one.md": article("Kran am Kai", "2026-11-24 17:05", topic="Économie",
                              tags="[Klima]", summary="Ein Kran, 東京, القاهرة."),
    "content/two.md": article("Ελλάδα σήμερα", "2026-11-24 09:00", topic="Ελλάδα",
                              tags="[Klima]"),
    "content/three.md": article(
        "三番目の記事", "2026-11-23 17:05", topic="Économie", tags="[東京]",
        authors="[Ana Lima, Bo Ek, Chen Li]", updated="2026-11-25",
        source="{name: Hafenblatt, url: 'https://example.org/h'}",
        body="> Zitat aus dem Hafen.\n\nText."),
    "content/four.md": article("Vier", "2026-10-02 08:15", topic="Économie"),
}
SITE_YAML = ("title: Hafen\ndescription: Hafen\nbase_url: https://example.org/brief/\n"
             "page_size: 1\n"
             "topics: [Économie, Ελλάδα]\n")

# Where each kind of page is, in the site above.
PAGES = {
    "index": "index.html", "day": "2026/11/23/index.html",
    "article": "2026/11/23/three/index.html", "archive": "archive/index.html",
    "topics": "topics/index.html", "topic": "topics/economie/index.html",
    "topic page 2": "topics/economie/page/2/index.html", "tags": "tags/index.html",
    "tag": "tags/klima/index.html", "month": "2026/11/index.html", "year": "2026/index.html",
    "subscribe": "subscribe/index.html", "404": "404.html",
}

# What a reader of each language must see on each kind of page, written out by hand.
LANGUAGES = {
    "de": {
        "timezone": "Europe/Berlin", "dir": "ltr",
        "index": ["Startseite", "Themen", "Schlagwörter", "Archiv", "Zum Inhalt springen",
                  "Frühere Tage im Archiv", "Dienstag, 24. November 2026", "17:05 MEZ",
                  "08:15 MESZ", "Quelle:"],
        "day": ["Ausgabe", "Montag, 23. November 2026", "1 Artikel", "Nächster Tag",
                "Vorheriger Tag", "17:05 MEZ"],
        "article": ["Von Ana Lima, Bo Ek und Chen Li", "Montag, 23. November 2026, 17:05 MEZ",
                    "Aktualisiert", "Mittwoch, 25. November 2026", "Quelle:",
                    "Neuer zum Thema Économie", "Älter zum Thema Économie",
                    "Alle Artikel zum Thema Économie", "Schlagwörter"],
        "archive": ["November 2026", "Oktober 2026", "3 Artikel", "1 Artikel"],
        "topics": ["Themen", "3 Artikel"],
        "topic": ["Thema", "Seite 1 von 3", "Älter →", "RSS-Feed für Économie",
                  "Dienstag, 24. November 2026, 17:05 MEZ"],
        "topic page 2": ["Économie, Seite 2", "Seite 2 von 3", "← Neuer"],
        "tags": ["Schlagwörter"],
        "tag": ["Schlagwort „Klima“", "2 Artikel", "RSS-Feed für „Klima“",
                "24. November 2026"],
        "month": ["November 2026", "3 Artikel", "Dienstag, 24. November 2026"],
        "year": ["Oktober 2026", "1 Artikel"],
        "subscribe": ["Abonnieren", "Folgen Sie der Website in einem Feedreader", "Alle Artikel"],
        "404": ["Seite nicht gefunden", "der Startseite"],
    },
    "fr": {
        "timezone": "Europe/Paris", "dir": "ltr",
        "index": ["À la une", "Rubriques", "Mots-clés", "Archives", "Aller au contenu",
                  "Les jours précédents dans les archives", "mardi 24 novembre 2026",
                  "17:05", "Source\u00a0:"],
        "day": ["Édition", "lundi 23 novembre 2026", "1 article", "Jour suivant",
                "Jour précédent"],
        "article": ["Par Ana Lima, Bo Ek et Chen Li", "lundi 23 novembre 2026, 17:05",
                    "Mis à jour", "mercredi 25 novembre 2026", "Source\u00a0:",
                    "Plus récent dans Économie", "Plus ancien dans Économie",
                    "Tous les articles de la rubrique Économie"],
        "archive": ["novembre 2026", "octobre 2026", "3 articles", "1 article"],
        "topics": ["Rubriques", "3 articles"],
        "topic": ["Rubrique", "Page 1 sur 3", "Plus anciens →"],
        "topic page 2": ["Économie, page 2", "Page 2 sur 3", "← Plus récents"],
        "tags": ["Mots-clés"],
        "tag": ["Mot-clé «\u00a0Klima\u00a0»", "2 articles", "24 novembre 2026"],
        "month": ["novembre 2026", "3 articles", "mardi 24 novembre 2026"],
        "year": ["octobre 2026", "1 article"],
        "subscribe": ["S’abonner", "Suivez le site dans un lecteur de flux", "Tous les articles"],
        "404": ["Page introuvable", "la une"],
    },
    "ja": {
        "timezone": "Asia/Tokyo", "dir": "ltr",
        "index": ["トップページ", "トピック", "タグ", "アーカイブ", "本文へスキップ",
                  "それ以前の日はアーカイブへ", "2026年11月24日火曜日", "17:05 JST", "出典："],
        "day": ["この日のニュース", "2026年11月23日月曜日", "1件の記事", "次の日", "前の日"],
        "article": ["文：Ana Lima、Bo Ek、Chen Li", "2026年11月23日月曜日 17:05 JST", "更新",
                    "2026年11月25日水曜日", "出典：", "Économieの新しい記事",
                    "Économieの古い記事", "Économieのすべての記事"],
        "archive": ["2026年11月", "2026年10月", "3件の記事", "1件の記事"],
        "topics": ["トピック", "3件の記事"],
        "topic": ["3ページ中1ページ目", "古い記事 →", "ÉconomieのRSSフィード"],
        "topic page 2": ["Économie（2ページ目）", "3ページ中2ページ目"],
        "tags": ["タグ"],
        "tag": ["タグ「Klima」", "2件の記事", "2026年11月24日"],
        "month": ["2026年11月", "3件の記事", "2026年11月24日火曜日"],
        "year": ["2026年10月", "1件の記事"],
        "subscribe": ["購読", "フィードリーダーでサイトを購読できます", "すべての記事"],
        "404": ["ページが見つかりません", "トップページ"],
    },
    "ar": {
        "timezone": "Asia/Riyadh", "dir": "rtl",
        "index": ["الصفحة الرئيسية", "المواضيع", "الوسوم", "الأرشيف", "انتقل إلى المحتوى",
                  "الأيام السابقة في الأرشيف", "الثلاثاء، 24 نوفمبر 2026", "5:05 م",
                  "المصدر:"],
        "day": ["عدد اليوم", "الاثنين، 23 نوفمبر 2026", "مقالة واحدة", "اليوم التالي",
                "اليوم السابق"],
        "article": ["بقلم Ana Lima وBo Ek وChen Li", "الاثنين، 23 نوفمبر 2026، 5:05 م",
                    "حُدّث", "الأربعاء، 25 نوفمبر 2026", "المصدر:", "الأحدث في Économie",
                    "الأقدم في Économie", "كل المقالات في Économie"],
        "archive": ["نوفمبر 2026", "أكتوبر 2026", "3 مقالات", "مقالة واحدة"],
        "topics": ["المواضيع", "3 مقالات"],
        "topic": ["موضوع", "الصفحة 1 من 3", "الأقدم ←"],
        "topic page 2": ["Économie، الصفحة 2", "الصفحة 2 من 3", "→ الأحدث"],
        "tags": ["الوسوم"],
        "tag": ["الوسم «Klima»", "مقالتان", "24 نوفمبر 2026"],
        "month": ["نوفمبر 2026", "3 مقالات", "الثلاثاء، 24 نوفمبر 2026"],
        "year": ["أكتوبر 2026", "مقالة واحدة"],
        "subscribe": ["اشترك", "تابع الموقع في قارئ موجزات", "كل المقالات"],
        "404": ["الصفحة غير موجودة", "الصفحة الرئيسية"],
    },
}

# The theme's English, none of which may be left on a page in another language.
ENGLISH = ["Front page", "Skip to content", "Sections", "Source:", "Newer", "Older",
           "All articles", "More in", "No articles", "Edition", "Page 1 of", "Tagged",
           "Updated", "By Ana", "RSS feed", "Earlier days", "Page not found", "Monday",
           "Tuesday", "Wednesday", "PM", "AM", " article", "Topic", "Archive", "Days",
           "Sorry", "the front page", "Subscribe", "Search", "Today", "Yesterday", "Share",
           "Previous edition", "More from", "Every article", "Newer month", "Older year"]
OPEN_GRAPH = {"de": "de_DE", "fr": "fr_FR", "ja": "ja_JP", "ar": "ar_EG"}
SAME_IN = {"fr": {"Sections", "Archive", " article"}}  # words French writes as English does


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SiteDir]:
    """The same site in each language, built."""
    built = {}
    for language, expected in LANGUAGES.items():
        site = SiteDir(tmp_path_factory.mktemp(language) / "site")
        site.write({**ARTICLES, "site.yaml": SITE_YAML + f"language: {language}\n"
                    f"timezone: {expected['timezone']}\n"})
        site.build("--future")
        built[language] = site
    return built


class _Text(HTMLParser):
    """What a reader sees or hears of a page: its text, its title, and the labels of its
    elements (aria-label, title, alt)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in ("aria-label", "title", "alt") and value:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def shown(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return re.sub(r"[ \t\r\n]+", " ", " ".join(parser.parts))  # no-break spaces kept


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", PAGES)
def test_each_page_kind_speaks_the_site_s_language(sites: dict[str, SiteDir], language: str,
                                                   kind: str) -> None:
    html = sites[language].read(PAGES[kind])
    text = shown(html)
    for words in LANGUAGES[language][kind]:
        assert words in text, (words, text)
    left = [english for english in ENGLISH
            if english in text and english not in SAME_IN.get(language, ())]
    assert left == [], text
    assert f'<html lang="{language}" dir="{LANGUAGES[language]["dir"]}">' in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_search_box_speaks_the_site_s_language(sites: dict[str, SiteDir],
                                                   language: str) -> None:
    # the script makes the box, so its words are in the script, not in the pages
    script = sites[language].read("search/search.js")
    words = json.loads(re.search(r"^const words = (.*);$", script, re.M).group(1))
    assert set(words) == {"search", "label", "topic", "results", "found", "none", "failed",
                          "all", "more"}
    assert "{count}" in words["found"]
    left = [english for english in ENGLISH for text in words.values()
            if english in text and english not in SAME_IN.get(language, ())]
    assert left == [], words


@pytest.mark.parametrize("language", LANGUAGES)
def test_feeds_keep_the_formats_their_specs_require(sites: dict[str, SiteDir],
                                                    language: str) -> None:
    site = sites[language]
    rss = site.read("feed.xml")
    offset = {"de": "+0100", "fr": "+0100", "ja": "+0900", "ar": "+0300"}[language]
    assert f"<pubDate>Tue, 24 Nov 2026 17:05:00 {offset}</pubDate>" in rss
    assert f"<language>{language}</language>" in rss
    assert f'<meta property="og:locale" content="{OPEN_GRAPH[language]}">' in \
        site.read("2026/11/23/three/index.html")
    atom = site.read("atom.xml")
    assert f"<published>2026-11-24T17:05:00{offset[:3]}:{offset[3:]}</published>" in atom
    for name in ("feed.xml", "atom.xml", "tags/klima/feed.xml"):
        parsed = feedparser.parse(site.read(name))
        assert not parsed.bozo, (name, parsed.get("bozo_exception"))
    # a tag's feed is titled in the site's language, as its page is
    tag_title = feedparser.parse(site.read("tags/klima/atom.xml")).feed.title
    assert tag_title == "Hafen: " + {"de": "Schlagwort „Klima“",
                                     "fr": "Mot-clé «\u00a0Klima\u00a0»",
                                     "ja": "タグ「Klima」", "ar": "الوسم «Klima»"}[language]
    assert json.loads(site.read("feed.json"))["items"][0]["date_published"] == \
        f"2026-11-24T17:05:00{offset[:3]}:{offset[3:]}"


class _Regions(HTMLParser):
    """The name of each <section> that has one (a region landmark), from aria-label or the
    text of the element aria-labelledby points at."""

    def __init__(self) -> None:
        super().__init__()
        self.labelled_by: list[str] = []
        self.labels: list[str] = []
        self.text_of: dict[str, str] = {}
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        found = dict(attrs)
        if tag == "section" and found.get("aria-labelledby"):
            self.labelled_by.append(found["aria-labelledby"])
        if tag == "section" and found.get("aria-label"):
            self.labels.append(found["aria-label"])
        if found.get("id"):
            self._open.append(found["id"])
            self.text_of[found["id"]] = ""

    def handle_data(self, data: str) -> None:
        for name in self._open:
            self.text_of[name] += data

    def handle_endtag(self, tag: str) -> None:
        if tag.startswith("h") and self._open:
            self._open.pop()

    def names(self) -> list[str]:
        return self.labels + [self.text_of[name].strip() for name in self.labelled_by]


@pytest.mark.parametrize("language", LANGUAGES)
def test_front_page_regions_have_unique_names_that_include_the_day(
        sites: dict[str, SiteDir], language: str) -> None:
    """A topic on two days must not give two landmarks one name (axe's landmark-unique)."""
    html = sites[language].read("index.html")
    assert html.count("<h3 class=\"group\"><a href=\"/brief/topics/economie/\">") == 3
    regions = _Regions()
    regions.feed(html)
    names = regions.names()
    assert len(names) == len(set(names)) == 3  # one a day
    day = LANGUAGES[language]["day"][1]  # Monday 23 November, in the language
    assert day in names


def test_names_and_slugs_in_any_script_keep_working(sites: dict[str, SiteDir]) -> None:
    for site in sites.values():
        assert (site.out / "tags/東京/index.html").is_file()
        assert (site.out / "topics/ελλάδα/index.html").is_file()
        assert "東京" in site.read("tags/東京/index.html")
        assert "Ein Kran, 東京, القاهرة." in site.read("index.html")


def test_english_dates_follow_the_language_and_the_zone(site: SiteDir) -> None:
    site.write({**ARTICLES, "site.yaml": SITE_YAML + "timezone: America/New_York\n"})
    site.build("--future")
    index = shown(site.read("index.html"))
    assert "Tuesday, November 24, 2026" in index
    assert "5:05\u202fPM ET" in index  # CLDR's narrow no-break space; ET all year
    assert "8:15\u202fAM ET" in index  # October, in daylight saving time
    assert "November 2026" in shown(site.read("archive/index.html"))
    site.write({"site.yaml": SITE_YAML + "language: en\nlocale: en_GB\n"
                             "timezone: Europe/London\n"})
    site.build("--future")
    page = shown(site.read("index.html"))
    assert "Tuesday, 24 November 2026" in page and "17:05 GMT" in page
    assert '<html lang="en" dir="ltr">' in site.read("index.html")


def test_a_language_cldr_does_not_know_is_an_error_naming_the_key(site: SiteDir) -> None:
    site.write({**ARTICLES, "site.yaml": "language: tlh\n"})
    run = site.digest("build")
    assert run.exit_code == 1
    assert "site.yaml:1: language: 'tlh' is not a locale CLDR has dates and times for" \
        in run.errors
    site.write({"site.yaml": "language: en\nlocale: xx_YY\n"})
    run = site.digest("build")
    assert run.exit_code == 1 and "site.yaml:2: locale: 'xx_YY'" in run.errors
    assert "Traceback" not in run.errors


def test_site_yaml_changes_any_word(site: SiteDir) -> None:
    site.write({**ARTICLES, "site.yaml": SITE_YAML + (
        'language: de\nstrings:\n  "Front page": Titelseite\n'
        '  "%(num)d article": ["ein Beitrag", "%(num)d Beiträge"]\n'
        '  "Tagged “%(tag)s”": "Stichwort %(tag)s"\n')})
    site.build("--future")
    index = shown(site.read("index.html"))
    assert "Titelseite" in index and "Startseite" not in index
    archive = shown(site.read("archive/index.html"))
    assert "3 Beiträge" in archive and "ein Beitrag" in archive
    assert "Stichwort Klima" in shown(site.read("tags/klima/index.html"))
    assert feedparser.parse(site.read("tags/klima/atom.xml")).feed.title == \
        "Hafen: Stichwort Klima"
    assert "Themen" in index  # words not changed keep the catalogue's


def test_page_titles_a_site_s_own_layouts_show_are_in_its_language(site: SiteDir) -> None:
    site.write({**ARTICLES, "site.yaml": SITE_YAML + "language: de\n",
                "layouts/tag.html": "<title>{{ page.title }}</title>\n",
                "layouts/day.html": "<title>{{ page.title }}</title>\n",
                "layouts/archive.html": "<title>{{ page.title }}</title>\n"})
    site.build("--future")
    assert site.read("archive/index.html") == "<title>Archiv</title>\n"
    assert site.read("2026/11/23/index.html") == "<title>Montag, 23. November 2026</title>\n"
    assert site.read("tags/klima/page/2/index.html") == \
        "<title>Schlagwort „Klima“, Seite 2</title>\n"


def test_the_default_description_is_in_the_site_s_language(site: SiteDir) -> None:
    site.write({**ARTICLES, "site.yaml": "language: fr\n"})
    site.build("--future")
    assert "L’actualité du jour, classée par rubrique." in shown(site.read("index.html"))
    assert "<description>L’actualité du jour" in site.read("feed.xml")
    site.write({"site.yaml": "language: fr\ndescription: Nos nouvelles\n"})
    site.build("--future")
    assert "Nos nouvelles" in site.read("index.html")
    assert "actualité du jour" not in site.read("index.html")


def test_a_plural_in_site_yaml_follows_the_language_s_plural_rule(site: SiteDir) -> None:
    site.write({**ARTICLES, "site.yaml": SITE_YAML + (
        'language: ar\nstrings: {"%(num)d article": [zero, one, two, "few %(num)d", many, '
        'other]}\n')})
    site.build("--future")
    archive = shown(site.read("archive/index.html"))
    assert "few 3" in archive and "one" in archive  # November's 3, October's 1
    assert "two" in shown(site.read("2026/11/24/index.html"))


def test_strings_must_map_words_to_text(site: SiteDir) -> None:
    site.write({**ARTICLES, "site.yaml": "language: de\nstrings: [Startseite]\n"})
    run = site.digest("build")
    assert run.exit_code == 1
    assert "site.yaml:2: strings: expected a mapping" in run.errors
    site.write({"site.yaml": 'language: de\nstrings: {"More in %(topic)s": "Mehr %(thema)s"}\n'})
    run = site.digest("build")
    assert run.exit_code == 1
    assert "site.yaml:2: strings: 'Mehr %(thema)s' for 'More in %(topic)s' may use only " \
        "%(topic)s; write %% for a %" in run.errors


def test_a_site_catalogue_changes_words_and_a_broken_one_is_a_problem(site: SiteDir) -> None:
    catalogue = ('msgid ""\nmsgstr ""\n"Language: de\\n"\n"Plural-Forms: nplurals=2; '
                 'plural=(n != 1);\\n"\n\nmsgid "Edition"\nmsgstr "Tagesausgabe"\n')
    site.write({**ARTICLES, "site.yaml": SITE_YAML + "language: de\n",
                "layouts/messages/de.po": catalogue})
    site.build("--future")
    day = shown(site.read("2026/11/23/index.html"))
    assert "Tagesausgabe" in day
    assert not re.search(r"(?<!\w)Ausgabe(?!:)", day)  # the theme's word for it
    assert "Nächster Tag" in day  # the theme's catalogue still has the rest
    before = site.snapshot()
    site.write({"layouts/messages/de.po": catalogue + "nonsense here\n"})
    run = site.digest("build")
    assert run.exit_code == 1
    assert "layouts/messages/de.po:8: message catalogue: Unknown or misformatted keyword: " \
        "nonsense here" in run.errors
    assert "Traceback" not in run.errors
    assert site.snapshot() == before


def test_changing_the_language_renders_again_and_parses_nothing_again(
        site: SiteDir, monkeypatch) -> None:
    site.write({**ARTICLES, "site.yaml": SITE_YAML})
    parses = CountingParses(monkeypatch)
    site.build("--future")
    assert parses.count == len(ARTICLES)
    assert "Front page" in site.read("index.html")
    for yaml, word in ((SITE_YAML + "language: de\n", "Startseite"),
                       (SITE_YAML + "language: de\nlocale: de_AT\n", "Startseite"),
                       (SITE_YAML + "language: de\nstrings: {Front page: Titelseite}\n",
                        "Titelseite")):
        parses.count = 0
        site.write({"site.yaml": yaml})
        site.build("--future")
        assert parses.count == 0
        assert word in site.read("index.html")
    assert "Montag, 23. November 2026" in site.read("2026/11/23/index.html")
    parses.count = 0
    site.write({"layouts/messages/de.po": 'msgid "Edition"\nmsgstr "Tagesausgabe"\n'})
    site.build("--future")
    assert parses.count == 0
    assert "Tagesausgabe" in site.read("2026/11/23/index.html")


def test_the_dev_server_renders_a_language_change(site: SiteDir, monkeypatch) -> None:
    from digest.build import Options
    from digest.project import Project
    from digest.serve import Session

    site.write({**ARTICLES, "site.yaml": SITE_YAML})
    parses = CountingParses(monkeypatch)
    session = Session(Project.at(site.root / "site.yaml"), Options(future=True))
    session.rebuild("start")
    parses.count = 0
    site.write({"site.yaml": SITE_YAML + "language: ja\n"})
    session.rebuild("site.yaml changed")
    assert parses.count == 0
    assert "トップページ" in site.read("index.html")


# The catalogues


# %(name)s for Python's formatting; {name} for what the theme's scripts fill in
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")


def theme_messages() -> dict[str | tuple[str, str], list[str]]:
    """Every msgid the theme uses, in its templates and in the Python that titles feeds."""
    found: dict[str | tuple[str, str], list[str]] = {}
    options = {"extensions": "jinja2.ext.i18n", "trim_blocks": "True",
               "lstrip_blocks": "True"}
    for path in sorted((THEME / "templates").iterdir()):  # pages, and feed.xsl or the like
        with path.open("rb") as file:
            for line, message, *_ in extract(babel_extract, file, options=options):
                found.setdefault(message, []).append(f"{path.name}:{line}")
    for path in sorted((ROOT / "digest").rglob("*.py")):
        with path.open("rb") as file:
            for line, message, *_ in extract("python", file, keywords={"site_text": (2,)}):
                found.setdefault(message, []).append(f"{path.name}:{line}")
    return found


def test_the_theme_uses_its_words_through_the_catalogues() -> None:
    messages = theme_messages()
    assert "Front page" in messages and ("%(num)d article", "%(num)d articles") in messages
    assert "Tagged “%(tag)s”" in messages  # from the templates and from pages.py
    assert len(messages) > 35


def test_every_theme_word_is_translated_in_every_shipped_language() -> None:
    shipped = {path.stem: path for path in (THEME / "messages").glob("*.po")}
    assert REQUIRED <= set(shipped)
    messages = theme_messages()
    problems = []
    for language, path in sorted(shipped.items()):
        with path.open("rb") as file:
            catalogue = read_po(file, abort_invalid=True)
        assert str(catalogue.locale).split("_")[0] == language
        for msgid, where in messages.items():
            key = msgid[0] if isinstance(msgid, tuple) else msgid
            entry = catalogue.get(key)
            if entry is None or entry.fuzzy or not entry.string or not all(entry.string):
                problems.append(f"{language}: {msgid!r} ({where[0]}) is not translated")
                continue
            texts = entry.string if isinstance(entry.string, tuple) else (entry.string,)
            if isinstance(msgid, tuple) and len(texts) != catalogue.num_plurals:
                problems.append(f"{language}: {msgid!r} needs {catalogue.num_plurals} forms")
            wanted = set(PLACEHOLDER.findall(key))
            for text in texts:
                # a plural form may leave the number out ("one article" in words)
                extra = set(PLACEHOLDER.findall(text)) - wanted
                missing = wanted - set(PLACEHOLDER.findall(text)) - {"%(num)d"}
                if extra or missing:
                    problems.append(f"{language}: {msgid!r}: {text!r} has {extra or missing}")
    assert problems == []


# Outside checkers


def test_the_nu_html_checker_finds_no_error_in_any_language(sites: dict[str, SiteDir]
                                                            ) -> None:
    if not VNU_JAR.is_file() or not shutil.which("java"):
        assert not os.environ.get("CI"), "the Nu Html Checker is missing; .ci/run installs it"
        pytest.skip("the Nu Html Checker is not installed (.ci/run installs it)")
    result = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--format", "json", "--skip-non-html",
         "--also-check-css", *(str(site.out) for site in sites.values())],
        capture_output=True, text=True, timeout=300)
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    problems = [f"{m.get('url')}:{m.get('lastLine')}: {m['message']}" for m in messages
                if m["type"] == "error" or m.get("subType") == "warning"]
    assert problems == []


@pytest.fixture(scope="module")
def servers(sites: dict[str, SiteDir]) -> Iterator[dict[str, int]]:
    """Each language's output served under /brief/, as GitHub Pages would."""
    running = {}
    for language, site in sites.items():
        handler = type("Handler", (_Handler,), {"folder": site.out})
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        running[language] = httpd
    yield {language: httpd.server_address[1] for language, httpd in running.items()}
    for httpd in running.values():
        httpd.shutdown()
        httpd.server_close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_axe_finds_no_violation_on_any_page_kind(servers: dict[str, int], browser,
                                                 language: str, scheme: str) -> None:
    if not AXE.is_file():
        assert not os.environ.get("CI"), "axe-core is missing; .ci/run installs it"
        pytest.skip("axe-core is not installed (.ci/run installs it)")
    context = browser.new_context(color_scheme=scheme)
    page = context.new_page()
    found = []
    try:
        for kind, path in PAGES.items():
            url = f"http://127.0.0.1:{servers[language]}/brief/" + \
                path.removesuffix("index.html")
            if kind == "404":
                url = f"http://127.0.0.1:{servers[language]}/brief/nothing/here/"
            page.goto(url)
            page.add_script_tag(path=str(AXE))
            result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
            found += [f"{kind}: {v['id']}: {[n['target'] for n in v['nodes']]}"
                      for v in result["violations"]]
    finally:
        context.close()
    assert found == []


def test_the_theme_s_stylesheets_name_no_side_left_or_right() -> None:
    """Only logical properties (margin-inline-start, text-align: end), so that a page in a
    right-to-left language mirrors."""
    physical = re.compile(r"(?<![\w-])((margin|padding|border|inset)-(left|right)|left|right)"
                          r"\s*:|(text-align|float|clear)\s*:\s*(left|right)")
    for path in sorted((THEME / "static").glob("*.css")):
        found = [f"{path.name}:{number}: {line.strip()}"
                 for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
                 if physical.search(line)]
        assert found == []


@pytest.mark.parametrize("language", ["de", "ar"])
def test_a_right_to_left_page_mirrors(servers: dict[str, int], browser,
                                      language: str) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(f"http://127.0.0.1:{servers[language]}/brief/2026/11/23/three/")
        quote = page.evaluate("""(() => { const s = getComputedStyle(
            document.querySelector('blockquote'));
            return [s.borderLeftWidth, s.borderRightWidth]; })()""")
        brand = page.locator(".brand").bounding_box()
        sections = page.locator(".top nav").bounding_box()
        older = page.locator(".pager .older").evaluate("e => getComputedStyle(e).textAlign")
    finally:
        page.close()
    if language == "ar":
        assert quote == ["0px", "4px"]  # the rule on the right, where lines start
        assert brand["x"] > sections["x"]  # the site's name on the right
        assert older in ("end", "left")
    else:
        assert quote == ["4px", "0px"]
        assert brand["x"] < sections["x"]
        assert older in ("end", "right")


def test_the_theme_s_gettext_says_what_jinja_s_own_says(tmp_path: Path) -> None:
    """`_()` and `gettext()` are made faster than the i18n extension's own: the same text,
    escaped or not, with variables, "%%" and trans blocks, in French and in English."""
    import jinja2

    from digest import i18n
    from digest.config import Config
    from digest.render import make_environment

    template = ('{{ _("Search") }}|{{ _("Tagged “%(tag)s”", tag="<b>&") }}|'
                '{{ gettext("100%% sure") }}|{% trans n=3 %}{{ n }} of <them>{% endtrans %}|'
                '{% autoescape false %}{{ _("Tagged “%(tag)s”", tag="<i>") }}'
                '{% endautoescape %}')
    said_in: dict[str, str] = {}
    for language in ("fr", "en"):
        config = Config(language=language)
        ours = make_environment(tmp_path, config, tmp_path)
        stock = jinja2.Environment(extensions=["jinja2.ext.i18n"], autoescape=True)
        stock.install_gettext_translations(  # type: ignore[attr-defined]
            i18n.translations(language, config.locale, config.strings, tmp_path),
            newstyle=True)
        said = ours.from_string(template).render()
        assert said == stock.from_string(template).render()
        assert said == ours.from_string(template).render()  # from memory, the second time
        said_in[language] = said
    assert said_in["fr"] != said_in["en"]  # translated
    assert "&lt;b&gt;&amp;" in said_in["en"] and "<i>" in said_in["en"]
