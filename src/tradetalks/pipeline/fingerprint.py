"""What a build was made from: a fingerprint of its sources and of the code that built it.

A published release records both in its manifest (`provenance`), so that `tradetalks reproduce`
can check that the sources and code it rebuilds from are the ones the release was built from.

- sources: every file under dataset/ and the CHANGELOG.md the release carries;
- code: every file of the running `tradetalks` package (but the list of published manifests,
  which publishing itself updates afterwards), with the pyproject.toml and uv.lock beside it,
  which pin the libraries that write the bytes.
Each fingerprint is the sha256 of a canonical list of (relative path, sha256 of the bytes).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from tradetalks.load import sha256_file

# Written by publishing after the release is frozen: not an input of any build.
NOT_CODE = {"known_releases.json"}
SKIP_DIRS = {"__pycache__", "data"}  # `data/` is the release a wheel ships, not code


def provenance(root: Path) -> dict:
    """The fingerprints of the sources under `root` and of the running package's code."""
    return {
        "sources_sha256": _digest(_source_files(Path(root))),
        "code_sha256": code_fingerprint(),
    }


def code_fingerprint() -> str:
    """The fingerprint of the running package's code (and, in a checkout, the pyproject.toml and uv.lock beside it)."""
    import tradetalks

    return _digest(_code_files(Path(tradetalks.__file__).resolve().parent))


def _source_files(root: Path) -> list[tuple[str, Path]]:
    files = [(p.relative_to(root).as_posix(), p) for p in sorted((root / "dataset").rglob("*")) if p.is_file()]
    if (root / "CHANGELOG.md").is_file():
        files.append(("CHANGELOG.md", root / "CHANGELOG.md"))
    return files


def _code_files(package: Path) -> list[tuple[str, Path]]:
    files = []
    for p in sorted(package.rglob("*")):
        rel = p.relative_to(package)
        if not p.is_file() or p.suffix == ".pyc" or SKIP_DIRS.intersection(rel.parts[:-1]) or rel.name in NOT_CODE:
            continue
        files.append(("tradetalks/" + rel.as_posix(), p))
    checkout = package.parents[1]  # src/tradetalks -> the repository root, in a source checkout
    for name in ("pyproject.toml", "uv.lock"):
        if (checkout / name).is_file() and (checkout / "src" / "tradetalks") == package:
            files.append((name, checkout / name))
    return files


def _digest(files: list[tuple[str, Path]]) -> str:
    canon = json.dumps([[rel, sha256_file(path)] for rel, path in files], separators=(",", ":"))
    return hashlib.sha256(canon.encode()).hexdigest()
