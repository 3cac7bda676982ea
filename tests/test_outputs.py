"""Outputs go only where they may: a `build` committed as a symbolic link never lets build, validate
or site write through it (into a published release, or into a folder outside the repository)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cli_helpers import invoke
from conftest import make_dataset
from tradetalks.errors import DatasetError
from tradetalks.pipeline.outputs import DEFAULT_BUILD, output_dir


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def repo(tmp_path) -> Path:
    root = make_dataset(tmp_path / "repo")
    published = root / "release" / "1.0.0"
    published.mkdir(parents=True)
    (published / "manifest.json").write_text("{}", encoding="utf-8")
    return root


def run(root: Path, *args: str):
    return invoke([*args, "--root", str(root)])


@pytest.mark.parametrize("command", [["build"], ["validate"]])
@pytest.mark.parametrize("into", ["release", "outside"])
def test_a_build_link_is_refused_and_nothing_is_written_through_it(repo, tmp_path, command, into):
    target = repo / "release" / "1.0.0" if into == "release" else tmp_path / "users-folder"
    target.mkdir(exist_ok=True)
    (target / ".tmp-keep").mkdir()
    (target / ".tmp-keep" / "notes.txt").write_text("the user's own file", encoding="utf-8")
    before = snapshot(target)
    os.symlink(target, repo / "build")
    result = run(repo, *command)
    if command == ["build"]:  # the working build has nowhere to go
        assert result.exit_code == 1, result.output
        assert "build: is a symbolic link" in result.output and "outputs go only to real directories" in result.output
    else:  # validate writes nothing but the cache, which it does without
        assert result.exit_code == 0, result.output
    assert snapshot(target) == before
    assert sorted(p.name for p in target.iterdir()) == sorted({".tmp-keep", *(["manifest.json"] if into == "release" else [])})


def test_a_link_further_down_is_refused_too(repo, tmp_path):
    (repo / "build").mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.symlink(elsewhere, repo / "build" / "working")
    with pytest.raises(DatasetError, match="working: is a symbolic link"):
        output_dir(repo, None, DEFAULT_BUILD / "working")
    assert not any(elsewhere.iterdir())


def test_a_named_output_is_used_as_named_but_never_inside_a_release(repo, tmp_path):
    assert output_dir(repo, tmp_path / "mine", DEFAULT_BUILD / "working") == tmp_path / "mine"
    os.symlink(repo / "release" / "1.0.0", tmp_path / "sneaky")
    with pytest.raises(DatasetError, match="inside release/"):
        output_dir(repo, tmp_path / "sneaky" / "out", DEFAULT_BUILD / "working")
    result = run(repo, "build", "--out", str(tmp_path / "sneaky"))
    assert result.exit_code == 1 and "inside release/" in result.output


def test_the_site_refuses_a_linked_build_folder(repo, tmp_path):
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", repo / "build")
    result = invoke(["site", str(repo / "release" / "1.0.0"), "--root", str(repo)])
    assert result.exit_code == 1 and "is a symbolic link" in result.output
    assert not any((tmp_path / "elsewhere").iterdir())


@pytest.mark.parametrize("command", ["build", "site"])
def test_a_full_disk_is_the_projects_own_error_naming_the_path(repo, monkeypatch, capsys, command):
    import errno
    import sys

    from tradetalks import cli

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(repo / "build" / "working" / ".tmp-x" / "quotes.parquet"))

    monkeypatch.setattr("tradetalks.pipeline.run.build", full)
    monkeypatch.setattr("tradetalks.site.render.render_site", full)
    args = ["build"] if command == "build" else ["site", str(repo / "release" / "1.0.0")]
    monkeypatch.setattr(sys, "argv", ["tradetalks", *args, "--root", str(repo)])
    with pytest.raises(SystemExit) as stop:
        cli.main()
    assert stop.value.code == 1
    said = capsys.readouterr().err
    assert "could not write" in said and "quotes.parquet: No space left on device" in said and "Traceback" not in said


def test_the_workers_files_are_gone_after_a_run_and_those_of_a_killed_run_too(repo):
    """The rows the workers hand over go to a private folder under build/, deleted when the run
    ends; one left by a run that was killed (its process gone) is deleted by the next."""
    left = repo / "build" / ".parts-999999999-left"  # no process has this id
    left.mkdir(parents=True)
    (left / "evidence-1.arrow").write_bytes(b"rows of a killed build")
    mine = repo / "build" / f".parts-{os.getpid()}-other"  # a live process's: never touched
    mine.mkdir()
    assert run(repo, "validate").exit_code == 0
    assert not left.exists() and mine.is_dir()
    assert [p.name for p in (repo / "build").glob(".parts-*")] == [mine.name]
