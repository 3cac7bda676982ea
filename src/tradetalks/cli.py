"""`tradetalks COMMAND`: the command line.

For researchers, from a plain `pip install tradetalks`: `fetch`, `cite`, `card`, `tables`.
In a checkout of the repository: `validate`, `build`, `suggest`, `fill`, `schemas`, `diff`,
`site`, and for maintainers `release` and `reproduce`; these need the `[build]` extra (the
contributors' `uv sync` has it) and say so in one line when it, or the checkout, is missing.

Built on argparse: help is formatted from the standard library alone, so `tradetalks --help` (and
any command's) starts in a few tens of milliseconds; each command imports what it uses when it runs.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tradetalks.__about__ import __version__

# What a missing module means: the extra that brings it (anything else is a build dependency).
EXTRAS = {"pandas": "pandas", "duckdb": "duckdb", "dask": "dask", "distributed": "dask"}
CHECKOUT = "run this in a checkout of the tradetalks repository (needs {needs})"
# Words a flag's user may type after it as if it took a value (`--no-cache true`).
BOOLEAN_WORDS = {"true", "false", "yes", "no", "on", "off", "1", "0"}


class Failure(Exception):
    """A command's failure, said in one line on stderr; exit status `code`."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


def say(text: str) -> None:
    sys.stdout.write(text + "\n")


def warn(text: str) -> None:
    sys.stderr.write(text + "\n")


def _fail(exc: Exception) -> None:
    """Print a data error as the contributor needs it: every problem, one per line, no traceback."""
    from tradetalks.errors import DatasetError, report_lines

    count = len(exc.problems) if isinstance(exc, DatasetError) else 1
    warn(f"error: {count:,} problem(s) found")
    # At most SHOW_PROBLEMS lines, then a count per kind: the output stays readable and bounded.
    for line in report_lines(exc.problems) if isinstance(exc, DatasetError) else [str(exc)]:
        warn(f"  {line}")
    raise SystemExit(1)


def _checkout(root: Path, *needs: str) -> None:
    """Failure unless `root` holds every path of `needs` (dataset/, release/...): the command needs a checkout."""
    missing = [n for n in needs if not (root / n.rstrip("/")).exists()]
    if missing:
        where = "here" if root == Path(".") else f"in {root}"
        raise Failure(f"{CHECKOUT.format(needs=' and '.join(needs))}; no {' or '.join(missing)} {where}")


@contextmanager
def _progress(what: str) -> Iterator[Callable[[str, int, int], None]]:
    """`update(step, done, total)` for long work: a line on stderr per step on a terminal; nothing in a pipe or a log."""
    if not sys.stderr.isatty():
        yield lambda step, done, total: None
        return
    shown: list[str] = []

    def update(step: str, done: int, total: int) -> None:
        if shown[-1:] != [step]:
            shown.append(step)
            count = f" ({total:,})" if total > 1 else ""
            warn(f"{what}: {step}{count}")

    yield update


# ---------------------------------------------------------------------------------------------
# For researchers: a plain install


def cmd_tables(args: argparse.Namespace) -> None:
    from tradetalks.load import describe

    say(str(describe(args.table, args.version)))


def cmd_card(args: argparse.Namespace) -> None:
    from tradetalks.load import card

    sys.stdout.write(card(args.version))


def cmd_cite(args: argparse.Namespace) -> None:
    from tradetalks.formats.citation import FORMATS, render
    from tradetalks.formats.metadata import release_date
    from tradetalks.load import bundled_dir, fetch, known_releases, user_version, version_key

    if args.format not in FORMATS:
        raise Failure(f"--format must be one of {', '.join(FORMATS)}; got {args.format!r}", code=2)
    version = user_version(args.version or __version__, "--version")
    # The shipped CHANGELOG dates every version up to the shipped one; a newer one's comes with it.
    date = None
    shipped = bundled_dir()
    if shipped is not None and (shipped / "CHANGELOG.md").is_file():
        date = release_date((shipped / "CHANGELOG.md").read_text(encoding="utf-8"), version)
    known = sorted({*known_releases(), __version__}, key=version_key)
    if date is None and version != __version__ and version in known:
        with _progress(f"fetching tradetalks {version}") as update:
            root = fetch(version, whole=True, progress=update)
        date = release_date((root / "CHANGELOG.md").read_text(encoding="utf-8"), version) if (root / "CHANGELOG.md").is_file() else None
    if date is None and version not in known:
        newer = version_key(version) > version_key(known[-1])
        raise Failure(
            f"tradetalks {version} is not a published version this package knows (it knows: {', '.join(known)})"
            + ("; if it is newer, upgrade tradetalks (pip install -U tradetalks)" if newer else "")
        )
    sys.stdout.write(render(args.format, version, date).rstrip("\n") + "\n")


