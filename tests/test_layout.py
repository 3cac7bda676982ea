"""What the import linter cannot see: the imports a command makes when it runs, and the CI steps that
check the layout. Which folder may import which is declared in pyproject.toml (`lint-imports`,
ARCHITECTURE.md), not here."""

from __future__ import annotations

from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"


def test_ci_lints_types_and_checks_the_layout_of_every_folder():
    """ruff, mypy and import-linter run in CI over every package folder."""
    import shutil
    import subprocess
    import sys
    import tomllib

    repo = SRC.parent
    ci = (repo / ".ci" / "run").read_text(encoding="utf-8")
    for step in ("uv run ruff check", "uv run ruff format --check", "uv run mypy", "uv run lint-imports"):
        assert step in ci, step
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    files = subprocess.run([ruff, "check", "--show-files"], cwd=repo, capture_output=True, text=True, check=True).stdout
    for module in ("src/tradetalks/pipeline/run.py", "src/tradetalks/formats/card.py", "src/tradetalks/site/render.py", "src/tradetalks/load.py"):
        assert module in files, module
    mypy = tomllib.loads((repo / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]
    assert "src/tradetalks" in mypy["files"]


# What the build command imports: only what it uses. Each module named here costs start-up time
# in every `tradetalks build` (pyarrow.dataset alone imports pandas: a second or more).
NOT_FOR_THE_BUILD = ["duckdb", "altair", "vl_convert", "jinja2", "markupsafe", "pooch", "requests", "frictionless", "pyarrow.dataset", "jsonschema"]


def _imported(code: str, heavy: list[str]) -> list[str]:
    import json
    import subprocess
    import sys

    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(m for m in sys.modules if any(m == h or m.startswith(h + '.') for h in {heavy!r}))))\n"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_the_build_command_imports_nothing_it_does_not_use(tmp_path):
    repo = SRC.parent
    code = (
        "import sys\nfrom tradetalks.cli import main\n"
        f"try:\n    main(['build', '--root', {str(repo)!r}, '--out', {str(tmp_path / 'out')!r}])\n"
        "except SystemExit as exc:\n    assert not exc.code, exc.code\n"
    )
    assert _imported(code, NOT_FOR_THE_BUILD) == []
    assert (tmp_path / "out" / "manifest.json").is_file()


def test_the_card_reads_articles_without_pyarrow_dataset():
    """pq.read_table goes through pyarrow.dataset, which imports pandas; ParquetFile does not."""
    release = sorted((SRC.parent / "release").iterdir())[-1]
    code = (
        "import json\nfrom pathlib import Path\nfrom tradetalks.formats.card import _articles\n"
        f"root = Path({str(release)!r})\n"
        "assert _articles(json.loads((root / 'manifest.json').read_text()), root).height\n"
    )
    assert _imported(code, ["pyarrow.dataset", "pandas"]) == []


def test_the_import_probe_can_fail():
    assert _imported("import pyarrow.dataset", ["pyarrow.dataset", "duckdb"]) == ["pyarrow.dataset"]
