"""`digest deploy` against real git repositories in temporary folders."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest

from conftest import SiteDir, article


@pytest.fixture(autouse=True)
def git_identity(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A git of our own: no user or system configuration, a fixed identity."""
    config = tmp_path / "gitconfig"
    config.write_text("[user]\n\tname = Desk\n\temail = desk@example.org\n"
                      "[init]\n\tdefaultBranch = main\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))  # no repository around us


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def state(repo: Path) -> dict:
    """Everything deploy must not touch: branches, HEAD, index and working files."""
    refs = git(repo, "for-each-ref", "--format=%(refname) %(objectname)")
    files = {p.relative_to(repo).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in sorted(repo.rglob("*")) if p.is_file() and ".git" not in p.parts}
    return {"refs": [r for r in refs.splitlines() if "gh-pages" not in r],
            "head": git(repo, "symbolic-ref", "HEAD"),
            "index": (repo / ".git" / "index").read_bytes(),
            "status": git(repo, "--no-optional-locks", "status", "--porcelain",
                          "--untracked-files=all"),
            "files": files}


def tree(repo: Path, ref: str = "gh-pages") -> dict[str, bytes]:
    names = git(repo, "ls-tree", "-r", "-z", "--name-only", ref).split("\0")
    return {name: subprocess.run(["git", "show", f"{ref}:{name}"], cwd=repo,
                                 capture_output=True, check=True).stdout
            for name in names if name}


@pytest.fixture
def repo(site: SiteDir) -> SiteDir:
    """A committed site, built, with an uncommitted edit and a staged file of its own."""
    site.write({"site.yaml": "title: Deployed\nbase_url: https://example.org/news/\n"
                             "cname: news.example.org\n",
                "content/one.md": article("One"), ".gitignore": "_site/\n",
                "static/img/dot.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>\n"})
    git(site.root, "init", "-q")
    git(site.root, "add", ".")
    git(site.root, "commit", "-q", "-m", "The site")
    git(site.root, "branch", "other")
    site.write({"content/draft.md": article("Unsaved work"), "notes.txt": "staged\n"})
    git(site.root, "add", "notes.txt")
    site.build()
    return site


def built_files(site: SiteDir) -> dict[str, bytes]:
    return {p.relative_to(site.out).as_posix(): p.read_bytes()
            for p in site.out.rglob("*") if p.is_file() and p.name != ".digest-manifest.json"}


def test_deploy_commits_the_output_to_gh_pages_and_touches_nothing_else(repo: SiteDir) -> None:
    before = state(repo.root)
    run = repo.digest("deploy")
    assert run.exit_code == 0, run.errors
    commit = git(repo.root, "rev-parse", "gh-pages")
    assert run.output == f"Committed {len(built_files(repo))} files to gh-pages ({commit[:7]})\n"
    assert tree(repo.root) == built_files(repo)
    assert tree(repo.root)["CNAME"] == b"news.example.org\n"
    assert tree(repo.root)[".nojekyll"] == b""
    assert ".digest-manifest.json" not in tree(repo.root)
    assert git(repo.root, "log", "--format=%s", "gh-pages") == (
        f"Publish the site built from {git(repo.root, 'rev-parse', '--short', 'HEAD')}")
    assert git(repo.root, "rev-list", "--count", "gh-pages") == "1"  # no parent, no history
    assert state(repo.root) == before


def test_a_new_build_adds_one_commit_and_an_unchanged_one_none(repo: SiteDir) -> None:
    assert repo.digest("deploy").exit_code == 0
    first = git(repo.root, "rev-parse", "gh-pages")
    again = repo.digest("deploy")
    assert again.output == f"gh-pages already holds this build ({first[:7]})\n"
    assert git(repo.root, "rev-parse", "gh-pages") == first
    repo.write({"content/two.md": article("Two", "2025-06-02")})
    repo.build()
    run = repo.digest("deploy", "--message", "Evening edition")
    assert run.exit_code == 0, run.errors
    head = git(repo.root, "rev-parse", "--short", "HEAD")
    assert git(repo.root, "log", "--format=%s", "gh-pages").splitlines() == [
        "Evening edition", f"Publish the site built from {head}"]
    assert git(repo.root, "rev-parse", "gh-pages^") == first
    assert "2025/06/02/two/index.html" in tree(repo.root)


def bare_remote(repo: SiteDir, tmp_path: Path, name: str) -> Path:
    """A bare repository added to `repo` as the remote `name`, with main pushed to it."""
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(repo.root, "remote", "add", name, str(remote))
    git(repo.root, "push", "-q", name, "main")
    return remote


def test_push_publishes_gh_pages_to_the_remote_and_nothing_else(repo: SiteDir,
                                                                 tmp_path: Path) -> None:
    remote = bare_remote(repo, tmp_path, "origin")
    main_before = git(remote, "rev-parse", "main")
    run = repo.digest("deploy", "--push")
    assert run.exit_code == 0, run.errors
    assert run.output.splitlines()[-1] == "Pushed gh-pages to origin"
    assert git(remote, "rev-parse", "gh-pages") == git(repo.root, "rev-parse", "gh-pages")
    assert git(remote, "rev-parse", "main") == main_before
    assert git(remote, "for-each-ref", "--format=%(refname)").splitlines() == [
        "refs/heads/gh-pages", "refs/heads/main"]
    assert tree(remote) == built_files(repo)


def test_a_fresh_clone_carries_on_the_remote_history(repo: SiteDir, tmp_path: Path) -> None:
    remote = bare_remote(repo, tmp_path, "upstream")
    assert repo.digest("deploy", "--push", "--remote", "upstream").exit_code == 0
    published = git(remote, "rev-parse", "gh-pages")
    clone = SiteDir(tmp_path / "clone")
    git(tmp_path, "clone", "-q", "--origin", "upstream", str(remote), str(clone.root))
    clone.write({"content/two.md": article("Two", "2025-06-02")})
    clone.build()
    run = clone.digest("deploy", "--push", "--remote", "upstream")
    assert run.exit_code == 0, run.errors
    assert git(remote, "rev-parse", "gh-pages^") == published


def test_a_fresh_clone_with_the_same_build_takes_the_remote_branch(repo: SiteDir,
                                                                  tmp_path: Path) -> None:
    remote = bare_remote(repo, tmp_path, "origin")
    assert repo.digest("deploy", "--push").exit_code == 0
    published = git(remote, "rev-parse", "gh-pages")
    clone = SiteDir(tmp_path / "clone")
    git(tmp_path, "clone", "-q", str(remote), str(clone.root))
    clone.write({"content/draft.md": article("Unsaved work")})  # the same site as published
    clone.build()
    run = clone.digest("deploy", "--push")
    assert run.exit_code == 0, run.errors
    assert run.output.splitlines()[0] == f"gh-pages already holds this build ({published[:7]})"
    assert git(clone.root, "rev-parse", "gh-pages") == published
    assert git(remote, "rev-parse", "gh-pages") == published


def test_deploy_refuses_a_missing_build(repo: SiteDir) -> None:
    run = repo.digest("deploy", "--output", "elsewhere")
    assert run.exit_code == 1
    assert run.errors.splitlines()[0] == ("elsewhere: no build to deploy here: "
                                          "run digest build first")
    assert "gh-pages" not in git(repo.root, "branch")


@pytest.mark.parametrize("spoil, listed", [
    (lambda out: (out / "index.html").write_text("edited"), "index.html (changed)"),
    (lambda out: (out / "extra.html").write_text("added"), "extra.html (added)"),
    (lambda out: (out / "theme.css").unlink(), "theme.css (missing)"),
])
def test_deploy_refuses_an_output_changed_after_the_build(repo: SiteDir, spoil,
                                                          listed: str) -> None:
    spoil(repo.out)
    before = state(repo.root)
    run = repo.digest("deploy")
    assert run.exit_code == 1
    assert run.errors.splitlines()[0] == (f"_site: the output folder is not as digest build "
                                          f"left it: {listed}; run digest build again")
    assert "gh-pages" not in git(repo.root, "branch")
    assert state(repo.root) == before


def test_deploy_needs_a_git_repository_and_a_known_remote(repo: SiteDir,
                                                          tmp_path: Path) -> None:
    run = repo.digest("deploy", "--push", "--remote", "nowhere")
    assert run.exit_code == 1
    assert "nowhere: no git remote named 'nowhere'" in run.errors
    assert "gh-pages" not in git(repo.root, "branch")
    alone = SiteDir(tmp_path / "alone")
    alone.write({"content/a.md": article()})
    alone.build()
    run = alone.digest("deploy")
    assert run.exit_code == 1 and "not in a git repository" in run.errors
    assert "Traceback" not in run.errors


def test_deploy_refuses_while_gh_pages_is_checked_out(repo: SiteDir, tmp_path: Path) -> None:
    assert repo.digest("deploy").exit_code == 0
    git(repo.root, "worktree", "add", "-q", str(tmp_path / "pages"), "gh-pages")
    published = git(repo.root, "rev-parse", "gh-pages")
    repo.write({"content/two.md": article("Two", "2025-06-02")})
    repo.build()
    run = repo.digest("deploy")
    assert run.exit_code == 1
    assert run.errors.splitlines()[0] == ("gh-pages: gh-pages is checked out in a work tree; "
                                          "switch to another branch, then deploy")
    assert git(repo.root, "rev-parse", "gh-pages") == published


def test_files_are_published_byte_for_byte_whatever_git_attributes_say(repo: SiteDir) -> None:
    git(repo.root, "config", "core.autocrlf", "true")
    (repo.root / ".gitattributes").write_text("* text=auto eol=crlf\n")
    repo.write({"static/notes.txt": b"one\r\ntwo\nthree\r\n"})
    repo.build()
    assert repo.digest("deploy").exit_code == 0
    assert tree(repo.root)["notes.txt"] == b"one\r\ntwo\nthree\r\n"
    assert tree(repo.root) == built_files(repo)


def test_deploy_help(site: SiteDir) -> None:
    site.root.mkdir(parents=True)
    run = site.digest("deploy", "--help")
    assert run.exit_code == 0
    for option in ("--push", "--remote", "--message", "--output", "--config"):
        assert option in run.output


def test_deploy_says_how_to_tell_git_who_commits(repo: SiteDir, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    anonymous = tmp_path / "anonymous-gitconfig"
    anonymous.write_text("[user]\n\tuseConfigOnly = true\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(anonymous))
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME",
                 "GIT_COMMITTER_EMAIL", "EMAIL"):
        monkeypatch.delenv(name, raising=False)
    run = repo.digest("deploy")
    assert run.exit_code == 1
    assert run.errors.splitlines()[0].endswith(
        "tell git who commits: git config user.name 'Your Name' and "
        "git config user.email you@example.org")
    assert "gh-pages" not in git(repo.root, "branch")