def cmd_fetch(args: argparse.Namespace) -> None:
    from tradetalks.load import fetch

    with _progress(f"fetching tradetalks {args.version}") as update:
        root = fetch(args.version, args.manifest_sha256, whole=args.all, progress=update)
    say(str(root))


# ---------------------------------------------------------------------------------------------
# In a checkout of the repository


def cmd_validate(args: argparse.Namespace) -> None:
    _checkout(args.root, "dataset/")
    from tradetalks.errors import TradetalksError

    try:
        if args.articles:
            from tradetalks.pipeline.per_article import check_articles  # no Polars, no Pandera: a second or two

            checked = check_articles(args.root, args.articles)
            say(f"valid: {', '.join(checked)} (and the registry entries used); run `tradetalks validate` for the cross-article checks")
            return
        from tradetalks.pipeline.run import check

        with _executor(args.executor, args.scheduler) as runner, _progress("validating") as update:
            result = check(args.root, progress=update, cache=not args.no_cache, executor=runner)
    except TradetalksError as exc:
        _fail(exc)
    say(f"valid: {result.rows['articles']} articles, " + ", ".join(f"{n} {t}" for t, n in result.rows.items() if t != "articles"))


def cmd_build(args: argparse.Namespace) -> None:
    _checkout(args.root, "dataset/")
    import time

    from tradetalks.contract.versions import is_release_version
    from tradetalks.errors import DatasetError, TradetalksError
    from tradetalks.pipeline.run import WORKING
    from tradetalks.pipeline.run import build as run_build
    from tradetalks.publishing.diff import diff_releases, latest_published, next_version

    t = time.perf_counter()
    notes: list[str] = []
    as_version = args.as_version
    try:
        if as_version is not None and not is_release_version(as_version):
            raise DatasetError.one("--as-version", None, None, f"expected a version like 1.2.0, found {as_version!r}")
        with _executor(args.executor, args.scheduler) as runner, _progress("building") as update:
            result = run_build(
                args.root,
                args.out,
                as_version or WORKING,
                progress=update,
                cache=not (args.no_cache or as_version),
                notes=notes,
                archive=args.zip or None,
                executor=runner,
            )
    except TradetalksError as exc:
        _fail(exc)
    for note in notes:
        say(note)
    for table, n in result.rows.items():
        say(f"  {table:<16} {n:>6} rows")
    kind = f"release {as_version} rebuilt" if as_version else "working build written"
    say(f"{kind} to {result.release_dir} in {time.perf_counter() - t:.2f} s")
    if as_version:
        return
    if result.release_dir is None:
        raise RuntimeError("build returned no release directory; a build that is not a check always writes one")
    previous = latest_published(Path(args.root) / "release")
    d = diff_releases(previous, result.release_dir)
    base = previous.name if previous is not None else None
    target = next_version(base, d.bump)
    if previous is None:
        say("no published release yet: the first one is published with `tradetalks release 1.0.0`")
    elif target is None:
        say(f"no changes against the latest published release {base}: nothing to publish")
    else:
        because = "; ".join(f"{name}: {t.why}" for name, t in d.tables.items() if t.bump == d.bump)
        say(
            f"against the latest published release {base}: {d.bump.upper()} changes ({because}); the next version would be {target} "
            f"(`tradetalks diff` lists them; maintainers publish with `tradetalks release {target}`)"
        )


def cmd_suggest(args: argparse.Namespace) -> None:
    _checkout(args.root, "dataset/")
    from tradetalks.authoring.suggest import suggest_file
    from tradetalks.errors import TradetalksError

    try:
        draft = suggest_file(args.article, args.root, write=args.write)
    except TradetalksError as exc:
        _fail(exc)
    if args.write:
        stem = args.article.stem
        say(
            f"draft written to dataset/articles/{stem}.yml; resolve every GUESS, DECIDE and TODO (validate refuses them),"
            f" checking with `tradetalks validate dataset/articles/{stem}.yml`"
        )
    else:
        sys.stdout.write(draft)


