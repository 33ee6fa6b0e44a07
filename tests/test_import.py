"""`digest import`: clippings of several kinds of outlets in, articles out, then a real
build of the imported site read back."""

from __future__ import annotations

import http.server
import json
import re
import shutil
import socket
import subprocess
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import feedparser
import pytest
import yaml
from hypothesis import given, settings, strategies as st

from digest.importer.clipping import Refused
from digest.importer.dates import ZONES, find_moment
from digest.importer.sources import fetch
from digest.slugs import is_valid_slug

from conftest import DIGEST, SiteDir

FIXTURES = Path(__file__).parent / "fixtures" / "import"
SITE_YAML = """
    title: Clipped
    base_url: https://example.org/clips/
    timezone: America/New_York
    topics: [Local, World]
    """

# Every fixture's front matter, exactly, with the first and last paragraphs of its body.
EXPECTED = {
    "radio-ferry.html": (
        "content/local/2026-03-10-ferry-crews-vote-to-strike-over-winter-schedule.md",
        {"title": "Ferry crews vote to strike over winter schedule",
         # "ET" two days after the switch to summer time: EDT
         "date": "2026-03-10T06:05:00-04:00", "updated": "2026-03-10T16:12:00-04:00",
         "topic": "Local", "tags": ["Transportation", "Labor"], "author": "Mara Quint",
         "summary": "Deckhands and engineers on the Pine Island ferry line voted to walk out "
                    "next month unless the county restores the winter crossings it cut.",
         "source": {"name": "Lakeshore Public Radio",
                    "url": "https://www.lakeshore-radio.example/2026/03/10/ferry-crews-strike-vote"},
         "image": {"src": "https://media.lakeshore-radio.example/ferry-dock-1600.jpg",
                   "alt": "A white car ferry tied up at a snowy dock",
                   "caption": "The Pine Island ferry waits at the county dock on a February "
                              "morning.",
                   "credit": "Teodor Lind/Lakeshore Public Radio"}},
        "Deckhands and engineers on the Pine Island ferry line voted Monday night",
        "Islanders plan to speak at Tuesday's county board meeting, which starts at 6 PM in "
        "Harbor City."),
    "wire-glacier.html": (
        "content/world/2026-01-13-swiss-glacier-lost-a-tenth-of-its-ice-in-one-summer-survey-finds.md",
        {"title": "Swiss glacier lost a tenth of its ice in one summer, survey finds",
         "date": "2026-01-13T10:40:00+01:00", "updated": "2026-01-13T15:05:00+01:00",
         "topic": "World", "tags": ["Climate", "Switzerland", "Glaciers"],
         "authors": ["Ilse Varga", "Tomás Reyes"],
         "summary": "A survey of the Morteratsch-style valley glaciers of the Bernina range "
                    "found record losses after a hot, dry summer.",
         "source": {"name": "Meridian Press",  # the canonical URL, without utm_source
                    "url": "https://meridianpress.example/world/glacier-survey-bernina-2026"},
         "image": {"src": "https://img.meridianpress.example/2026/01/glacier-tongue.jpg",
                   "alt": "The grey tongue of a glacier in a rocky valley",
                   "caption": "Meltwater runs from the tongue of a glacier in the Bernina "
                              "range, Switzerland, on Sept. 2, 2025.",
                   "credit": "Nico Brandt/Meridian Press"},
         "note": "Jun Park in Seoul contributed reporting."},
        "PONTRESINA, Switzerland (Meridian) — A valley glacier in the Bernina range",
        "The institute said it would repeat the survey in September and publish a full "
        "report on the range’s 14 glaciers in the spring."),
    "ledger-tram": (
        "content/local/2026-01-05-council-backs-quay-street-tram-after-five-hour-hearing.md",
        {"title": "Council backs Quay Street tram after five-hour hearing",
         "date": "2026-01-05T23:48:00-05:00", "topic": "Local", "author": "Søren Ålund",
         "summary": "The 7-2 vote sends the $214 million line to the state for a final "
                    "funding decision.",
         "source": {"name": "Harbor City Ledger",
                    "url": "https://www.harborcityledger.example/local/quay-street-tram-vote"},
         "image": {"src": "/images/2026-01-05-council-backs-quay-street-tram-after-five-hour"
                          "-hearing.jpg",
                   "alt": "A drawing of a green tram passing shops on Quay Street",
                   "caption": "An architect’s drawing shows a tram stop outside the old "
                              "customs house.",
                   "credit": "City of Harbor City"}},
        "The Harbor City Council voted 7-2 late Monday to back a 4.2-mile tram line",
        "The state transport board is expected to rule on a $120 million grant in April. If "
        "it agrees, construction could start in the fall of 2027, and the first trams would "
        "run in 2030."),
    "blog-beekeeping.html": (  # its category, Bees, is not a topic of the site
        "content/general/2025-11-02-what-the-hives-told-us-this-winter.md",
        {"title": "What the hives told us this winter", "date": "2025-11-02T08:30:00+00:00",
         "updated": "2025-11-04T19:10:00+00:00", "topic": "General", "tags": ["Winter", "Wasps"],
         "author": "Wren Okafor",
         "summary": "Every November I open the hives one last time before the cold sets in, "
                    "and every November I learn that I know less about bees than I thought. "
                    "This year was no exception.",
         "source": {"name": "Notes from Wren Hill",
                    "url": "https://wrenhill.example/2025/11/02/what-the-hives-told-us/"}},
        "Every November I open the hives one last time",
        "As ever, thanks to [the county beekeepers’ association](https://beekeepers.example/) "
        "for the advice, and to my neighbour Fenna for lending me her smoker when mine gave up."),
    "radio-library.txt": (
        "content/local/2026-03-14-harbor-city-library-reopens-its-reading-room-after-a-two-year-repair.md",
        {"title": "Harbor City library reopens its reading room after a two-year repair",
         "date": "2026-03-14T19:20:00-04:00", "topic": "Local", "author": "Mara Quint",
         "summary": "The reading room of the Harbor City Public Library opened its doors on "
                    "Saturday for the first time since a roof leak closed it two winters ago, "
                    "and by noon every one of its forty chairs was taken.",
         "source": {"name": "Lakeshore Public Radio", "url": "https://www.lakeshore-radio.example"}},
        "HARBOR CITY, Mich. — The reading room of the Harbor City Public Library",
        "Ferrante said the library would add Sunday hours in the summer if it can hire two "
        "more part-time staff."),
    "wire-shipping.txt": (
        "content/world/2026-01-20-port-strike-halts-container-traffic-at-two-baltic-terminals.md",
        {"title": "Port strike halts container traffic at two Baltic terminals",
         "date": "2026-01-20T09:14:00+00:00", "updated": "2026-01-20T16:52:00+00:00",
         "topic": "World", "authors": ["Ilse Varga", "Jun Park"],
         "summary": "Dockworkers at two container terminals on Poland’s Baltic coast walked "
                    "off the job on Tuesday in a dispute over night-shift pay, halting the "
                    "loading of ships bound for Scandinavia and the North Sea.",
         "note": "Reporting by Ilse Varga in Gdansk and Jun Park in Seoul; editing by Dana Holt"},
        "GDANSK, Poland (Meridian) — Dockworkers at two container terminals",
        '"A two-day strike is a nuisance. A two-week strike would be a problem for the whole '
        'region," said Marta Sobczak, a logistics consultant in Warsaw.'),
    "ledger-snowplows.txt": (
        "content/local/2026-01-20-snow-plows-will-work-overnight-on-the-hill-streets-this-winter.md",
        {"title": "Snow plows will work overnight on the hill streets this winter",
         "date": "2026-01-20T06:30:00-05:00", "topic": "Local", "author": "Søren Ålund",
         "summary": "City says a new schedule will clear the steepest roads before the "
                    "morning rush"},
        "Harbor City's public works department will send plows up the steep streets",
        "Residents of the flat streets near the harbor may see their plows an hour or two "
        "later than before, the department said. It asked drivers on all streets to move "
        "cars to one side on nights when snow is forecast."),
    "blog-bread.txt": (
        "content/local/2025-12-14-a-rye-loaf-that-finally-worked.md",
        {"title": "A rye loaf that finally worked", "date": "2025-12-14", "topic": "Local",
         "author": "Wren Okafor",
         "summary": "For three winters I have been trying to bake a dense, dark rye loaf like "
                    "the ones my grandmother bought at the market, and for three winters I "
                    "have produced bricks. This week, at last, something worked."},
        "For three winters I have been trying to bake",
        "I will try the same again next week with caraway seeds, and I will report back if "
        "it turns out to be a fluke."),
    "wire-ferry-fire.html": (
        "content/world/2026-02-09-fire-on-car-ferry-forces-300-passengers-into-lifeboats-off-norway.md",
        {"title": "Fire on car ferry forces 300 passengers into lifeboats off Norway",
         # the page's machine time has no zone: it takes the one its "Updated" line gives
         "date": "2026-02-09T07:31:00+01:00", "updated": "2026-02-09T11:34:00+01:00",
         "topic": "World", "author": "Karin Solberg",
         "summary": "All passengers and crew were rescued after a fire broke out in the engine "
                    "room of a car ferry crossing a Norwegian fjord.",
         "source": {"name": "Northwind News Agency",
                    "url": "https://northwind.example/article/norway-ferry-fire-lifeboats-4f2a91"},
         "image": {"src": "https://assets.northwind.example/photos/4f2a91-ferry-fjord.jpg",
                   "alt": "A ferry with smoke rising from its stern in a fjord",
                   "caption": "Smoke rises from the stern of the ferry Aurora in a fjord near "
                              "Bergen, Norway, Monday, Feb. 9, 2026.",
                   "credit": "Northwind Photo/Lars Eide"},
         "note": "Associated reporter Ola Brekke contributed from Oslo."},
        "BERGEN, Norway (NNA) — About 300 passengers and crew climbed into lifeboats",
        "The operator said crossings on the route would run with a replacement ship from "
        "Wednesday."),
    "paper-orchestra.txt": (
        "content/local/2026-02-08-community-orchestra-plays-its-last-concert-in-the-old-corn-exchange.md",
        {"title": "Community orchestra plays its last concert in the old corn exchange",
         "date": "2026-02-08T18:45:00+00:00", "updated": "2026-02-09T09:10:00+00:00",
         "topic": "Local", "author": "Helen Achterberg",
         "summary": "The building will close for a two-year restoration, and the players will "
                    "rehearse in a school hall until it reopens"},
        "The Eastbrook Community Orchestra played its last concert in the town's Victorian",
        "The council says the restoration will repair the roof, replace the wiring and add a "
        "lift, and that the hall should reopen in the spring of 2028. Until then the "
        "orchestra will rehearse in the hall of the Eastbrook secondary school."),
    "radio-orchard.txt": (
        "content/local/2026-04-02-frost-threatens-the-apricot-bloom-so-growers-light-fires-in-the-orchards.md",
        {"title": "Frost threatens the apricot bloom, so growers light fires in the orchards",
         # a copied page runs the year into the time; "ET" in April is EDT
         "date": "2026-04-02T05:45:00-04:00", "topic": "Local", "author": "Joaquín Ferrer",
         "summary": "Apricot growers in the upper valley spent Tuesday night walking their rows "
                    "with torches, lighting hundreds of small fires to keep a hard frost off "
                    "trees that had just come into bloom."},
        "Apricot growers in the upper valley spent Tuesday night walking their rows",
        "Growers said it would be a week before they knew how much of the crop had survived. "
        "The county extension office planned to visit orchards on Friday to count damaged buds."),
    "radio-dam.html": (  # its caption and credit in <div>s, not in a <figure>
        "content/general/2026-10-22-a-century-old-dam-comes-down-and-the-river-finds-its-old-bed.md",
        {"title": "A century-old dam comes down, and the river finds its old bed",
         "date": "2026-10-22T05:00:00-07:00", "topic": "General",
         "tags": ["Rivers", "Salmon", "Environment"], "author": "Dana Rhee",
         "summary": "Crews finished removing the Miller Creek dam this week. Biologists expect "
                    "salmon back within two seasons.",
         "source": {"name": "Valley Public Media",
                    "url": "https://www.valleypublicmedia.example/2026/10/22/miller-creek-dam-removal"},
         "image": {"src": "https://media.valleypublicmedia.example/img/2026/10/22/dam-site_wide.jpg?s=1400",
                   "alt": "An excavator stands in a muddy riverbed where a concrete dam used to be.",
                   "caption": "The last section of the Miller Creek dam was removed on Monday, "
                              "leaving the creek to cut a new channel through a century of silt.",
                   "credit": "Dana Rhee/Valley Public Media"}},
        "For 104 years, the Miller Creek dam held back a shallow lake",
        "Not everyone is pleased. Some owners of lakeside homes said they had lost a view and a "
        "place to swim, and two of them have asked the county to lower their property taxes."),
}
# The topic given with --topic, for the sources that name no section of the site. (The
# clippings of the radio library, the snow plows and the port strike have a section line,
# "Local" or "World", near their headline: that gives theirs.)
TOPIC_OPTION = {"blog-bread.txt": "local", "paper-orchestra.txt": "local",
                "radio-orchard.txt": "local", "wire-ferry-fire.html": "World"}

