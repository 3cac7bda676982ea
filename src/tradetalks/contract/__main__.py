"""`python -m tradetalks.contract --write | --check`: publish schemas/*.schema.json and docs/reference.md."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tradetalks.contract.schema_files import stale, write


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tradetalks.contract", description=__doc__)
    parser.add_argument("--root", type=Path, default=Path("."), help="repository root (default: .)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="write the generated files")
    mode.add_argument("--check", action="store_true", help="exit 1 when a committed file is out of date (default)")
    args = parser.parse_args(argv)
    if args.write:
        for rel in write(args.root):
            print(f"wrote {rel}")
        return 0
    out = stale(args.root)
    for rel in out:
        print(f"{rel} is out of date; run `tradetalks schemas --write`", file=sys.stderr)
    return 1 if out else 0


if __name__ == "__main__":
    sys.exit(main())