def cmd_fill(args: argparse.Namespace) -> None:
    _checkout(args.root, "dataset/")
    from tradetalks.authoring.fill import dataset_files, fill_file
    from tradetalks.errors import DatasetError, Problem, TradetalksError

    problems: list[Problem] = []
    unfilled = 0
    for path in args.files or dataset_files(args.root):
        try:
            done = fill_file(path, args.root, write=not args.check)
        except TradetalksError as exc:
            # Any other error becomes a Problem of this file: DatasetError holds Problems only (its summary reads .message).
            problems += exc.problems if isinstance(exc, DatasetError) else [Problem(str(path), None, None, str(exc))]
            continue
        for change in done.changes:
            say(f"{done.path}: {change}" if not args.check else f"{done.path}: needs fill ({change})")
        for left in done.left:
            warn(f"{done.path}: {left}")
        unfilled += bool(done.changes)
    if problems:
        _fail(DatasetError(problems))
    if args.check and unfilled:
        raise Failure(f"{unfilled} file(s) need `tradetalks fill`")


def cmd_schemas(args: argparse.Namespace) -> None:
    from tradetalks.contract.schema_files import stale
    from tradetalks.contract.schema_files import write as write_outputs

    if args.write:
        for rel in write_outputs(args.root):
            say(f"wrote {rel}")
        return
    outdated = stale(args.root)
    for rel in outdated:
        warn(f"{rel} is out of date; run `tradetalks schemas --write`")
    if outdated:
        raise SystemExit(1)
    say("schemas/ and docs/reference.md are up to date")


def cmd_diff(args: argparse.Namespace) -> None:
    if args.old is None or args.new is None:
        # The defaults are the checkout's: its latest published release and its working build.
        try:
            _checkout(Path("."), *(["release/"] if args.old is None else []), *(["build/working/"] if args.new is None else []))
        except Failure as exc:
            raise Failure(f"{exc}; or give two release directories: tradetalks diff OLD NEW") from None
    from tradetalks.errors import TradetalksError
    from tradetalks.publishing.diff import check_version, diff_releases, dumps, latest_published

    try:
        old = args.old if args.old is not None else latest_published(Path("release"))
        d = diff_releases(old, args.new if args.new is not None else Path("build") / "working")
    except TradetalksError as exc:
        _fail(exc)
    if args.json:
        sys.stdout.write(dumps(d) + "\n")
        return
    say(d.summary(args.limit))
    problem = check_version(d)
    say(f"version check: {problem or 'ok'}")


def cmd_site(args: argparse.Namespace) -> None:
    import time

    t = time.perf_counter()
    release_dir = args.release_dir
    if release_dir is None:
        _checkout(args.root, "release/")
        from tradetalks.contract.versions import is_release_version, version_key

        versions = sorted(
            (p for p in (args.root / "release").glob("*/manifest.json") if is_release_version(p.parent.name)), key=lambda p: version_key(p.parent.name)
        )
        if not versions:
            raise Failure(f"{args.root / 'release'}: no release directory with a manifest.json; run `tradetalks build` or pass RELEASE_DIR")
        release_dir = versions[-1].parent
    if not (release_dir / "manifest.json").is_file():
        raise Failure(f"{release_dir}: expected a release directory with manifest.json, found none; pass e.g. release/1.0.0")
    from tradetalks.errors import TradetalksError
    from tradetalks.pipeline.outputs import DEFAULT_BUILD, output_dir
    from tradetalks.site.render import SiteError, render_site

    try:
        out_dir = output_dir(args.root, args.out, DEFAULT_BUILD / "site")
    except TradetalksError as exc:
        _fail(exc)
    diff = None
    if args.diff_against is not None:
        from tradetalks.publishing.diff import diff_releases

        try:
            diff = diff_releases(args.diff_against, release_dir).to_json()
        except TradetalksError as exc:
            _fail(exc)
    try:
        with _progress("site") as update:
            result = render_site(release_dir, out_dir, diff=diff, progress=update)
    except SiteError as exc:
        _fail(exc)
    say(
        f"site of {release_dir}: {result.pages} pages ({result.articles} articles) written to {result.out_dir} "
        f"in {time.perf_counter() - t:.2f} s; open {result.out_dir / 'index.html'}"
    )
    say("  " + ", ".join(f"{stage} {s:.2f} s" for stage, s in result.seconds.items()))


