"""Stable ids from natural keys, never from row order: a changed id is a breaking change."""

from __future__ import annotations

import hashlib


def stable_id(prefix: str, *parts: object) -> str:
    """`prefix` + '_' + 16 hex digits of sha256 over the parts (unit-separator joined)."""
    # Text parts (most of them) as they are: str() of a str is the str itself, only slower to ask for.
    key = "\x1f".join([p if type(p) is str else str(p) for p in parts])
    return f"{prefix}_{hashlib.sha256(key.encode('utf-8')).hexdigest()[:16]}"
