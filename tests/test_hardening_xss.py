"""Hostile article text is harmless to readers, with the default settings.

Classic cross-site scripting payloads go into every field an article has; then every file
the build writes is read the way its readers read it (HTML as a browser parses it, feeds
as XML and the HTML they carry, JSON Feed and JSON-LD as JSON) and must hold no script,
event handler, javascript:/data: URL, iframe, style element or other active content.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import html5lib
import pytest
import yaml

from conftest import SiteDir

PAYLOADS = [
    "<script>alert(1)</script>",
    "\"><script>alert(1)</script>",
    "'><img src=x onerror=alert(1)>",
    "</script><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "<svg onload=alert(1)>",
    "<iframe src=\"javascript:alert(1)\"></iframe>",
    "<style>body{display:none}</style>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
    "<img src=\"data:image/svg+xml,<svg onload=alert(1)>\">",
    "javascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "]]><script>alert(1)</script><![CDATA[",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<!--<script>alert(1)</script>-->",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<object data=\"javascript:alert(1)\"></object><embed src=\"javascript:alert(1)\">",
    "<base href=\"javascript:/\"><meta http-equiv=\"refresh\" content=\"0;url=javascript:1\">",
    "<form action=\"javascript:alert(1)\"><button formaction=javascript:alert(1)>x</button>",
    "\u2028\u2029</script>\u2028<script>alert(1)</script>",
    "{{ 7*7 }}{% raw %}<script>alert(1)</script>",
]

BODY = """\
{payload}

[a link](javascript:alert(1)) [another](JaVaScRiPt:alert(1)) [data](data:text/html,x)
![an image](javascript:alert(1)) <javascript:alert(1)> [ref][r]

A paragraph with attributes.
{{: onclick="alert(1)" style="color:red" }}

| a | b |
|:--|--:|
| {payload} | x |

<div onmouseover="alert(1)" style="position:fixed">{payload}</div>

