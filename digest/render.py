"""Templates in, strings out: the Jinja environment and its errors as Problems."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from . import metadata
from .config import Config
from .errors import DigestError, problem

THEME = Path(__file__).parent / "theme"
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def make_environment(layouts: Path, config: Config, project: Path) -> jinja2.Environment:
    """Templates from layouts/ first, then the default theme; strict about unknown names."""
    environment = jinja2.Environment(
        loader=jinja2.ChoiceLoader([
            jinja2.FileSystemLoader(str(layouts)),
            jinja2.FileSystemLoader(str(THEME / "templates")),
        ]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # a changed template makes a new environment
    )
    environment.globals.update(config=config)
    environment.filters.update(
        long_date=long_date, month_name=month_name, clock=clock, iso=iso,
        absolute=lambda url: url if url.startswith(("http://", "https://"))
        else config.site_root + url,
        json_ld=lambda article: Markup(metadata.json_ld(config, article)))
    environment.digest_paths = (layouts, project)  # type: ignore[attr-defined]
    return environment


def render(environment: jinja2.Environment, template: str, context: dict[str, Any]) -> str:
    """One template with its context; any template error becomes a DigestError."""
    try:
        return environment.get_template(template).render(context)
    except jinja2.TemplateSyntaxError as err:
        raise DigestError(problem(_shown(environment, err.filename, template), err.lineno or 0,
                                  f"template error: {err.message}")) from None
    except jinja2.TemplateNotFound as err:
        raise DigestError(problem(template, 0, f"template not found: {err.name}")) from None
    except Exception as err:  # noqa: BLE001 - any error raised while rendering is the template's
        filename, line = _template_frame(err)
        raise DigestError(problem(_shown(environment, filename, template), line,
                                  f"template error: {_describe(err)}")) from None


def _template_frame(err: BaseException) -> tuple[str | None, int]:
    """Jinja rewrites tracebacks so template frames carry the template's file and line."""
    found: tuple[str | None, int] = (None, 0)
    trace = err.__traceback__
    while trace is not None:
        name = trace.tb_frame.f_code.co_filename
        if name.endswith((".html", ".xml", ".txt")):
            found = (name, trace.tb_lineno)
        trace = trace.tb_next
    return found


def _shown(environment: jinja2.Environment, filename: str | None, template: str) -> str:
    layouts, project = environment.digest_paths  # type: ignore[attr-defined]
    if not filename:
        return template
    path = Path(filename)
    for root, prefix in ((project, ""), (THEME, "(default theme) ")):
        try:
            return prefix + path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            continue
    return filename


def _describe(err: BaseException) -> str:
    if isinstance(err, jinja2.UndefinedError):
        return err.message or "undefined value"
    text = str(err) or type(err).__name__
    return f"{type(err).__name__}: {text}" if not isinstance(err, jinja2.TemplateError) else text


def long_date(day: date | datetime) -> str:
    """'Friday, 22 March 2024', the same on every machine whatever its locale."""
    return f"{_WEEKDAYS[day.weekday()]}, {day.day} {_MONTHS[day.month - 1]} {day.year}"


def month_name(month: int) -> str:
    return _MONTHS[month - 1]


def clock(moment: datetime) -> str:
    return f"{moment:%H:%M}"


def iso(moment: date | datetime) -> str:
    return moment.isoformat()


