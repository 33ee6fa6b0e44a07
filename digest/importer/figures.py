"""The lead image of a saved page: the one the page declares (OpenGraph, JSON-LD) or the
story's first captioned picture, with the caption and credit around it."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from .chrome import split_credit, words
from .clipping import LeadImage


def first_text(*values) -> str:
    for value in values:
        if isinstance(value, str) and value.strip():
            return " ".join(value.split())
    return ""


def text_of(value) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    return value if isinstance(value, str) else ""


def name_of(value) -> str:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        return text_of(value.get("name"))
    return text_of(value)


def lead_image(tree, meta: dict, ld: dict, base: str, folder: Path | None) -> LeadImage | None:
    """The lead image: the page's own (OpenGraph, JSON-LD) or the story's first figure,
    with the caption and credit its figure gives."""
    declared = first_text(meta.get("og:image"), meta.get("og:image:url"),
                          _image_url(ld.get("image")), meta.get("twitter:image"))
    declared = urljoin(base, declared) if declared and base else declared
    # the story's lead image: the one the page declares, else the first with a caption
    lead = first = None
    for image in tree.iter("img"):
        around = [a.tag for a in image.iterancestors()]
        if any(tag in ("nav", "footer", "aside") for tag in around) or (
                "header" in around and not {"article", "main"} & set(around)):
            continue  # the site's logo and furniture, not the story's
        src = image.get("src") or image.get("data-src") or ""
        if declared and same_image(src, declared):
            lead = image
            break
        if first is None and figure_of(image) is not None:
            first = image
    lead = lead if lead is not None else first
    caption = credit = alt = src = ""
    if lead is not None:
        src = lead.get("src") or lead.get("data-src") or ""
        alt = lead.get("alt") or ""
        figure = figure_of(lead)
        if figure is not None:
            caption, credit = caption_of(figure)
    ld_image = ld.get("image")
    ld_image = ld_image[0] if isinstance(ld_image, list) and ld_image else ld_image
    if isinstance(ld_image, dict):
        caption = caption or text_of(ld_image.get("caption"))
        credit = credit or text_of(ld_image.get("creditText")) or name_of(ld_image.get("author"))
    alt = alt or meta.get("og:image:alt") or meta.get("twitter:image:alt") or ""
    local = None
    if src and folder is not None and not urlsplit(src).scheme:
        path = (folder / unquote(urlsplit(src).path)).resolve()
        # only a picture saved beside the page: never a file a page's link leads out to
        local = path if (path.is_file() and path.is_relative_to(folder.resolve())
                         and path.suffix.lower() in _PICTURES) else None
    if local is None:
        src = declared or (urljoin(base, src) if src and base else src)
        if not src.startswith(("http://", "https://")):
            return None
    return LeadImage(src=src, alt=" ".join(alt.split()), caption=caption, credit=credit,
                     local=local)


_PICTURES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".svg")


def _image_url(value) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        return text_of(value.get("url") or value.get("contentUrl"))
    return text_of(value)


def image_keys(src: str) -> frozenset[str]:
    """What names one picture in its URLs, whatever the size or crop a page asks for: its
    file name without size suffixes, and the ids and hashes in its path."""
    segments = [s for s in unquote(urlsplit(src).path).lower().split("/") if s]
    keys = set()
    for index, segment in enumerate(segments):
        if re.search(r"[:=(,]", segment) or re.fullmatch(r"\d+x\d+", segment):
            # an image server's resizing instructions
            continue
        name = re.sub(r"([-_.]\d{2,4}(?:x\d{2,4})?|[-_](?:wide|large|medium|small|thumb\w*|"
                      r"square|crop\w*))+$", "", segment.split(".")[0])
        last = index == len(segments) - 1
        if (last and len(name) >= 4 and not name.isdigit()) or (
                len(name) >= 8 and re.search(r"\d", name) and re.search(r"[a-z]", name)):
            keys.add(name)
    return frozenset(keys)


def same_image(one: str, other: str) -> bool:
    return bool(image_keys(one) & image_keys(other))


_CAPTION_CLASS = re.compile(r"caption", re.IGNORECASE)
_CREDIT_CLASS = re.compile(r"credit|copyright|photographer|byline|source|attribution",
                           re.IGNORECASE)
_CONTROL_CLASS = re.compile(r"toggle|hide|expand|button|enlarge|icon|sr-only|visually-?hidden",
                            re.IGNORECASE)
_CONTROL_TEXT = re.compile(r"\b(?:hide|toggle|show)\s+caption\b|\benlarge\s+this\s+image\b",
                           re.IGNORECASE)


def figure_of(image):
    """The element that holds an image and its caption: its <figure>, else the nearest
    ancestor (a few levels up) with an element classed as a caption or credit."""
    for level, ancestor in enumerate(image.iterancestors()):
        if ancestor.tag == "figure":
            return ancestor
        if level >= 4 or ancestor.tag in ("article", "main", "body"):
            break
        if any(_CAPTION_CLASS.search(e.get("class") or "") or
               _CREDIT_CLASS.search(e.get("class") or "") for e in ancestor.iter()
               if isinstance(e.tag, str) and e.tag not in ("img", "picture", "source")):
            return ancestor
    return None


def caption_of(figure) -> tuple[str, str]:
    """(caption, credit) of a figure: the credit from its own element when it has one,
    else from the end of the caption ("... Photo: Ana Ruiz", "... Ana Ruiz/Example Wire");
    "hide caption" and other controls left out."""
    import copy

    figure = copy.deepcopy(figure)  # taken apart here, not in the page
    for element in list(figure.iter()):
        if not isinstance(element.tag, str) or element is figure:
            continue
        if _CONTROL_CLASS.search(element.get("class") or "") or element.tag == "button":
            element.drop_tree()
    credit = ""
    for element in list(figure.iter()):
        if not isinstance(element.tag, str) or element is figure:
            continue
        text = " ".join(element.text_content().split())
        if text and (_CREDIT_CLASS.search(element.get("class") or "") and words(text) <= 15
                     or re.match(r"^(?:image|photo|picture)\s+(?:source|credit),", text, re.I)
                     and words(text) <= 15):
            credit = re.sub(r"^(?:image|photo|picture)\s+(?:source|credit),\s*", "", text,
                            flags=re.IGNORECASE)
            element.drop_tree()
            break
    caption_element = figure.find(".//figcaption")
    if caption_element is None:
        for element in figure.iter():
            if isinstance(element.tag, str) and _CAPTION_CLASS.search(element.get("class") or ""):
                caption_element = element
                break
    caption = " ".join(caption_element.text_content().split()) if caption_element is not None \
        else ""
    caption = " ".join(_CONTROL_TEXT.sub(" ", caption).split())
    caption, found = split_credit(caption)
    credit = re.sub(r"^(?:(?:©|\(c\)|copyright)\s*|(?:photo|image|credit|picture|foto|bild)s?"
                    r"\s*(?:by|:)\s*)+", "", credit or found, flags=re.IGNORECASE).strip(" ()[]")
    return caption.strip(), credit
