"""What a new user meets first: the command line, licences, the dataset card, citing, file modes.

Commands run as subprocesses (`python -m tradetalks`), as a user runs them; "without the build
extra" is simulated by refusing those imports in the subprocess.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import jsonschema
import polars as pl
import pytest
import yaml

import test_load
from conftest import make_dataset
from test_load import fresh_loader_state, loader, table_path  # noqa: F401  (fixtures)
from test_workflows import vendored_schema
from tradetalks.__about__ import __version__

built_release = test_load.built_release  # fixture; an assignment, so the parameters that use it are not redefinitions

REPO = Path(__file__).resolve().parents[1]
BUILD_ONLY = "pandera,jsonschema,fastjsonschema,yaml,rapidfuzz,duckdb,pandas"

# Runs the command line with some top-level modules made unimportable, as in a venv without them.
BLOCKER = """
import sys, importlib.abc
blocked = set(sys.argv[1].split(",")) - {""}
class Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in blocked:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, Blocker())
sys.argv = ["tradetalks", *sys.argv[2:]]
from tradetalks.cli import main
main()
"""


def tradetalks(*args: str, cwd: Path = REPO, blocked: str = "", env: dict | None = None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", BLOCKER, blocked, *args], cwd=cwd, capture_output=True, text=True, timeout=300, env={**os.environ, **(env or {})}, **kw
    )


@pytest.fixture(scope="module")
def dated_release(tmp_path_factory) -> Path:
    """The fixture dataset released as 3.1.4 on 2031-01-05 (a CHANGELOG entry with a date)."""
    from tradetalks.pipeline.run import build

    root = tmp_path_factory.mktemp("dated")
    make_dataset(root)
    (root / "CHANGELOG.md").write_text("# Changelog\n\n## 3.1.4 - 2031-01-05\n\nA release.\n", encoding="utf-8")
    return build(root, root / "out" / "3.1.4", version="3.1.4").release_dir


# --- the command line -------------------------------------------------------------------------


def test_version_flag_and_python_dash_m():
    out = subprocess.run([sys.executable, "-m", "tradetalks", "--version"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == f"tradetalks {__version__}", out.stderr
    out = subprocess.run([sys.executable, "-m", "tradetalks", "--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "Usage: tradetalks" in out.stdout  # the program's name, not __main__.py
    for command in ("build", "validate", "diff", "cite", "fetch"):
        assert command in out.stdout, command


def test_install_hint_is_printed_literally(tmp_path):
    (tmp_path / "dataset").mkdir()
    out = tradetalks("validate", "--root", str(tmp_path), blocked="pandera,yaml")
    assert out.returncode == 1
    assert "pip install 'tradetalks[build]'" in out.stderr, out.stderr
    assert "Traceback" not in out.stderr


def test_diff_and_cite_need_no_build_dependency(built_release, tmp_path):
    out = tradetalks("diff", str(built_release), str(built_release), blocked=BUILD_ONLY)
    assert out.returncode == 0, out.stderr
    assert "rows" in out.stdout and "version check" in out.stdout
    out = tradetalks("cite", blocked=BUILD_ONLY)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("@misc{")


def test_progress_is_quiet_when_output_is_not_a_terminal(tmp_path):
    make_dataset(tmp_path)
    out = tradetalks("build", "--root", str(tmp_path))
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""  # no spinner, no escape codes in a log file
    assert "\x1b" not in out.stdout


def test_progress_shows_on_a_terminal(tmp_path):
    make_dataset(tmp_path)
    seen = _on_a_terminal("build", "--root", str(tmp_path))
    assert b"building" in seen, seen[-500:]


def test_readme_commands_exist():
    """Every `tradetalks <command>` the README names is a command of the CLI."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    help_text = tradetalks("--help").stdout
    named = set(re.findall(r"tradetalks ([a-z]+)\b", readme)) - {"contributors"}
    assert {"build", "diff", "cite", "fetch", "validate"} <= named
    for command in named:
        assert re.search(rf"\b{command}\b", help_text), command


# --- README examples that run offline -----------------------------------------------------------


def readme_blocks(lang: str) -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    return re.findall(rf"```{lang}\n(.*?)```", readme, re.S)


