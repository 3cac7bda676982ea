"""`tradetalks build | validate | suggest`: the dataset's command line."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Build, validate and inspect the tradetalks dataset.")
out = Console()
err = Console(stderr=True)


def _fail(exc: Exception) -> None:
    """Print a data error as the contributor needs it: every problem, one per line, no traceback."""
    from tradetalks.build.errors import DatasetError

    problems = exc.problems if isinstance(exc, DatasetError) else [exc]
    err.print(f"[bold red]error:[/] {len(problems)} problem(s) found", highlight=False, soft_wrap=True)
    for problem in problems:
        err.print(f"  {problem}", highlight=False, markup=False, soft_wrap=True)
    raise typer.Exit(1)


@app.command()
def validate(root: Path = typer.Option(Path("."), help="Repository root (holds dataset/).")) -> None:
    """Check every source file and annotation (no release is written). Exit 0 when valid."""
    from tradetalks.build.errors import TradetalksError
    from tradetalks.build.pipeline import check

    try:
        result = check(root)
    except TradetalksError as exc:
        _fail(exc)
    out.print(f"valid: {result.rows['articles']} articles, " + ", ".join(f"{n} {t}" for t, n in result.rows.items() if t != "articles"), highlight=False, soft_wrap=True)


@app.command()
def build(
    root: Path = typer.Option(Path("."), help="Repository root (holds dataset/)."),
    out_dir: Path = typer.Option(None, "--out", help="Where release/<version>/ goes (default: <root>/release)."),
) -> None:
    """Build the release: Parquet tables, manifest and CHANGELOG in release/<version>/."""
    import time

    from tradetalks.build.errors import TradetalksError
    from tradetalks.build.pipeline import build as run_build

    t = time.perf_counter()
    try:
        result = run_build(root, out_dir)
    except TradetalksError as exc:
        _fail(exc)
    for table, n in result.rows.items():
        out.print(f"  {table:<16} {n:>6} rows", highlight=False, soft_wrap=True)
    out.print(f"release written to {result.release_dir} in {time.perf_counter() - t:.2f} s", highlight=False, soft_wrap=True)


@app.command()
def suggest(
    article: Path = typer.Argument(..., help="dataset/articles/<article_id>.txt"),
    root: Path = typer.Option(Path("."), help="Repository root (holds dataset/)."),
    write: bool = typer.Option(False, "--write", help="Write dataset/articles/<article_id>.yml (never overwrites)."),
) -> None:
    """Draft an article's annotation file from the detectors; every guess is marked as one."""
    from tradetalks.build.errors import TradetalksError
    from tradetalks.build.suggest import suggest_file

    try:
        draft = suggest_file(article, root, write=write)
    except TradetalksError as exc:
        _fail(exc)
    if write:
        out.print(f"draft written to dataset/articles/{article.stem}.yml; review every GUESS before committing", highlight=False, soft_wrap=True)
    else:
        sys.stdout.write(draft)


@app.command("release")
def release_cmd(
    root: Path = typer.Option(Path("."), help="Repository root (holds dataset/ and release/)."),
    previous: Path = typer.Option(None, "--previous", help="The release to diff against (default: the highest other version in release/)."),
    no_build: bool = typer.Option(False, "--no-build", help="Bundle the already built release/<version>/ instead of building."),
    version: str = typer.Option(None, "--version", hidden=True, help="Override src/tradetalks/__about__.py (tests only)."),
) -> None:
    """Build, diff against the previous release, refuse a too-small version, write CHANGELOG counts and the bundle."""
    from tradetalks.build.bundle import make_release
    from tradetalks.build.errors import TradetalksError

    try:
        d = make_release(root, version, previous, build=not no_build)
    except TradetalksError as exc:
        _fail(exc)
    out.print(d.summary(), highlight=False, markup=False)
    out.print(f"release written to {Path(root) / 'release' / d.new_version}", highlight=False, soft_wrap=True)


@app.command("diff")
def diff_cmd(
    old: Path = typer.Argument(..., help="The older release directory (release/<old>)."),
    new: Path = typer.Argument(..., help="The newer release directory (release/<new>)."),
    as_json: bool = typer.Option(False, "--json", help="Print the full diff as JSON."),
    limit: int = typer.Option(10, help="Ids listed per kind of change and table."),
) -> None:
    """Rows added / removed / changed per table, schema changes, and the version bump they require."""
    from tradetalks.build.diff import check_version, diff_releases, dumps
    from tradetalks.build.errors import TradetalksError

    try:
        d = diff_releases(old, new)
    except TradetalksError as exc:
        _fail(exc)
    if as_json:
        sys.stdout.write(dumps(d) + "\n")
        return
    out.print(d.summary(limit), highlight=False, markup=False)
    problem = check_version(d)
    out.print(f"version check: {problem or 'ok'}", highlight=False, markup=False)


@app.command("site")
def site_cmd(
    release_dir: Path = typer.Argument(None, help="A release directory (default: the highest version in release/)."),
    out_dir: Path = typer.Option(None, "--out", help="Where the site goes (default: <root>/build/site; an earlier site there is replaced)."),
    diff_against: Path = typer.Option(None, "--diff-against", help="An older release directory: show what changed since it."),
    root: Path = typer.Option(Path("."), help="Repository root (holds release/)."),
) -> None:
    """Write a static site of a release: articles with every row highlighted, entity pages, a timeline."""
    import time

    from tradetalks.build.errors import TradetalksError
    from tradetalks.build.formats.site import SiteError, render_site

    t = time.perf_counter()
    if release_dir is None:
        versions = sorted((p for p in (root / "release").glob("*/manifest.json") if p.parent.name[:1].isdigit()),
                          key=lambda p: _version_key(p.parent.name))
        if not versions:
            _fail(ValueError(f"{root / 'release'}: no release directory with a manifest.json; run `tradetalks build` or pass RELEASE_DIR"))
        release_dir = versions[-1].parent
    if not (release_dir / "manifest.json").is_file():
        _fail(ValueError(f"{release_dir}: expected a release directory with manifest.json, found none; pass e.g. release/1.0.0"))
    out_dir = out_dir if out_dir is not None else root / "build" / "site"
    diff = None
    if diff_against is not None:
        from tradetalks.build.diff import diff_releases

        try:
            diff = diff_releases(diff_against, release_dir).to_json()
        except TradetalksError as exc:
            _fail(exc)
    try:
        result = render_site(release_dir, out_dir, diff=diff)
    except SiteError as exc:
        _fail(exc)
    out.print(f"site of {release_dir}: {result.pages} pages ({result.articles} articles) written to {result.out_dir} "
              f"in {time.perf_counter() - t:.2f} s; open {result.out_dir / 'index.html'}", highlight=False, soft_wrap=True)
    out.print("  " + ", ".join(f"{stage} {s:.2f} s" for stage, s in result.seconds.items()), highlight=False, soft_wrap=True)


def _version_key(name: str) -> tuple:
    return tuple(int(p) if p.isdigit() else -1 for p in name.split("."))


def main() -> None:
    try:
        app()
    except ModuleNotFoundError as exc:
        # A plain `pip install tradetalks` loads data; building needs the [build] extra.
        err.print(f"error: this command needs {exc.name!r}, one of the build dependencies: pip install 'tradetalks[build]'", highlight=False, soft_wrap=True)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
