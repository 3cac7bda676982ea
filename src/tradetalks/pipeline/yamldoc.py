"""Read a dataset YAML file safely, keeping the line of every value for error messages."""

from __future__ import annotations

import functools
import hashlib
import math
import mmap
import os
import re
import stat
from pathlib import Path
from typing import Any

import yaml

from tradetalks.errors import DatasetError, Problem, dotted
from tradetalks.pipeline.markers import draft_markers

# A YAML file of this dataset is a few kilobytes; anything far larger is a mistake or an attack.
MAX_YAML_BYTES = 2_000_000
# Collections nested deeper than this are refused before libyaml's recursive composer sees them
# (it overflows the C stack, killing the process, somewhere below 120,000 levels). Dataset files
# nest five or six levels.
MAX_DEPTH = 64

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# The only tags a dataset file may produce: JSON's types. No !!binary, !!set, !!omap, !!pairs,
# !!timestamp, no merge keys (<<), no local tags (!foo).
_TAG = "tag:yaml.org,2002:"
ALLOWED_TAGS = frozenset(_TAG + t for t in ("str", "int", "float", "bool", "null", "seq", "map"))
_STR = _TAG + "str"

# Unicode format characters (category Cf: invisible, e.g. U+200B, U+2060, U+FEFF) and the
# bidirectional controls among them (U+202A-U+202E, U+2066-U+2069), plus C0/C1 control characters
# other than tab, line feed and carriage return. Hard-coded (a superset of Unicode 15's Cf) so
# that no table has to be computed at import; a test compares it with `unicodedata`.
CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
BIDI = "\u202a-\u202e\u2066-\u2069"
FORMAT = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)
UNSEEN = re.compile(f"[{CONTROL}{FORMAT}]")
# Fields whose value is copied verbatim from the article text: they may hold the invisible
# characters the raw texts may hold (see sources.read_article_text), never controls or bidi.
VERBATIM_FIELDS = frozenset({"evidence", "start", "end"})
_NEVER = re.compile(f"[{CONTROL}{BIDI}]")
# Escapes of double-quoted YAML that can produce such characters without their appearing in the file.
_ESCAPE = re.compile(r"\\[0abvfeNxuU]")