def test_readme_python_example_runs(tmp_path):
    (code,) = [b for b in readme_blocks("python") if "import tradetalks" in b]
    env = {**os.environ, "TRADETALKS_CACHE": str(tmp_path / "cache"), "TRADETALKS_BASE_URL": "http://127.0.0.1:9/{version}/"}
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "quote_id" in out.stdout  # describe() printed the columns
    assert not (tmp_path / "cache").exists()  # the shipped version: nothing fetched


def test_readme_build_and_diff_examples_run(tmp_path):
    """`uv run tradetalks build` then `uv run tradetalks diff` (and validate, and diff's two-directory form), in a copy of the repository."""
    import shutil

    for name in ("dataset", "release"):
        shutil.copytree(REPO / name, tmp_path / name)
    shutil.copy2(REPO / "CHANGELOG.md", tmp_path / "CHANGELOG.md")
    lines = [line.split("#")[0].strip() for block in readme_blocks("bash") for line in block.splitlines()]
    commands = [line for line in lines if line.startswith("uv run tradetalks ") and line.split()[3] in ("build", "diff", "validate")]
    assert "uv run tradetalks build" in commands and "uv run tradetalks diff" in commands, commands
    prose = (REPO / "README.md").read_text(encoding="utf-8")
    # In the text: `uv run tradetalks validate`, and diff's two-directory form.
    commands += re.findall(r"`(uv run tradetalks (?:diff|validate)[^`]*)`", prose)
    ran = []
    for command in ["uv run tradetalks build", *[c for c in commands if c != "uv run tradetalks build"]]:
        out = tradetalks(*command.split()[3:], cwd=tmp_path)
        assert out.returncode == 0, (command, out.stdout, out.stderr)
        ran.append(command)
    assert any(c.startswith("uv run tradetalks diff release/") for c in ran), ran
    assert "uv run tradetalks validate" in ran, ran
    out = tradetalks("diff", cwd=tmp_path)
    assert "version check: ok" in out.stdout and "articles" in out.stdout


def test_readme_install_examples_name_the_release():
    block = next(b for b in readme_blocks("bash") if "pip install" in b)
    installs = [line for line in block.splitlines() if line.startswith("pip install")]
    assert len(installs) == 3
    wheel, git, pypi = installs
    assert f"/releases/download/v{__version__}/tradetalks-{__version__}-py3-none-any.whl" in wheel
    assert f"git+https://github.com/tradetalks/tradetalks@v{__version__}" in git
    assert pypi.startswith("pip install tradetalks==")


# --- licences ------------------------------------------------------------------------------------


def test_licences_agree():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "MIT AND CC-BY-4.0"
    for name in project["license-files"]:
        assert (REPO / name).is_file(), name
    assert "MIT License" in (REPO / "LICENSE").read_text(encoding="utf-8")
    data = (REPO / "LICENSE-DATA").read_text(encoding="utf-8")
    assert "CC BY 4.0" in data and "publishers" in data and "NOT covered" in data
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    licence = readme[readme.index("## Licence") :]
    assert "MIT" in licence and "CC BY 4.0" in licence and "publishers" in licence
    assert "(LICENSE)" in licence and "(LICENSE-DATA)" in licence


# --- citing --------------------------------------------------------------------------------------


def changelog_date(version: str) -> str:
    from tradetalks.formats.metadata import release_date

    date = release_date((REPO / "CHANGELOG.md").read_text(encoding="utf-8"), version)
    assert date is not None
    return date


def test_citation_cff_is_dated_like_the_changelog_and_matches_the_package():
    from tradetalks.formats import metadata

    cff = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["date-released"] == changelog_date(cff["version"])
    assert cff["title"] == metadata.TITLE and cff["license"] == metadata.DATA_LICENSE
    assert [a["name"] for a in cff["authors"]] == [metadata.AUTHORS]
    assert cff["repository-code"] == metadata.HOMEPAGE and cff["keywords"] == metadata.KEYWORDS


def test_zenodo_metadata_matches_citation_cff():
    zenodo = json.loads((REPO / ".zenodo.json").read_text(encoding="utf-8"))
    cff = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    assert zenodo["upload_type"] == "dataset" and zenodo["access_right"] == "open"
    assert zenodo["title"] == cff["title"]
    assert zenodo["license"] == cff["license"].lower()
    assert [c["name"] for c in zenodo["creators"]] == [a["name"] for a in cff["authors"]]
    assert "version" not in zenodo  # Zenodo takes it from each release's tag
    assert any(r["identifier"] == cff["repository-code"] for r in zenodo["related_identifiers"])


