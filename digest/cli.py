"""The command line. The only place that turns a DigestError into an exit status."""

from __future__ import annotations

import os
import sys
from functools import wraps
from pathlib import Path

import click

from .build import Options, Result, build, build_time
from .config import Config, override
from .errors import DigestError, problem
from .progress import Progress
from .project import Project


def version() -> str:
    """digest's version, looked up only when asked (`digest --version`): the lookup loads
    modules that a build does not need."""
    from importlib.metadata import PackageNotFoundError, version as installed

    try:
        return installed("digest")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"


def _print_version(context: click.Context, _option: click.Parameter, value: bool) -> None:
    if value and not context.resilient_parsing:
        click.echo(f"digest, version {version()}")
        context.exit()


def reports_problems(command):
    """Print every problem as path:line: message and exit 1; never a traceback."""

    @wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except DigestError as err:
            for item in err.problems:
                click.echo(str(item), err=True)
            count = sum(1 for item in err.problems if not item.warning)
            warned = len(err.problems) - count
            said = [f"{count} problem{'s' * (count != 1)}"] if count else []
            if warned:
                said.append(f"{warned} warning{'s' * (warned != 1)}, errors under --strict")
            click.echo(f"digest: {', '.join(said)}; nothing was written", err=True)
            sys.exit(1)

    return run


config_option = click.option(
    "--config", "config_file", type=click.Path(path_type=Path),
    help="The site's settings; its folder is the project. Default: the site this folder "
         "is in, found by its site.yaml here or above.")
drafts_option = click.option("--drafts", is_flag=True, help="Include articles marked draft.")
future_option = click.option("--future", is_flag=True, help="Include articles dated later than now.")
strict_option = click.option("--strict", is_flag=True,
                             help="Treat warnings as errors: fail, and write nothing.")


def tell_warnings(result: Result) -> None:
    """The build's warnings on stderr, each once, and what it left out."""
    for item in result.warnings:
        click.echo(str(item), err=True)
    if result.left_out:
        click.echo(result.left_out, err=True)


def find_project(config_file: Path | None) -> Project:
    """The site named by --config, else the one the current folder is in."""
    if config_file:
        return Project.named(config_file)
    try:
        here = Path.cwd()
    except FileNotFoundError:  # deleted while the shell was in it
        raise DigestError(problem(".", 0, "the current folder no longer exists")) from None
    return Project.find(here)


def load(config_file: Path | None, **overrides) -> tuple[Project, Config]:
    project = find_project(config_file)
    return project, override(project.read_config(), **overrides)


# GitHub Pages refuses a published site over 1 GB: a build warns well before.
PAGES_WARNING = 900_000_000


@click.group("digest", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True,
              callback=_print_version, help="Show the version and exit.")
def main() -> None:
    """Turn a folder of Markdown news articles into a static news digest with feeds."""


# Set by the `digest` program, not by code that calls main (tests): see _leave.
_PROGRAM = False


def program() -> None:
    """The `digest` program: the command line, in a process of its own."""
    global _PROGRAM
    _PROGRAM = True
    main()


def _leave() -> None:
    """End the `digest` program at once, its work done and said. A build (or a check) leaves
    the process holding every article, page and cache entry, which the interpreter would
    otherwise free one by one on its way out: half a second and more at 10,000 articles. Not
    while a process it started still runs: the usual exit ends those."""
    if not _PROGRAM:
        return
    processes = sys.modules.get("multiprocessing")
    if processes is not None and processes.active_children():
        return
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


@main.command("build")
@config_option
@click.option("--output", "-o", help="Output folder (default: output in site.yaml, or _site).")
@click.option("--base-url", help="Published URL, e.g. https://user.github.io/news/.")
@drafts_option
@future_option
@click.option("--clean", is_flag=True, help="Write every file again, reusing nothing.")
@strict_option
@reports_problems
def build_command(config_file: Path | None, output: str | None, base_url: str | None,
                  drafts: bool, future: bool, clean: bool, strict: bool) -> None:
    """Build the site into the output folder."""
    project, config = load(config_file, output=output, base_url=base_url)
    progress = Progress(sys.stderr)
    try:
        result = build(project, config, Options(drafts, future, clean, progress, strict),
                       build_time())
    finally:
        progress.close()
    tell_warnings(result)
    click.echo(f"Built {result.articles} articles, {result.pages} pages, "
               f"{result.feeds} feeds in {result.seconds:.2f} s → {config.output}/")
    size = result.report.size if result.report else 0
    if size > PAGES_WARNING:
        click.echo(f"{config.output}: warning: the output is {size / 1e6:,.0f} MB; GitHub "
                   "Pages refuses to publish a site over 1 GB", err=True)
    _leave()


