"""The wheel carries its release: built, installed in a fresh venv outside the repo, loaded offline.

Uses a copy of the project with the fixture release built into release/<version>/ (so it does not
depend on the real dataset building). Takes ~5-20 s (uv build + uv venv + uv pip install from uv's cache).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tradetalks.__about__ import __version__

REPO = Path(__file__).resolve().parents[1]
UV = shutil.which("uv")
pytestmark = pytest.mark.skipif(UV is None, reason="uv is not on PATH")


def copy_project(dest: Path) -> Path:
    dest.mkdir(parents=True)
    for name in ("pyproject.toml", "README.md", "hatch_build.py", "LICENSE", "LICENSE-DATA"):
        shutil.copy2(REPO / name, dest / name)
    shutil.copytree(REPO / "src", dest / "src", ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "data"))
    return dest


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "UV_PROJECT_ENVIRONMENT")}
    env["UV_PYTHON_DOWNLOADS"] = "never"
    env.update(extra)
    return env


def uv(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([UV, *args], cwd=cwd, env=clean_env(), capture_output=True, text=True, timeout=300)


# The fixture release's date: not the real one, so that `tradetalks cite` is seen to read the shipped CHANGELOG.
RELEASED = "2027-03-04"


def dated_release(project: Path) -> Path:
    """The conftest fixture dataset released as this package's version on RELEASED."""
    from conftest import make_dataset
    from tradetalks.pipeline.run import build

    make_dataset(project)
    (project / "CHANGELOG.md").write_text(f"# Changelog\n\n## {__version__} - {RELEASED}\n\nFixture release.\n", encoding="utf-8")
    return build(project, project / "out" / __version__, version=__version__).release_dir


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    project = copy_project(tmp / "project")
    shutil.copytree(dated_release(project), project / "release" / __version__)
    out = uv("build", "--wheel", "--out-dir", str(tmp / "dist"), str(project), cwd=tmp)
    assert out.returncode == 0, out.stderr
    (path,) = (tmp / "dist").glob("tradetalks-*.whl")
    return path


def test_wheel_contains_the_release(wheel):
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read("tradetalks/data/manifest.json"))
    assert manifest["version"] == __version__
    assert {f"tradetalks/data/{t['path']}" for t in manifest["tables"].values()} <= names
    assert "tradetalks/data/README.md" in names and "tradetalks/load.py" in names
    # Every file of the shipped version (card, CHANGELOG, datapackage.json, croissant.json, CSVs), the zip of them excepted.
    assert {f"tradetalks/data/{rel}" for rel in manifest["files"]} <= names
    assert any(n.startswith("tradetalks/data/csv/") for n in names) and "tradetalks/data/datapackage.json" in names
    assert not any(n.startswith("tradetalks/data/dist/") for n in names)
    print(f"wheel: {wheel.name}, {wheel.stat().st_size} bytes")