# The pages' chrome: no paragraph of any article may start with one of these ...
CHROME_LINES = [
    "Play Live Radio", "Next Up", "Skip to main content", "Donate", "Sign up", "Subscribe",
    "Facebook", "Email", "Copy link", "Share", "Listen", "Download", "Updated", "Published",
    "Posted on", "By ", "Advertisement", "Story continues", "More from", "Read more",
    "Related", "Leave a Reply", "Like", "Menu", "Home", "Local", "World", "©", "Copyright",
    "Privacy Policy", "0:00", "6 min read", "Hide caption", "Mara Quint", "Søren Ålund",
]
# ... nor hold any of these
CHROME_TEXT = [
    "newsletter", "Ice road closes", "cookies", "Accept all", "All rights reserved",
    "To see more", "Ship insurers", "Rail freight volumes", "Loading", "thoughts on",
    "Marlo B.", "fondant", "free articles", "contributed reporting", "Reporting by",
    "is the Ledger", "covers city government", "Teodor Lind", "Anna Kowal", "Nico Brandt",
    "Cranes stand idle", "Volunteers carry boxes", "Meltwater runs", "architect’s drawing",
    "The Pine Island ferry waits", "Bees, bread and a very small orchard",
    "Home About Archive", "E-Edition", "Lakeshore Public Radio", "Support local journalism",
    "Available On Air Stations", "Sponsor", "Tweet", "Print", "ADVERTISEMENT", "___",
    "Most Read", "Storm closes", "Link copied", "Bluesky", "Photograph", "Priya Nair",
    "Explore more", "Reuse this content", "Most viewed", "Classical music", "Lars Eide",
    "Arts correspondent", "Print subscriptions", "Skip to navigation", "Headshot",
    "Joaquín Ferrer", "Rafaela Stone", "Smudge pots", "Enlarge", "toggle caption", "Playlist",
    "3-Minute Listen", "Keyboard shortcuts", "Navigation Menu", "Valley Public Media",
    "Embed", "Transcript", "hide caption", "4:12", "Salmon counts rise", "Dana Rhee",
    "Miller Creek dam was removed on Monday",
]


