"""What a news page says around a story: lines to drop, and lines that carry metadata
(bylines, contributor notes, copyright, author bios). General patterns, no outlet's own."""

from __future__ import annotations

import re

_WORDS = re.compile(r"\w+(?:['’.-]\w+)*")

# Lines a page shows around every story. Matched whole (after trimming), on short lines
# only, so a sentence of the story that happens to start with "Share" is never dropped.
_CHROME = re.compile(r"""^(?:
    skip\ to\ (?:main\ )?content | menu | search | home | close | open | back\ to\ top
  | play(?:ing)?\ live\ (?:radio|tv|audio|video)\b.* | live\ radio | listen\ live\b.*
  | (?:play|pause|listen|watch|download|transcript|embed)(?:\s*(?:·|-|—)?\s*\d+:\d\d)?
  | (?:listen|watch)\ (?:to|on)\b.{0,40} | (?:audio|video)\ will\ be\ available\b.*
  | \d+[-\s]min(?:ute)?s?\ (?:read|listen|watch) | ·?\s*\d{1,2}:\d\d
  | next\ up:.* | now\ playing(?::.*)? | on\ air(?::.*)? | up\ next(?::.*)? | all\ streams
  | hide\ caption | toggle\ caption | show\ caption | enlarge\ this\ image | expand\ image
  | (?:share|tweet|email|print|copy\ link|copy\ url|save|facebook|twitter|x|linkedin
      |whatsapp|reddit|flipboard|pinterest|threads|bluesky|mastodon|comments?)
    (?:\s*(?:this|the)?\s*(?:story|article|page)?)?(?:\s*(?:on\ \w+|via\ \w+))?
  | share\ (?:this|on|via)\b.{0,40} | (?:\d+\s+)?comments?
  | (?:sign\ up|subscribe|register|join)\b.{0,120}
    (?:newsletter|inbox|email|updates|free|today|now)\W*
  | [\w\s'’]{0,40}\bnewsletters?\W* | get\ (?:the|our)\ .{0,40}(?:newsletter|app)\b.*
  | donate(?:\ now|\ today)?\W* | become\ a\ (?:member|sustaining)\b.{0,120}
  | (?:support|donate|give|make\ a\ (?:gift|donation))\b.{0,120}
    \b(?:journalism|donat\w*|gift|member(?:ship)?|support\ us)\b.{0,60}
  | (?:sponsor(?:ed)?\ message|advertisement|advertising|ad|sponsored
      |story\ continues\ below(?:\ advertisement)?)
  | (?:related|related\ (?:stories|coverage|articles|content|links)
      |more\ (?:stories|from|on|coverage|news)\b.{0,60}|read\ more\b.{0,80}|see\ also\b.{0,60}
      |recommended(?:\ for\ you)?|most\ (?:popular|read|viewed)\b.{0,40}|trending(?:\ now)?
      |you\ (?:may|might)\ also\ like|what\ to\ read\ next|top\ stories|latest\ news)\W*
  | (?:we\ use\ cookies|this\ (?:site|website)\ uses\ cookies)\b.* | accept(?:\ all)?(?:\ cookies)?
  | (?:manage|cookie)\ (?:settings|preferences)\b.* | reject\ all | i\ agree | got\ it
  | like(?:\ loading)?\W* | loading\ comments\W* | leave\ a\ (?:reply|comment)\W*
  | (?:\d+\ )?(?:responses?|replies|thoughts|comments)\ (?:to|on)\b.{0,120}
  | our\ standards:.* | headshot\ of\ .{2,60} | (?:add\ to\ )?playlist
  | (?:image|photo|picture)\ (?:source|caption|credit),.{0,160}
  | privacy\ policy | terms\ of\ (?:use|service) | contact\ us | about\ us | careers
  | (?:to\ )?(?:see|read)\ more,?\ visit\b.* | loading\W* | advertisement\ \W+\ scroll.*
  | (?:image|photo|video|audio)\ (?:\d+\ of\ \d+|gallery)
  | (?:this\ (?:article|story)\ (?:was|is)\ (?:originally\ )?(?:published|from|part)\b.*)
  | (?:view|see)\ (?:all\ )?(?:\d+\ )?(?:comments|photos|images)
  | (?:click|tap)\ (?:here|to)\b.{0,80}
  | (?:follow\ (?:us|@\w+)\b.{0,80}) | topics?:.{0,120} | tags?:.{0,120} | filed\ under:?.{0,120}
  | (?:posted\ in|categories|category):?.{0,120}
)$""", re.IGNORECASE | re.VERBOSE)