def test_installed_wheel_loads_every_table_offline(wheel, tmp_path):
    venv = tmp_path / "venv"
    out = uv("venv", "--python", sys.executable, str(venv), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    python = venv / "bin" / "python"
    out = uv("pip", "install", "--python", str(python), str(wheel), cwd=tmp_path)
    assert out.returncode == 0, out.stderr

    code = """
import json, sys, time
import tradetalks
assert "site-packages" in tradetalks.__file__, tradetalks.__file__
root = tradetalks.release_dir()
assert root.name == "data" and root.parent.name == "tradetalks", root
manifest = json.loads((root / "manifest.json").read_text())
timings = {}
for name in tradetalks.tables():
    t = time.perf_counter()
    df = tradetalks.load(name)
    timings[name] = round((time.perf_counter() - t) * 1000, 1)
    assert df.height == manifest["tables"][name]["rows"], name
    assert df.columns == [c["name"] for c in manifest["tables"][name]["columns"]], name
assert tradetalks.describe("quotes").columns[0].name == "quote_id"
assert tradetalks.load("quotes", version=tradetalks.__version__).height == manifest["tables"]["quotes"]["rows"]
assert tradetalks.card() == (root / "README.md").read_text(encoding="utf-8")
assert tradetalks.fetch("v" + tradetalks.__version__, whole=True) == root
assert "quotes" in str(tradetalks.describe())
print(json.dumps(timings))
"""
    # Outside the repo, with any download bound to fail and an empty cache: it must all come from the wheel.
    env = clean_env(TRADETALKS_BASE_URL="http://127.0.0.1:9/{version}/", TRADETALKS_CACHE=str(tmp_path / "cache"))
    run = subprocess.run([str(python), "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    print("load ms per table:", run.stdout.strip())
    assert not (tmp_path / "cache").exists()


def test_a_wheel_without_its_release_is_refused(tmp_path):
    project = copy_project(tmp_path / "project")
    out = uv("build", "--wheel", "--out-dir", str(tmp_path / "dist"), str(project), cwd=tmp_path)
    assert out.returncode != 0
    assert f"release/{__version__}/manifest.json not found" in out.stderr


def test_installed_wheel_first_contact(wheel, tmp_path):
    """A fresh venv with the plain wheel (no extras), outside the repo: the first commands a user runs."""
    venv = tmp_path / "venv"
    assert uv("venv", "--python", sys.executable, str(venv), cwd=tmp_path).returncode == 0
    python, command = venv / "bin" / "python", venv / "bin" / "tradetalks"
    out = uv("pip", "install", "--python", str(python), str(wheel), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    env = clean_env(TRADETALKS_BASE_URL="http://127.0.0.1:9/{version}/", TRADETALKS_CACHE=str(tmp_path / "cache"))

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)

    out = run(str(command), "--version")
    assert out.returncode == 0 and out.stdout.strip() == f"tradetalks {__version__}", out.stderr
    out = run(str(python), "-m", "tradetalks", "--help")
    assert out.returncode == 0 and "Usage: tradetalks" in out.stdout, out.stderr
    out = run(str(command), "cite")
    assert out.returncode == 0, out.stderr
    assert f"year         = {{{RELEASED[:4]}}}" in out.stdout and f"version      = {{{__version__}}}" in out.stdout
    out = run(str(command), "cite", "--format", "cff")
    assert out.returncode == 0 and f'date-released: "{RELEASED}"' in out.stdout, out.stderr
    out = run(str(python), "-c", "import tradetalks; print(tradetalks.load('quotes').height, tradetalks.load('quotes', to='arrow').num_rows)")
    assert out.returncode == 0, out.stderr
    a, b = out.stdout.split()
    assert a == b and int(a) > 0
    # diff reads Parquet only: it works without the build extra (pandera is not installed here).
    shipped = run(str(python), "-c", "import tradetalks; print(tradetalks.release_dir())").stdout.strip()
    assert run(str(python), "-c", "import pandera").returncode != 0
    out = run(str(command), "diff", shipped, shipped)
    assert out.returncode == 0, out.stderr
    assert "rows" in out.stdout
    # A command that needs a checkout says so in one line; in a checkout, one that needs the extra says so, literally.
    out = run(str(command), "validate")
    assert out.returncode == 1 and out.stderr.strip().splitlines() == [
        "error: run this in a checkout of the tradetalks repository (needs dataset/); no dataset/ here"
    ], out.stderr
    (tmp_path / "dataset").mkdir()
    out = run(str(command), "validate")
    assert out.returncode == 1 and "pip install 'tradetalks[build]'" in out.stderr and "Traceback" not in out.stderr
    # What a researcher needs works from the plain install, offline.
    out = run(str(command), "tables")
    assert out.returncode == 0 and "quotes" in out.stdout and "rows" in out.stdout, out.stderr
    out = run(str(command), "tables", "quotes")
    assert out.returncode == 0 and "quote_id" in out.stdout and "one of: full, partial, turn" in out.stdout, out.stderr
    out = run(str(command), "card")
    assert out.returncode == 0 and out.stdout == (Path(shipped) / "README.md").read_text(encoding="utf-8"), out.stderr
    out = run(str(command), "fetch", f"v{__version__}", "--all")
    assert out.returncode == 0 and out.stdout.strip() == shipped, out.stderr
    assert not (tmp_path / "cache").exists()
    # Both licences travel with the package.
    out = run(
        str(python),
        "-c",
        "import importlib.metadata as m; d = m.distribution('tradetalks'); "
        "print(d.metadata['License-Expression']); print(sorted(p.name for p in d.files if 'licenses' in str(p)))",
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["MIT AND CC-BY-4.0", "['LICENSE', 'LICENSE-DATA']"]
    # The README's first install option names exactly this file among the release's assets.
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"/releases/download/v{__version__}/{wheel.name}" in readme
    print(f"wheel venv: {wheel.name} installed without extras; --version, -m --help, cite, load, diff ok")
