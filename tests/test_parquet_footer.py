"""The loader's own Parquet footer reader: the numbers pyarrow reports, and bounded on hostile bytes."""

from __future__ import annotations

import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tradetalks.parquet_footer import MAX_DEPTH, MAX_FOOTER_BYTES, read_footer

REPO = Path(__file__).resolve().parents[1]


def pyarrow_footer(path: Path) -> tuple[int, int, int]:
    """What the loader computed with pyarrow before it had its own reader."""
    meta = pq.read_metadata(path)
    groups = [meta.row_group(i) for i in range(meta.num_row_groups)]
    uncompressed = sum(max(g.total_byte_size, sum(g.column(j).total_uncompressed_size for j in range(g.num_columns))) for g in groups)
    return meta.num_rows, sum(g.num_rows for g in groups), uncompressed


def test_every_published_table_reads_as_pyarrow_reads_it():
    paths = sorted((REPO / "release").glob("*/*.parquet"))
    assert len(paths) >= 10
    for path in paths:
        assert read_footer(path) == pyarrow_footer(path), path


@pytest.mark.parametrize("seed", range(6))
def test_varied_files_read_as_pyarrow_reads_them(tmp_path, seed):
    """Several row groups, nested and nullable columns, booleans, statistics on or off, any codec."""
    rng = random.Random(seed)
    n = rng.randint(0, 3000)
    table = pa.table(
        {
            "id": pa.array([f"row-{i:06d}" for i in range(n)]),
            "flag": pa.array([rng.random() < 0.5 if rng.random() < 0.9 else None for _ in range(n)], pa.bool_()),
            "tags": pa.array([[f"t{rng.randrange(9)}" for _ in range(rng.randrange(4))] for _ in range(n)], pa.list_(pa.string())),
            "x": pa.array([rng.random() for _ in range(n)]),
            "when": pa.array([rng.randrange(20000) for _ in range(n)], pa.int32()).cast(pa.date32()),
            "pair": pa.array([{"a": i, "b": str(i)} for i in range(n)], pa.struct([("a", pa.int64()), ("b", pa.string())])),
        }
    )
    path = tmp_path / "t.parquet"
    pq.write_table(
        table.replace_schema_metadata({"k": "v" * rng.randrange(500)}),
        path,
        row_group_size=rng.choice([100, 777, 5000]),
        compression=rng.choice(["zstd", "snappy", "none", "gzip"]),
        write_statistics=rng.random() < 0.5,
        use_dictionary=rng.random() < 0.5,
        write_page_index=rng.random() < 0.5,
    )
    assert read_footer(path) == pyarrow_footer(path)
    assert read_footer(path)[0] == n


# --- hostile files: a ValueError naming the problem, quickly, never another exception ----------


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        if n < 0x80:
            return bytes(out + bytes([n]))
        out.append(n & 0x7F | 0x80)
        n >>= 7


def zigzag(n: int) -> bytes:
    return varint((n << 1) ^ (n >> 63))


def parquet(footer: bytes) -> bytes:
    return b"PAR1" + footer + len(footer).to_bytes(4, "little") + b"PAR1"


def field(delta: int, kind: int) -> bytes:
    return bytes([delta << 4 | kind])


STOP, I64, LIST, STRUCT = b"\x00", 6, 9, 12


def metadata(rows: int, groups: list[bytes]) -> bytes:
    """FileMetaData: num_rows (field 3) and row_groups (field 4)."""
    head = bytes([min(len(groups), 15) << 4 | STRUCT]) + (varint(len(groups)) if len(groups) >= 15 else b"")
    return field(3, I64) + zigzag(rows) + field(1, LIST) + head + b"".join(groups) + STOP


def group(rows: int, total: int, columns: list[int]) -> bytes:
    chunks = b"".join(field(3, STRUCT) + field(6, I64) + zigzag(c) + STOP + STOP for c in columns)
    return field(1, LIST) + bytes([len(columns) << 4 | STRUCT]) + chunks + field(1, I64) + zigzag(total) + field(1, I64) + zigzag(rows) + STOP


