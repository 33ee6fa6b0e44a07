"""The command line as a user meets it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from conftest import SiteDir, article


def test_init_creates_a_site_that_builds_at_once(tmp_path: Path) -> None:
    site = SiteDir(tmp_path)
    run = site.digest("init", "news")
    assert run.exit_code == 0, run.errors
    project = SiteDir(tmp_path / "news")
    assert (project.root / "site.yaml").is_file() and (project.root / "layouts").is_dir()
    build = project.build("--strict")
    assert "Built 1 articles" in build.output and build.errors == ""  # no warning
    assert "Welcome to your news digest" in project.read("index.html")
    assert not (project.out / ".gitkeep").exists()
    again = site.digest("init", "news")
    assert again.exit_code == 1 and "already exists" in again.errors


def test_new_writes_an_article_that_builds(site: SiteDir) -> None:
    site.write({"site.yaml": "timezone: Europe/Paris\ntopics: [World]\n"})
    run = site.digest("new", 'Talks resume: "a fresh start"', "--topic", "world")
    assert run.exit_code == 0, run.errors
    # the build clock is 2026-01-01T00:00:00Z, 01:00 in Paris
    path = site.root / "content/world/2026-01-01-talks-resume-a-fresh-start.md"
    assert run.output == (f"Created {path.relative_to(site.root)}, a draft: remove its line "
                          "'draft: true' to publish it\n")
    front = yaml.safe_load(path.read_text("utf-8").split("---")[1])
    assert front["title"] == 'Talks resume: "a fresh start"'
    assert front["topic"] == "World"
    assert front["draft"] is True
    assert str(front["date"]).startswith("2026-01-01")
    assert site.build().errors == "1 draft left out: --drafts\n"
    assert not (site.out / "2026/01/01/talks-resume-a-fresh-start/index.html").exists()
    path.write_text(path.read_text("utf-8").replace("draft: true", "draft: false"), "utf-8")
    assert site.build().errors == (
        f"{path.relative_to(site.root)}:10: warning: the body still holds the text digest new "
        "put there (\"Write the article here, in Markdown.\"): write the article, or mark it "
        "draft: true\n")
    assert (site.out / "2026/01/01/talks-resume-a-fresh-start/index.html").is_file()
    again = site.digest("new", 'Talks resume: "a fresh start"', "--topic", "world")
    assert again.exit_code == 1 and "already exists" in again.errors


def test_new_under_strict_topics_refuses_an_unknown_topic(site: SiteDir) -> None:
    site.write({"site.yaml": "strict_topics: true\ntopics: [World]\n"})
    run = site.digest("new", "Anything", "--topic", "Wrld")
    assert run.exit_code == 1
    assert "--topic: unknown topic 'Wrld' (did you mean 'World'?)" in run.errors


def test_output_and_base_url_flags(site: SiteDir) -> None:
    site.write({"content/a.md": article("Flagged")})
    run = site.digest("build", "--output", "public", "--base-url", "https://u.github.io/repo")
    assert run.exit_code == 0, run.errors
    page = (site.root / "public/index.html").read_text("utf-8")
    assert 'href="/repo/2025/06/01/a/"' in page
    bad = site.digest("build", "--base-url", "not a url")
    assert bad.exit_code == 1 and "base_url: 'not a url/' is not an absolute" in bad.errors


def test_config_flag_names_the_project(site: SiteDir, tmp_path: Path) -> None:
    site.write({"site.yaml": "title: Elsewhere\n", "content/a.md": article()})
    other = SiteDir(tmp_path / "cwd")
    other.root.mkdir()
    run = other.digest("build", "--config", str(site.root / "site.yaml"))
    assert run.exit_code == 0, run.errors
    assert "Elsewhere" in site.read("index.html")


def test_version_and_help_work_everywhere(site: SiteDir) -> None:
    site.root.mkdir(parents=True)
    assert site.digest("--version").output.startswith("digest, version ")
    for command in ([], ["build"], ["check"], ["new"], ["init"]):
        run = site.digest(*command, "--help")
        assert run.exit_code == 0 and "Usage: digest" in run.output


def test_the_installed_console_script_runs(site: SiteDir) -> None:
    site.write({"content/a.md": "---\ntitle: x\n---\n"})
    script = Path(sys.executable).parent / "digest"
    result = subprocess.run([str(script), "build"], cwd=site.root, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == ("content/a.md:1: missing date: add "
                                             "'date: 2024-03-22T15:16:00-04:00'")
    assert "Traceback" not in result.stderr


def test_the_installed_console_script_says_all_it_has_to_before_it_ends(site: SiteDir) -> None:
    """The program ends its process at once after a build or a check: nothing it printed
    may be lost, piped and buffered as it is here."""
    import os

    site.write({"content/a.md": article(), "content/b.md": article("B")})
    script = Path(sys.executable).parent / "digest"
    env = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
    for command, said in (("check", "OK: 2 articles"), ("build", "Built 2 articles")):
        result = subprocess.run([str(script), command], cwd=site.root, capture_output=True,
                                text=True, timeout=60, env=env)
        assert result.returncode == 0 and result.stderr == ""
        assert result.stdout.startswith(said) and result.stdout.endswith("\n")
    assert (site.out / "index.html").is_file()


def test_a_long_build_on_a_terminal_shows_progress_and_a_piped_one_does_not(
        tmp_path: Path) -> None:
    import os
    import pty
    import subprocess
    import sys

    sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
    from corpus import write_corpus

    root = tmp_path / "site"
    write_corpus(root, 600)
    digest = str(Path(sys.executable).parent / "digest")
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1767225600", "DIGEST_WORKERS": "2"}
    leader, follower = pty.openpty()
    code = """import sys, digest.progress as p; p.DELAY = 0.0
