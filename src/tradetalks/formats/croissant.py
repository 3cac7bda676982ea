"""Croissant 1.0 metadata (`croissant.json`, MLCommons) for a release."""

from __future__ import annotations

from tradetalks.contract.tables import FOREIGN_KEYS
from tradetalks.formats.citation import bibtex
from tradetalks.formats.metadata import DESCRIPTION, HOMEPAGE, LICENSE_NOTE

# The official Croissant 1.0 @context, verbatim (mlcroissant warns on any other).
CROISSANT_CONTEXT = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}


def croissant_type(arrow_type: str) -> str:
    inner = arrow_type[len("list<element: ") : -1] if arrow_type.startswith("list<") else arrow_type
    return {
        "string": "sc:Text",
        "int64": "sc:Integer",
        "double": "sc:Float",
        "bool": "sc:Boolean",
        "date32[day]": "sc:Date",
    }.get(inner, "sc:Text")


def struct_members(arrow_type: str) -> list[tuple[str, str]]:
    """'list<element: struct<a: string, b: int64>>' -> [('a', 'string'), ('b', 'int64')] (flat structs only)."""
    inner = arrow_type[arrow_type.index("struct<") + len("struct<") : arrow_type.rindex(">>")]
    members = []
    for part in inner.split(","):
        name, sep, kind = part.strip().partition(": ")
        if not sep:
            raise ValueError(f"struct member {part.strip()!r} of {arrow_type!r} is not 'name: type'")
        members.append((name, kind))
    return members


def croissant(manifest: dict, date_published: str | None = None) -> dict:
    version = manifest["version"]
    distribution = [
        {
            "@type": "cr:FileObject",
            "@id": entry["path"],
            "name": entry["path"],
            "description": f"The {name} table (zstd Parquet).",
            "contentUrl": entry["path"],
            "contentSize": f"{entry['bytes']} B",
            "encodingFormat": "application/x-parquet",
            "sha256": entry["sha256"],
        }
        for name, entry in manifest["tables"].items()
    ]
    record_sets = []
    enumerations: list[dict] = []
    for name, entry in manifest["tables"].items():
        refs = {fk.column: (fk.parent, fk.parent_column) for fk in FOREIGN_KEYS if fk.table == name and fk.parent in manifest["tables"]}
        fields = []
        for c in entry["columns"]:
            field = {
                "@type": "cr:Field",
                "@id": f"{name}/{c['name']}",
                "name": c["name"],
                "description": c["description"],
                "dataType": croissant_type(c["type"]),
                "source": {"fileObject": {"@id": entry["path"]}, "extract": {"column": c["name"]}},
            }
            if c["type"].startswith("list<"):
                field["repeated"] = True
            if "struct<" in c["type"]:
                # A list of records: one sub-field per member, read with a jsonPath from each element.
                del field["source"]
                field["dataType"] = "sc:StructuredValue"
                field["subField"] = [
                    {
                        "@type": "cr:Field",
                        "@id": f"{name}/{c['name']}/{member}",
                        "name": member,
                        "dataType": croissant_type(member_type),
                        "source": {
                            "fileObject": {"@id": entry["path"]},
                            "extract": {"column": c["name"]},
                            "transform": {"jsonPath": member},
                        },
                    }
                    for member, member_type in struct_members(c["type"])
                ]
            if c["name"] in refs:
                ref, ref_col = refs[c["name"]]
                field["references"] = {"field": {"@id": f"{ref}/{ref_col}"}}
            elif c.get("enum"):
                # Croissant's categorical data: the allowed values as an enumeration record set, referenced.
                values = _enumeration(name, c["name"], c["enum"])
                enumerations.append(values)
                field["references"] = {"field": {"@id": values["key"]["@id"]}}
            fields.append(field)
        record_sets.append(
            {
                "@type": "cr:RecordSet",
                "@id": name,
                "name": name,
                "description": entry["description"],
                "key": {"@id": f"{name}/{entry['primary_key']}"},
                "field": fields,
            }
        )
    return {
        "@context": CROISSANT_CONTEXT,
        "@type": "sc:Dataset",
        "name": "tradetalks",
        "description": DESCRIPTION,
        "conformsTo": "http://mlcommons.org/croissant/1.0",
        "citeAs": bibtex(version, date_published),  # Croissant recommends BibTeX; the year is the release date's
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "url": HOMEPAGE,
        "version": version,
        "creator": {"@type": "sc:Organization", "name": "tradetalks contributors", "url": HOMEPAGE},
        "keywords": ["trade", "tariffs", "news", "provenance", "US-China"],
        "usageInfo": LICENSE_NOTE,
        **({"datePublished": date_published} if date_published else {}),
        "distribution": distribution,
        "recordSet": record_sets + enumerations,
    }


def _enumeration(table: str, column: str, values: list[str]) -> dict:
    """The values `table.column` allows, as a Croissant enumeration (a record set of inline data)."""
    name = f"{table}.{column}.values"
    return {
        "@type": "cr:RecordSet",
        "@id": name,
        "name": name,
        "description": f"The values {table}.{column} allows.",
        "dataType": "sc:Enumeration",
        "key": {"@id": f"{name}/value"},
        "field": [{"@type": "cr:Field", "@id": f"{name}/value", "name": "value", "dataType": "sc:Text"}],
        "data": [{f"{name}/value": v} for v in values],
    }