_COPYRIGHT = re.compile(r"^(?:©|\(c\)|copyright\b|all rights reserved)", re.IGNORECASE)
_CONTRIBUTORS = re.compile(
    r"^(?:[(\[]?\s*)?(?:.{2,160}?\bcontributed\b.{0,120}|(?:additional\s+)?reporting\s+by\b.{2,200}"
    r"|(?:writing|editing|edited|compiled|produced)\s+by\b.{2,200}"
    r"|.{2,80}\b(?:also\s+)?(?:contributed|assisted)\s+(?:to\s+)?(?:this|the)\s+"
    r"(?:report|story|article)\b.*)$",
    re.IGNORECASE)
_BYLINE = re.compile(r"^(?:by|written by|words by|story by|authors?:?|von|par|por)\s+(?P<names>.+)$",
                     re.IGNORECASE)
_NAME = (r"[A-ZÀ-ÖØ-Þ][\w'’.-]+"
         r"(?:\s+(?:[A-ZÀ-ÖØ-Þ][\w'’.-]*|de|da|van|von|der|del|la|le|bin|al-)){1,4}")
_BIO = re.compile(rf"^(?P<name>{_NAME})\s+(?:is|was|writes|covers|reports)\b(?:\s+(?:a|an|the|our|"
                  r"\w+'s|\w+’s)\b)?.{3,240}$")
_NAME_ONLY = re.compile(rf"^{_NAME}$")
# Words that make a name an outlet's: "By Ana Ruiz, Lakeshore Public Radio".
_OUTLET = re.compile(r"\b(?:Radio|News|Press|Times|Post|Wire|Herald|Ledger|Journal|Tribune|"
                     r"Gazette|Agency|Media|Network|Service|Daily|Weekly|Staff|Report|Public|"
                     r"Associated|Chronicle|Observer|Courier|Bulletin|Broadcasting|Magazine)\b")
_SPLIT_NAMES = re.compile(r"\s*(?:,\s*and\s+|,|\band\b|&|;|\|)\s*")
_ROLE_WORD = re.compile(r"\b(?:writer|reporter|correspondent|editor|contributor|columnist|"
                        r"photographer|producer|host|critic)\b.*$", re.IGNORECASE)


def _without_role(part: str) -> str:
    """"Ana Ruiz, Staff Writer" and "Ana Ruiz Chief Political Correspondent" -> "Ana Ruiz":
    the role and up to two words that describe it go."""
    match = _ROLE_WORD.search(part)
    if not match:
        return part
    head = part[:match.start()].split(",")[0].split()
    dropped = 0
    while len(head) > 2 and dropped < 2:
        head.pop()
        dropped += 1
    return " ".join(head)


def words(text: str) -> int:
    return len(_WORDS.findall(text))


def is_chrome(line: str) -> bool:
    """A line the page shows around every story: navigation, players, prompts, lists of
    other stories, cookie notices, copyright."""
    text = " ".join(line.split()).strip(" \t|•·>«»→←")
    if not re.search(r"[^\W_]", text):  # rules and separators: "___", "* * *"
        return True
    if is_copyright(text):
        return True
    return words(text) <= 30 and bool(_CHROME.match(text))


# Headings of what follows a story on its page: other stories, comments.
_AFTER_STORY = re.compile(r"^(?:related(?:\s+\w+)?"
                          r"|more\s+(?:stories|from|on|coverage|news)\b.{0,60}"
                          r"|read\s+more|see\s+also|recommended(?:\s+for\s+you)?"
                          r"|most\s+(?:popular|read|"
                          r"viewed)\b.{0,40}|trending(?:\s+now)?|you\s+(?:may|might)\s+also\s+like|"
                          r"what\s+to\s+read\s+next|top\s+stories|latest\s+news|explore\s+more\b.*|"
                          r"more\s+on\s+(?:this|these)\s+(?:story|stories|topics?)|"
                          r"reuse\s+this\s+content|leave\s+a\s+(?:reply|"
                          r"comment)|(?:\d+\s+)?(?:comments|responses|replies)|share\s+this)\W*$",
                          re.IGNORECASE)


def ends_story(line: str) -> bool:
    """A heading that starts what a page shows after its story: related links, comments."""
    return bool(_AFTER_STORY.match(" ".join(line.split())))


_CREDIT_LINE = re.compile(r"^(?:(?:photo(?:graph)?|image|picture|credit|illustration)s?"
                          r"\s*(?:by|:)\s*.{2,60}"
                          r"|[A-ZÀ-Ý][\w.'’ -]{1,40}/\s?[A-ZÀ-Ý][\w.&'’ -]{1,50}"
                          r"(?:\s+via\s+[\w .&'’-]+)?)$", re.IGNORECASE)


def is_credit(line: str) -> bool:
    """A photo credit on a line of its own: "Ana Ruiz/Example Wire", "Photo: Ana Ruiz"."""
    text = " ".join(line.split())
    return words(text) <= 10 and bool(_CREDIT_LINE.match(text))


def is_copyright(line: str) -> bool:
    return bool(_COPYRIGHT.match(line.strip())) and words(line) <= 40