class _Loader(_Base):  # type: ignore[misc, valid-type]
    """libyaml's parser and composer with SafeLoader's resolver, without its timestamps: dates stay
    strings (JSON Schema checks them, and 2025-02-30 gets a clear message). `_construct` turns the
    node tree it composes into data."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != _TAG + "timestamp"] for key, resolvers in _Base.yaml_implicit_resolvers.items()
}
assert not _Loader.yaml_path_resolvers and None not in _Loader.yaml_implicit_resolvers


def _resolve(self, kind: type, value: str, implicit: tuple[bool, bool]) -> str:
    """The tag of a node without one: what SafeLoader's resolver gives when no path resolver is
    registered (there is none), without its bookkeeping for them. libyaml calls it for every node."""
    if kind is yaml.ScalarNode:
        if implicit[0]:  # a plain scalar: a number, true/false or null by its look, else text
            for tag, pattern in _IMPLICIT.get(value[:1], ()):
                if pattern.match(value):
                    return tag
        return _STR
    return _TAG + "seq" if kind is yaml.SequenceNode else _TAG + "map"


_IMPLICIT = _Loader.yaml_implicit_resolvers
_Loader.resolve = _resolve
_Loader.descend_resolver = lambda self, current_node, current_index: None
_Loader.ascend_resolver = lambda self: None


def _number(kind: str):
    base = getattr(yaml.constructor.SafeConstructor, f"construct_yaml_{kind}")

    def construct(loader, node):  # noqa: ANN001
        try:
            value = base(loader, node)
        except ValueError:  # e.g. an integer of more than 4,300 digits
            value = None
        if value is None or (kind == "float" and not math.isfinite(value)):
            return NotANumber(node.value[:40])
        return value

    return construct


class NotANumber(str):
    """A number that is not finite or too long to convert (`.nan`, `.inf`, 5,000 digits), kept as its text:
    the JSON Schema check then names the file, line and field that hold it, and expects a number there."""


# Numbers are finite: .inf and .nan are read as text (`NotANumber`), which the schemas refuse
# where a number belongs (JSON Schema ranges cannot catch NaN); integers too long to convert too.
_SCALARS = {
    _TAG + "float": _number("float"),
    _TAG + "int": _number("int"),
    _TAG + "bool": yaml.constructor.SafeConstructor.construct_yaml_bool,
    _TAG + "null": yaml.constructor.SafeConstructor.construct_yaml_null,
}
_KIND = {tag: yaml.ScalarNode for tag in ALLOWED_TAGS} | {_TAG + "seq": yaml.SequenceNode, _TAG + "map": yaml.MappingNode}


def _kind_name(kind: type) -> str:
    return kind.__name__.removesuffix("Node").lower()


def _construct(loader: _Loader, root: yaml.Node, shown: str, may_alias: bool = True) -> Any:
    """The data of the node tree `root`, JSON's types only. Refuses aliases, tags outside JSON's
    types, merge keys, keys that are not text and duplicate keys, each with its line.
    `may_alias`: False when the text holds no `*`, without which YAML has no alias."""
    seen: set[int] = set()

    def refuse(node: yaml.Node, message: str, field: str | None = None) -> DatasetError:
        return DatasetError.one(shown, node.start_mark.line + 1, field, message)

    def first_visit(node: yaml.Node) -> None:
        # An alias is the same node met twice: anchors let a tiny file expand into a huge
        # document, and plain data never needs them.
        if id(node) in seen:
            raise refuse(node, "YAML anchors and aliases (&name / *name) are not allowed in dataset files; write the value out")
        seen.add(id(node))

    def build(node: yaml.Node) -> Any:
        if may_alias:
            first_visit(node)
        tag = node.tag
        if tag not in ALLOWED_TAGS:
            what = "the merge key <<" if tag == _TAG + "merge" else f"the tag {tag[:60]!r}"
            raise refuse(
                node,
                f"{what} is not allowed in dataset files (only plain text, numbers, true/false, null, lists and mappings);"
                " write the value out plainly, quoted if it must stay text",
            )
        kind = _KIND[tag]
        if not isinstance(node, kind):  # e.g. `!!map [1, 2]`
            raise yaml.constructor.ConstructorError(None, None, f"expected a {_kind_name(kind)}, but found a {_kind_name(type(node))}", node.start_mark)
        if kind is yaml.MappingNode:
            return mapping(node)
        if kind is yaml.SequenceNode:
            return [build(item) for item in node.value]
        return node.value if tag == _STR else _SCALARS[tag](loader, node)

    def mapping(node: yaml.Node) -> dict[str, Any]:
        # A later duplicate key would silently win while a reviewer reads the first one.
        out: dict[str, Any] = {}
        lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _TAG + "merge":
                raise refuse(key_node, "the merge key << is not allowed in dataset files; write the fields out")
            if key_node.tag != _STR or not isinstance(key_node, yaml.ScalarNode):
                found = key_node.value if isinstance(key_node, yaml.ScalarNode) else _kind_name(type(key_node))
                raise refuse(
                    key_node,
                    f"mapping keys must be text, found {str(found)[:60]!r} ({key_node.tag.rsplit(':', 1)[-1]}); field names are words such as `evidence:`",
                )
            if may_alias:
                first_visit(key_node)
            key, line = key_node.value, key_node.start_mark.line + 1
            if key in lines:
                raise refuse(
                    key_node, f"duplicate key {key[:60]!r}: also on line {lines[key]} of the same mapping; keep one (YAML would keep only the last)", key
                )
            lines[key] = line
            out[key] = build(value_node)
        return out

    return build(root)


class YamlDoc:
    """A parsed YAML document plus the node tree, to find the line of any value."""

    def __init__(
        self,
        path: str | Path,
        data: Any,
        node: yaml.Node | None = None,
        first_line: str = "",  # where the yaml-language-server modeline is
        markers: list[Problem] | None = None,
        *,
        sha256: str = "",  # of the file's bytes; by default, of `source` encoded when first asked for
        source: str | None = None,  # the text read, kept for its sha256
    ) -> None:
        # The path as shown in problems; a Path is made only when asked for (few documents are).
        self._shown = str(path)
        if isinstance(path, Path):
            self.__dict__["path"] = path
        if sha256 or source is None:
            self.__dict__["sha256"] = sha256
        self._source = source
        self.data = data
        self.first_line = first_line
        # Draft markers (GUESS, DECIDE, TODO) left in the file's comments and values.
        self.markers: list[Problem] = [] if markers is None else markers
        self.node = node

    def __repr__(self) -> str:
        return f"YamlDoc(path={str(self.path)!r}, data={self.data!r})"

    @functools.cached_property
    def path(self) -> Path:
        return Path(self._shown)

    @functools.cached_property
    def sha256(self) -> str:
        """The sha256 of the file's bytes: its text encoded again (strict UTF-8 decoding is one-to-one)."""
        assert self._source is not None
        return hashlib.sha256(self._source.encode("utf-8")).hexdigest()

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