def split(text: str) -> tuple[dict, list[str]]:
    """(front matter as strings, the body's paragraphs)."""
    _, front, body = text.split("---\n", 2)
    return yaml.load(front, Loader=yaml.BaseLoader), body.strip().split("\n\n")


@pytest.fixture
def clipped(site: SiteDir) -> SiteDir:
    site.write({"site.yaml": SITE_YAML})
    (site.root / "content").mkdir()
    return site


def test_every_fixture_gives_its_front_matter_and_whole_body_and_no_chrome(
        clipped: SiteDir) -> None:
    for topic in (None, "local", "World"):
        names = [str(FIXTURES / name) for name in EXPECTED if TOPIC_OPTION.get(name) == topic]
        run = clipped.digest("import", *(["--topic", topic] if topic else []), *names)
        assert run.exit_code == 0, run.errors
    for name, (path, front, first, last) in EXPECTED.items():
        written = clipped.root / path
        assert written.is_file(), (name, sorted(p.name for p in clipped.root.rglob("*.md")))
        fields, paragraphs = split(written.read_text(encoding="utf-8"))
        assert fields == front, name
        assert paragraphs[0].startswith(first), (name, paragraphs[0])
        assert paragraphs[-1] == last, (name, paragraphs[-1])
        for paragraph in paragraphs:
            assert not paragraph.startswith(tuple(CHROME_LINES)), (name, paragraph)
        for line in CHROME_TEXT:
            assert line not in "\n\n".join(paragraphs), (name, line)


