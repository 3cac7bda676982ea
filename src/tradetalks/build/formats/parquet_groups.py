"""A Parquet file put together from row groups encoded one at a time, some taken from an earlier file.

pyarrow's writer encodes each row group on its own: a row group's bytes depend on its rows, the
schema and the options only, never on the row groups before it. Only the footer (Thrift,
compact protocol) says where each row group starts. So a file of row groups A, B, C is

    PAR1 | A's column chunks | B's | C's | footer | footer length | PAR1

where each group's chunks are those of a file of that group alone, and the footer is that
file's with every row group listed, their offsets moved to where the chunks now lie, their
ordinals renumbered and the row count summed. A rebuild that changed one row group of a large
table encodes that group only and copies the others' bytes from the last build's file
(`assemble`). Tests compare the result with `pq.ParquetWriter`'s, byte for byte.

Files whose column chunks have page indexes or bloom filters (which lie apart from the chunks)
are not handled: `split` refuses them (ValueError) and the caller writes the file whole.
"""

from __future__ import annotations

import io
import struct as _struct
from dataclasses import dataclass

MAGIC = b"PAR1"
MAX_DEPTH = 64  # nesting of structs and lists (Thrift's own default limit)
# Thrift compact-protocol type codes.
STOP, TRUE, FALSE, BYTE, I16, I32, I64, DOUBLE, BINARY, LIST, SET, MAP, STRUCT, UUID = range(14)


class _Primitives:
    """Bytes of a footer read one at a time, every read kept inside them."""

    def __init__(self, data: bytes):
        self.data = data
        self.pos = 0

    def byte(self) -> int:
        if self.pos >= len(self.data):
            raise ValueError("its footer ends in the middle of a structure")
        self.pos += 1
        return self.data[self.pos - 1]

    def advance(self, n: int) -> None:
        if n > len(self.data) - self.pos:
            raise ValueError("its footer ends in the middle of a value")
        self.pos += n

    def varint(self) -> int:
        value = shift = 0
        while True:
            b = self.byte()
            value |= (b & 0x7F) << shift
            if not b & 0x80:
                return value
            shift += 7
            if shift >= 70:
                raise ValueError("a varint longer than 10 bytes")


def _unzigzag(n: int) -> int:
    return (n >> 1) ^ -(n & 1)


# Field ids (parquet-format's parquet.thrift).
FILE_NUM_ROWS, FILE_ROW_GROUPS = 3, 4
GROUP_COLUMNS, GROUP_FILE_OFFSET, GROUP_TOTAL_COMPRESSED, GROUP_ORDINAL = 1, 5, 6, 7
CHUNK_FILE_OFFSET, CHUNK_META, CHUNK_OFFSET_INDEX, CHUNK_COLUMN_INDEX = 2, 3, 4, 6
META_TOTAL_COMPRESSED, META_DATA_PAGE, META_INDEX_PAGE, META_DICTIONARY_PAGE, META_BLOOM = 7, 9, 10, 11, 14


# A struct is a list of [field id, type, value]; a list or set is (element type, [values]); a
# map is (key type, value type, [(key, value)]). Booleans keep their type code in a struct and
# their byte in a list, so that what is read is written back byte for byte.
Struct = list