def test_cite_prints_each_format_with_the_release_year():
    year = changelog_date(__version__)[:4]
    bib = tradetalks("cite")
    assert bib.returncode == 0, bib.stderr
    assert re.search(rf"year\s*=\s*\{{{year}\}}", bib.stdout) and f"version      = {{{__version__}}}" in bib.stdout
    assert bib.stdout.count("{") == bib.stdout.count("}")
    apa = tradetalks("cite", "--format", "apa").stdout
    assert f"({year})" in apa and f"(Version {__version__}) [Data set]" in apa
    cff = yaml.safe_load(tradetalks("cite", "--format", "cff", "--version", __version__).stdout)
    jsonschema.validate(cff, vendored_schema("citation-file-format"))
    repo_cff = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    for key in ("title", "authors", "version", "date-released", "license", "repository-code", "type"):
        assert cff[key] == repo_cff[key], key


def test_cite_refuses_unknown_versions_and_formats():
    out = tradetalks("cite", "--version", "99.0.0")
    assert out.returncode == 1 and "99.0.0 is not a published version" in out.stderr and "Traceback" not in out.stderr
    out = tradetalks("cite", "--version", "../1.0.0")
    assert out.returncode == 1 and "must look like 1.0.0" in out.stderr
    out = tradetalks("cite", "--format", "mla")
    assert out.returncode == 2 and "bibtex, apa, cff" in out.stderr


def test_citation_year_follows_the_release_date():
    from tradetalks.formats import citation

    for date in ("2026-11-22", "2031-01-05"):
        assert f"year         = {{{date[:4]}}}" in citation.bibtex("1.2.3", date)
        assert f"({date[:4]})" in citation.apa("1.2.3", date)
    assert "(n.d.)" in citation.apa("dev", None)


# --- the dataset card ------------------------------------------------------------------------------


def card_header(card: str) -> dict:
    assert card.startswith("---\n")
    return yaml.safe_load(card.split("---\n")[1])


def test_card_has_a_hugging_face_header(dated_release):
    card = (dated_release / "README.md").read_text(encoding="utf-8")
    manifest = json.loads((dated_release / "manifest.json").read_text(encoding="utf-8"))
    header = card_header(card)
    assert header["license"] == "cc-by-4.0" and header["language"] == ["en"] and header["pretty_name"]
    assert header["tags"] and header["size_categories"] == ["n<1K"]
    configs = {c["config_name"]: c["data_files"] for c in header["configs"]}
    assert list(configs) == list(manifest["tables"])
    for name, files in configs.items():
        (entry,) = files
        assert (dated_release / entry["path"]).is_file() and entry["path"] == manifest["tables"][name]["path"]
    assert sum(bool(c.get("default")) for c in header["configs"]) == 1


def test_card_lists_articles_outlets_window_and_limits(dated_release):
    card = (dated_release / "README.md").read_text(encoding="utf-8")
    articles = pl.read_parquet(table_path(dated_release, "articles"))
    for article_id in articles["article_id"]:
        assert f"`{article_id}`" in card
    dates = articles.select(pl.coalesce("published_date", "reference_date")).to_series().drop_nulls().sort()
    assert f"{dates[0].isoformat()} to {dates[-1].isoformat()}" in card
    assert f"{articles.height} article" in card
    unknown = articles["outlet"].null_count()
    assert f"unknown for {unknown} of {articles.height}" in card
    for section in (
        "## What is in this release",
        "## How articles are selected",
        "## What the annotations claim",
        "## Known limitations and biases",
        "## Citing",
    ):
        assert section in card, section
    assert "English only" in card


def test_card_cites_with_the_release_year(dated_release):
    card = (dated_release / "README.md").read_text(encoding="utf-8")
    bib = re.search(r"```bibtex\n(.*?)```", card, re.S).group(1)
    assert "year         = {2031}" in bib and "@misc{tradetalks_3_1_4," in bib
    assert "2025)" not in card.split("## Citing")[1].split("## Licence")[0]
    croissant = json.loads((dated_release / "croissant.json").read_text(encoding="utf-8"))
    assert "{2031}" in croissant["citeAs"] and croissant["datePublished"] == "2031-01-05"