def contributor_note(line: str) -> str:
    """The line itself when it credits reporting rather than naming the author; else ""."""
    text = " ".join(line.split())
    if words(text) > 45 or not _CONTRIBUTORS.match(text):
        return ""
    return text.strip("()[] ")


def byline_names(line: str) -> tuple[str, ...]:
    """The names of a byline ("By Ana Ruiz and Jun Park"), else ()."""
    text = " ".join(line.split()).strip()
    match = _BYLINE.match(text)
    if not match or words(text) > 16:
        return ()
    return split_names(match.group("names"))


def split_names(text: str) -> tuple[str, ...]:
    """"Ana Ruiz, Jun Park and Li Wei, Example Wire" -> the three names; roles and
    outlets after a name are left out."""
    text = re.sub(r"^(?:by|written by)\s+", "", text.strip(), flags=re.IGNORECASE)
    text = re.split(r"\s+(?:in|from|for)\s+[A-Z]|\s*\|\s*|\s+[–—-]\s+|\s*\(", text)[0]
    names = []
    for part in _SPLIT_NAMES.split(text):
        part = _without_role(part).strip(" .,:;")
        if part and _NAME_ONLY.match(part) and not part.isupper() \
                and not _OUTLET.search(part):
            names.append(part)
        elif part and names and not _NAME_ONLY.match(part):
            break  # "Ana Ruiz, Example Wire": the outlet after the names
    return tuple(names)


_ROLE_LINE = re.compile(rf"^(?P<name>{_NAME}?)\s*[,|–—-]?\s+(?:[\w&'’-]+\s+){{0,3}}?"
                        r"(?i:correspondent|reporter|editor|writer|columnist|critic|"
                        r"contributor|producer|photographer)(?:\s+(?:in|at|for)\s+[\w ]{2,30})?$")


# "(AP Photo/Ana Ruiz)", "(Ana Ruiz/Example Wire via Getty Images)" at a caption's end
_AGENCY_PHOTO = re.compile(r"\s*\((?P<who>[^()]{0,40}?(?:photo|foto|image|pool)s?\s*/\s*[^()]{2,80}"
                           r"|[^()]{2,60}/[^()]{2,60}\s+via\s+[^()]{2,60})\)\s*$", re.IGNORECASE)
# "Image source, Getty Images": a caption box read aloud
_SOURCE_NOTE = re.compile(r"^(?:image|photo|picture)\s+(?:source|credit),\s*(?P<who>.+?)\s*"
                          r"(?:(?:image|photo|picture)\s+caption,\s*(?P<caption>.*))?$",
                          re.IGNORECASE)
_CREDIT = re.compile(r"(?:\s*[(\[]?\s*(?:photo(?:graph)?|image|picture|credit|foto|illustration)s?"
                     r"\s*(?:by|:|/)\s*(?P<who>[^()\[\]]{2,80}?)\s*[)\]]?\s*$)", re.IGNORECASE)
_AGENCY = re.compile(r"\s+(?P<who>[A-Z][\w.'’ -]{1,60}/\s?[A-Z][\w.&'’ -]{1,60}"
                     r"(?:\s+via\s+[\w .&'’-]+)?)\s*$")


def split_credit(caption: str) -> tuple[str, str]:
    """(caption, credit) of a caption that ends with its credit ("... Photograph: Ana Ruiz",
    "... (Example Photo/Ana Ruiz)", "... Ana Ruiz/Example Wire"); credit "" when none."""
    caption = " ".join(caption.split())
    note = _SOURCE_NOTE.match(caption)
    if note:
        return note.group("caption") or "", note.group("who")
    caption = re.sub(r"^(?:image|photo|picture)\s+caption,\s*", "", caption, flags=re.I)
    match = _AGENCY_PHOTO.search(caption) or _CREDIT.search(caption) or _AGENCY.search(caption)
    if not match:
        return caption, ""
    return caption[:match.start()].strip(), match.group("who").strip()


def role_byline(line: str) -> str:
    """The name of a byline without "By" ("Ana Ruiz Arts correspondent"), else ""."""
    text = " ".join(line.split())
    match = _ROLE_LINE.match(text) if words(text) <= 10 else None
    if not match:
        return ""
    name = match.group("name")
    # "Ana Ruiz Arts correspondent": the name is the capitalised words before the role's
    parts = name.split()
    while len(parts) > 2 and parts[-1][:1].isupper() and text.split()[len(parts)][:1].islower():
        parts.pop()
    return " ".join(parts)


def bio_name(line: str) -> str:
    """The author named by a one-line bio ("Ana Ruiz is a reporter on ..."), else ""."""
    text = " ".join(line.split())
    if words(text) > 50 or not re.search(
            r"\b(?:reporter|correspondent|writer|editor|journalist|columnist|covers|covering|"
            r"contributor|producer|host|author|photographer|based in|fellow|blog)\b", text,
            re.IGNORECASE):
        return ""
    match = _BIO.match(text)
    return match.group("name") if match else ""