class _Reader(_Primitives):
    """The whole structure, every field kept."""

    def take(self, n: int) -> bytes:
        start = self.pos
        self.advance(n)
        return bytes(self.data[start : self.pos])

    def struct(self, depth: int = 0) -> Struct:
        if depth > MAX_DEPTH:
            raise ValueError(f"a Parquet footer nested deeper than {MAX_DEPTH} levels")
        fields: Struct = []
        field = 0
        while True:
            head = self.byte()
            kind = head & 0x0F
            if kind == STOP:
                return fields
            delta = head >> 4
            field = field + delta if delta else _unzigzag(self.varint())
            fields.append([field, kind, None if kind in (TRUE, FALSE) else self.value(kind, depth + 1)])

    def value(self, kind: int, depth: int):
        if kind in (I16, I32, I64):
            return _unzigzag(self.varint())
        if kind == BYTE:
            return self.take(1)
        if kind == DOUBLE:
            return self.take(8)
        if kind == UUID:
            return self.take(16)
        if kind == BINARY:
            return self.take(self.varint())
        if kind in (LIST, SET):
            head = self.byte()
            size, element = head >> 4, head & 0x0F
            if size == 15:
                size = self.varint()
            if size > len(self.data) - self.pos:
                raise ValueError("a list claims more elements than the footer holds")
            return (element, [self.take(1) if element in (TRUE, FALSE) else self.value(element, depth + 1) for _ in range(size)])
        if kind == MAP:
            size = self.varint()
            if not size:
                return (0, 0, [])
            types = self.byte()
            if 2 * size > len(self.data) - self.pos:
                raise ValueError("a map claims more entries than the footer holds")
            k, v = types >> 4, types & 0x0F
            return (k, v, [(self._element(k, depth + 1), self._element(v, depth + 1)) for _ in range(size)])
        if kind == STRUCT:
            return self.struct(depth)
        raise ValueError(f"unknown Thrift type {kind}")

    def _element(self, kind: int, depth: int):
        return self.take(1) if kind in (TRUE, FALSE) else self.value(kind, depth)


def _zigzag(n: int) -> int:
    return (n << 1) ^ (n >> 63)


def _varint(out: io.BytesIO, n: int) -> None:
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.write(bytes((b | 0x80,)))
        else:
            out.write(bytes((b,)))
            return


def write_struct(out: io.BytesIO, fields: Struct) -> None:
    last = 0
    for field, kind, value in fields:
        delta = field - last
        if 0 < delta <= 15:
            out.write(bytes(((delta << 4) | kind,)))
        else:
            out.write(bytes((kind,)))
            _varint(out, _zigzag(field))
        last = field
        if kind not in (TRUE, FALSE):
            _write_value(out, kind, value)
    out.write(bytes((STOP,)))


def _write_value(out: io.BytesIO, kind: int, value) -> None:
    if kind in (I16, I32, I64):
        _varint(out, _zigzag(value))
    elif kind in (BYTE, DOUBLE, UUID):
        out.write(value)
    elif kind == BINARY:
        _varint(out, len(value))
        out.write(value)
    elif kind in (LIST, SET):
        element, items = value
        if len(items) < 15:
            out.write(bytes(((len(items) << 4) | element,)))
        else:
            out.write(bytes((0xF0 | element,)))
            _varint(out, len(items))
        for item in items:
            out.write(item) if element in (TRUE, FALSE) else _write_value(out, element, item)
    elif kind == MAP:
        k, v, entries = value
        _varint(out, len(entries))
        if entries:
            out.write(bytes(((k << 4) | v,)))
            for key, item in entries:
                out.write(key) if k in (TRUE, FALSE) else _write_value(out, k, key)
                out.write(item) if v in (TRUE, FALSE) else _write_value(out, v, item)
    elif kind == STRUCT:
        write_struct(out, value)
    else:
        raise ValueError(f"unknown Thrift type {kind}")


def read_struct(data: bytes) -> Struct:
    reader = _Reader(data)
    found = reader.struct()
    if reader.pos != len(data):
        raise ValueError("bytes after the end of a Parquet footer")
    return found


def encode_struct(fields: Struct) -> bytes:
    out = io.BytesIO()
    write_struct(out, fields)
    return out.getvalue()


def _get(fields: Struct, field: int):
    for f in fields:
        if f[0] == field:
            return f
    return None


@dataclass
class Piece:
    """The row groups of one Parquet file: where their column chunks lie in it (`start`, `end`)
    and the footer's description of each (`groups`); `meta`: the footer itself."""

    meta: Struct
    groups: list[Struct]
    spans: list[tuple[int, int]]  # (start, end) of each row group's column chunks, in the file