# ---------------------------------------------------------------------------------------------
# Maintainers


def cmd_release(args: argparse.Namespace) -> None:
    _checkout(args.root, "dataset/")
    from tradetalks.errors import TradetalksError
    from tradetalks.publishing.publish import publish

    try:
        with _progress(f"publishing {args.version}") as update:
            update("building and checking", 0, 0)
            d = publish(args.root, args.version, args.date)
    except TradetalksError as exc:
        _fail(exc)
    say(d.summary())
    say(
        f"release written to {Path(args.root) / 'release' / args.version}; CHANGELOG.md, CITATION.cff, README.md, src/tradetalks/__about__.py and "
        f"src/tradetalks/known_releases.json updated. Commit them, then tag v{args.version}."
    )


def cmd_reproduce(args: argparse.Namespace) -> None:
    _checkout(args.root, "release/", ".git")
    from tradetalks.errors import TradetalksError
    from tradetalks.publishing.publish import reproduce

    try:
        with _progress(f"reproducing {args.version}") as update:
            update("rebuilding from its commit", 0, 0)
            result = reproduce(args.root, args.version, args.ref)
    except TradetalksError as exc:
        _fail(exc)
    if result.ok:
        say(f"release {args.version}: rebuilt from {result.ref} ({result.commit[:12]}); all {result.files} files byte-identical")
        return
    warn(f"release {args.version} is NOT reproduced from {result.ref} ({result.commit[:12]}):")
    for problem in result.problems:
        warn(f"  {problem}")
    raise SystemExit(1)


# ---------------------------------------------------------------------------------------------
# The parser


class _Formatter(argparse.RawDescriptionHelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, "Usage: " if prefix is None else prefix)