def test_card_of_a_working_build_is_undated(tmp_path):
    from tradetalks.pipeline.run import build

    make_dataset(tmp_path)
    card = (build(tmp_path).release_dir / "README.md").read_text(encoding="utf-8")
    assert "(n.d.)" in card and "not a published version" in card


# --- file modes ----------------------------------------------------------------------------------


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_build_output_modes_follow_the_umask(tmp_path, mask):
    from tradetalks.pipeline.run import build

    make_dataset(tmp_path)
    old = os.umask(mask)
    try:
        out = build(tmp_path).release_dir
    finally:
        os.umask(old)
    paths = [out, *out.rglob("*")]
    assert len(paths) > 10
    for p in paths:
        want = (0o777 if p.is_dir() else 0o666) & ~mask
        assert stat.S_IMODE(p.stat().st_mode) == want, (p, oct(p.stat().st_mode))


def test_current_umask_is_read_without_changing_it():
    old = os.umask(0o027)
    try:
        assert loader.current_umask() == 0o027
        assert loader.current_umask() == 0o027
    finally:
        os.umask(old)


# --- release workflow: PyPI ----------------------------------------------------------------------


def test_release_workflow_publishes_to_pypi_with_trusted_publishing():
    workflow = yaml.safe_load((REPO / ".github/workflows/release.yml").read_text(encoding="utf-8"))
    jobs = workflow["jobs"]
    (name,) = [n for n, job in jobs.items() if any("pypa/gh-action-pypi-publish" in s.get("uses", "") for s in job["steps"])]
    job = jobs[name]
    assert job["permissions"] == {"id-token": "write"}  # OIDC only: no token, no other write
    assert job["environment"]["name"] == "pypi"
    assert "release" in ([job["needs"]] if isinstance(job["needs"], str) else job["needs"])  # only after the checks
    uploads = [s for s in jobs["release"]["steps"] if "upload-artifact" in s.get("uses", "")]
    downloads = [s for s in job["steps"] if "download-artifact" in s.get("uses", "")]
    assert uploads and downloads and uploads[0]["with"]["name"] == downloads[0]["with"]["name"]
    assert not any("password" in (s.get("with") or {}) for s in job["steps"])


def test_release_updates_the_readme_install_examples_and_the_card_year(tmp_path):
    from test_load import build_release
    from tradetalks.publishing.publish import publish

    root = tmp_path / "repo"
    build_release(root)
    readme = next(b for b in readme_blocks("bash") if "pip install" in b)
    (root / "README.md").write_text(f"# x\n\n```bash\n{readme}```\n", encoding="utf-8")
    publish(root, "1.0.0", date="2030-02-03")
    text = (root / "README.md").read_text(encoding="utf-8")
    assert "/releases/download/v1.0.0/tradetalks-1.0.0-py3-none-any.whl" in text
    assert "git+https://github.com/tradetalks/tradetalks@v1.0.0" in text
    (root / "CHANGELOG.md").write_text((root / "CHANGELOG.md").read_text().replace("## 1.0.0", "## Unreleased\n\nMore.\n\n## 1.0.0", 1))
    publish(root, "1.0.1", date="2031-04-05")
    text = (root / "README.md").read_text(encoding="utf-8")
    assert "/releases/download/v1.0.1/tradetalks-1.0.1-py3-none-any.whl" in text and "tradetalks-1.0.0-" not in text
    assert "git+https://github.com/tradetalks/tradetalks@v1.0.1" in text
    assert "pip install tradetalks==X.Y.Z" in text
    card = (root / "release" / "1.0.1" / "README.md").read_text(encoding="utf-8")
    assert "year         = {2031}" in card and "(released 2031-04-05)" in card


# --- the command line for both audiences --------------------------------------------------------

COMMANDS = ["fetch", "cite", "card", "tables", "validate", "build", "suggest", "fill", "schemas", "diff", "site", "release", "reproduce"]