def split(data: bytes) -> Piece:
    """The footer and row groups of the Parquet file `data` (its last bytes suffice: the footer, its length and PAR1)."""
    if len(data) < 8 or data[-4:] != MAGIC:
        raise ValueError("no Parquet magic at the end")
    length = int.from_bytes(data[-8:-4], "little")
    if length > len(data) - 8:
        raise ValueError("a Parquet footer longer than the bytes given")
    meta = read_struct(data[len(data) - 8 - length : len(data) - 8])
    return piece_of(meta)


def piece_of(meta: Struct) -> Piece:
    row_groups = _get(meta, FILE_ROW_GROUPS)
    groups = row_groups[2][1] if row_groups is not None else []
    spans = []
    for group in groups:
        start = end = None
        total = 0
        for chunk in _get(group, GROUP_COLUMNS)[2][1]:
            if _get(chunk, CHUNK_OFFSET_INDEX) or _get(chunk, CHUNK_COLUMN_INDEX):
                raise ValueError("a column chunk with a page index: not handled")
            col = _get(chunk, CHUNK_META)
            if col is None:
                raise ValueError("a column chunk without metadata (encrypted?): not handled")
            if _get(col[2], META_BLOOM) or _get(col[2], META_INDEX_PAGE):
                raise ValueError("a column chunk with a bloom filter or index page: not handled")
            first = _get(col[2], META_DICTIONARY_PAGE) or _get(col[2], META_DATA_PAGE)
            size = _get(col[2], META_TOTAL_COMPRESSED)[2]
            begin = first[2]
            if end is not None and begin != end:
                raise ValueError("a row group's column chunks are not contiguous: not handled")
            start = begin if start is None else start
            end = begin + size
            total += size
        if start is None or end is None:
            raise ValueError("a row group without columns")
        spans.append((start, end))
    return Piece(meta, groups, spans)


def _moved(group: Struct, by: int, ordinal: int) -> Struct:
    """A copy of a row group's description with every offset moved by `by` and its ordinal set."""
    out: Struct = []
    for field, kind, value in group:
        if field == GROUP_COLUMNS:
            chunks = []
            for chunk in value[1]:
                moved_chunk: Struct = []
                for cf, ck, cv in chunk:
                    if cf == CHUNK_FILE_OFFSET and cv:  # deprecated; pyarrow writes 0, which stays 0
                        cv = cv + by
                    elif cf == CHUNK_META:
                        cv = [[mf, mk, mv + by if mf in (META_DATA_PAGE, META_DICTIONARY_PAGE) else mv] for mf, mk, mv in cv]
                    moved_chunk.append([cf, ck, cv])
                chunks.append(moved_chunk)
            value = (value[0], chunks)
        elif field == GROUP_FILE_OFFSET:
            value = value + by
        elif field == GROUP_ORDINAL:
            value = ordinal
        out.append([field, kind, value])
    return out


def footer(template: Struct, groups: list[Struct]) -> bytes:
    """The footer of a file of `groups` (already moved): `template`'s (a file of the same schema and
    options) with the row groups and the row count replaced; followed by its length and PAR1."""
    rows = sum(_get(g, 3)[2] for g in groups)
    meta: Struct = []
    for field, kind, value in template:
        if field == FILE_NUM_ROWS:
            value = rows
        elif field == FILE_ROW_GROUPS:
            value = (STRUCT, groups)
        meta.append([field, kind, value])
    data = encode_struct(meta)
    return data + _struct.pack("<I", len(data)) + MAGIC


def moved(group: Struct, span: tuple[int, int], at: int, ordinal: int) -> Struct:
    """`group` (whose chunks lie at `span` in its file) described as lying at `at`, with `ordinal`."""
    return _moved(group, at - span[0], ordinal)
