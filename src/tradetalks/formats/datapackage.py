"""Frictionless Data Package v2 (`datapackage.json`) for a release: Parquet and CSV resources.

Checksums: frictionless 5.21 verifies `hash`/`bytes` on CSV resources but not on Parquet ones
(a Parquet `bytes` always fails there), so Parquet resources carry `hash` only and their
checksums are verified by the loader against manifest.json.
"""

from __future__ import annotations

from pathlib import Path

from tradetalks.contract.tables import FOREIGN_KEYS
from tradetalks.formats.metadata import DESCRIPTION, HOMEPAGE, LICENSE_NOTE, PARQUET_MEDIATYPE, TITLE
from tradetalks.load import sha256_file


def table_schema_type(arrow_type: str, fmt: str = "csv") -> str:
    if arrow_type.startswith("list<"):
        # frictionless reads Parquet lists as numpy arrays, which its "array" type rejects.
        return "array" if fmt == "csv" else "any"
    return {
        "string": "string",
        "large_string": "string",
        "int64": "integer",
        "int32": "integer",
        "double": "number",
        "float": "number",
        "bool": "boolean",
        "date32[day]": "date",
    }.get(arrow_type, "any")


def datapackage(manifest: dict, root: Path, csv_paths: dict[str, str], hashes: dict[str, str] | None = None) -> dict:
    """`hashes`: relative path -> sha256 of the CSV files, where already computed."""
    hashes = hashes or {}
    version = manifest["version"]
    resources = []
    for fmt in ("parquet", "csv"):
        for name, entry in manifest["tables"].items():
            suffix = "" if fmt == "parquet" else "-csv"
            schema = {
                "$schema": "https://datapackage.org/profiles/2.0/tableschema.json",
                "fields": [field_descriptor(c, fmt) for c in entry["columns"]],
                "primaryKey": [entry["primary_key"]],
            }
            # Table Schema keys are column to column: a list column's references are the card's.
            fks = [
                {"fields": [fk.column], "reference": {"resource": fk.parent + suffix, "fields": [fk.parent_column]}}
                for fk in FOREIGN_KEYS
                if fk.table == name and not fk.many and fk.parent in manifest["tables"]
            ]
            if fks:
                schema["foreignKeys"] = fks
            resource = {
                "name": name + suffix,
                "type": "table",
                "title": f"{name} ({fmt})",
                "description": entry["description"],
                "path": entry["path"] if fmt == "parquet" else csv_paths[name],
                "format": fmt,
                "mediatype": PARQUET_MEDIATYPE if fmt == "parquet" else "text/csv",
            }
            if fmt == "parquet":
                # Correct, but not verified by frictionless 5.21 (and `bytes` would fail): the loader checks it.
                resource["hash"] = "sha256:" + entry["sha256"]
            else:
                path = root / csv_paths[name]
                resource["encoding"] = "utf-8"
                resource["hash"] = "sha256:" + (hashes.get(csv_paths[name]) or sha256_file(path))
                resource["bytes"] = path.stat().st_size
                resource["dialect"] = {"$schema": "https://datapackage.org/profiles/2.0/tabledialect.json", "delimiter": ",", "header": True}
            resource["schema"] = schema
            resources.append(resource)
    return {
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": "tradetalks",
        "id": HOMEPAGE,
        "title": TITLE,
        "description": DESCRIPTION + " " + LICENSE_NOTE,
        "version": version,
        "homepage": HOMEPAGE,
        "keywords": ["trade", "tariffs", "news", "provenance", "US-China"],
        "licenses": [
            {
                "name": "CC-BY-4.0",
                "path": "https://creativecommons.org/licenses/by/4.0/",
                "title": "Creative Commons Attribution 4.0 (annotations and derived tables; article texts remain their publishers')",
            }
        ],
        "sources": [
            {
                "title": "News articles on the October 2025 US-China trade talks; publishers retain all rights to the texts",
                "path": HOMEPAGE + "/tree/main/dataset/articles",
            }
        ],
        "contributors": [{"title": "tradetalks contributors", "roles": ["creator"], "path": HOMEPAGE}],
        "resources": resources,
    }


def field_descriptor(column: dict, fmt: str) -> dict:
    field = {"name": column["name"], "type": table_schema_type(column["type"], fmt), "description": column["description"]}
    if column["type"].startswith("list<"):
        field["description"] += " (CSV: a JSON array.)" if fmt == "csv" else f" (Parquet {column['type']}.)"
    constraints: dict = {}
    if not column["nullable"]:
        constraints["required"] = True
    if column.get("enum"):
        constraints["enum"] = column["enum"]
    if constraints:
        field["constraints"] = constraints
    return field