def test_help_imports_no_heavy_module():
    code = "import sys\nfrom tradetalks.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
    code += "print(sorted(m for m in ('typer', 'rich', 'click', 'polars', 'pyarrow', 'tradetalks.pipeline') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_every_command_has_help_and_flags_show_no_value_labels():
    top = tradetalks("--help")
    assert top.returncode == 0
    for command in COMMANDS:
        assert re.search(rf"^  {command} ", top.stdout, re.M), command
        out = tradetalks(command, "--help")
        assert out.returncode == 0 and f"Usage: tradetalks {command}" in out.stdout, out.stderr
        assert "<bool>" not in out.stdout and "BOOL" not in out.stdout
        for flag in ("--no-cache", "--zip", "--write", "--check", "--json", "--all"):
            # A flag is listed alone in its help line, never with a value after it.
            assert not re.search(rf"^\s+{flag} [A-Z<]", out.stdout, re.M), (command, flag)


@pytest.mark.parametrize("value", ["true", "False", "1"])
def test_a_flag_given_a_value_is_refused_not_read_as_a_file(value):
    out = tradetalks("validate", "--no-cache", value)
    assert out.returncode == 2, out.stderr
    assert f"--no-cache is a flag and takes no value: write --no-cache alone (it was followed by '{value}')" in out.stderr
    assert "not an article file" not in out.stderr


@pytest.mark.parametrize("command", [["validate"], ["build"], ["suggest", "x.txt"], ["fill"], ["release", "9.9.9"], ["reproduce", "2.0.0"], ["site"], ["diff"]])
def test_what_needs_a_checkout_says_so_in_one_line(tmp_path, command):
    out = tradetalks(*command, cwd=tmp_path, blocked=BUILD_ONLY)
    assert out.returncode == 1
    (line,) = out.stderr.strip().splitlines()
    assert line.startswith("error: run this in a checkout of the tradetalks repository (needs "), line


def test_what_a_researcher_needs_works_outside_a_checkout(tmp_path):
    env = {"TRADETALKS_CACHE": str(tmp_path / "cache"), "TRADETALKS_BASE_URL": "http://127.0.0.1:9/{version}/"}
    shipped = loader.bundled_dir()
    assert shipped is not None
    for args, expect in (
        (["tables"], "quotes"),
        (["tables", "quotes"], "quote_id"),
        (["card"], "# tradetalks"),
        (["cite"], "@misc{"),
        (["fetch", f"v{__version__}", "--all"], str(shipped)),
    ):
        out = tradetalks(*args, cwd=tmp_path, blocked=BUILD_ONLY, env=env)
        assert out.returncode == 0 and expect in out.stdout, (args, out.stderr)
    assert not (tmp_path / "cache").exists()
    out = tradetalks("tables", "quote", cwd=tmp_path, blocked=BUILD_ONLY, env=env)
    assert out.returncode == 1 and "did you mean 'quotes'" in out.stderr


def test_diff_of_identical_releases_says_no_changes_in_words(built_release):
    out = tradetalks("diff", str(built_release), str(built_release), blocked=BUILD_ONLY)
    assert out.returncode == 0, out.stderr
    assert "no changes" in out.stdout and "NONE" not in out.stdout


def _on_a_terminal(*args: str) -> bytes:
    """Run the command line with stderr on a pseudo-terminal; what it wrote there."""
    import pty

    leader, follower = pty.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-c", BLOCKER, "", *args], stdout=subprocess.DEVNULL, stderr=follower, env={**os.environ, "TERM": "xterm", "COLUMNS": "100"}
        )
        os.close(follower)
        seen = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
        assert proc.wait(timeout=300) == 0, seen[-500:]
    finally:
        os.close(leader)
    return seen


def test_site_shows_a_line_per_stage_on_a_terminal_and_nothing_in_a_pipe(built_release, tmp_path):
    seen = _on_a_terminal("site", str(built_release), "--out", str(tmp_path / "site"))
    lines = [line for line in seen.decode().splitlines() if line.startswith("site: ")]
    assert len(lines) >= 5 and any(line.startswith("site: articles done") for line in lines), seen[-500:]
    out = tradetalks("site", str(built_release), "--out", str(tmp_path / "site2"))
    assert out.returncode == 0 and out.stderr == "", out.stderr


def test_validate_shows_its_stages_on_a_terminal(tmp_path):
    make_dataset(tmp_path)
    seen = _on_a_terminal("validate", "--root", str(tmp_path))
    assert b"validating: " in seen, seen[-500:]