def read(tmp_path: Path, raw: bytes):
    path = tmp_path / "f.parquet"
    path.write_bytes(raw)
    return read_footer(path)


def test_a_handmade_footer_reads_back(tmp_path):
    assert read(tmp_path, parquet(metadata(30, [group(10, 100, [40, 70]), group(20, 500, [1])]))) == (30, 30, 110 + 500)


def test_a_negative_column_size_cannot_hide_a_large_one(tmp_path):
    with pytest.raises(ValueError, match="total_uncompressed_size is negative"):
        read(tmp_path, parquet(metadata(10, [group(10, 0, [8_000_000_000, -8_000_000_000])])))


def test_a_field_given_twice_is_refused(tmp_path):
    # The second num_rows uses the long header form (type byte, then the field id as a varint).
    footer = field(3, I64) + zigzag(1) + bytes([I64]) + zigzag(3) + zigzag(10**6) + STOP
    with pytest.raises(ValueError, match="field 3 twice"):
        read(tmp_path, parquet(footer))


@pytest.mark.parametrize(
    "raw, message",
    [
        (b"PAR1", "too short"),
        (b"PAR1" + b"\x00" * 10 + (1000).to_bytes(4, "little") + b"PAR1", "footer claims 1,000 bytes"),
        (b"PAR1" + b"\x00" * 10 + (5).to_bytes(4, "little") + b"PARE", "encrypted"),
        (b"XXXX" + b"\x00" * 10 + (5).to_bytes(4, "little") + b"PAR1", "no Parquet magic at its start"),
        (parquet(field(3, I64) + b"\xff" * 20), "longer than 10 bytes"),
        (parquet(field(3, I64)), "ends in the middle"),
        (parquet(field(4, LIST) + b"\xfc" + varint(10**9)), "more elements than its footer holds"),
        (parquet(field(3, 8) + varint(10**6)), "num_rows is not an integer"),
        (parquet(field(3, I64) + zigzag(-1) + STOP), "num_rows is negative"),
        (parquet(field(3, I64) + zigzag(5) + STOP), "no num_rows or no row_groups"),
        (parquet(metadata(1, [field(2, I64) + zigzag(1) + STOP])), "row group has no num_rows"),
        (parquet(field(7, 15) + STOP), "unknown Thrift type 15"),
        (parquet(field(9, STRUCT) * (MAX_DEPTH + 5)), "nested deeper"),
        (parquet(field(9, LIST) + bytes([1 << 4 | LIST]) * (MAX_DEPTH + 5)), "nested deeper"),
    ],
)
def test_hostile_footers_are_refused(tmp_path, raw, message):
    with pytest.raises(ValueError, match=message):
        read(tmp_path, raw)


def test_a_huge_footer_is_not_read(tmp_path):
    raw = parquet(b"\x00" * (MAX_FOOTER_BYTES + 1))
    with pytest.raises(ValueError, match="at most"):
        read(tmp_path, raw)


def test_any_truncation_or_corruption_is_a_value_error_or_a_reading(tmp_path):
    """Cut or flip bytes anywhere in a real footer: a ValueError or some numbers, nothing else."""
    source = REPO / "release" / "2.0.0" / "quotes.parquet"
    raw = source.read_bytes()
    length = int.from_bytes(raw[-8:-4], "little")
    footer = raw[-8 - length : -8]
    rng = random.Random(0)
    for cut in range(0, length, max(1, length // 200)):
        with pytest.raises(ValueError):
            read(tmp_path, parquet(footer[:cut]))
    for _ in range(300):
        broken = bytearray(footer)
        for _ in range(rng.randint(1, 4)):
            broken[rng.randrange(length)] = rng.randrange(256)
        try:
            rows, group_rows, uncompressed = read(tmp_path, parquet(bytes(broken)))
        except ValueError:
            continue
        assert min(rows, group_rows, uncompressed) >= 0