from digest.cli import main; sys.argv = ['digest', 'build', '--clean']; main()"""
    run = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, stderr=follower,
                         stdout=subprocess.PIPE, timeout=300)
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    assert run.returncode == 0
    assert b"rendering  [" in shown and b"parsing    [" in shown, shown[-500:]
    assert shown.endswith(b"\r\x1b[K")  # the bar is cleared before the summary
    assert b"Built 600 articles" in run.stdout
    # the program ends at once after a build: what it said is still all there, buffered
    buffered = {name: value for name, value in env.items() if name != "PYTHONUNBUFFERED"}
    piped = subprocess.run([digest, "build", "--clean"], cwd=root, env=buffered,
                           capture_output=True, timeout=300)
    assert piped.returncode == 0 and piped.stderr == b""
    assert piped.stdout.startswith(b"Built 600 articles") and piped.stdout.endswith(b"_site/\n")


def test_a_build_warns_when_the_output_nears_what_github_pages_takes(site: SiteDir,
                                                                     monkeypatch) -> None:
    site.write({"content/a.md": article()})
    assert "warning" not in site.build().errors
    monkeypatch.setattr("digest.cli.PAGES_WARNING", 1000)
    run = site.build()
    assert run.exit_code == 0
    assert run.errors.startswith("_site: warning: the output is 0 MB; GitHub Pages refuses")


def everything_below(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


def test_a_config_file_that_does_not_exist_is_an_error_for_every_command(
        site: SiteDir) -> None:
    site.write({"content/a.md": article()})
    before = everything_below(site.root)
    for command in (["build"], ["check"], ["serve"], ["new", "A headline"], ["deploy"]):
        for named in ("nope.yaml", "missing/site.yaml"):
            run = site.digest(*command, "--config", named)
            assert run.exit_code == 1, (command, run.output)
            assert run.errors.splitlines()[0] == (
                f"{named}: no such file; --config names the site's settings "
                "(leave it out to use the site.yaml of this folder or above)"), run.errors
            assert "Traceback" not in run.errors
        folder = site.digest(*command, "--config", "content")
        assert folder.exit_code == 1
        assert folder.errors.startswith("content: is a folder; --config names the site's "
                                        "settings, a file such as site.yaml"), folder.errors
    assert everything_below(site.root) == before  # no _site/, no missing/_site/


NO_SITE = ("not in a site: no site.yaml here or in a folder above, and no content/ folder; "
           "make a site with 'digest init DIR', or name its settings with --config FILE")


def test_outside_a_site_every_command_refuses_with_a_hint(tmp_path: Path) -> None:
    elsewhere = SiteDir(tmp_path / "elsewhere")
    elsewhere.write({"notes/todo.txt": "nothing to do with digest"})
    for command in (["build"], ["check"], ["serve"], ["new", "A headline"], ["deploy"]):
        run = elsewhere.digest(*command)
        assert run.exit_code == 1, (command, run.output)
        assert run.errors.splitlines()[0] == f"{elsewhere.root}: {NO_SITE}", run.errors
    assert everything_below(elsewhere.root) == ["notes", "notes/todo.txt"]


def test_commands_find_the_site_from_any_folder_inside_it(site: SiteDir) -> None:
    site.write({"site.yaml": "title: Found\ntopics: [World]\n",
                "content/world/a.md": article("First"),
                "layouts/.keep": ""})
    inside = SiteDir(site.root / "content" / "world")
    run = inside.digest("build")
    assert run.exit_code == 0, run.errors
    assert run.output.rstrip().endswith("→ _site/")  # relative to the site, as ever
    assert "Found" in site.read("index.html")
    created = inside.digest("new", "Second", "--topic", "World")
    assert created.output.startswith("Created content/world/2026-01-01-second.md, a draft")
    assert (site.root / "content/world/2026-01-01-second.md").is_file()
    assert SiteDir(site.root / "layouts").digest("check").exit_code == 0
    assert not (site.root / "content" / "_site").exists()
    assert not (site.root / "content" / "content").exists()
    assert not (site.root / "layouts" / "_site").exists()


def test_site_yaml_above_wins_over_a_content_folder_below_it(site: SiteDir) -> None:
    # content/content/ is what `digest new` used to make when run inside content/
    site.write({"site.yaml": "title: Outer\n", "content/a.md": article("Outer article"),
                "content/content/general/b.md": article("Stray", "2025-06-02")})
    run = SiteDir(site.root / "content").digest("build")
    assert run.exit_code == 0, run.errors
    assert "Outer" in site.read("index.html")
    assert not (site.root / "content" / "_site").exists()


def test_a_site_without_site_yaml_is_the_folder_that_holds_content(site: SiteDir) -> None:
    site.write({"content/news/a.md": article("Defaults"), "static/x.txt": "x"})
    assert site.build().output.rstrip().endswith("→ _site/")
    (site.out / "index.html").unlink()
    for folder in ("content", "content/news"):
        run = SiteDir(site.root / folder).digest("build")
        assert run.exit_code == 0, (folder, run.errors)
        assert "Defaults" in site.read("index.html")
        assert not (site.root / folder / "_site").exists()
    # beside content/ rather than inside it, only a site.yaml would say where the site is
    beside = SiteDir(site.root / "static").digest("build")
    assert beside.exit_code == 1 and NO_SITE in beside.errors
