"""What a Parquet file's footer says about its size, read with the standard library alone.

    rows, group_rows, uncompressed = read_footer(path)

The loader checks these numbers against the manifest and its caps before any reader
decompresses the file. Reading them with pyarrow would cost its import (~0.3 s, numpy
included) in every process that loads a table with Polars; the footer is a small Thrift
(compact protocol) structure, so it is parsed here, reading only the fields the check needs
and skipping the rest without building objects for them.

The file is untrusted: the footer's length is bounded (`MAX_FOOTER_BYTES`), so is the nesting
depth, every read stays inside the footer, a field of the wrong type or given twice is refused,
and no size may be negative. Any of these is a ValueError saying what is wrong. The work is
linear in the footer's bytes: the worst footer within the cap takes a second or two to refuse.

Format: https://github.com/apache/parquet-format (FileMetaData, RowGroup, ColumnChunk,
ColumnMetaData) and the Thrift compact protocol specification.
"""

from __future__ import annotations

import os

MAGIC = b"PAR1"
MAX_FOOTER_BYTES = 4_000_000  # a release table's footer is a few kB per row group
MAX_DEPTH = 64  # nesting of structs and lists (Thrift's own default limit)

# Compact-protocol type codes.
STOP, TRUE, FALSE, BYTE, I16, I32, I64, DOUBLE, BINARY, LIST, SET, MAP, STRUCT, UUID = range(14)
FIXED = {BYTE: 1, DOUBLE: 8, UUID: 16}


def read_footer(path: str | os.PathLike) -> tuple[int, int, int]:
    """(rows in the footer, rows summed over its row groups, uncompressed bytes) of a Parquet file.

    Uncompressed bytes are counted per row group as the larger of the group's
    `total_byte_size` and the sum of its columns' `total_uncompressed_size`.
    """
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        if size < 12:
            raise ValueError(f"{size} bytes; too short for a Parquet file")
        fh.seek(size - 8)
        tail = fh.read(8)
        if tail[4:] != MAGIC:
            what = "an encrypted footer" if tail[4:] == b"PARE" else f"no Parquet magic at its end ({tail[4:]!r})"
            raise ValueError(f"{what}; not a plain Parquet file")
        length = int.from_bytes(tail[:4], "little")
        if length > size - 12:
            raise ValueError(f"its footer claims {length:,} bytes of a {size:,}-byte file")
        if length > MAX_FOOTER_BYTES:
            raise ValueError(f"its footer is {length:,} bytes; at most {MAX_FOOTER_BYTES:,} are read")
        fh.seek(0)
        if fh.read(4) != MAGIC:
            raise ValueError("no Parquet magic at its start")
        fh.seek(size - 8 - length)
        data = fh.read(length)
    return _Reader(data).file_metadata()


