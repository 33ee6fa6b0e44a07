"""Smart punctuation: curly quotes, en and em dashes, ellipses.

The same rules as Python-Markdown's smarty extension, in the same order, applied in one
quick pass over the text of the finished tree instead of a second inline-pattern pass
(which cost about as much as the rest of the Markdown conversion). It writes the
characters themselves (“ ” ‘ ’ – — …) rather than HTML entities.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element

import markdown
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

_PUNCT = r"""[!"#\$\%'()*+,-.\/:;<=>?\@\[\\\]\^_`{|}~]"""
_CLOSE = r"[^\ \t\r\n\[\{\(\-\u0002\u0003]"
_OPENING_BASE = r"(\s|&nbsp;|--|–|—|&[mn]dash;|&#8211;|&#8212;)"

# (pattern, text kept from group 1 or not, what replaces the match, a text it needs),
# in smarty's order. A rule whose needed text is absent cannot match and is skipped.
_RULES = [
    (r"(?<!-)---(?!-)", False, "—", "---"),
    (r"(?<!-)--(?!-)", False, "–", "--"),
    (r"^'(?=%s\B)" % _PUNCT, False, "’", "'"),
    (r'^"(?=%s\B)' % _PUNCT, False, "”", '"'),
    (r""""'(?=\w)""", False, "“‘", "\"'"),
    (r"""'"(?=\w)""", False, "‘“", "'\""),
    (r"(?<=%s)'\"" % _CLOSE, False, "’”", "'\""),
    (r"(?<=%s)\"'" % _CLOSE, False, "”’", "\"'"),
    (r"(?<!\w)'(?=\d{2}s)", False, "’", "'"),
    (r"%s'(?=\w)" % _OPENING_BASE, True, "‘", "'"),
    (r"(?<=%s)'(?!\s|s\b|\d)" % _CLOSE, False, "’", "'"),
    (r"'(\s|s\b)", "after", "’", "'"),
    (r"'", False, "‘", "'"),
    (r'%s"(?=\w)' % _OPENING_BASE, True, "“", '"'),
    (r'"(?=\s)', False, "”", '"'),
    (r'(?<=%s)"' % _CLOSE, False, "”", '"'),
    (r'"', False, "“", '"'),
    (r"(?<!\.)\.{3}(?!\.)", False, "…", "..."),
]
_COMPILED = [(re.compile(pattern), keep, text, needs) for pattern, keep, text, needs in _RULES]
_TOKEN = re.compile("\u0002t(\\d+)\u0003")


def educate(text: str) -> str:
    """Text with straight quotes, -- and ... made typographic."""
    if not ("'" in text or '"' in text or "--" in text or "..." in text):
        return text
    made: list[str] = []
    for pattern, keep, value, trigger in _COMPILED:
        if trigger not in text:
            continue
        # Like Markdown's inline processor: each match becomes an opaque placeholder
        # (the kept group with it), and the search goes on after it, in the changed text.
        position = 0
        while match := pattern.search(text, position):
            if keep is True:
                made.append(match.group(1) + value)
            elif keep == "after":
                made.append(value + match.group(1))
            else:
                made.append(value)
            token = f"\u0002t{len(made) - 1}\u0003"
            text = text[:match.start()] + token + text[match.end():]
            position = match.start() + len(token)
    return _TOKEN.sub(lambda m: made[int(m.group(1))], text) if made else text


class PlainText(AtomicString):
    """Prose that no inline pattern can match: Markdown's inline pass skips it, this one not."""


def _is_prose(text: str | None) -> bool:
    """Text to educate: not code, which Markdown keeps as AtomicString."""
    return bool(text) and (not isinstance(text, AtomicString) or isinstance(text, PlainText))


class _Typography(Treeprocessor):
    def run(self, root: Element) -> None:
        for element in root.iter():
            if _is_prose(element.text):
                element.text = educate(element.text)
            if _is_prose(element.tail):
                element.tail = educate(element.tail)


class TypographyExtension(markdown.Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - Markdown's API
        md.treeprocessors.register(_Typography(md), "digest_typography", 6)
        md.ESCAPED_CHARS.extend(['"', "'"])  # \" and \' stay straight
