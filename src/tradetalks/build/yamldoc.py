"""Read a dataset YAML file safely, keeping the line of every value for error messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tradetalks.build.errors import DatasetError, Problem
from tradetalks.build.markers import draft_markers

# A YAML file of this dataset is a few kilobytes; anything far larger is a mistake or an attack.
MAX_YAML_BYTES = 2_000_000

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[misc, valid-type]
    """SafeLoader that keeps dates as strings (JSON Schema checks them) and refuses aliases."""

    def construct_object(self, node, deep=False):  # noqa: ANN001
        # An alias is the same node met twice: anchors let a tiny file expand into a huge
        # document, and plain data never needs them.
        if node in self.constructed_objects or node in self.recursive_objects:
            raise DatasetError.one(
                self.name, node.start_mark.line + 1, None,
                "YAML anchors and aliases (&name / *name) are not allowed in dataset files; write the value out",
            )
        return super().construct_object(node, deep)


# Dates stay strings: JSON Schema's "date" format checks them, and 2025-02-30 gets a clear message.
_Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in _Base.yaml_implicit_resolvers.items()
}


@dataclass
class YamlDoc:
    """A parsed YAML document plus the node tree, to find the line of any value."""

    path: Path
    data: Any
    node: yaml.Node | None
    first_line: str = ""  # where the yaml-language-server modeline is
    # Draft markers (GUESS, DECIDE, TODO) left in the file's comments and values.
    markers: list[Problem] = field(default_factory=list)

    def line_of(self, location: list[str | int] | tuple[str | int, ...]) -> int | None:
        """1-based line of the value at `location` (keys and list indexes), or of its nearest parent."""
        node = self.node
        line = node.start_mark.line + 1 if node is not None else None
        for step in location:
            if isinstance(node, yaml.MappingNode):
                found = None
                for key_node, value_node in node.value:
                    if key_node.value == step:
                        found = value_node
                        line = key_node.start_mark.line + 1
                        break
                node = found
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
                node = node.value[step]
                line = node.start_mark.line + 1
            else:
                break
            if node is None:
                break
        return line

    def item_at(self, key: str, line: int) -> int | None:
        """Index of the item of the top-level list `key` that spans 1-based `line`, or None."""
        if not isinstance(self.node, yaml.MappingNode):
            return None
        for key_node, value_node in self.node.value:
            if key_node.value == key and isinstance(value_node, yaml.SequenceNode):
                for i, item in enumerate(value_node.value):
                    if item.start_mark.line + 1 <= line <= max(item.end_mark.line, item.start_mark.line + 1):
                        return i
        return None


def read_yaml(path: Path, display: str | None = None) -> YamlDoc:
    """Parse one YAML file; every failure is a DatasetError naming the file and line."""
    shown = display or str(path)
    raw = path.read_bytes()
    if len(raw) > MAX_YAML_BYTES:
        raise DatasetError.one(
            shown, None, None, f"file is {len(raw):,} bytes; a dataset YAML file may be at most {MAX_YAML_BYTES:,}: remove what does not belong in it"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DatasetError.one(shown, line, None, f"not valid UTF-8 (byte {raw[exc.start]:#04x} at offset {exc.start}); save the file as UTF-8") from None
    if text.startswith("\ufeff"):
        raise DatasetError.one(shown, 1, None, "file starts with a byte-order mark (BOM); save it as UTF-8 without BOM")
    loader = _Loader(text)
    loader.name = shown
    try:
        if loader.check_node():
            node = loader.get_node()
            data = loader.construct_document(node)
            if loader.check_node():
                raise DatasetError.one(shown, loader.get_node().start_mark.line + 1, None, "more than one YAML document in the file; keep one")
        else:
            node, data = None, None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = " ".join(x for x in (exc.context, exc.problem) if x)
        raise DatasetError.one(shown, line, None, f"malformed YAML: {problem}; fix the syntax here (indentation, a missing colon, quote or bracket)") from None
    except yaml.YAMLError as exc:
        raise DatasetError.one(shown, None, None, f"malformed YAML: {exc}; fix the syntax") from None
    finally:
        loader.dispose()
    return YamlDoc(Path(shown), data, node, text[: text.find("\n")] if "\n" in text else text, draft_markers(text, shown))
