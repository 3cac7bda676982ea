"""What a published version is called and how versions sort: MAJOR.MINOR.PATCH, digits only, no
leading zeros (the loader's `VERSION_PATTERN`), ordered as numbers."""

from __future__ import annotations

import re

from tradetalks.load import VERSION_PATTERN


def is_release_version(version: object) -> bool:
    """A published version's form, e.g. 2.1.0 (not v2.1.0, not 02.1.0, not dev)."""
    return isinstance(version, str) and re.fullmatch(VERSION_PATTERN, version) is not None


def version_key(version: str) -> tuple[int, int, int]:
    """A version as numbers, so that 2.10.0 sorts after 2.9.0."""
    major, minor, patch = (int(x) for x in version.split("."))
    return major, minor, patch