def test_the_body_keeps_headings_lists_quotes_tables_links_and_emphasis(
        clipped: SiteDir) -> None:
    clipped.digest("import", str(FIXTURES / "radio-ferry.html"),
                   str(FIXTURES / "wire-glacier.html"), str(FIXTURES / "ledger-tram"),
                   str(FIXTURES / "blog-beekeeping.html"), str(FIXTURES / "blog-bread.txt"))
    text = "\n".join(p.read_text(encoding="utf-8") for p in clipped.root.rglob("*.md"))
    assert "\n## What the island stands to lose\n" in text
    assert "\n- The first crossing now leaves at 7:40 AM instead of 5:50 AM.\n" in text
    assert "\n> “A glacier is a savings account for water." in text
    # a picture in the story stays there, with its caption; the lead one is in image:
    assert ("\n![Two researchers pull a radar sled across snow](https://meridianpress.example/"
            "media/2026/01/radar-sled.jpg)\n\n*Researchers pull a ground-radar sled across the "
            "glacier in August 2025. (Ilse Varga/Meridian Press)*\n") in text
    glacier = next(clipped.root.rglob("*swiss-glacier*.md")).read_text("utf-8")
    assert "glacier-tongue" not in glacier.split("---\n", 2)[2]
    assert "| Item | Cost |\n| --- | --- |\n| Track and stops | $131 million |" in text
    assert "\n## What went wrong in hive six\n" in text  # an <h3> under the <h1>: renumbered
    assert "The short answer is **wasps**." in text
    assert "1. Narrow the entrances in late August, not late September.\n2. Check" in text
    assert "\n## What I used\n\n- 500 g dark rye flour\n" in text  # a text clipping's list


def test_the_imported_site_builds_with_figures_captions_credits_and_feeds(
        clipped: SiteDir) -> None:
    run = clipped.digest("import", str(FIXTURES))
    assert run.exit_code == 1  # the page without a date and the list of stories
    clipped.build("--future")
    page = clipped.read("2026/03/10/ferry-crews-vote-to-strike-over-winter-schedule/index.html")
    assert ('<figure><img src="https://media.lakeshore-radio.example/ferry-dock-1600.jpg" '
            'alt="A white car ferry tied up at a snowy dock"><figcaption>The Pine Island '
            'ferry waits at the county dock on a February morning. <span class="credit">'
            'Teodor Lind/Lakeshore Public Radio</span></figcaption></figure>') in page
    assert '<time datetime="2026-03-10T06:05:00-04:00">' in page
    assert "Play Live Radio" not in page and "Donate" not in page
    ld = json.loads(re.search(r'<script type="application/ld\+json">\n(.*?)\n</script>', page,
                              re.S).group(1))
    assert ld["image"] == [{"@type": "ImageObject",
                            "url": "https://media.lakeshore-radio.example/ferry-dock-1600.jpg",
                            "caption": "The Pine Island ferry waits at the county dock on a "
                                       "February morning.",
                            "creditText": "Teodor Lind/Lakeshore Public Radio"}]
    # the picture saved with the page is copied into static/ and published
    tram = clipped.read("2026/01/05/council-backs-quay-street-tram-after-five-hour-hearing/"
                        "index.html")
    assert ('src="/clips/images/2026-01-05-council-backs-quay-street-tram-after-five-hour-'
            'hearing.jpg"') in tram
    assert (clipped.out / "images" / "2026-01-05-council-backs-quay-street-tram-after-five-"
            "hour-hearing.jpg").read_bytes()[:3] == b"\xff\xd8\xff"
    # feeds carry the caption and credit
    rss = clipped.read("topics/local/feed.xml")
    assert ("<media:description type=\"plain\">The Pine Island ferry waits at the county dock "
            "on a February morning.</media:description><media:credit>Teodor Lind/Lakeshore "
            "Public Radio</media:credit>") in rss
    parsed = feedparser.parse(rss)
    assert not parsed.bozo and parsed.entries
    data = json.loads(clipped.read("feed.json"))
    ferry = next(item for item in data["items"] if "ferry-crews" in item["url"])
    assert ferry["_image"] == {"caption": "The Pine Island ferry waits at the county dock on a "
                                          "February morning.",
                               "credit": "Teodor Lind/Lakeshore Public Radio"}
    assert ferry["external_url"] == ("https://www.lakeshore-radio.example/2026/03/10/"
                                     "ferry-crews-strike-vote")


