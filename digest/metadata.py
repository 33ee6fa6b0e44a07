"""Structured data for search engines: schema.org NewsArticle as JSON-LD."""

from __future__ import annotations

from typing import Any

from .config import Config
from .feeds.text import absolute_url, json_text
from .model import Article


def news_article(config: Config, article: Article) -> dict[str, Any]:
    """The article as a schema.org NewsArticle, every URL absolute, every date with offset.
    What the page's other tags say already (its description, og:url as mainEntityOfPage)
    is not said again: search engines read those too."""
    url = absolute_url(config, article.url)
    publisher = {"@type": "Organization", "name": config.title,
                 "url": absolute_url(config, config.base_path)}
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "url": url,
        "datePublished": article.date.isoformat(),
        "dateModified": (article.updated or article.date).isoformat(),
        "author": [{"@type": "Person", "name": name} for name in article.authors]
                  or [publisher],
        "publisher": publisher,
        "articleSection": article.topic.name,
        "inLanguage": config.language,
    }
    if article.image:
        image = article.image
        data["image"] = [absolute_url(config, image.src)]
        if image.caption or image.credit:  # an ImageObject says what a bare URL cannot
            data["image"] = [{"@type": "ImageObject", "url": data["image"][0],
                              **({"caption": image.caption} if image.caption else {}),
                              **({"creditText": image.credit} if image.credit else {})}]
    if article.tags:
        data["keywords"] = [tag.name for tag in article.tags]
    if article.source:
        data["isBasedOn"] = article.source.url
    return data


def json_ld(config: Config, article: Article) -> str:
    """The NewsArticle as JSON to put inside <script type="application/ld+json">.

    No title can end the script early: '<', '>' and '&' are written as \\u003c and so on.
    """
    return json_text(news_article(config, article))
