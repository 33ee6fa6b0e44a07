"""The one item model every feed format is written from."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from ..config import Config
from ..model import Article
from ..pages import FeedLink
from .text import absolute_html, absolute_url, uri

# Media types of the image formats browsers show, by extension. A fixed table rather than
# the mimetypes module, whose answers depend on the machine's /etc/mime.types.
IMAGE_TYPES = {".avif": "image/avif", ".gif": "image/gif", ".jpeg": "image/jpeg",
               ".jpg": "image/jpeg", ".png": "image/png", ".svg": "image/svg+xml",
               ".webp": "image/webp"}

# Shown by browsers that open an RSS or Atom feed: a page that says what the feed is.
FEED_STYLESHEET = "feed.xsl"

# The `updated` time of a feed with no items, so that it stays byte-identical.
NO_TIME = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class FeedItem:
    url: str  # absolute; also the item's permanent id
    title: str
    published: datetime
    updated: datetime  # the same as published for an article never updated
    authors: tuple[str, ...]
    categories: tuple[str, ...]  # the topic, then the tags
    summary: str  # plain text
    content: str  # HTML with absolute links; "" when feeds carry summaries only
    image: str  # absolute URL, or ""
    image_type: str  # its media type, from its extension; "" when unknown
    image_caption: str  # plain text, or ""
    image_credit: str  # plain text, or ""
    source_name: str  # who published the story the article is based on, or ""
    source_url: str  # that story, or ""


@dataclass(frozen=True)
class Feed:
    title: str  # says what the feed holds: "Evening Brief: Climate"
    description: str
    home: str  # absolute URL of the page whose articles the feed follows
    urls: dict[str, str]  # absolute URL of each format's file, by format name
    language: str
    author: str  # for items that name no author
    updated: datetime
    items: tuple[FeedItem, ...]  # newest first
    stylesheet: str = ""  # root-relative URL of the XSLT a browser shows the feed with


def make_feed(config: Config, links: Iterable[FeedLink], home: str, description: str,
              items: list[FeedItem]) -> Feed:
    links = tuple(links)
    newest = max((item.updated for item in items), default=NO_TIME)
    return Feed(
        title=links[0].title,
        description=description or links[0].title,
        home=absolute_url(config, home),
        urls={link.format: absolute_url(config, link.url) for link in links},
        language=config.language,
        author=config.author or config.title,
        updated=newest,
        items=tuple(items),
        stylesheet=f"{config.base_path}{FEED_STYLESHEET}")


def image_type(url: str) -> str:
    """The media type of the image at `url`, from its extension; "" when unknown."""
    return IMAGE_TYPES.get(PurePosixPath(urlsplit(url).path).suffix.lower(), "")


def feed_item(config: Config, article: Article, full: bool = True) -> FeedItem:
    """An article as a feed item; with its HTML when `full` and the site's feeds carry it."""
    url = absolute_url(config, article.url)
    full = full and config.feeds.content == "full"
    image = absolute_url(config, article.image.src) if article.image else ""
    return FeedItem(
        url=url,
        title=article.title,
        published=article.date,
        updated=article.updated or article.date,
        authors=article.authors,
        categories=tuple(label.name for label in (article.topic, *article.tags)),
        summary=article.summary,
        content=absolute_html(article.body, url) if full else "",
        image=image,
        image_type=image_type(image),
        image_caption=article.image.caption if article.image else "",
        image_credit=article.image.credit if article.image else "",
        source_name=article.source.name if article.source else "",
        source_url=uri(article.source.url) if article.source else "")