def test_feeds_give_one_article_an_item(clipped: SiteDir) -> None:
    run = clipped.digest("import", str(FIXTURES / "wire-world.rss"),
                         str(FIXTURES / "blog-wrenhill.atom"), str(FIXTURES / "ledger-briefs.json"))
    assert run.exit_code == 0, run.errors
    assert len(run.output.splitlines()) == 9 and run.output.endswith("Imported 8 articles\n")
    assert "(item 3)" in run.output
    lisbon = clipped.root / "content/general/2026-02-02-lisbon-opens-its-first-floating-solar-farm-on-a-reservoir.md"
    fields, paragraphs = split(lisbon.read_text(encoding="utf-8"))
    assert fields == {
        "title": "Lisbon opens its first floating solar farm on a reservoir",
        "date": "2026-02-02T08:15:00+00:00", "topic": "General", "tags": ["Energy", "Portugal"],
        "author": "Tomás Reyes",
        "summary": "Twelve thousand panels now float on a reservoir north of the city.",
        "source": {"name": "Meridian Press: World",
                   "url": "https://meridianpress.example/world/lisbon-floating-solar"},
        "image": {"src": "https://img.meridianpress.example/2026/02/solar-reservoir.jpg",
                  "alt": "Rows of solar panels float on a reservoir near Lisbon.",
                  "caption": "Rows of solar panels float on a reservoir near Lisbon.",
                  "credit": "Rita Gomes/Meridian Press"},
        "note": "Jun Park contributed reporting."}
    assert paragraphs[0].startswith("LISBON, Portugal (Meridian) — Twelve thousand")
    assert paragraphs[-1].startswith("Environmental groups said they would watch")
    chile = next(clipped.root.rglob("2026-02-01-chiles-wine-harvest-*.md"))
    fields, paragraphs = split(chile.read_text(encoding="utf-8"))
    assert fields["date"] == "2026-02-01T19:40:00-03:00" and fields["author"] == "Ilse Varga"
    assert "- The harvest usually starts in mid-February.\n- Exports" in paragraphs[2]
    nairobi = next(clipped.root.rglob("2026-01-31-nairobi-*.md"))
    assert split(nairobi.read_text(encoding="utf-8"))[0]["source"]["url"] == \
        "https://meridianpress.example/world/nairobi-electric-buses"
    pear = next(clipped.root.rglob("2025-12-20-pruning-the-old-pear-tree.md"))
    fields, paragraphs = split(pear.read_text(encoding="utf-8"))
    assert fields["updated"] == "2025-12-21T10:30:00+00:00"
    assert fields["author"] == "Wren Okafor"  # the feed's author, for items naming none
    assert paragraphs[-1] == "If it flowers in April, I will count that as forgiveness."
    bees = next(clipped.root.rglob("2025-12-08-counting-the-bees-in-the-snow.md"))
    assert split(bees.read_text(encoding="utf-8"))[1][-1] == \
        "Hive five, the merged one, had the fewest. I am cautiously hopeful."
    rink = next(clipped.root.rglob("2026-02-18-harbor-skating-rink-*.md"))
    assert split(rink.read_text(encoding="utf-8"))[1] == [
        "The skating rink on the harbor front will stay open until March 1 because of the "
        "cold weather, the parks department said.", "Skate rental is free on weekday mornings."]
    clipped.build("--future")
    assert "Twelve thousand solar panels" in clipped.read(
        "2026/02/02/lisbon-opens-its-first-floating-solar-farm-on-a-reservoir/index.html")


def test_a_second_import_writes_nothing_and_says_where_each_story_is(clipped: SiteDir) -> None:
    first = clipped.digest("import", str(FIXTURES))
    before = sorted(p.relative_to(clipped.root) for p in clipped.root.rglob("*") if p.is_file())
    second = clipped.digest("import", str(FIXTURES))
    after = sorted(p.relative_to(clipped.root) for p in clipped.root.rglob("*") if p.is_file())
    assert before == after
    written = len([line for line in first.output.splitlines() if "  <- " in line])
    assert written == 20
    assert second.exit_code == 1  # the page without a date, the list of stories
    assert second.errors.splitlines()[-1] == (f"Imported 0 articles, skipped {written} already "
                                              "imported, refused 2")
    assert (f"{FIXTURES / 'radio-ferry.html'}: skipped: already imported as content/local/"
            "2026-03-10-ferry-crews-vote-to-strike-over-winter-schedule.md") in second.output


def test_the_same_story_at_another_address_or_with_other_chrome_is_a_duplicate(
        clipped: SiteDir) -> None:
    clipped.write({"content/world/mine.md": (
        "---\ntitle: Glacier\ndate: 2026-01-13\nsource: {name: M, url: "
        "'http://www.meridianpress.example/world/glacier-survey-bernina-2026/#top'}\n---\nMine.\n")})
    run = clipped.digest("import", str(FIXTURES / "wire-glacier.html"))
    assert run.exit_code == 0
    assert "skipped: already imported as content/world/mine.md" in run.output
    # the same text clipped with other chrome around it: the same body
    text = (FIXTURES / "blog-bread.txt").read_text(encoding="utf-8")
    clipped.write({"a.txt": text, "b.txt": "Menu\nSearch\n" + text.replace("Like Loading...\n", "")})
    run = clipped.digest("import", "a.txt", "b.txt")
    assert run.exit_code == 0
    assert "b.txt: skipped: already imported as content/general/2025-12-14-a-rye-loaf" in run.output


def test_nothing_is_overwritten_and_a_taken_url_gets_another_slug(clipped: SiteDir) -> None:
    mine = ("---\ntitle: Mine\ndate: 2026-03-10\n---\nA story of my own, on the same "
            "day with the same file name.\n")
    clipped.write({"content/local/2026-03-10-ferry-crews-vote-to-strike-over-winter-schedule.md": mine,
                   "content/world/x.md": "---\ntitle: X\ndate: 2026-01-13\nslug: swiss-glacier-"
                                         "lost-a-tenth-of-its-ice-in-one-summer-survey-finds\n"
                                         "---\nAnother story.\n"})
    run = clipped.digest("import", str(FIXTURES / "radio-ferry.html"),
                         str(FIXTURES / "wire-glacier.html"))
    assert run.exit_code == 0, run.errors
    assert (clipped.root / "content/local/2026-03-10-ferry-crews-vote-to-strike-over-winter-"
            "schedule.md").read_text(encoding="utf-8") == mine
    assert (clipped.root / "content/local/2026-03-10-ferry-crews-vote-to-strike-over-winter-"
            "schedule-2.md").is_file()
    assert (clipped.root / "content/world/2026-01-13-swiss-glacier-lost-a-tenth-of-its-ice-"
            "in-one-summer-survey-finds-2.md").is_file()
    clipped.build("--future")  # no two articles want one URL


