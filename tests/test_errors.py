"""Bad input as data: each case, the exact message it must give, exit 1, output untouched."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import SiteDir, article, assert_refused_and_untouched

GOOD = {"content/good.md": article("Good article")}

# name: (files to add to a good site, the line that must appear on stderr)
CASES: dict[str, tuple[dict[str, str | bytes], str]] = {
    "no front matter": (
        {"content/bad.md": "Just text.\n"},
        "content/bad.md:1: missing front matter: an article starts with a line '---', "
        "then title: and date:, then '---'"),
    "unclosed front matter": (
        {"content/bad.md": "---\ntitle: x\ndate: 2025-01-01\n"},
        "content/bad.md:1: front matter is not closed: add a line '---' after it"),
    "bad yaml, with the file's line": (
        {"content/bad.md": "---\ntitle: fine\ndate: 2025-01-01\ntags: [a, b\n---\nx\n"},
        "content/bad.md:5: invalid YAML: did not find expected ',' or ']'"),
    "yaml tab indentation": (
        {"content/bad.md": "---\ntitle: x\n\tdate: 2025-01-01\n---\n"},
        "content/bad.md:3: invalid YAML: found a tab character that violates indentation"),
    "missing title": (
        {"content/bad.md": "---\ndate: 2025-01-01\n---\nx\n"},
        "content/bad.md:1: missing title: add 'title: ...' to the front matter"),
    "missing date": (
        {"content/bad.md": "---\ntitle: x\n---\nx\n"},
        "content/bad.md:1: missing date: add 'date: 2024-03-22T15:16:00-04:00'"),
    "unparseable date": (
        {"content/bad.md": "---\ntitle: x\ndate: next Tuesday\n---\n"},
        "content/bad.md:3: date: 'next Tuesday' is not a date: write 2024-03-22, "
        "2024-03-22 15:16 or 2024-03-22T15:16:00-04:00"),
    "impossible date": (
        {"content/bad.md": "---\ntitle: x\ndate: 2025-02-30\n---\n"},
        "content/bad.md:3: date: '2025-02-30' is not a real date or time "
        "(day is out of range for month)"),
    "not utf-8": (
        {"content/bad.md": b"---\ntitle: caf\xe9\ndate: 2025-01-01\n---\n"},
        "content/bad.md:2: not UTF-8 text: save the file as UTF-8 (bad byte 0xe9)"),
    "front matter is a list": (
        {"content/bad.md": "---\n- title\n- date\n---\n"},
        "content/bad.md:2: expected a mapping of keys to values, found a list"),
    "title of the wrong type": (
        {"content/bad.md": "---\ntitle: [a, b]\ndate: 2025-01-01\n---\n"},
        "content/bad.md:2: title: expected text, found a list"),
    "draft of the wrong type": (
        {"content/bad.md": "---\ntitle: x\ndate: 2025-01-01\ndraft: maybe\n---\n"},
        "content/bad.md:4: draft: expected true or false, found text"),
    "tags of the wrong type": (
        {"content/bad.md": "---\ntitle: x\ndate: 2025-01-01\ntags: [{a: 1}]\n---\n"},
        "content/bad.md:4: tags: expected a list of names, found a mapping in it"),
    "source that is not a URL": (
        {"content/bad.md": "---\ntitle: x\ndate: 2025-01-01\nsource: {name: W, url: nope}\n---\n"},
        "content/bad.md:4: source: 'nope' is not an absolute http(s) URL"),
    "image without alt text": (
        {"content/bad.md": "---\ntitle: x\ndate: 2025-01-01\nimage: {src: /a.jpg}\n---\n"},
        "content/bad.md:4: image: add alt: text that says what the image shows, "
        "for readers who cannot see it"),
    "misspelt key": (
        {"content/bad.md": "---\ntitle: x\ndate: 2025-01-01\nsumary: y\n---\n"},
        "content/bad.md:4: unknown key 'sumary' (did you mean 'summary'?)"),
    "two articles want one URL": (
        {"content/a/same.md": article("One", "2025-01-01"),
         "content/b/same.md": article("Two", "2025-01-01")},
        "content/b/same.md:1: this article's URL /2025/01/01/same/ is already taken by "
        "content/a/same.md; give one of them another slug"),
    "slug that leaves the output folder": (
        {"content/bad.md": "---\ntitle: x\ndate: 2025-01-01\nslug: ../../../etc\n---\n"},
        "content/bad.md:4: slug: '../../../etc' would leave the output folder; "
        "a slug is letters, digits and hyphens"),
    "slug that is not a slug": (
        {"content/bad.md": "---\ntitle: x\ndate: 2025-01-01\nslug: Big News!\n---\n"},
        "content/bad.md:4: slug: 'Big News!' is not a slug (did you mean 'big-news'?)"),
    "yaml alias bomb": (
        {"content/bad.md": "---\ntitle: x\ndate: 2025-01-01\na: &a [x, x, x, x, x, x, x, x]\n"
         + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n"
                   for i in range(9)) + "---\n"},
        "content/bad.md:4: YAML anchors and aliases (&, *) are not allowed here"),
    "unknown topic under strict_topics": (
        {"site.yaml": "strict_topics: true\ntopics: [World, Science]\n",
         "content/bad.md": "---\ntitle: x\ndate: 2025-01-01\ntopic: Wrold\n---\n"},
        "content/bad.md:4: topic: unknown topic 'Wrold' (did you mean 'World'?); "
        "strict_topics allows only the topics of site.yaml"),
    "broken template syntax": (
        {"layouts/article.html": "{% extends 'base.html' %}\n{% block content %}\n"
                                 "{{ article.title }\n{% endblock %}\n"},
        "layouts/article.html:3: template error: unexpected '}'"),
    "template naming an unknown value": (
        {"layouts/tags.html": "{% extends 'base.html' %}\n{% block content %}\n\n"
                              "{{ tags.nothing_here }}\n{% endblock %}\n"},
        "layouts/tags.html:4: template error: 'tuple object' has no attribute 'nothing_here'"),
    "unknown site.yaml key": (
        {"site.yaml": "title: x\ntitel: y\n"},
        "site.yaml:2: unknown key 'titel' (did you mean 'title'?)"),
    "site.yaml wrong type": (
        {"site.yaml": "page_size: ten\n"},
        "site.yaml:1: page_size: expected a number, found text"),
    "site.yaml bad timezone": (
        {"site.yaml": "timezone: Europe/Pariss\n"},
        "site.yaml:1: timezone: unknown timezone 'Europe/Pariss' (did you mean 'Europe/Paris'?)"),
    "site.yaml bad base_url": (
        {"site.yaml": "base_url: example.org/news\n"},
        "site.yaml:1: base_url: 'example.org/news/' is not an absolute http(s) URL such as "
        "https://example.org/news/"),
    "site.yaml bad feeds.content": (
        {"site.yaml": "title: x\nfeeds:\n  content: everything\n"},
        "site.yaml:2: feeds.content: 'everything' is not one of: full, summary"),
    "site.yaml unknown feeds key": (
        {"site.yaml": "feeds: {contents: full}\n"},
        "site.yaml:1: unknown key 'feeds.contents' (did you mean 'content'?)"),
    "site.yaml not a mapping": (
        {"site.yaml": "just a sentence\n"},
        "site.yaml:1: expected a mapping of keys to values, found 'just a sentence'"),
    "static file in a page's place": (
        {"static/feed.xml": "<rss/>"},
        "static/feed.xml: has the same path as a file digest writes; rename or remove it"),
}


@pytest.mark.parametrize("name", CASES)
def test_bad_input_gives_its_message_and_keeps_the_previous_output(site: SiteDir,
                                                                    name: str) -> None:
    files, message = CASES[name]
    assert_refused_and_untouched(site, GOOD, files, message)
    assert sorted(p.name for p in site.root.iterdir()) == sorted(
        {"_site", "content", ".digest-cache", *(p.split("/")[0] for p in files)})


def test_every_problem_is_reported_at_once(site: SiteDir) -> None:
    site.write({"content/a.md": "no front matter",
                "content/b.md": "---\ntitle: x\n---\n",
                "content/c.md": "---\ndate: 2025-01-01\ntitle: ok\ndraft: 3\n---\n"})
    run = site.digest("build")
    assert run.exit_code == 1
    lines = run.errors.splitlines()
    assert [line.split(":")[0] for line in lines[:3]] == [
        "content/a.md", "content/b.md", "content/c.md"]
    assert lines[-1] == "digest: 3 problems; nothing was written"


def test_check_reports_problems_and_writes_nothing(site: SiteDir) -> None:
    site.write({"content/a.md": article()})
    assert site.digest("check").exit_code == 0
    assert not site.out.exists()
    site.write({"content/b.md": "---\ntitle: x\n---\n"})
    run = site.digest("check")
    assert run.exit_code == 1 and "content/b.md:1: missing date" in run.errors
    assert not site.out.exists()


@pytest.mark.parametrize("output, message", [
    (".", "the output folder is the project folder or contains it"),
    ("..", "the output folder is the project folder or contains it"),
    ("content/out", "the output folder must not be inside content/"),
])
def test_dangerous_output_folders_are_refused(site: SiteDir, output: str, message: str) -> None:
    site.write(GOOD)
    run = site.digest("build", "--output", output)
    assert run.exit_code == 1 and message in run.errors
    assert (site.root / "content/good.md").is_file()


def test_an_output_folder_digest_did_not_write_is_left_alone(site: SiteDir) -> None:
    site.write({**GOOD, "_site/precious.txt": "mine"})
    run = site.digest("build")
    assert run.exit_code == 1
    assert "_site: the output folder was not written by digest" in run.errors
    assert (site.out / "precious.txt").read_text() == "mine"


def test_a_project_as_output_folder_is_refused(site: SiteDir) -> None:
    site.write({**GOOD, "other/site.yaml": "title: other\n", "other/content/x.md": "x"})
    run = site.digest("build", "--output", "other")
    assert run.exit_code == 1 and "the output folder holds content" in run.errors
    assert (site.root / "other/content/x.md").read_text() == "x"


def test_a_file_added_to_the_output_is_never_deleted(site: SiteDir) -> None:
    site.write(GOOD)
    site.build()
    (site.out / "mine.txt").write_text("keep me")
    run = site.digest("build")
    assert run.exit_code == 1
    assert "files not written by digest are in the output folder: mine.txt" in run.errors
    assert (site.out / "mine.txt").read_text() == "keep me"


def test_site_yaml_output_outside_the_project_is_refused_but_the_flag_may(
        site: SiteDir, tmp_path: Path) -> None:
    site.write({**GOOD, "site.yaml": "output: ../elsewhere\n"})
    run = site.digest("build")
    assert run.exit_code == 1
    assert ("site.yaml:1: output: '../elsewhere' is outside the project; name a folder "
            "inside it, or use --output") in run.errors
    site.write({"site.yaml": "title: x\n"})
    assert site.digest("build", "--output", str(tmp_path / "chosen")).exit_code == 0
    assert (tmp_path / "chosen/index.html").is_file()