# Never follow a symbolic link, never block on a FIFO swapped in after the look.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


def _open_regular(path: str | Path, shown: str, limit: int) -> int:
    """A descriptor of a regular file of at most `limit` bytes; never follows a symbolic link, never blocks on a FIFO."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        raise DatasetError.one(shown, None, None, "file not found") from None
    if not stat.S_ISREG(st.st_mode):
        raise DatasetError.one(shown, None, None, f"{_kind(st.st_mode)}, not a regular file; dataset files are plain files committed to the repository")
    if st.st_size > limit:
        raise DatasetError.one(shown, None, None, f"file is {st.st_size:,} bytes; at most {limit:,} allowed")
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise DatasetError.one(shown, None, None, f"cannot be opened ({exc.strerror}); it must be a plain, readable file") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):  # replaced between the two looks
        os.close(fd)
        raise DatasetError.one(shown, None, None, "not a regular file")
    return fd


def map_regular(path: str | Path, shown: str, size: int) -> mmap.mmap:
    """A read-only map of a regular file of exactly `size` bytes, checked as `read_regular` checks it
    (an empty file cannot be mapped: ValueError).

    The pages stay in the page cache rather than in the process's memory. The file is trusted not
    to be rewritten in place while it is mapped (every writer of such files replaces them whole).
    """
    fd = _open_regular(path, shown, size)
    try:
        found = os.fstat(fd).st_size
        if found != size:
            raise DatasetError.one(shown, None, None, f"file is {found:,} bytes; {size:,} expected")
        return mmap.mmap(fd, size, access=mmap.ACCESS_READ)
    finally:
        os.close(fd)


def read_regular(path: str | Path, shown: str, limit: int) -> bytes:
    """The bytes of a regular file, at most `limit`; never follows a symbolic link, never blocks on a FIFO."""
    fd = _open_regular(path, shown, limit)
    try:
        chunks, size = [], 0
        while size <= limit:
            block = os.read(fd, 1 << 20)
            if not block:
                break
            chunks.append(block)
            size += len(block)
    finally:
        os.close(fd)
    if size > limit:
        raise DatasetError.one(shown, None, None, f"file is over {limit:,} bytes; at most {limit:,} allowed")
    return b"".join(chunks)  # one block (the common case) is returned as it is, not copied


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISLNK, "a symbolic link"),
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return name
    return "a special file"


# Blanks and block indicators, each made a blank: see _indented.
_AS_BLANK = bytes.maketrans(b"\t?:-", b"    ")


def _indented(text: str, width: int) -> bool:
    """Whether a line starts with `width` or more blanks or block indicators ([ \t?:-]).

    Bytewise, many times faster than a regular expression: in UTF-8 these characters and the line
    feed are single bytes that no other character's bytes contain.
    """
    return b"\n" + b" " * width in b"\n" + text.encode("utf-8", "surrogatepass").translate(_AS_BLANK)


def check_depth(text: str, shown: str) -> None:
    """Refuse collections nested deeper than MAX_DEPTH, before anything recursive composes them.

    A cheap upper bound first (every flow opener counts; a block level needs indentation or an
    indicator at the start of its line); only when it is exceeded are the parser's events, which
    libyaml produces without recursion, counted exactly.
    """
    room = MAX_DEPTH - 2 - text.count("[") - text.count("{")
    if room >= 0 and not _indented(text, room // 2 + 1):
        return
    loader = _Base(text)
    depth = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise DatasetError.one(
                        shown,
                        event.start_mark.line + 1 if event.start_mark is not None else None,
                        None,
                        f"lists or mappings nested more than {MAX_DEPTH} levels deep; dataset files need a handful",
                    )
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.MarkedYAMLError:
        return  # malformed: the real parse reports it with its line
    finally:
        loader.dispose()


def check_characters(doc: YamlDoc, text: str) -> None:
    """Refuse control and invisible (Unicode Cf) characters in what contributors type.

    Bidirectional controls can make a name read differently from what it is; zero-width
    characters make two equal-looking ids or aliases differ. Fields copied verbatim from an
    article (evidence, segment start/end) may hold the invisible characters a raw text may hold.
    """
    if not _may_hold_unseen(text) and ("\\" not in text or _ESCAPE.search(text) is None):
        return
    problems = []

    def walk(value: Any, where: list) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                if UNSEEN.search(k):
                    problems.append((where + [k], k))
                walk(v, where + [k])
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(v, where + [i])
        elif isinstance(value, str):
            verbatim = bool(where) and where[-1] in VERBATIM_FIELDS
            if (_NEVER if verbatim else UNSEEN).search(value):
                problems.append((where, value))

    walk(doc.data, [])
    if problems:
        from tradetalks.errors import Problem

        out = []
        for where, value in problems:
            match = _NEVER.search(value) or UNSEEN.search(value)
            if match is None:
                raise RuntimeError(f"{dotted(where)}: recorded as holding an unseen character, but none is found in it")
            ch = match.group()
            out.append(
                Problem(
                    str(doc.path),
                    doc.line_of(where),
                    dotted(where) or None,
                    f"contains the invisible or control character U+{ord(ch):04X}{' (' + _name(ch) + ')' if _name(ch) else ''}; retype the value without it",
                )
            )
        raise DatasetError(out)
    # Outside any value (a comment): harmless to the data, unless it is a control or bidirectional
    # override that makes the file read differently from what it is.
    m = _NEVER.search(text)
    if m is not None:
        raise DatasetError.one(
            str(doc.path), text.count("\n", 0, m.start()) + 1, None, f"contains the invisible or control character U+{ord(m.group()):04X}; remove it"
        )


# Printable ASCII with tab, line feed and carriage return: what an ASCII file may hold anywhere.
_PLAIN_ASCII = bytes([9, 10, 13, *range(0x20, 0x7F)])


def _may_hold_unseen(text: str) -> bool:
    """Whether UNSEEN matches somewhere in `text`; an ASCII text is checked bytewise, many times faster."""
    if text.isascii():
        return bool(text.encode("ascii").translate(None, _PLAIN_ASCII))
    return UNSEEN.search(text) is not None


def _name(ch: str) -> str:
    import unicodedata

    return unicodedata.name(ch, "")


def read_yaml(path: str | Path, display: str | None = None) -> YamlDoc:
    """Parse one YAML file; every failure is a DatasetError naming the file and line."""
    shown = display or str(path)
    raw = read_regular(path, shown, MAX_YAML_BYTES)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line: int | None = raw[: exc.start].count(b"\n") + 1
        raise DatasetError.one(shown, line, None, f"not valid UTF-8 (byte {raw[exc.start]:#04x} at offset {exc.start}); save the file as UTF-8") from None
    if text.startswith("\ufeff"):
        raise DatasetError.one(shown, 1, None, "file starts with a byte-order mark (BOM); save it as UTF-8 without BOM")
    check_depth(text, shown)
    data, node = _careful(text, shown)
    doc = YamlDoc(shown, data, node, source=text)
    doc.first_line = text[: text.find("\n")] if "\n" in text else text
    doc.markers = draft_markers(text, shown)
    check_characters(doc, text)
    return doc


def _careful(text: str, shown: str) -> tuple[Any, yaml.Node | None]:
    """The data and node tree of the one document in `text`, or a DatasetError naming the line."""
    loader = _Loader(text)
    try:
        if loader.check_node():
            node = loader.get_node()
            data = _construct(loader, node, shown, may_alias="*" in text)
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
    return data, node