def test_refused_sources_say_why_and_the_others_are_still_imported(clipped: SiteDir) -> None:
    run = clipped.digest("import", str(FIXTURES / "no-date.html"),
                         str(FIXTURES / "section-front.html"), str(FIXTURES / "radio-ferry.html"),
                         "missing.html", "https://")
    assert run.exit_code == 1
    errors = run.errors.splitlines()
    assert (f"{FIXTURES / 'no-date.html'}: no publication date found in it; give one with "
            "--date 2024-03-22 (or --date '2024-03-22 15:16')") in errors
    assert (f"{FIXTURES / 'section-front.html'}: no article text found in this page: is it a "
            "story, or a list of them?") in errors
    assert "missing.html: no such file or folder" in errors
    assert errors[-1] == "Imported 1 article, refused 4"
    assert "Traceback" not in run.errors
    assert len(list((clipped.root / "content").rglob("*.md"))) == 1
    # --date gives the page its day; the rest of it is read as before
    run = clipped.digest("import", "--date", "2026-02-03", str(FIXTURES / "no-date.html"))
    assert run.exit_code == 0, run.errors
    fields, paragraphs = split(next(clipped.root.rglob("*night-market*.md")).read_text("utf-8"))
    assert fields["date"] == "2026-02-03" and fields["author"] == "Petra Lund"
    assert fields["source"] == {"name": "Riverside Weekly",
                                "url": "https://riverside-weekly.example/news/night-market-returns"}
    assert paragraphs[-1].startswith("Stall applications open next month.")


def test_options_topic_tag_draft_and_dry_run(clipped: SiteDir) -> None:
    source = str(FIXTURES / "wire-glacier.html")
    run = clipped.digest("import", "--dry-run", "--topic", "local", source)
    assert run.exit_code == 0
    assert run.output.splitlines() == [
        f"content/local/2026-01-13-swiss-glacier-lost-a-tenth-of-its-ice-in-one-summer-survey-"
        f"finds.md  <- {source}", "Would import 1 article; nothing was written"]
    assert not list((clipped.root / "content").rglob("*.md"))
    run = clipped.digest("import", "--topic", "local", "--tag", "Alps", "--tag", "ice",
                         "--draft", source)
    assert run.exit_code == 0
    fields, _ = split(next(clipped.root.rglob("*.md")).read_text("utf-8"))
    assert (fields["topic"], fields["tags"], fields["draft"]) == ("Local", ["Alps", "ice"], "true")
    run = clipped.digest("import", "--date", "next Tuesday", source)
    assert run.exit_code == 1 and "--date: 'next Tuesday' is not a date" in run.errors


def test_strict_topics_keep_an_unknown_section_out(site: SiteDir) -> None:
    site.write({"site.yaml": "topics: [Local]\nstrict_topics: true\ndefault_topic: Local\n"})
    run = site.digest("import", str(FIXTURES / "wire-glacier.html"))
    assert run.exit_code == 0 and "content/local/" in run.output
    run = site.digest("import", "--topic", "Sport", str(FIXTURES / "radio-ferry.html"))
    assert run.exit_code == 1
    assert "--topic: unknown topic 'Sport'" in run.errors


