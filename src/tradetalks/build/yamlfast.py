"""A fast reader for dataset YAML, used only where it provably gives what the careful loader gives.

The careful loader (yamldoc.read_yaml) builds every value in Python on top of libyaml: about a
millisecond per article file. ryaml turns the text into Python objects in Rust. Its parser is
libyaml too (serde_yaml's unsafe-libyaml, libyaml translated from C to Rust), so both
accept the same syntax and read the same scalar text; they differ in what a plain scalar *means*
(ryaml follows YAML 1.2's core schema, PyYAML YAML 1.1) and in what they refuse. So the fast
result is kept only when:

- the text has none of the constructs the careful loader refuses or reads differently and that
  leave no trace in the result: anchors and aliases (ryaml expands them), tags, directives, and
  number spellings only ryaml reads as numbers (`0o17`, `1e3`, `1.5e3`, `-.5`);
- ryaml accepts the file (it refuses duplicate keys and more than one document: the careful
  loader then reports them with their lines);
- every key is text, every number finite, and no text value is one that YAML 1.1 would read
  as something else if it was written plain (`yes`, `on`, `010`, `1_000`, `<<`, `=`): it may have
  been, and then PyYAML gives a bool, a number or a refusal where ryaml gives text.

Anything else is read by the careful loader: a refusal always comes from it, with its message.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from typing import Any

try:  # the build's dependency; without it every file takes the careful path, with the same results
    import ryaml
except ImportError:  # pragma: no cover - exercised by the tests with the reader switched off
    ryaml = None  # type: ignore[assignment]

# No fast result (the careful loader decides).
DISAGREE: Any = object()

# Anchors (&a), aliases (*a) and tags (!x, !!str) start a node: at the start, after a blank or a
# flow indicator, or right after the colon of a quoted key in a flow mapping ({"a":*x}); directives
# (%YAML, %TAG) start a line. Over-matching only costs the careful path, so indicators and quotes
# before them count too.
_NODE_PROPERTY = re.compile(r"(?:\A|[\s\[\]{},:?'\"-])[&*!]")
_DIRECTIVE = re.compile(r"(?:\A|\s)%")
# Numbers only YAML 1.2 reads as such: octal 0o17; an exponent (PyYAML needs a dot and a signed
# exponent: agreeing forms are refused too), a sign before a leading dot (-.5).
_OCTAL = re.compile(r"(?<![\w.])[-+]?0o[0-7]")
_FLOAT = re.compile(r"(?<![\w.])[-+]?[0-9.][0-9_.]*[eE][-+]?[0-9]+(?![\w.])|(?<![\w.])[-+]\.[0-9]")


def make_reader(implicit_resolvers: dict[Any, list[tuple[str, re.Pattern[str]]]], keys: Iterable[str] = ()) -> Callable[[str], Any]:
    """A function of the text giving its data, or DISAGREE; `implicit_resolvers` are the careful loader's.

    `keys`: the field names files are expected to use; those that YAML 1.1 reads as text are then
    recognised by a set lookup rather than checked one by one.
    """
    str_tag = "tag:yaml.org,2002:str"
    # Per first character, what PyYAML would read a plain scalar as when it is not text (it looks up
    # the same table by the scalar's first character, and the None entry for any first character).
    wild = [rx.pattern for tag, rx in implicit_resolvers.get(None, []) if tag != str_tag]
    other: dict[str, re.Pattern[str]] = {}
    for first, resolvers in implicit_resolvers.items():
        patterns = [rx.pattern for tag, rx in resolvers if tag != str_tag] + wild
        if patterns and first is not None:
            other[first] = re.compile("|".join(f"(?:{p})" for p in patterns), re.X)
    anywhere = re.compile("|".join(f"(?:{p})" for p in wild), re.X) if wild else None

    # ryaml reads an empty plain scalar as null, so empty text was quoted: text for both.
    other.pop("", None)
    lookup = other.get

    def differs(text: str) -> bool:
        """Whether YAML 1.1 reads `text`, written plain, as something other than text."""
        rx = lookup(text[:1], anywhere) if text else None
        return rx is not None and rx.match(text) is not None

    # A key found here equals a field name YAML 1.1 reads as text: ryaml's keys are plain str, and only text equals text.
    plain_keys = frozenset(key for key in keys if key.__class__ is str and not differs(key))

    def agrees(data: Any) -> tuple[bool, bool]:
        """(whether every key is text that YAML 1.1 would read as text, every text too and every number finite; whether there is a float)."""
        floats = False
        stack = [data]
        while stack:
            value = stack.pop()
            if value.__class__ is dict:
                items: Any = value.values()
                for key in value:
                    if key not in plain_keys and (key.__class__ is not str or differs(key)):
                        return False, floats
            elif value.__class__ is list:
                items = value
            else:
                items = (value,)
            # Scalars are checked here rather than pushed: they are most of the document.
            for item in items:
                kind = item.__class__
                if kind is str:
                    if item:  # differs(item), inlined: this line runs for most values of a document
                        rx = lookup(item[0], anywhere)
                        if rx is not None and rx.match(item) is not None:
                            return False, floats
                elif kind is dict or kind is list:
                    stack.append(item)
                elif kind is float:
                    floats = True
                    if not math.isfinite(item):  # the careful loader refuses .inf and .nan with a message
                        return False, floats
                elif not (kind is int or kind is bool or item is None):
                    return False, floats
        return True, floats

    def read(text: str) -> Any:
        # Plain `in` first: the regular expressions run only on the few files holding the character.
        if ryaml is None:
            return DISAGREE
        if ("&" in text or "*" in text or "!" in text) and _NODE_PROPERTY.search(text):
            return DISAGREE
        if ("%" in text and _DIRECTIVE.search(text)) or ("0o" in text and _OCTAL.search(text)):
            return DISAGREE
        try:
            data = ryaml.loads(text)
        except Exception:  # any refusal, or a number too large for it: the careful loader explains
            return DISAGREE
        plain, floats = agrees(data)
        if not plain or (floats and _FLOAT.search(text)):
            return DISAGREE
        return data

    return read
