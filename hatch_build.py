"""Ship the latest published release inside the wheel: release/<version>/ -> tradetalks/data/.

`tradetalks.load("quotes")` then works offline from an installed wheel. The version comes from
src/tradetalks/__about__.py (the one place it is written), so this cannot be a static
force-include in pyproject.toml.
"""

from __future__ import annotations

import json
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

# Every file the manifest lists travels with the package (tables, card, CHANGELOG, datapackage.json,
# croissant.json, CSV copies), so that everything of the shipped version works offline
# (`tradetalks.card()`, `tradetalks fetch X.Y.Z --all`). Only the zip of them all stays in the GitHub release.


class ReleaseDataHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel" or version == "editable":
            return  # an editable install reads <repo>/release/<version>/ directly
        release = Path(self.root) / "release" / self.metadata.version
        manifest_path = release / "manifest.json"
        if not manifest_path.is_file():
            raise RuntimeError(
                f"{manifest_path} not found: the package version must be a published release "
                "(`tradetalks release X.Y.Z` publishes one); a wheel without its data would fail on tradetalks.load()"
            )
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest.get("version") != self.metadata.version:
            raise RuntimeError(f"{manifest_path} is for version {manifest.get('version')}, the package is {self.metadata.version}")
        names = ["manifest.json", *(t["path"] for t in manifest["tables"].values()), *manifest.get("files", {})]
        for name in names:
            build_data["force_include"][str(release / name)] = f"tradetalks/data/{name}"
