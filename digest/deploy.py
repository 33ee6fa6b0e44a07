"""`digest deploy`: the built output as one commit on the gh-pages branch.

Like ghp-import, the commit is made with git's plumbing from the output folder's
files alone: a private index file, write-tree, commit-tree, update-ref. The
working tree, the index and every other branch are left as they are. The previous
gh-pages commit, if any, is the new one's parent, so the branch only grows and
pushing it never needs force.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .errors import DigestError, problem
from .output import MANIFEST, read_manifest

BRANCH = "gh-pages"
REF = f"refs/heads/{BRANCH}"


@dataclass(frozen=True)
class Deployment:
    commit: str  # the gh-pages commit that holds the site
    files: int  # files in it
    changed: bool  # False when the site was already on gh-pages as it is
    pushed_to: str | None  # the remote it was pushed to, if any


def deploy(repository: Path, output: Path, shown: str, cname: str = "", message: str = "",
           remote: str = "origin", push: bool = False) -> Deployment:
    """Commit the output folder to gh-pages, then push it to `remote` if asked."""
    git = Git(_repository_root(repository))
    files = site_files(output, shown, cname)
    _refuse_checked_out_branch(git)
    if push and remote not in git.run("remote").split():
        raise DigestError(problem(remote, 0, f"no git remote named '{remote}' "
                                             "(git remote -v lists them)"))
    local = git.commit_of(REF)
    # a fresh clone has no gh-pages of its own yet: carry on from the remote's
    parent = local or git.commit_of(f"refs/remotes/{remote}/{BRANCH}")
    tree = git.tree_of(files)
    changed = parent is None or git.run("rev-parse", f"{parent}^{{tree}}") != tree
    commit = parent
    if changed:
        text = message or _default_message(git)
        commit = git.run("commit-tree", tree, *(["-p", parent] if parent else []), "-m", text)
    if commit != local:
        git.run("update-ref", "-m", "digest deploy", REF, commit, local or "")
    if push:
        git.push(remote)
    return Deployment(commit, len(files), changed, remote if push else None)


def site_files(output: Path, shown: str, cname: str = "") -> dict[str, Path | bytes]:
    """What gh-pages will hold: the output as its last build wrote it, .nojekyll and CNAME.

    Refuses an output folder with no build in it, or one whose files were changed,
    added or removed after digest wrote them.
    """
    manifest = read_manifest(output) if output.is_dir() else None
    if manifest is None:
        raise DigestError(problem(shown, 0, "no build to deploy here: run digest build first"))
    files: dict[str, Path | bytes] = {}
    changed = []
    for rel, digest in sorted(manifest.items()):
        try:
            data = (output / rel).read_bytes()
        except OSError:
            changed.append(f"{rel} (missing)")
            continue
        if hashlib.sha256(data).hexdigest() != digest:
            changed.append(f"{rel} (changed)")
        files[rel] = output / rel
    present = {p.relative_to(output).as_posix() for p in output.rglob("*") if not p.is_dir()}
    changed += [f"{rel} (added)" for rel in sorted(present - set(manifest) - {MANIFEST})]
    if changed:
        listed = ", ".join(changed[:5]) + (" and more" if len(changed) > 5 else "")
        raise DigestError(problem(shown, 0, f"the output folder is not as digest build left "
                                            f"it: {listed}; run digest build again"))
    files.setdefault(".nojekyll", b"")
    if cname:
        files.setdefault("CNAME", f"{cname}\n".encode())
    return files


class Git:
    """git's plumbing, run in one repository; a failing command becomes a DigestError."""

    def __init__(self, root: Path):
        self.root = root

    def run(self, *args: str, stdin: str | None = None, env: dict[str, str] | None = None,
            check: bool = True) -> str:
        try:
            result = subprocess.run(["git", *args], cwd=self.root, input=stdin, text=True,
                                    capture_output=True, env=env)
        except OSError as err:
            raise DigestError(problem("git", 0, f"cannot run git: {err.strerror}")) from None
        if check and result.returncode != 0:
            said = result.stderr.strip().splitlines() or [f"exit status {result.returncode}"]
            hint = ""
            if "tell me who you are" in result.stderr or "auto-detect" in result.stderr:
                hint = ("; tell git who commits: git config user.name 'Your Name' and "
                        "git config user.email you@example.org")
            raise DigestError(problem("git", 0, f"git {args[0]} failed: {said[-1]}{hint}"))
        return result.stdout.strip()

    def commit_of(self, ref: str) -> str | None:
        return self.run("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}",
                        check=False) or None

    def tree_of(self, files: dict[str, Path | bytes]) -> str:
        """The tree object of `files`, built in a private index: the user's stays untouched."""
        with tempfile.TemporaryDirectory(prefix="digest-deploy-") as scratch:
            paths = []
            for number, (rel, content) in enumerate(files.items()):
                if isinstance(content, bytes) or "\n" in str(content):
                    path = Path(scratch) / f"blob-{number}"
                    path.write_bytes(content if isinstance(content, bytes)
                                     else content.read_bytes())
                    content = path
                paths.append(str(content.absolute()))
            # --no-filters: the bytes as built, whatever .gitattributes or autocrlf say
            blobs = self.run("hash-object", "-w", "--no-filters", "--stdin-paths",
                             stdin="".join(f"{path}\n" for path in paths)).split()
            env = {**os.environ, "GIT_INDEX_FILE": str(Path(scratch) / "index")}
            listing = "".join(f"100644 {blob}\t{rel}\0" for rel, blob in zip(files, blobs))
            self.run("update-index", "-z", "--add", "--index-info", stdin=listing, env=env)
            return self.run("write-tree", env=env)

    def push(self, remote: str) -> None:
        result = subprocess.run(["git", "push", "--quiet", remote, f"{REF}:{REF}"],
                                cwd=self.root, text=True, capture_output=True)
        if result.returncode != 0:
            said = result.stderr.strip()
            hint = ""
            if "non-fast-forward" in said or "rejected" in said or "fetch first" in said:
                hint = (f"; {remote}'s {BRANCH} has commits this repository lacks: run "
                        f"git fetch {remote} {BRANCH}:{BRANCH}, then deploy again")
            last = said.splitlines()[-1] if said else f"exit status {result.returncode}"
            raise DigestError(problem("git", 0, f"git push to {remote} failed: {last}{hint}"))


def _repository_root(folder: Path) -> Path:
    git = Git(folder)
    root = git.run("rev-parse", "--show-toplevel", check=False)
    if not root:
        raise DigestError(problem(str(folder), 0, "not in a git repository: run git init "
                                                  "(and add a remote to push to) first"))
    return Path(root)


def _refuse_checked_out_branch(git: Git) -> None:
    """Moving a branch that a work tree has checked out would leave that tree behind it."""
    listing = git.run("worktree", "list", "--porcelain")
    if f"branch {REF}" in listing.splitlines():
        raise DigestError(problem(BRANCH, 0, f"{BRANCH} is checked out in a work tree; "
                                             "switch to another branch, then deploy"))


def _default_message(git: Git) -> str:
    head = git.run("rev-parse", "--short", "--verify", "--quiet", "HEAD", check=False)
    return f"Publish the site built from {head}" if head else "Publish the site"
