"""Templates in, strings out: the Jinja environment and its errors as Problems."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from . import i18n, metadata
from .config import Config
from .errors import DigestError, problem

THEME = Path(__file__).parent / "theme"


def make_environment(layouts: Path, config: Config, project: Path) -> jinja2.Environment:
    """Templates from layouts/ first, then the default theme; strict about unknown names.
    The theme's words and its dates and times are in the site's language (see i18n)."""
    environment = jinja2.Environment(
        extensions=["jinja2.ext.i18n"],
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
    locale = i18n.locale_of(config.language, config.locale)
    words = i18n.translations(config.language, config.locale, config.strings, layouts)
    environment.install_gettext_translations(words, newstyle=True)  # type: ignore[attr-defined]
    # `_()` and `gettext()` in one call rather than the extension's three, each word
    # translated once: a page says a dozen of them, and they cost a tenth of its rendering
    environment.globals["_"] = environment.globals["gettext"] = _gettext(words)
    environment.globals.update(
        config=config, text_direction="rtl" if i18n.is_right_to_left(
            config.language, config.locale) else "ltr",
        open_graph_locale=i18n.open_graph_locale(config.language, config.locale))
    environment.filters.update(
        long_date=lambda day: i18n.long_date(day, locale),
        plain_date=lambda day: i18n.plain_date(day, locale),
        month_name=lambda month: i18n.month_name(month, locale),
        month_year=lambda month: i18n.month_year(month, locale),
        clock=lambda moment: i18n.clock(moment, locale),
        date_time=lambda moment: i18n.date_time(moment, locale),
        name_list=lambda names: i18n.name_list(names, locale),
        iso=iso,
        absolute=lambda url: url if url.startswith(("http://", "https://"))
        else config.site_root + url,
        json_ld=lambda article: Markup(metadata.json_ld(config, article)))
    environment.digest_paths = (layouts, project)  # type: ignore[attr-defined]
    return environment


def _gettext(words) -> Callable[..., str]:
    """Jinja's newstyle gettext: the translation, marked safe when autoescaping, then always
    formatted with the variables (so that "%%" is "%"); one without variables made once."""
    made: dict[str, str] = {}

    @jinja2.pass_context
    def gettext(context: jinja2.runtime.Context, string: str, **variables: Any) -> str:
        escaping = context.eval_ctx.autoescape
        if not variables and escaping:
            known = made.get(string)
            if known is None:
                known = made[string] = Markup(words.gettext(string)) % variables
            return known
        text = words.gettext(string)
        return (Markup(text) if escaping else text) % variables

    return gettext


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


def iso(moment: date | datetime) -> str:
    return moment.isoformat()