def test_standard_input_is_a_text_clipping(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text("timezone: Europe/London\n", encoding="utf-8")
    text = (FIXTURES / "ledger-snowplows.txt").read_text(encoding="utf-8")
    done = subprocess.run([DIGEST, "import", "-"], input=text, cwd=tmp_path, text=True,
                          capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == ("content/general/2026-01-20-snow-plows-will-work-"
                                           "overnight-on-the-hill-streets-this-winter.md  <- -")


def test_standard_input_may_hold_a_page(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    done = subprocess.run([DIGEST, "import", "-"], cwd=tmp_path, capture_output=True,
                          input=(FIXTURES / "radio-ferry.html").read_bytes(), timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().startswith("content/local/2026-03-10-ferry-crews-vote-")


def test_a_plain_clipping_with_no_chrome_keeps_every_paragraph(clipped: SiteDir) -> None:
    clipped.write({"bare.txt": """
        Harbor pool reopens after repairs

        By Ana Ruiz
        June 3, 2026

        The pool reopened on Monday.

        Swimmers lined up before 7 a.m. to get in, and the lifeguards said the water was
        colder than anyone expected for June, since the heaters are not fixed yet.

        Lessons for children start next week.
        """})
    run = clipped.digest("import", "bare.txt")
    assert run.exit_code == 0, run.errors
    fields, paragraphs = split(next(clipped.root.rglob("*harbor-pool*.md")).read_text("utf-8"))
    assert (fields["title"], fields["date"], fields["author"]) == (
        "Harbor pool reopens after repairs", "2026-06-03", "Ana Ruiz")
    assert paragraphs[0] == "The pool reopened on Monday."  # short, but the story's
    assert paragraphs[-1] == "Lessons for children start next week."


def test_a_caption_given_once_before_a_dateline_is_not_the_story(clipped: SiteDir) -> None:
    clipped.write({"wire.txt": """
        Meridian Press
        World
        Dockers return to work at Baltic terminals after two-day strike
        By Ilse Varga
        Published 8:02 AM GMT, January 22, 2026
        Workers walk past stacked containers at the port on Thursday morning.
        GDANSK, Poland (Meridian) — Dockworkers at two Baltic container terminals returned to work on Thursday after a two-day strike over night-shift pay, and the first ships left the port by noon.
        The union said talks with the operators would resume next week.
        """})
    run = clipped.digest("import", "wire.txt")
    assert run.exit_code == 0, run.errors
    fields, paragraphs = split(next(clipped.root.rglob("*dockers-return*.md")).read_text("utf-8"))
    assert (fields["topic"], fields["date"]) == ("World", "2026-01-22T08:02:00+00:00")
    assert paragraphs[0].startswith("GDANSK, Poland (Meridian) — Dockworkers")
    assert paragraphs[-1] == "The union said talks with the operators would resume next week."
    assert "Workers walk past" not in "\n".join(paragraphs)


# URLs, over real HTTP on 127.0.0.1

class _Pages(http.server.BaseHTTPRequestHandler):
    pages: dict[str, tuple[int, str, bytes]] = {}

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        status, kind, body = self.pages.get(self.path, (404, "text/plain", b"not here"))
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def web():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def test_a_url_is_fetched_and_imported(clipped: SiteDir, web: str) -> None:
    _Pages.pages = {
        "/story": (200, "text/html; charset=utf-8", (FIXTURES / "radio-ferry.html").read_bytes()),
        "/feed": (200, "application/rss+xml", (FIXTURES / "wire-world.rss").read_bytes()),
        "/big": (200, "text/html", b"<p>" + b"x" * 10_000_001),
    }
    run = clipped.digest("import", f"{web}/story", f"{web}/feed", f"{web}/gone", f"{web}/big")
    assert run.exit_code == 1
    assert f"content/local/2026-03-10-ferry-crews-vote-to-strike-over-winter-schedule.md  <- {web}/story" \
        in run.output
    assert f"{web}/feed (item 3)" in run.output
    assert f"{web}/gone: the server answered 404 Not Found" in run.errors
    assert f"{web}/big: the page is larger than 10 MB: not a news story" in run.errors
    assert run.errors.splitlines()[-1] == "Imported 4 articles, refused 2"
    clipped.build("--future")


def test_offline_and_silent_servers_give_clear_messages(clipped: SiteDir) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    run = clipped.digest("import", f"http://127.0.0.1:{port}/story")
    assert run.exit_code == 1
    assert run.errors.startswith(f"http://127.0.0.1:{port}/story: cannot connect (")
    assert "are you offline? Save the page in a browser and import the file instead" in run.errors
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/story"
        with pytest.raises(Refused, match=r"no answer within 0\.3 s; try again, or save the page"):
            fetch(url, timeout=0.3)


# Dates and slugs

NEWSROOM_ZONES = sorted(set(ZONES) - {"UK"})


@settings(max_examples=300, deadline=None)
@given(moment=st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2099, 12, 31)),
       zone=st.sampled_from(NEWSROOM_ZONES), style=st.integers(0, 2))
def test_a_zone_abbreviation_gives_the_offset_in_force_on_that_day(
        moment: datetime, zone: str, style: int) -> None:
    moment = moment.replace(second=0, microsecond=0, fold=0)
    hour = moment.hour % 12 or 12
    half = "AM" if moment.hour < 12 else "PM"
    text = [f"Updated {moment:%B} {moment.day}, {moment.year} at {hour}:{moment:%M} {half} {zone}",
            f"{moment.day} {moment:%b} {moment.year} {moment:%H:%M} {zone}",
            f"Published {hour}:{moment:%M} {half.lower()} {zone}, {moment:%A} {moment:%B} "
            f"{moment.day}, {moment.year}"][style]
    found = find_moment(text)
    assert found is not None and found.has_time, text
    expected = moment.replace(tzinfo=ZoneInfo(ZONES[zone]))
    assert found.when.replace(tzinfo=None) == moment
    assert found.when.utcoffset() == expected.utcoffset(), text


def test_eastern_time_switches_on_the_day_summer_time_starts() -> None:
    before = find_moment("March 7, 2026 at 11:00 PM ET").when
    after = find_moment("Updated March 10, 2026 at 4:12 PM ET").when
    winter = find_moment("January 11, 2026, 9:14 AM EDT").when  # written out of habit
    assert before.utcoffset() == timedelta(hours=-5) and after.utcoffset() == timedelta(hours=-4)
    assert winter.utcoffset() == timedelta(hours=-5)
    assert find_moment("10 July 2026 14:30 GMT").when.utcoffset() == timedelta(0)
    assert find_moment("10 July 2026 14:30 BST").when.utcoffset() == timedelta(hours=1)
    assert find_moment("12:30 GMT+1 on 3 June 2026").when == datetime(
        2026, 6, 3, 12, 30, tzinfo=timezone(timedelta(hours=1)))
    assert find_moment("Posted on 14 December 2025 by Wren").when == datetime(2025, 12, 14)
    assert find_moment("In May 2026 the mayor said") is None


@settings(max_examples=200, deadline=None)
@given(title=st.text(min_size=1, max_size=300))
def test_any_headline_gives_a_file_name_digest_accepts(title: str) -> None:
    from digest.importer import _slug

    slug = _slug(title)
    assert is_valid_slug(slug) and len(slug) <= 80


def test_a_saved_page_folder_imports_the_page_and_not_its_resources(clipped: SiteDir) -> None:
    folder = clipped.root / "saved"
    shutil.copytree(FIXTURES / "ledger-tram", folder)
    run = clipped.digest("import", "saved")
    assert run.exit_code == 0, run.errors
    assert run.output.splitlines()[-1] == "Imported 1 article"


def test_the_imported_site_passes_the_nu_html_checker_and_warns_of_nothing(
        clipped: SiteDir) -> None:
    import os

    from test_published_site import VNU_JAR

    clipped.digest("import", str(FIXTURES))
    run = clipped.build("--future")
    assert run.errors == ""  # no warning about any imported article
    if not VNU_JAR.is_file() or not shutil.which("java"):
        assert not os.environ.get("CI"), "the Nu Html Checker is missing; .ci/run installs it"
        pytest.skip("the Nu Html Checker is not installed (.ci/run installs it)")
    result = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--format", "json", "--skip-non-html", str(clipped.out)],
        capture_output=True, text=True, timeout=300)
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    problems = [f"{m.get('url')}:{m.get('lastLine')}: {m['message']}" for m in messages
                if m["type"] == "error" or m.get("subType") == "warning"]
    assert problems == []


LINES = st.lists(st.one_of(
    st.text(max_size=80), st.sampled_from([
        "By Ana Ruiz and Jun Park", "Updated March 10, 2026 at 4:12 PM ET", "Share", "©",
        "HARBOR CITY — The council met on Monday and voted to close the old pier for repairs.",
        "Ana Ruiz is a reporter.", "- a bullet", "Related", "Photo: X/Y", "", "___"])),
    max_size=30).map("\n".join)


@settings(max_examples=150, deadline=None)
@given(text=LINES)
def test_any_text_clipping_gives_a_story_or_a_reason(text: str) -> None:
    from digest.importer.text import read_text

    try:
        clip = read_text(text, "x.txt")
    except Refused as err:
        assert err.message
    else:
        assert clip.title and clip.body.strip()


@settings(max_examples=60, deadline=None)
@given(body=LINES, wrapper=st.sampled_from(["<article>{}</article>", "<div>{}</div>", "{}"]))
def test_any_page_gives_a_story_or_a_reason(body: str, wrapper: str) -> None:
    from html import escape

    from digest.importer.sources import Input, read_input

    paragraphs = "".join(f"<p>{escape(line)}</p>" for line in body.split("\n"))
    page = f"<html><head><title>T</title></head><body>{wrapper.format(paragraphs)}</body></html>"
    for found in read_input(Input("x.html", page, "html")):
        assert isinstance(found, Refused) and found.message or found.body.strip()


def test_a_saved_page_never_copies_a_file_from_outside_its_folder(clipped: SiteDir) -> None:
    page = (FIXTURES / "radio-ferry.html").read_text("utf-8")
    page = re.sub(r'<meta property="og:image"[^>]*>', "", page).replace(
        "https://media.lakeshore-radio.example/ferry-dock-800.jpg", "../secret.jpg")
    clipped.write({"secret.jpg": b"\xff\xd8\xff private", "saved/ferry.html": page})
    run = clipped.digest("import", "saved/ferry.html")
    assert run.exit_code == 0, run.errors
    assert not (clipped.root / "static").exists()
    # the picture is left where the page's address says it is
    assert 'image: {src: "https://www.lakeshore-radio.example/2026/03/secret.jpg"' in \
        next(clipped.root.rglob("*ferry-crews*.md")).read_text("utf-8")


def test_an_image_may_have_a_caption_or_a_credit_alone(site: SiteDir) -> None:
    from conftest import article

    site.write({
        "content/a.md": article("Credit only", "2025-06-01T10:00:00Z",
                                image="{src: /img/a.jpg, alt: A pier, credit: Ana Ruiz}"),
        "content/b.md": article("Caption only", "2025-06-02T10:00:00Z",
                                image="{src: /img/b.jpg, alt: A pier, caption: The pier.}"),
        "content/c.md": article("Neither", "2025-06-03T10:00:00Z",
                                image="{src: /img/c.jpg, alt: A pier}")})
    site.build()
    assert ('<figure><img src="/img/a.jpg" alt="A pier"><figcaption><span class="credit">Ana '
            'Ruiz</span></figcaption></figure>') in site.read("2025/06/01/a/index.html")
    assert ('<figure><img src="/img/b.jpg" alt="A pier"><figcaption>The pier.</figcaption>'
            '</figure>') in site.read("2025/06/02/b/index.html")
    assert '<figure><img src="/img/c.jpg" alt="A pier"></figure>' in \
        site.read("2025/06/03/c/index.html")
    data = json.loads(site.read("feed.json"))
    assert [item.get("_image") for item in data["items"]] == [
        None, {"caption": "The pier."}, {"credit": "Ana Ruiz"}]


def test_a_caption_that_is_not_text_is_an_error_at_its_line(site: SiteDir) -> None:
    from conftest import front

    site.write({"content/a.md": front("image: {src: /a.jpg, alt: A, caption: [1, 2]}")})
    run = site.digest("build")
    assert run.exit_code == 1
    assert "content/a.md:4: image: caption: expected text, found a list" in run.errors


def test_without_the_import_extra_the_command_says_what_to_install(
        clipped: SiteDir, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "trafilatura", None)  # as if never installed
    run = clipped.digest("import", str(FIXTURES / "radio-ferry.html"))
    assert run.exit_code == 1
    assert ("digest import: needs trafilatura, which digest installs only when asked: pip "
            "install 'digest[import]'") in run.errors.splitlines()
