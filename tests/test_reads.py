"""What the theme's templates read of their data (digest/reuse/reads.py): rendered with only
what the readers say they read, each page must come out the very same; an edit renders again
only the pages that show it; and a site with templates of its own is known by whole data."""

from __future__ import annotations

import shutil
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from conftest import SiteDir
from digest.build import Options, build
from digest.pages import parts, plan_pages, plan_part
from digest.project import Project
from digest.render import make_environment, render
from digest.reuse import reads, rendering

sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
from corpus import write_corpus  # noqa: E402

NOW = datetime(2027, 1, 1, tzinfo=timezone.utc)


class Read:
    """Stands for a value of which a template may read these fields alone: any other is
    undefined, which the theme's strict templates refuse."""

    def __init__(self, fields: dict) -> None:
        self._fields = fields

    def __getattr__(self, name: str):
        try:
            return self.__dict__["_fields"][name]
        except KeyError:
            raise AttributeError(name) from None


class Length:
    """Stands for a sequence of which only the length may be read."""

    def __init__(self, count: int) -> None:
        self.count = count

    def __len__(self) -> int:
        return self.count

    def __iter__(self):
        raise AssertionError("the template reads the items, not only how many there are")


def standing_for(value):
    """What a reader returned, as values a template can be given."""
    if isinstance(value, dict):
        return Read({name: standing_for(item) for name, item in value.items()})
    if isinstance(value, list):
        return [standing_for(item) for item in value]
    if isinstance(value, reads.Sized):
        return Length(value.count)
    return value


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("reads")
    write_corpus(root, 160)
    return root


def test_each_template_renders_the_same_from_what_its_readers_say_it_reads(
        corpus: Path) -> None:
    project = Project.at(corpus / "site.yaml")
    config = project.read_config()
    site = build(project, config, Options(), NOW, write=False).site
    environment = make_environment(project.layouts, config, project.root)
    common = {"theme_css": f"{config.base_path}theme.css", "favicon": None}
    tried: set[tuple[str, str]] = set()
    for page in plan_pages(site, config, NOW.date()):
        readers = reads.PAGES.get(page.template)
        if readers is None:
            continue
        context = {**common, **page.context, "page": page}
        whole = render(environment, page.template, context)
        for name, reader in readers.items():
            read = reader(page.context[name])
            if read is None or read == []:
                continue
            alone = render(environment, page.template,
                           {**context, name: standing_for(read)})
            assert alone == whole, (page.output, name)
            tried.add((page.template, name))
    # every reader was tried on a value that is there
    assert tried == {(template, name) for template, readers in reads.PAGES.items()
                     for name in readers}


def test_a_part_s_values_are_read_as_its_page_s_data(corpus: Path) -> None:
    """read_part reads each value of a part as the template reads the page's data."""
    project = Project.at(corpus / "site.yaml")
    config = project.read_config()
    site = build(project, config, Options(), NOW, write=False).site
    kinds = set()
    for part in parts(site, NOW.date()):
        known = reads.PARTS.get(part[0])
        if known is None:
            continue
        template, names = known
        (page,) = plan_part(part, config)
        assert page.template == template
        for place, name in names.items():
            assert page.context[name] is part[place]
        assert reads.read_part(part) != part
        kinds.add(part[0])
    assert kinds == set(reads.PARTS)


def rendered_templates(monkeypatch) -> list[str]:
    """The templates of the pages rendered from now on, in this process."""
    seen: list[str] = []
    real = rendering.render

    def counted(environment, template, context):
        seen.append(template)
        return real(environment, template, context)

    monkeypatch.setattr(rendering, "render", counted)
    monkeypatch.setenv("DIGEST_WORKERS", "1")
    return seen


def test_a_title_edit_renders_only_the_pages_that_show_the_title(
        corpus: Path, tmp_path: Path, monkeypatch) -> None:
    root = tmp_path / "site"
    shutil.copytree(corpus, root)
    project = Project.at(root / "site.yaml")
    build(project, project.read_config(), Options(), NOW)
    seen = rendered_templates(monkeypatch)
    path = sorted((root / "content").rglob("*.md"))[40]
    text = path.read_text("utf-8")
    head, _, rest = text.partition("\ntitle: ")
    path.write_text(f"{head}\ntitle: A headline that changed\n{rest.partition(chr(10))[2]}",
                    "utf-8")
    build(project, project.read_config(), Options(), NOW)
    # its page and the two beside it in its topic, its day, its month, its topic's listing
    # and its tags': not the days and months beside its own, the archive, the year, nor
    # the indexes of topics and tags, which show only dates and counts
    assert seen.count("article.html") == 3
    assert seen.count("day.html") == 1
    assert seen.count("month.html") == 1
    for template in ("archive.html", "year.html", "topics.html", "tags.html"):
        assert template not in seen, template
    assert SiteDir(root).read(f"{path_of(root, path)}index.html").count(
        "A headline that changed") >= 1


def path_of(root: Path, source: Path) -> str:
    """The output folder of an article, from its file: the build's manifest knows it."""
    for name in (root / "_site").rglob("index.html"):
        if f"/{source.stem}/" in name.as_posix():
            return name.relative_to(root / "_site").as_posix().removesuffix("index.html")
    raise AssertionError(f"no page for {source}")


def test_a_site_with_templates_of_its_own_is_known_by_whole_data(
        corpus: Path, tmp_path: Path, monkeypatch) -> None:
    """A day.html of the site's shows how many articles the day before has: a new article
    on that day must change the next day's page, which the theme's day.html would not."""
    root = tmp_path / "site"
    shutil.copytree(corpus, root)
    (root / "layouts").mkdir()
    (root / "layouts/day.html").write_text(
        "{% extends 'base.html' %}{% block content %}<h1>{{ page.title }}</h1>"
        "{% if older %}<p id='older'>{{ older.count }} the day before</p>{% endif %}"
        "{% endblock %}", "utf-8")
    site = SiteDir(root)
    site.build()
    days = sorted((root / "_site").glob("2025/*/*/index.html"))
    older, newer = days[3], days[4]
    before = newer.read_text("utf-8")
    count = int(before.split("<p id='older'>")[1].split(" ")[0])
    day = "-".join(older.parent.relative_to(root / "_site").parts)
    (root / "content/one-more.md").write_text(
        f"---\ntitle: One more\ndate: {day}T10:00:00+01:00\ntopic: Health\n---\nText.\n",
        "utf-8")
    site.build()
    assert f"<p id='older'>{count + 1} the day before" in newer.read_text("utf-8")
