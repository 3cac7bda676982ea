"""The per-article map runs on any executor: a build on a Dask cluster writes the bytes the local build writes."""

from __future__ import annotations

import sys
from concurrent.futures import Executor
from pathlib import Path

import pytest

from cli_helpers import invoke
from conftest import REPO
from tradetalks.pipeline import executor
from tradetalks.pipeline.run import build

sys.path.insert(0, str(REPO))
from benchmarks.synth import generate  # noqa: E402


class Counted(Executor):
    """An executor that counts the tasks handed to the one it wraps."""

    def __init__(self, inner: Executor) -> None:
        self.inner, self.tasks = inner, 0

    def submit(self, fn, /, *args, **kwargs):  # noqa: ANN001, ANN201
        self.tasks += 1
        return self.inner.submit(fn, *args, **kwargs)


def files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_a_build_on_a_dask_cluster_is_byte_identical_to_the_local_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("distributed")
    from distributed import LocalCluster

    corpus = generate(tmp_path / "synth", 14, seed=5)
    monkeypatch.setattr(executor, "CHUNK", 3)  # several tasks, spread over the workers
    for root in (REPO, corpus):
        local = build(root, tmp_path / "local", cache=False)
        with (
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
            executor.dask_executor(cluster.scheduler_address) as on_cluster,  # as `--scheduler ADDRESS` connects
        ):
            counted = Counted(on_cluster)
            remote = build(root, tmp_path / "dask", cache=False, executor=counted)
        assert counted.tasks == -(-remote.rows["articles"] // executor.CHUNK)  # every article went to the cluster
        assert local.rows == remote.rows
        assert files(tmp_path / "local") == files(tmp_path / "dask")


def test_a_scheduler_address_needs_the_dask_executor(tmp_path: Path) -> None:
    result = invoke(["validate", "--root", str(REPO), "--scheduler", "tcp://127.0.0.1:8786"])
    assert result.exit_code == 2
    assert "--scheduler" in result.output and "--executor dask" in result.output


def test_an_unknown_executor_is_refused(tmp_path: Path) -> None:
    result = invoke(["build", "--root", str(REPO), "--out", str(tmp_path / "out"), "--executor", "ray"])
    assert result.exit_code == 2
    assert "--executor" in result.output and "invalid choice: 'ray'" in result.output