def _root(p: argparse.ArgumentParser, holds: str = "dataset/") -> None:
    p.add_argument("--root", type=Path, default=Path("."), metavar="DIR", help=f"repository root (holds {holds}; default: .)")


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="tradetalks",
        formatter_class=_Formatter,
        description="News coverage of the October 2025 US-China trade talks, with provenance for every row: load, cite, build and check it.",
        usage="%(prog)s [--help] [--version] COMMAND [ARGS...]",
    )
    top.add_argument("--version", action="version", version=f"tradetalks {__version__}", help="print the version and exit")
    sub = top.add_subparsers(dest="command", metavar="COMMAND", title="commands", help=argparse.SUPPRESS)

    listed: dict[str, list[tuple[str, str]]] = {}
    group = ""

    def command(name: str, run: Callable[[argparse.Namespace], None], summary: str, more: str = "") -> argparse.ArgumentParser:
        """A command; the top-level help lists it under `group` with its `summary`, its own help adds `more`."""
        p = sub.add_parser(name, prog=f"tradetalks {name}", help=summary, description=f"{summary}. {more}".strip(), formatter_class=_Formatter)
        p.set_defaults(run=run)
        listed.setdefault(group, []).append((name, summary))
        return p

    group = "For researchers (a plain install is enough)"

    p = command(
        "fetch",
        cmd_fetch,
        "Download a published version (sha256-checked) and print where it is",
        "The shipped version is checked where it lies, never downloaded.",
    )
    p.add_argument("version", metavar="VERSION", help="a published version, X.Y.Z (or vX.Y.Z)")
    p.add_argument("--all", action="store_true", help="every file of the release (card, CHANGELOG, CSVs, datapackage, croissant), not only the tables")
    p.add_argument("--manifest-sha256", metavar="SHA256", help="only for a version newer than this package: its manifest's sha256 (release notes, SHA256SUMS)")
    p = command("cite", cmd_cite, "Print how to cite a version (BibTeX, APA or CITATION.cff)", "The year is its release date's.")
    p.add_argument("--version", metavar="X.Y.Z", help="the version you used (default: the one this package ships)")
    p.add_argument("--format", default="bibtex", metavar="FORMAT", help="bibtex (default), apa or cff (a CITATION.cff for that version)")
    p = command("card", cmd_card, "Print a version's dataset card (Markdown)", "What the data is, its sources, tables, limits, licence and citation.")
    p.add_argument("--version", metavar="X.Y.Z", help="a published version (default: the one this package ships)")
    p = command("tables", cmd_tables, "List a version's tables, or a table's columns, meanings and allowed values")
    p.add_argument("table", nargs="?", metavar="TABLE", help="a table (default: every table)")
    p.add_argument("--version", metavar="X.Y.Z", help="a published version (default: the one this package ships)")

    group = "In a checkout of the repository (with the [build] extra: uv sync)"
    p = command("validate", cmd_validate, "Check every source file and annotation", "No release is written. Exit 0 when valid.")
    p.add_argument(
        "articles",
        nargs="*",
        type=Path,
        metavar="ARTICLE",
        help="check only these articles (dataset/articles/<id>.yml or .txt) and the registry entries they use",
    )
    _root(p)
    p.add_argument("--no-cache", action="store_true", help="compute every article afresh instead of reusing build/cache/ (the result is the same)")
    _executor_options(p)
    p = command(
        "build", cmd_build, "Build the working tree into build/working/ and say what version bump it needs", "The bump is against the latest published release."
    )
    _root(p)
    p.add_argument("--out", type=Path, metavar="DIR", help="where the build goes (default: <root>/build/working/); never release/")
    p.add_argument("--as-version", metavar="X.Y.Z", help="build in the exact form release X.Y.Z was published in (what `reproduce` compares)")
    p.add_argument(
        "--no-cache", action="store_true", help="compute every article afresh instead of reusing build/cache/ (implied by --as-version; the result is the same)"
    )
    p.add_argument("--zip", action="store_true", help="also write dist/ (the zip of everything and its SHA256SUMS), as a published release has")
    _executor_options(p)
    p = command("suggest", cmd_suggest, "Draft an article's annotation file from the detectors", "Every guess is marked as one.")
    p.add_argument("article", type=Path, metavar="ARTICLE", help="dataset/articles/<article_id>.txt")
    _root(p)
    p.add_argument("--write", action="store_true", help="write dataset/articles/<article_id>.yml (never overwrites)")
    p = command("fill", cmd_fill, "Write what is never typed by hand (schema modeline, article_id, text_sha256, new person_ids)")
    p.add_argument("files", nargs="*", type=Path, metavar="FILE", help="dataset YAML files (default: every file under dataset/)")
    _root(p)
    p.add_argument("--check", action="store_true", help="change nothing; exit 1 when a file is not filled")
    p = command("schemas", cmd_schemas, "Publish the dataset file schemas and the field reference", "By default, check that they are up to date.")
    _root(p, "schemas/ and docs/")
    p.add_argument("--write", action="store_true", help="write schemas/*.schema.json and docs/reference.md")
    p = command("diff", cmd_diff, "Rows added / removed / changed per table, schema changes, and the version bump they need")
    p.add_argument("old", nargs="?", type=Path, metavar="OLD", help="the older release directory (default: the latest published release in release/)")
    p.add_argument("new", nargs="?", type=Path, metavar="NEW", help="the newer one (default: the working build, build/working/)")
    p.add_argument("--json", action="store_true", help="print the full diff as JSON")
    p.add_argument("--limit", type=int, default=10, metavar="N", help="ids listed per kind of change and table (default: 10)")
    p = command("site", cmd_site, "Write a static site of a release", "Articles with every row highlighted, entity pages, a timeline.")
    p.add_argument("release_dir", nargs="?", type=Path, metavar="RELEASE_DIR", help="a release directory (default: the highest version in release/)")
    p.add_argument("--out", type=Path, metavar="DIR", help="where the site goes (default: <root>/build/site; an earlier site there is replaced)")
    p.add_argument("--diff-against", type=Path, metavar="OLD", help="an older release directory: show what changed since it")
    _root(p, "release/")
    group = "Maintainers, in a checkout"
    p = command("release", cmd_release, "Freeze the working tree into release/X.Y.Z/, never rewritten", "With CHANGELOG, CITATION and the version.")
    p.add_argument("version", metavar="X.Y.Z", help="the version to publish: higher than the latest published, and big enough for the changes")
    _root(p, "dataset/ and release/")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="release date for CHANGELOG and CITATION (default: today)")
    p = command(
        "reproduce",
        cmd_reproduce,
        "Rebuild a published release from its commit and prove it byte-identical",
        "The sources and the code are those it was built from.",
    )
    p.add_argument("version", metavar="X.Y.Z", help="a published version")
    _root(p, "release/, a git checkout")
    p.add_argument("--ref", metavar="REF", help="the commit or tag to rebuild from (default: tag vX.Y.Z, else the last commit that changed release/X.Y.Z/)")
    width = max(len(name) for names in listed.values() for name, _ in names)
    top.epilog = "\n\n".join(f"{title}:\n" + "\n".join(f"  {name:<{width}}  {short}" for name, short in names) for title, names in listed.items())
    top.epilog += "\n\n`tradetalks COMMAND --help` says more about one."
    return top


