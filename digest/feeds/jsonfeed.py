"""JSON Feed 1.1 (https://jsonfeed.org/version/1.1)."""

from __future__ import annotations

from typing import Any

from .model import Feed
from .text import json_text


def json_feed(feed: Feed) -> bytes:
    data: dict[str, Any] = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": feed.title,
        "home_page_url": feed.home,
        "feed_url": feed.urls["JSON Feed"],
        "description": feed.description,
        "language": feed.language,
        "authors": [{"name": feed.author}],
        "items": [],
    }
    for item in feed.items:
        entry: dict[str, Any] = {"id": item.url, "url": item.url, "title": item.title}
        if item.content:
            entry["content_html"] = item.content
        else:
            entry["content_text"] = item.summary
        if item.summary:
            entry["summary"] = item.summary
        if item.image:
            entry["image"] = item.image
            # JSON Feed has no field for them: an extension object, named with "_" as the
            # specification asks
            notes = {"caption": item.image_caption, "credit": item.image_credit}
            if any(notes.values()):
                entry["_image"] = {key: value for key, value in notes.items() if value}
        if item.source_url:
            entry["external_url"] = item.source_url
        entry["date_published"] = item.published.isoformat()
        entry["date_modified"] = item.updated.isoformat()
        if item.authors:
            entry["authors"] = [{"name": author} for author in item.authors]
        entry["tags"] = list(item.categories)
        data["items"].append(entry)
    return (json_text(data) + "\n").encode("utf-8")
