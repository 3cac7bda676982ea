"""`tradetalks validate | build | diff | suggest | fill | schemas | release | reproduce | cite | fetch`: the command line.

Each command imports only what it uses: `diff`, `cite` and `fetch` work with a plain
`pip install tradetalks`; `validate`, `build`, `suggest`, `release` and `reproduce` need the
`[build]` extra, and say so when it is missing.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console

from tradetalks.__about__ import __version__

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Build, validate and inspect the tradetalks dataset.")
out = Console()
err = Console(stderr=True)

# What a missing module means: the extra that brings it (anything else is a build dependency).
EXTRAS = {"pandas": "pandas", "duckdb": "duckdb", "dask": "dask", "distributed": "dask"}


def _version(value: bool) -> None:
    if value:
        out.print(f"tradetalks {__version__}", highlight=False, markup=False)
        raise typer.Exit()


@app.callback()
def _options(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
) -> None:
    """Build, validate and inspect the tradetalks dataset."""


def _fail(exc: Exception) -> None:
    """Print a data error as the contributor needs it: every problem, one per line, no traceback."""
    from tradetalks.build.errors import DatasetError, report_lines

    count = len(exc.problems) if isinstance(exc, DatasetError) else 1
    err.print(f"error: {count:,} problem(s) found", style="bold red", highlight=False, markup=False, soft_wrap=True)
    # At most SHOW_PROBLEMS lines, then a count per kind: the output stays readable and bounded.
    lines = report_lines(exc.problems) if isinstance(exc, DatasetError) else [str(exc)]
    for line in lines:
        err.print(f"  {line}", highlight=False, markup=False, soft_wrap=True)
    raise typer.Exit(1)


@contextmanager
def _progress(what: str) -> Iterator:
    """A progress display on stderr for long work; silent (a no-op callback) when stderr is not a terminal.

    Yields `update(step, done, total)`: `total` 0 or 1 shows a step without a count.
    """
    if not err.is_terminal:
        yield lambda step, done, total: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err, transient=True
    ) as bar:
        task = bar.add_task(what, total=None)

        def update(step: str, done: int, total: int) -> None:
            bar.update(task, description=f"{what}: {step}", completed=done, total=total if total > 1 else None)

        yield update


EXECUTOR_HELP = "Where the per-article work runs: 'local' (worker processes for large corpora) or 'dask' (a Dask cluster; needs the \\[dask] extra)."
SCHEDULER_HELP = (
    "With --executor dask: the scheduler's address (e.g. tcp://10.0.0.5:8786), whose workers see the repository at the same path; default: a local cluster."
)


@contextmanager
def _executor(name: str, scheduler: str | None) -> Iterator:
    """The executor `--executor` names (None: the build's default), open for the command's duration."""
    from tradetalks.build.errors import DatasetError

    if name == "dask":
        from tradetalks.build.executor import dask_executor

        with dask_executor(scheduler) as executor:
            yield executor
    elif name != "local":
        raise DatasetError.one("--executor", None, None, f"expected 'local' or 'dask', found {name!r}")
    elif scheduler is not None:
        raise DatasetError.one("--scheduler", None, None, "a scheduler address goes with --executor dask")
    else:
        yield None


@app.command()
def validate(
    articles: list[Path] = typer.Argument(None, help="Check only these articles (dataset/articles/<id>.yml or .txt) and the registry entries they use."),
    root: Path = typer.Option(Path("."), help="Repository root (holds dataset/)."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Compute every article afresh instead of reusing build/cache/ (the result is the same)."),
    executor: str = typer.Option("local", "--executor", help=EXECUTOR_HELP),
    scheduler: str = typer.Option(None, "--scheduler", help=SCHEDULER_HELP),
) -> None:
    """Check every source file and annotation (no release is written). Exit 0 when valid."""
    from tradetalks.build.errors import TradetalksError

    try:
        if articles:
            from tradetalks.build.articles import check_articles  # no Polars, no Pandera: a second or two

            checked = check_articles(root, articles)
            out.print(
                f"valid: {', '.join(checked)} (and the registry entries used); run `tradetalks validate` for the cross-article checks",
                highlight=False,
                soft_wrap=True,
            )
            return
        from tradetalks.build.pipeline import check

        with _executor(executor, scheduler) as runner:
            result = check(root, cache=not no_cache, executor=runner)
    except TradetalksError as exc:
        _fail(exc)
    out.print(
        f"valid: {result.rows['articles']} articles, " + ", ".join(f"{n} {t}" for t, n in result.rows.items() if t != "articles"),
        highlight=False,
        soft_wrap=True,
    )


@app.command()
def build(
    root: Path = typer.Option(Path("."), help="Repository root (holds dataset/)."),
    out_dir: Path = typer.Option(None, "--out", help="Where the build goes (default: <root>/build/working/). Never release/."),
    as_version: str = typer.Option(None, "--as-version", help="Build in the exact form release X.Y.Z was published in (what `reproduce` compares)."),
    no_cache: bool = typer.Option(
        False, "--no-cache", help="Compute every article afresh instead of reusing build/cache/ (implied by --as-version; the result is the same)."
    ),
    archive: bool = typer.Option(
        False, "--zip", help="Also write dist/ (the zip of everything and its SHA256SUMS), as a published release has (implied by --as-version)."
    ),
    executor: str = typer.Option("local", "--executor", help=EXECUTOR_HELP),
    scheduler: str = typer.Option(None, "--scheduler", help=SCHEDULER_HELP),
) -> None:
    """Build the working tree into build/working/ and say what version bump it needs against the latest published release."""
    import time

    from tradetalks.build.diff import diff_releases, latest_published, next_version
    from tradetalks.build.errors import DatasetError, TradetalksError
    from tradetalks.build.pipeline import WORKING
    from tradetalks.build.pipeline import build as run_build
    from tradetalks.schemas.versions import is_release_version

    t = time.perf_counter()
    notes: list[str] = []
    try:
        if as_version is not None and not is_release_version(as_version):
            raise DatasetError.one("--as-version", None, None, f"expected a version like 1.2.0, found {as_version!r}")
        with _executor(executor, scheduler) as runner, _progress("building") as update:
            result = run_build(
                root, out_dir, as_version or WORKING, progress=update, cache=not (no_cache or as_version), notes=notes, archive=archive or None, executor=runner
            )
    except TradetalksError as exc:
        _fail(exc)
    for note in notes:
        out.print(note, highlight=False, markup=False, soft_wrap=True)
    for table, n in result.rows.items():
        out.print(f"  {table:<16} {n:>6} rows", highlight=False, soft_wrap=True)
    kind = f"release {as_version} rebuilt" if as_version else "working build written"
    out.print(f"{kind} to {result.release_dir} in {time.perf_counter() - t:.2f} s", highlight=False, soft_wrap=True)
    if as_version:
        return
    if result.release_dir is None:
        raise RuntimeError("build returned no release directory; a build that is not a check always writes one")
    previous = latest_published(Path(root) / "release")
    d = diff_releases(previous, result.release_dir)
    base = previous.name if previous is not None else None
    target = next_version(base, d.bump)
    if previous is None:
        out.print("no published release yet: the first one is published with `tradetalks release 1.0.0`", highlight=False, soft_wrap=True)
    elif target is None:
        out.print(f"no changes against the latest published release {base}: nothing to publish", highlight=False, soft_wrap=True)
    else:
        because = "; ".join(f"{name}: {t.why}" for name, t in d.tables.items() if t.bump == d.bump)
        out.print(
            f"against the latest published release {base}: {d.bump.upper()} changes ({because}); the next version would be {target} "
            f"(`tradetalks diff` lists them; maintainers publish with `tradetalks release {target}`)",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )


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
        out.print(
            f"draft written to dataset/articles/{article.stem}.yml; resolve every GUESS, DECIDE and TODO (validate refuses them),"
            f" checking with `tradetalks validate dataset/articles/{article.stem}.yml`",
            highlight=False,
            soft_wrap=True,
        )
    else:
        sys.stdout.write(draft)


@app.command("release")
def release_cmd(
    version: str = typer.Argument(..., help="The version to publish, X.Y.Z: higher than the latest published, and big enough for the changes."),
    root: Path = typer.Option(Path("."), help="Repository root (holds dataset/ and release/)."),
    date: str = typer.Option(None, help="Release date for CHANGELOG and CITATION (default: today)."),
) -> None:
    """Maintainers: freeze the working tree into release/X.Y.Z/ (never rewritten), with CHANGELOG, CITATION and the version."""
    from tradetalks.build.errors import TradetalksError
    from tradetalks.publish import publish

    try:
        d = publish(root, version, date)
    except TradetalksError as exc:
        _fail(exc)
    out.print(d.summary(), highlight=False, markup=False)
    out.print(
        f"release written to {Path(root) / 'release' / version}; CHANGELOG.md, CITATION.cff, README.md, src/tradetalks/__about__.py and "
        f"src/tradetalks/known_releases.json updated. Commit them, then tag v{version}.",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )


@app.command("reproduce")
def reproduce_cmd(
    version: str = typer.Argument(..., help="A published version, X.Y.Z."),
    root: Path = typer.Option(Path("."), help="Repository root (a git checkout holding release/)."),
    ref: str = typer.Option(None, help="The commit or tag to rebuild from (default: tag vX.Y.Z, else the last commit that changed release/X.Y.Z/)."),
) -> None:
    """Rebuild a published release from the sources and code it was built from, and prove it byte-identical."""
    from tradetalks.build.errors import TradetalksError
    from tradetalks.publish import reproduce

    try:
        result = reproduce(root, version, ref)
    except TradetalksError as exc:
        _fail(exc)
    if result.ok:
        out.print(
            f"release {version}: rebuilt from {result.ref} ({result.commit[:12]}); all {result.files} files byte-identical",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
        return
    err.print(f"release {version} is NOT reproduced from {result.ref} ({result.commit[:12]}):", highlight=False, markup=False)
    for problem in result.problems:
        err.print(f"  {problem}", highlight=False, markup=False, soft_wrap=True)
    raise typer.Exit(1)


@app.command("diff")
def diff_cmd(
    old: Path = typer.Argument(None, help="The older release directory (default: the latest published release in release/)."),
    new: Path = typer.Argument(None, help="The newer one (default: the working build, build/working/)."),
    as_json: bool = typer.Option(False, "--json", help="Print the full diff as JSON."),
    limit: int = typer.Option(10, help="Ids listed per kind of change and table."),
) -> None:
    """Rows added / removed / changed per table, schema changes, and the version bump they require."""
    from tradetalks.build.diff import check_version, diff_releases, dumps, latest_published
    from tradetalks.build.errors import TradetalksError

    try:
        old = old if old is not None else latest_published(Path("release"))
        d = diff_releases(old, new if new is not None else Path("build") / "working")
    except TradetalksError as exc:
        _fail(exc)
    if as_json:
        sys.stdout.write(dumps(d) + "\n")
        return
    out.print(d.summary(limit), highlight=False, markup=False)
    problem = check_version(d)
    out.print(f"version check: {problem or 'ok'}", highlight=False, markup=False)


@app.command()
def fill(
    files: list[Path] = typer.Argument(None, help="Dataset YAML files (default: every file under dataset/)."),
    root: Path = typer.Option(Path("."), help="Repository root (holds dataset/)."),
    check: bool = typer.Option(False, "--check", help="Change nothing; exit 1 when a file is not filled."),
) -> None:
    """Write what is never typed by hand: the schema modeline, article_id, text_sha256, new person_ids."""
    from tradetalks.build.errors import DatasetError, Problem, TradetalksError
    from tradetalks.build.fill import dataset_files, fill_file

    problems: list[Problem] = []
    unfilled = 0
    for path in files or dataset_files(root):
        try:
            done = fill_file(path, root, write=not check)
        except TradetalksError as exc:
            # Any other error becomes a Problem of this file: DatasetError holds Problems only (its summary reads .message).
            problems += exc.problems if isinstance(exc, DatasetError) else [Problem(str(path), None, None, str(exc))]
            continue
        for change in done.changes:
            out.print(f"{done.path}: {change}" if not check else f"{done.path}: needs fill ({change})", highlight=False, markup=False, soft_wrap=True)
        for left in done.left:
            err.print(f"{done.path}: {left}", highlight=False, markup=False, soft_wrap=True)
        unfilled += bool(done.changes)
    if problems:
        _fail(DatasetError(problems))
    if check and unfilled:
        err.print(f"{unfilled} file(s) need `tradetalks fill`", highlight=False, soft_wrap=True)
        raise typer.Exit(1)


@app.command()
def schemas(
    root: Path = typer.Option(Path("."), help="Repository root (where schemas/ and docs/ are)."),
    write: bool = typer.Option(False, "--write", help="Write schemas/*.schema.json and docs/reference.md."),
) -> None:
    """Publish the dataset file schemas and the field reference (default: check they are up to date)."""
    from tradetalks.schemas.publish import stale
    from tradetalks.schemas.publish import write as write_outputs

    if write:
        for rel in write_outputs(root):
            out.print(f"wrote {rel}", highlight=False, soft_wrap=True)
        return
    outdated = stale(root)
    for rel in outdated:
        err.print(f"{rel} is out of date; run `tradetalks schemas --write`", highlight=False, soft_wrap=True)
    if outdated:
        raise typer.Exit(1)
    out.print("schemas/ and docs/reference.md are up to date", highlight=False, soft_wrap=True)


@app.command("cite")
def cite_cmd(
    version: str = typer.Option(None, "--version", help="The version you used (default: the one this package ships)."),
    fmt: str = typer.Option("bibtex", "--format", help="bibtex, apa or cff (a CITATION.cff for that version)."),
) -> None:
    """Print how to cite a version of the dataset (BibTeX, APA or CITATION.cff); the year is its release date's."""
    from tradetalks.build.formats.citation import FORMATS, render
    from tradetalks.build.formats.metadata import release_date
    from tradetalks.load import ReleaseError, bundled_dir, check_version, fetch, known_releases

    if fmt not in FORMATS:
        err.print(f"error: --format must be one of {', '.join(FORMATS)}; got {fmt!r}", highlight=False, markup=False)
        raise typer.Exit(2)
    try:
        version = check_version(version or __version__, "--version")
        # The shipped CHANGELOG dates every version up to the shipped one; a newer one's comes with it.
        date = None
        shipped = bundled_dir()
        if shipped is not None and (shipped / "CHANGELOG.md").is_file():
            date = release_date((shipped / "CHANGELOG.md").read_text(encoding="utf-8"), version)
        if date is None and version != __version__ and version in known_releases():
            with _progress(f"fetching tradetalks {version}") as update:
                root = fetch(version, whole=True, progress=update)
            date = release_date((root / "CHANGELOG.md").read_text(encoding="utf-8"), version) if (root / "CHANGELOG.md").is_file() else None
        if date is None and version != __version__ and version not in known_releases():
            known = ", ".join(sorted({*known_releases(), __version__}))
            raise ReleaseError(
                f"tradetalks {version} is not a published version this package knows (it knows: {known}); "
                "upgrade tradetalks for newer ones (pip install -U tradetalks)"
            )
    except ReleaseError as exc:
        err.print(f"error: {exc}", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(1) from None
    sys.stdout.write(render(fmt, version, date).rstrip("\n") + "\n")


@app.command("fetch")
def fetch_cmd(
    version: str = typer.Argument(..., help="A published version, X.Y.Z."),
    whole: bool = typer.Option(False, "--all", help="Every file of the release (card, CHANGELOG, CSVs, datapackage, croissant), not only the tables."),
    manifest_sha256: str = typer.Option(
        None, "--manifest-sha256", help="Only for a version newer than this package: its manifest's sha256 (release notes, SHA256SUMS)."
    ),
) -> None:
    """Download a pinned version into the cache (sha256-checked) and print where it is."""
    from tradetalks.load import ReleaseError, fetch

    try:
        with _progress(f"fetching tradetalks {version}") as update:
            root = fetch(version, manifest_sha256, whole=whole, progress=update)
    except ReleaseError as exc:
        err.print(f"error: {exc}", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(1) from None
    out.print(str(root), highlight=False, markup=False, soft_wrap=True)


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
        from tradetalks.schemas.versions import is_release_version, version_key

        versions = sorted(
            (p for p in (root / "release").glob("*/manifest.json") if is_release_version(p.parent.name)), key=lambda p: version_key(p.parent.name)
        )
        if not versions:
            _fail(ValueError(f"{root / 'release'}: no release directory with a manifest.json; run `tradetalks build` or pass RELEASE_DIR"))
        release_dir = versions[-1].parent
    if not (release_dir / "manifest.json").is_file():
        _fail(ValueError(f"{release_dir}: expected a release directory with manifest.json, found none; pass e.g. release/1.0.0"))
    from tradetalks.build.outputs import DEFAULT_BUILD, output_dir

    try:
        out_dir = output_dir(root, out_dir, DEFAULT_BUILD / "site")
    except TradetalksError as exc:
        _fail(exc)
    diff = None
    if diff_against is not None:
        from tradetalks.build.diff import diff_releases

        try:
            diff = diff_releases(diff_against, release_dir).to_json()
        except TradetalksError as exc:
            _fail(exc)
    try:
        with _progress("writing the site") as update:
            result = render_site(release_dir, out_dir, diff=diff, progress=update)
    except SiteError as exc:
        _fail(exc)
    out.print(
        f"site of {release_dir}: {result.pages} pages ({result.articles} articles) written to {result.out_dir} "
        f"in {time.perf_counter() - t:.2f} s; open {result.out_dir / 'index.html'}",
        highlight=False,
        soft_wrap=True,
    )
    out.print("  " + ", ".join(f"{stage} {s:.2f} s" for stage, s in result.seconds.items()), highlight=False, soft_wrap=True)


# Polars' allocator (jemalloc) keeps the pages a frame frees for about ten seconds before giving
# them back to the system. A large build frees hundreds of MiB at a time, and those pages would
# count against the machine's memory meanwhile: returned at once, a 100k build's peak is a fifth
# lower, at no measured cost in time (benchmarks/README.md). jemalloc reads this when Polars is
# loaded, so it is set before any command imports Polars; a value the user set is kept.
ALLOCATOR = {"_RJEM_MALLOC_CONF": "dirty_decay_ms:0,muzzy_decay_ms:0"}


# Errors of writing that the user can mend (space, quota, permissions), as errno numbers.
WRITE_FAILURES = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG})


def main() -> None:
    for name, value in ALLOCATOR.items():
        os.environ.setdefault(name, value)
    try:
        app(prog_name="tradetalks")
    except ModuleNotFoundError as exc:
        # A plain `pip install tradetalks` loads data; building needs the [build] extra.
        # markup=False: rich would read "[build]" as a style tag and print nothing of it.
        top = (exc.name or "").split(".")[0]
        extra = EXTRAS.get(top, "build")
        what = f"one of the {extra} dependencies" if extra == "build" else "an optional dependency"
        err.print(f"error: this command needs {top!r}, {what}: pip install 'tradetalks[{extra}]'", highlight=False, markup=False, soft_wrap=True)
        raise SystemExit(1) from None
    except OSError as exc:
        if exc.errno not in WRITE_FAILURES:
            raise
        # A full disk, a quota, a read-only or forbidden folder: the project's own one-line error.
        where = exc.filename or "a file"
        err.print(
            f"error: could not write {where}: {exc.strerror}; nothing was published and the last good output is kept: free space"
            " (or pass another --out) and run the command again",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