[r]: javascript:alert(1) "title"
"""

ACTIVE_ELEMENTS = {"script", "iframe", "frame", "frameset", "style", "object", "embed",
                   "base", "form", "button", "applet", "link", "meta"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "poster", "srcset",
                  "background", "xlink:href", "cite", "content"}


def article_text(index: int, payload: str) -> str:
    fields = {
        "title": f"T{index} {payload}",
        "date": f"2025-06-{1 + index % 28:02d}T10:00:00Z",
        "topic": f"Topic {index} {payload}",
        "tags": [f"t{index} {payload}", f"u{index} {payload}"],
        "authors": [f"A{index} {payload}", f"B{index} {payload}"],
        "summary": f"S{index} {payload}",
        "source": {"name": f"N{index} {payload}",
                   "url": f"https://example.org/{index}?q={payload}#{payload}"},
        "image": {"src": f"https://example.org/{index}.png?{payload}", "alt": f"I {payload}"},
        "extra": payload,
    }
    return f"---\n{yaml.safe_dump(fields, allow_unicode=True)}---\n" + \
        BODY.format(payload=payload)


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    site = SiteDir(tmp_path_factory.mktemp("xss") / "site")
    files: dict[str, str] = {f"content/xss-{i}.md": article_text(i, payload)
                             for i, payload in enumerate(PAYLOADS)}
    files["content/plain.md"] = "---\ntitle: Plain\ndate: 2025-06-30\n---\nNothing here.\n"
    site.write(files)
    site.build()
    return site.out


def outputs(folder: Path, *suffixes: str) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name.endswith(suffixes))


def active_content(html: str, where: str, document: bool = True) -> list[str]:
    """Everything in `html` that could run or restyle, as a browser would parse it."""
    parse = html5lib.parse if document else html5lib.parseFragment
    tree = parse(html, treebuilder="etree", namespaceHTMLElements=False)
    found = []
    search_forms = 0
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue  # a comment
        name = element.tag.rsplit("}", 1)[-1].lower()
        if name == "script" and element.get("type") == "application/ld+json":
            json.loads(element.text or "")  # still one JSON value: nothing broke out
            continue
        if name == "script" and document and re.fullmatch(
                r"/([^/]+/)*(share|search/search)\.js", element.get("src", "")) \
                and not (element.text or "").strip():
            continue  # the theme's own scripts (share link, search), from the site itself
        if name == "form" and document and element.get("role") == "search" \
                and element.get("class") == "find" and "action" not in element.attrib:
            search_forms += 1  # the theme's search box: its one button submits it
            continue
        if name == "button" and search_forms and element.get("type") == "submit" \
                and not set(element.attrib) - {"type"}:
            search_forms -= 1
            continue
        if name == "link" and element.get("rel") in ("stylesheet", "alternate", "canonical",
                                                     "icon", "mainEntityOfPage"):
            continue
        if name == "meta" and "http-equiv" not in element.attrib:
            continue
        if name in ACTIVE_ELEMENTS:
            found.append(f"{where}: <{name}>")
        for attribute, value in element.attrib.items():
            attribute = attribute.rsplit("}", 1)[-1].lower()
            plain = re.sub(r"[\x00-\x20]", "", value).lower()
            if attribute.startswith("on"):
                found.append(f"{where}: <{name} {attribute}>")
            elif attribute in URL_ATTRIBUTES and plain.startswith(
                    ("javascript:", "data:", "vbscript:")):
                found.append(f"{where}: <{name} {attribute}={value[:40]!r}>")
            elif attribute == "style" and not re.fullmatch(r"text-align:\s*\w+;?", value):
                found.append(f"{where}: <{name} style={value[:40]!r}>")
    return found


def test_pages_hold_no_active_content(hostile_site: Path) -> None:
    pages = outputs(hostile_site, ".html")
    assert len(pages) > 100
    found = [item for page in pages
             for item in active_content(page.read_text("utf-8"), page.name)]
    assert found == []


def test_each_payload_reaches_the_page_as_text(hostile_site: Path) -> None:
    page = next(hostile_site.rglob("xss-0/index.html")).read_text("utf-8")
    tree = html5lib.parse(page, treebuilder="etree", namespaceHTMLElements=False)
    assert tree.find(".//h1").text == f"T0 {PAYLOADS[0]}"


def test_json_ld_stays_one_script_and_one_value(hostile_site: Path) -> None:
    for page in outputs(hostile_site, ".html"):
        text = page.read_text("utf-8")
        if "application/ld+json" not in text:
            continue
        block = text.split('<script type="application/ld+json">', 1)[1].split("</script>")[0]
        data = json.loads(block)
        assert "<" not in block and data["@type"] == "NewsArticle"


HTML_IN_XML = {"{http://purl.org/rss/1.0/modules/content/}encoded", "description",
               "{http://www.w3.org/2005/Atom}content"}


def test_feeds_and_sitemaps_are_well_formed_and_their_html_is_inert(hostile_site: Path) -> None:
    found = []
    files = outputs(hostile_site, ".xml")
    assert len(files) > 10
    for path in files:
        root = ET.parse(path).getroot()  # well-formed, whatever the titles held
        for element in root.iter():
            if element.tag == "{http://www.w3.org/2005/Atom}summary":
                assert element.get("type", "text") == "text"
            if element.tag in HTML_IN_XML and element.text and (
                    element.tag != "{http://www.w3.org/2005/Atom}content"
                    or element.get("type") == "html"):
                found += active_content(element.text, f"{path.name} {element.tag}",
                                        document=False)
    assert found == []


def test_json_feeds_parse_and_their_html_is_inert(hostile_site: Path) -> None:
    found = []
    files = outputs(hostile_site, "feed.json")
    assert len(files) > 10
    for path in files:
        feed = json.loads(path.read_text("utf-8"))
        for item in feed["items"]:
            found += active_content(item.get("content_html", ""), path.name, document=False)
            for key in ("url", "external_url", "image"):
                assert not item.get(key, "https:").lower().startswith(("javascript:", "data:"))
    assert found == []


def test_unsafe_values_in_urls_are_refused_not_published(tmp_path: Path) -> None:
    site = SiteDir(tmp_path / "site")
    site.write({
        "content/a.md": "---\ntitle: A\ndate: 2025-01-01\nsource: {name: x, url: "
                        "'javascript:alert(1)'}\n---\n",
        "content/b.md": "---\ntitle: B\ndate: 2025-01-01\nimage: {src: 'javascript:alert(1)',"
                        " alt: x}\n---\n",
        "content/c.md": "---\ntitle: C\ndate: 2025-01-01\nimage: {src: 'data:image/png;base64,"
                        "AAAA', alt: x}\n---\n",
        "content/d.md": "---\ntitle: D\ndate: 2025-01-01\nimage: {src: '//evil.example/x.png',"
                        " alt: x}\n---\n",
    })
    run = site.digest("build")
    assert run.exit_code == 1
    assert len([line for line in run.errors.splitlines() if line.startswith("content/")]) == 4


def test_the_checks_see_what_unsafe_html_lets_through(tmp_path: Path) -> None:
    """The same payloads with `markdown: {unsafe_html: true}`: proof the checks can fail."""
    site = SiteDir(tmp_path / "site")
    site.write({"site.yaml": "markdown: {unsafe_html: true}\n",
                "content/a.md": article_text(0, PAYLOADS[0]) + "\n" + "\n\n".join(PAYLOADS)})
    site.build()
    page = next(site.out.rglob("a/index.html"))
    found = " ".join(active_content(page.read_text("utf-8"), page.name))
    for sign in ("<script>", "<iframe>", "<style>", "<svg onload>", "<img onerror>",
                 "<p onclick>", "<div onmouseover>", "<a href='javascript:", "<p style=",
                 "<a href='data:", "<img src='javascript:"):
        assert sign in found, sign