class _Reader:
    def __init__(self, data: bytes):
        self.data = data
        self.pos = 0

    # --- the structures the check needs

    def file_metadata(self) -> tuple[int, int, int]:
        rows = None
        groups: list[tuple[int, int]] | None = None
        for field, kind in self.fields("FileMetaData"):
            if field == 3:
                rows = self.i64(kind, "FileMetaData.num_rows")
            elif field == 4:
                groups = [self.row_group() for _ in self.elements(kind, STRUCT, "FileMetaData.row_groups")]
            else:
                self.skip(kind, 1)
        if rows is None or groups is None:
            raise ValueError("its footer has no num_rows or no row_groups")
        return rows, sum(r for r, _ in groups), sum(u for _, u in groups)

    def row_group(self) -> tuple[int, int]:
        rows = total = None
        columns = 0
        for field, kind in self.fields("RowGroup", depth=2):
            if field == 1:
                columns = sum(self.column_chunk() for _ in self.elements(kind, STRUCT, "RowGroup.columns"))
            elif field == 2:
                total = self.i64(kind, "RowGroup.total_byte_size")
            elif field == 3:
                rows = self.i64(kind, "RowGroup.num_rows")
            else:
                self.skip(kind, 3)
        if rows is None or total is None:
            raise ValueError("a row group has no num_rows or no total_byte_size")
        return rows, max(total, columns)

    def column_chunk(self) -> int:
        uncompressed = None
        for field, kind in self.fields("ColumnChunk", depth=4):
            if field == 3:
                if kind != STRUCT:
                    raise ValueError("ColumnChunk.meta_data is not a struct")
                uncompressed = self.column_metadata()
            else:
                self.skip(kind, 5)
        if uncompressed is None:
            raise ValueError("a column chunk has no metadata (encrypted or malformed)")
        return uncompressed

    def column_metadata(self) -> int:
        uncompressed = None
        for field, kind in self.fields("ColumnMetaData", depth=5):
            if field == 6:
                uncompressed = self.i64(kind, "ColumnMetaData.total_uncompressed_size")
            else:
                self.skip(kind, 6)
        if uncompressed is None:
            raise ValueError("a column chunk's metadata has no total_uncompressed_size")
        return uncompressed

    # --- the compact protocol

    def fields(self, struct: str, depth: int = 1):
        """(field id, type) of each field of the struct starting here, up to its STOP; ids are unique."""
        if depth > MAX_DEPTH:
            raise ValueError(f"nested deeper than {MAX_DEPTH} levels")
        seen = set()
        field = 0
        while True:
            head = self.byte()
            kind = head & 0x0F
            if kind == STOP:
                return
            delta = head >> 4
            field = field + delta if delta else _zigzag(self.varint())
            if field in seen:
                raise ValueError(f"{struct} gives field {field} twice")
            seen.add(field)
            yield field, kind

    def elements(self, kind: int, element: int, what: str):
        """range() over a list's elements, after checking that it is a list of `element`."""
        if kind not in (LIST, SET):
            raise ValueError(f"{what} is not a list")
        size, got = self.list_header()
        if got != element:
            raise ValueError(f"{what} does not hold the expected type")
        return range(size)

    def list_header(self) -> tuple[int, int]:
        head = self.byte()
        size = head >> 4
        if size == 15:
            size = self.varint()
        if size > len(self.data) - self.pos:  # every element takes at least one byte
            raise ValueError("a list claims more elements than its footer holds")
        return size, head & 0x0F

    def i64(self, kind: int, what: str) -> int:
        if kind not in (I32, I64):
            raise ValueError(f"{what} is not an integer")
        value = _zigzag(self.varint())
        if value < 0:
            raise ValueError(f"{what} is negative ({value})")
        return value

    def skip(self, kind: int, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise ValueError(f"nested deeper than {MAX_DEPTH} levels")
        if kind in (TRUE, FALSE):
            return  # a struct field's boolean lives in its header
        if kind in (I16, I32, I64):
            self.varint()
        elif kind in FIXED:
            self.advance(FIXED[kind])
        elif kind == BINARY:
            self.advance(self.varint())
        elif kind in (LIST, SET):
            size, element = self.list_header()
            if element in (TRUE, FALSE) or element in FIXED:
                self.advance(size * FIXED.get(element, 1))  # in a list, a boolean is a byte
            else:
                for _ in range(size):
                    self.element(element, depth + 1)
        elif kind == MAP:
            size = self.varint()
            if size:
                types = self.byte()
                if 2 * size > len(self.data) - self.pos:
                    raise ValueError("a map claims more entries than its footer holds")
                for _ in range(size):
                    self.element(types >> 4, depth + 1)
                    self.element(types & 0x0F, depth + 1)
        elif kind == STRUCT:
            for _, inner in self.fields("a struct", depth + 1):
                self.skip(inner, depth + 1)
        else:
            raise ValueError(f"unknown Thrift type {kind}")

    def element(self, kind: int, depth: int) -> None:
        """Skip one element of a list or map: there, unlike in a struct's field, a boolean is a byte."""
        if kind in (TRUE, FALSE):
            self.advance(1)
        else:
            self.skip(kind, depth)

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


def _zigzag(n: int) -> int:
    return (n >> 1) ^ -(n & 1)