@main.command("check")
@config_option
@drafts_option
@future_option
@strict_option
@reports_problems
def check_command(config_file: Path | None, drafts: bool, future: bool, strict: bool) -> None:
    """Check every article, template and setting; write nothing."""
    project, config = load(config_file)
    result = build(project, config, Options(drafts, future, strict=strict), build_time(),
                   write=False)
    tell_warnings(result)
    count = len(result.warnings)
    warned = f"{count} warning{'s' * (count != 1)}" if count else "no problems found"
    click.echo(f"OK: {result.articles} articles, {result.pages} pages, "
               f"{result.feeds} feeds; {warned}")
    _leave()


@main.command("serve")
@config_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but loopback is reachable by others.")
@click.option("--port", "-p", default=8000, show_default=True, type=click.IntRange(1, 65535),
              help="Port; the next free one is used when it is busy.")
@drafts_option
@future_option
@click.option("--open", "open_browser", is_flag=True, help="Open the site in a browser.")
@reports_problems
def serve_command(config_file: Path | None, host: str, port: int, drafts: bool, future: bool,
                  open_browser: bool) -> None:
    """Build, serve on HTTP, rebuild on every change and reload open pages."""
    if not _is_loopback(host):
        click.echo(f"Warning: listening on {host}: other machines can reach this server.",
                   err=True)
    from . import serve  # the file watcher and HTTP server: not needed by other commands

    session = serve.Session(find_project(config_file), Options(drafts, future))
    serve.run(session, host, port, lambda line: click.echo(line), open_browser)


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@main.command("new")
@click.argument("title")
@click.option("--topic", "-t", help="The article's topic (default: default_topic).")
@config_option
@reports_problems
def new_command(title: str, topic: str | None, config_file: Path | None) -> None:
    """Create a new article file with its front matter."""
    from . import scaffold  # as the commands below: what a build does not need waits

    project, config = load(config_file)
    path = scaffold.new_article(project, config, title, topic, build_time())
    click.echo(f"Created {project.shown(path)}, a draft: remove its line 'draft: true' to "
               "publish it")


@main.command("import")
@click.argument("sources", nargs=-1, required=True)
@click.option("--topic", "-t", help="Topic of every imported article (default: the page's "
                                    "section, else default_topic).")
@click.option("--tag", "tags", multiple=True, help="A tag for every imported article; "
                                                   "repeat for more (default: the page's).")
@click.option("--draft", is_flag=True, help="Mark the articles draft, for review.")
@click.option("--dry-run", is_flag=True, help="Print what would be written; write nothing.")
@click.option("--date", "date_text", help="Publication date for sources that give none, "
                                          "e.g. 2024-03-22 or '2024-03-22 15:16'.")
@config_option
@reports_problems
def import_command(sources: tuple[str, ...], topic: str | None, tags: tuple[str, ...],
                   draft: bool, dry_run: bool, date_text: str | None,
                   config_file: Path | None) -> None:
    """Turn saved pages, text clippings (- for standard input), feeds, URLs or folders
    of them into articles in content/<topic>/."""
    from .importer import run

    sys.exit(run(load(config_file)[0:2], sources, topic, tags, draft, dry_run, date_text,
                 lambda line, error: click.echo(line, err=error)))


@main.command("init")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@reports_problems
def init_command(folder: Path) -> None:
    """Create a new site in FOLDER that builds at once."""
    from . import scaffold

    scaffold.init_site(folder, build_time())
    click.echo(f"Created a new site in {folder}/. Next: cd {folder} && digest build")


@main.command("deploy")
@config_option
@click.option("--output", "-o", help="The built folder to publish (default: output in "
                                     "site.yaml, or _site).")
@click.option("--message", "-m", default="", help="The commit message.")
@click.option("--push", is_flag=True, help="Push gh-pages to the remote afterwards.")
@click.option("--remote", default="origin", show_default=True, help="The remote to push to.")
@reports_problems
def deploy_command(config_file: Path | None, output: str | None, message: str, push: bool,
                   remote: str) -> None:
    """Commit the built site to the gh-pages branch, and push it with --push.

    Only gh-pages changes: your branch, index and files stay as they are.
    Run digest build first; the output must be as the build left it.
    """
    from .deploy import BRANCH, deploy

    project, config = load(config_file, output=output)
    done = deploy(project.root, project.output(config), config.output, config.cname,
                  message, remote, push)
    if done.changed:
        click.echo(f"Committed {done.files} files to {BRANCH} ({done.commit[:7]})")
    else:
        click.echo(f"{BRANCH} already holds this build ({done.commit[:7]})")
    if done.pushed_to:
        click.echo(f"Pushed {BRANCH} to {done.pushed_to}")
