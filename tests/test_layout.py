"""Arrows run one way: no import circle among the package's modules, renderers import nothing of the
pipeline, the loader imports nothing of the build, and publishing sits above the pipeline."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PIPELINE = {
    "tradetalks.build.sources",
    "tradetalks.build.locate",
    "tradetalks.build.detect",
    "tradetalks.build.coverage",
    "tradetalks.build.assemble",
    "tradetalks.build.validate",
    "tradetalks.build.release",
    "tradetalks.build.pipeline",
    "tradetalks.build.diff",
    "tradetalks.build.suggest",
    "tradetalks.publish",
    "tradetalks.cli",
}


def modules() -> dict[str, set[str]]:
    """Every module of the package and the package modules it imports (at any depth of the file)."""
    graph: dict[str, set[str]] = {}
    for path in sorted((SRC / "tradetalks").rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module)
                found.update(f"{node.module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
        graph[name] = {m for m in found if m.startswith("tradetalks")}
    return {name: {m for m in deps if m in graph and m != name} for name, deps in graph.items()}


def reaches(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for dep in graph.get(todo.pop(), ()):
            if dep not in seen:
                seen.add(dep)
                todo.append(dep)
    return seen


def test_no_import_circle():
    graph = modules()
    # A package imports its own __init__ implicitly; circles through an __init__ that only re-exports are not ours to judge.
    circles = sorted(name for name in graph if name in reaches(graph, name) and name != "tradetalks")
    assert circles == []


def test_renderers_import_nothing_of_the_pipeline():
    graph = modules()
    for name in graph:
        if name.startswith("tradetalks.build.formats"):
            bad = {m for m in reaches(graph, name) if any(m == p or m.startswith(p + ".") for p in PIPELINE)}
            assert not bad, f"{name} imports {sorted(bad)}"


def test_the_loader_imports_nothing_of_the_build():
    graph = modules()
    assert not {m for m in reaches(graph, "tradetalks.load") if m.startswith("tradetalks.build") or m == "tradetalks.schemas"}


def test_nothing_in_the_pipeline_imports_publishing():
    graph = modules()
    importers = sorted(name for name, deps in graph.items() if "tradetalks.publish" in deps)
    assert importers == ["tradetalks.cli"]


def test_the_check_can_fail():
    graph = {"a": {"b"}, "b": {"a"}}
    assert "a" in reaches(graph, "a")


def test_lint_and_type_checks_cover_the_build_folder():
    """ruff's default excludes skip folders named `build`: the pipeline must still be linted and type-checked."""
    import shutil
    import subprocess
    import sys
    import tomllib

    repo = SRC.parent
    ci = (repo / ".ci" / "run").read_text(encoding="utf-8")
    for step in ("uv run ruff check", "uv run ruff format --check", "uv run mypy"):
        assert step in ci, step
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    files = subprocess.run([ruff, "check", "--show-files"], cwd=repo, capture_output=True, text=True, check=True).stdout
    for module in ("src/tradetalks/build/pipeline.py", "src/tradetalks/build/formats/card.py", "src/tradetalks/load.py"):
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
        "import json\nfrom pathlib import Path\nfrom tradetalks.build.formats.card import _articles\n"
        f"root = Path({str(release)!r})\n"
        "assert _articles(json.loads((root / 'manifest.json').read_text()), root).height\n"
    )
    assert _imported(code, ["pyarrow.dataset", "pandas"]) == []


def test_the_import_probe_can_fail():
    assert _imported("import pyarrow.dataset", ["pyarrow.dataset", "duckdb"]) == ["pyarrow.dataset"]