def _flag_given_a_value(p: argparse.ArgumentParser, argv: list[str]) -> tuple[argparse.ArgumentParser, str] | None:
    """'--no-cache true': a flag followed by a word that reads as its value, which argparse would take
    as an argument (an article named 'true'). The command's parser and what to say, or None."""
    sub = next((a for a in p._actions if isinstance(a, argparse._SubParsersAction)), None)
    command = next((a for a in argv if not a.startswith("-")), None)
    target = sub.choices.get(command) if sub is not None and command is not None else None
    if target is None:
        return None
    flags = {s for a in target._actions if isinstance(a, argparse._StoreTrueAction) for s in a.option_strings}
    for flag, value in zip(argv, argv[1:], strict=False):
        if flag in flags and value.lower() in BOOLEAN_WORDS:
            return target, f"{flag} is a flag and takes no value: write {flag} alone (it was followed by {value!r})"
    return None


# Polars' allocator (jemalloc) keeps the pages a frame frees for about ten seconds before giving
# them back to the system. A large build frees hundreds of MiB at a time, and those pages would
# count against the machine's memory meanwhile: returned at once, a 100k build's peak is a fifth
# lower, at no measured cost in time (benchmarks/README.md). jemalloc reads this when Polars is
# loaded, so it is set before any command imports Polars; a value the user set is kept.
ALLOCATOR = {"_RJEM_MALLOC_CONF": "dirty_decay_ms:0,muzzy_decay_ms:0"}


# Errors of writing that the user can mend (space, quota, permissions), as errno numbers.
WRITE_FAILURES = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG})


def _executor_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--executor",
        choices=["local", "dask"],
        default="local",
        help="where the per-article work runs: local (worker processes for large corpora) or dask (a Dask cluster; needs the [dask] extra)",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="with --executor dask: the scheduler's address (e.g. tcp://10.0.0.5:8786), whose workers see the repository at the same path;"
        " default: a local cluster",
    )


@contextmanager
def _executor(name: str, scheduler: str | None) -> Iterator:
    """The executor `--executor` names (None: the build's default), open for the command's duration."""
    if name == "dask":
        from tradetalks.pipeline.executor import dask_executor

        with dask_executor(scheduler) as executor:
            yield executor
    elif scheduler is not None:
        raise Failure("--scheduler goes with --executor dask", code=2)
    else:
        yield None


def main(argv: list[str] | None = None) -> None:
    for name, value in ALLOCATOR.items():
        os.environ.setdefault(name, value)
    argv = sys.argv[1:] if argv is None else list(argv)
    p = parser()
    if not argv:
        p.print_help()
        return
    wrong = _flag_given_a_value(p, argv)
    if wrong is not None:
        p.parse_known_args(argv)  # --help answered as usual first
        wrong[0].error(wrong[1])
    args = p.parse_args(argv)
    if args.command is None:
        p.print_help()
        return
    from tradetalks.load import ReleaseError

    try:
        args.run(args)
    except (Failure, ReleaseError) as exc:
        warn(f"error: {exc}")
        raise SystemExit(exc.code if isinstance(exc, Failure) else 1) from None
    except OSError as exc:
        if exc.errno not in WRITE_FAILURES:
            raise
        # A full disk, a quota, a read-only or forbidden folder: the project's own one-line error.
        warn(
            f"error: could not write {exc.filename or 'a file'}: {exc.strerror}; nothing was published and the last good output is kept:"
            " free space (or pass another --out) and run the command again"
        )
        raise SystemExit(1) from None
    except ModuleNotFoundError as exc:
        # A plain `pip install tradetalks` loads data; building needs the [build] extra.
        top = (exc.name or "").split(".")[0]
        extra = EXTRAS.get(top, "build")
        what = f"one of the {extra} dependencies" if extra == "build" else "an optional dependency"
        warn(f"error: this command needs {top!r}, {what}: pip install 'tradetalks[{extra}]'")
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
