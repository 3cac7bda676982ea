"""The yaml-language-server modeline: the first line of every dataset YAML file names its schema.

    # yaml-language-server: $schema=../../schemas/article.schema.json

Editors with a YAML language server (VS Code's YAML extension, Neovim, Helix, JetBrains IDEs) read
it and validate and complete the file against the published schema while it is typed.
"""

from __future__ import annotations

import posixpath
import re

from tradetalks.contract.input_files import KINDS, schema_file

PREFIX = "# yaml-language-server: $schema="
_MODELINE = re.compile(r"^#\s*yaml-language-server\s*:\s*\$schema=(\S+)\s*$")
REGISTRIES = tuple(kind for kind, (key, _, _) in KINDS.items() if key is not None)


def kind_of(relpath: str) -> str | None:
    """The schema kind of a dataset file given its path relative to the repository root, or None."""
    parts = relpath.replace("\\", "/").split("/")
    if len(parts) == 3 and parts[:2] == ["dataset", "articles"] and parts[2].endswith(".yml"):
        return "article"
    if len(parts) == 2 and parts[0] == "dataset" and parts[1].endswith(".yml") and parts[1][:-4] in REGISTRIES:
        return parts[1][:-4]
    return None


def target(relpath: str, kind: str) -> str:
    """The schema path as the modeline of `relpath` writes it: relative to the file's directory."""
    return posixpath.relpath(schema_file(kind), posixpath.dirname(relpath.replace("\\", "/")))


def modeline(relpath: str, kind: str) -> str:
    return PREFIX + target(relpath, kind)


def parse(first_line: str) -> str | None:
    """The schema a modeline names, or None when the line is not a yaml-language-server modeline."""
    m = _MODELINE.match(first_line.rstrip("\r\n"))
    return m.group(1) if m else None


def resolve(relpath: str, named: str) -> str:
    """The repository-relative path a modeline's schema reference points at."""
    return posixpath.normpath(posixpath.join(posixpath.dirname(relpath.replace("\\", "/")), named))


def problem(relpath: str, kind: str, first_line: str) -> str | None:
    """What is wrong with a file's modeline, as a sentence; None when it is right or absent.

    A missing modeline is no error (`tradetalks fill` adds it); one naming another schema is, because
    the editor would then check the file against the wrong contract.
    """
    named = parse(first_line)
    if named is None:
        return None
    if resolve(relpath, named) != schema_file(kind):
        return (
            f"the first line points editors at {named!r}, but this is a{'n' if kind[0] in 'aeiou' else ''} {kind} file;"
            f" write {modeline(relpath, kind)!r} (or run `tradetalks fill {relpath}`)"
        )
    return None
