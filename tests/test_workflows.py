"""The GitHub workflow files parse and match GitHub's workflow schema (vendored by check-jsonschema, offline)."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))


def vendored_schema(name: str) -> dict:
    path = resources.files("check_jsonschema.builtin_schemas.vendor") / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def test_there_are_ci_and_release_workflows():
    assert [p.name for p in WORKFLOWS] == ["ci.yml", "release.yml"]


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_matches_github_schema(path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if True in data:  # PyYAML (YAML 1.1) reads the `on:` key as True; GitHub reads it as "on"
        data["on"] = data.pop(True)
    jsonschema.validate(data, vendored_schema("github-workflows"))
    assert data["on"]
    for job in data["jobs"].values():
        assert job["runs-on"] and job["steps"]


def test_schema_check_can_fail():
    bad = {"on": "push", "jobs": {"x": {"steps": [{"run": "true"}]}}}  # no runs-on
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, vendored_schema("github-workflows"))


def test_check_jsonschema_cli_agrees():
    out = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", *map(str, WORKFLOWS)],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_ci_runs_what_the_brief_promises():
    ci = (REPO / ".github/workflows/ci.yml").read_text()
    for step in ("pip install", "uv sync --locked", "uv run tradetalks validate", "uv run pytest", "diff -r", "tradetalks diff", "never rewritten"):
        assert step in ci, step
    release = (REPO / ".github/workflows/release.yml").read_text()
    for step in ("tags:", "uv run tradetalks reproduce", "gh release upload", "uv build"):
        assert step in release, step


def test_citation_cff_matches_its_schema_and_the_version():
    from tradetalks.__about__ import __version__

    cff = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    jsonschema.validate(cff, vendored_schema("citation-file-format"))
    assert cff["type"] == "dataset" and cff["version"] == __version__ and cff["license"] == "CC-BY-4.0"
