"""The ``ffibench`` command: ``list``, ``run``, ``report``, ``compare``.

Bad arguments, an output that cannot be written and a results file that cannot be read print
one line, ``ffibench: error: ...``, and exit with status 2. Output cut short by its reader
(``ffibench list | head -1``) ends quietly, as the Python docs recommend for a broken pipe.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import shutil
import sys
from pathlib import Path
from typing import NoReturn

from ffibench import scenarios
from ffibench._backends import SCENARIOS

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error instead of the usage block."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"ffibench: error: {message}\n")
        raise SystemExit(EXIT_USAGE)


def _usage_error(message: str) -> NoReturn:
    sys.stderr.write(f"ffibench: error: {message}\n")
    raise SystemExit(EXIT_USAGE)


def _parser() -> _Parser:
    parser = _Parser(
        prog="ffibench",
        description="How much faster Python gets in Rust, and through which boundary.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True
    commands.add_parser("list", help="scenarios, operations, backends and anchors")

    run = commands.add_parser("run", help="check every backend against the spec, then time it")
    run.add_argument("--quick", action="store_true", help="fewer sizes and samples (minutes)")
    run.add_argument(
        "--scenario",
        action="append",
        metavar="S",
        help=f"only S (repeatable): {', '.join(SCENARIOS)}, or module:SCENARIO from elsewhere",
    )
    run.add_argument(
        "--operation",
        action="append",
        metavar="OP",
        help="only operation OP (repeatable); `sum` selects both `sum:list` and `sum:array`",
    )
    run.add_argument(
        "--backend",
        action="append",
        metavar="B",
        help="only B (repeatable): a backend or an anchor from `ffibench list`",
    )
    run.add_argument("-o", "--output", type=Path, metavar="FILE", help="results JSON to write")
    run.add_argument(
        "--corpus",
        type=Path,
        metavar="FILE",
        help="count the words of FILE (UTF-8 text) in the words scenario instead of the "
        "generated corpus; its name, size and SHA-256 go into the results",
    )
    run.add_argument(
        "--criterion",
        type=Path,
        metavar="DIR",
        help="add criterion's Rust-native times from DIR (target/criterion after cargo bench)",
    )

    compare = commands.add_parser(
        "compare", help="two results files side by side: what got faster, slower, or is noise"
    )
    compare.add_argument("old", type=Path, metavar="OLD")
    compare.add_argument("new", type=Path, metavar="NEW")
    compare.add_argument(
        "--format",
        choices=("markdown", "html"),
        default="markdown",
        help="markdown (the default; with -o DIR also the plot of ratios as compare.png) or "
        "html (one self-contained page with the plot)",
    )
    compare.add_argument(
        "-o", "--output", type=Path, metavar="PATH", help="html: the page; markdown: a directory"
    )
    compare.add_argument(
        "--fail-slower",
        type=float,
        metavar="PCT",
        help="exit with status 1 when a row got significantly slower (or worse) by more than "
        "PCT percent, judged as the table judges it",
    )

    report = commands.add_parser("report", help="show a results file")
    report.add_argument("file", type=Path, metavar="FILE")
    report.add_argument(
        "--format",
        choices=("table", "markdown", "html", "pyperf"),
        default="table",
        help="table (the terminal), markdown (with -o DIR: report.md and its plots as PNG), "
        "html (one self-contained page with plots) or pyperf (a pyperf suite for "
        "`python -m pyperf compare_to`)",
    )
    report.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="PATH",
        help="where to write: a directory for markdown, a file for html and pyperf",
    )
    report.add_argument(
        "--width",
        type=int,
        metavar="N",
        help="columns of the table (the terminal's width, or 80 when not a terminal)",
    )
    return parser


def _width(requested: int | None = None) -> int:
    if requested is not None:
        return requested
    if sys.stdout.isatty():
        return max(60, shutil.get_terminal_size((80, 24)).columns)
    return 80


def _check_output(path: Path, example: str = "run.json") -> None:
    """One line and status 2 unless ``path`` can be written as a file (``example``: the name
    the message suggests when ``path`` is a directory)."""
    if path.is_dir():
        _usage_error(f"-o {path}: is a directory; give a file name such as {path / example}")
    ancestor = path.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        _usage_error(f"-o {path}: {ancestor} is a file, not a directory")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        existed = path.exists()
        with path.open("a", encoding="utf-8"):
            pass
        if not existed:
            path.unlink()
    except OSError as error:
        _usage_error(f"-o {path}: cannot write there: {error.strerror or error}")


def _list() -> int:
    for scenario in scenarios.all_scenarios():
        print(f"{scenario.name}: {scenario.title} — {scenario.question}")
        if scenario.backend_names:
            print(f"  backends: {', '.join(scenario.backend_names)}")
        for anchor in scenario.anchors:
            role = "reference" if anchor.name == scenario.reference else "anchor"
            print(f"  {role} {anchor.name}: {anchor.description} ({', '.join(anchor.functions)})")
        for operation in scenario.operations:
            sizes = [size for size in operation.sizes if size is not None]
            unit = (
                f" — sizes {', '.join(f'{s:,}' for s in sizes)} {operation.size_unit}"
                if sizes
                else ""
            )
            print(f"  {operation.name}: {operation.description}{unit}")
    return 0


def _run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from ffibench import report
    from ffibench.harness.run import run

    selected_names = args.scenario or list(SCENARIOS)
    if args.corpus is not None:
        if "words" not in selected_names:
            _usage_error("--corpus is the words scenario's input: add --scenario words")
        if not args.corpus.is_file():
            _usage_error(f"--corpus {args.corpus}: no such file")
        # Read by the words scenario in this process and in every measuring process.
        os.environ[scenarios.CORPUS_ENV] = str(args.corpus.resolve())
    selected = []
    for name in dict.fromkeys(selected_names):
        if name not in SCENARIOS and ":" not in name:
            _usage_error(f"unknown scenario {name!r} (known: {', '.join(SCENARIOS)})")
        try:
            selected.append(scenarios.get(name))
        except KeyError as error:
            _usage_error(str(error.args[0]))
    backends = None
    if args.backend:
        known = {name for scenario in selected for name in scenarios.participant_names(scenario)}
        for name in args.backend:
            if name not in known:
                _usage_error(f"unknown backend {name!r} (known: {', '.join(sorted(known))})")
        backends = tuple(dict.fromkeys(args.backend))
    operations = None
    if args.operation:
        known_operations = {
            name
            for scenario in selected
            for op in scenario.operations
            for name in (op.name, op.function_name)
        }
        for name in args.operation:
            if name not in known_operations:
                _usage_error(
                    f"unknown operation {name!r} (known: {', '.join(sorted(known_operations))})"
                )
        operations = tuple(dict.fromkeys(args.operation))
    if args.criterion is not None and not args.criterion.is_dir():
        _usage_error(f"--criterion {args.criterion}: no such directory")
    output = args.output
    if output is None:
        stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        output = Path("results") / f"{stamp}{'-quick' if args.quick else ''}.json"
    _check_output(output)
    console = Console(stderr=True)
    try:
        results = run(
            selected, backends, args.quick, output, args.criterion, console, operations=operations
        )
    except KeyboardInterrupt:
        console.print(f"interrupted: the results so far are in {output}")
        return 130
    except OSError as error:
        _usage_error(f"cannot write the results to {output}: {error.strerror or error}")
    sys.stdout.write(report.terminal(results.document, _width()))
    console.print(f"results: {output}")
    console.print(
        f"plots and the decision guide: ffibench report {output} --format html -o report.html"
    )
    return 0


def _report(args: argparse.Namespace) -> int:
    from ffibench import report
    from ffibench.harness.results import load

    try:
        document = load(args.file)
    except ValueError as error:
        _usage_error(str(error))
    output: Path | None = args.output
    if args.width is not None and args.width < 1:
        _usage_error(f"--width {args.width}: give a number of columns, 1 or more")
    if args.format == "table":
        if output is not None:
            _usage_error("-o is for --format markdown, html or pyperf; redirect the table")
        sys.stdout.write(report.terminal(document, _width(args.width)))
    elif args.format == "markdown":
        if output is None:
            sys.stdout.write(report.markdown(document))
        else:
            _check_directory(output, "report.md")
            try:
                written = report.write_markdown(document, output)
            except OSError as error:
                _usage_error(f"cannot write {error.filename or output}: {error.strerror or error}")
            sys.stderr.write(f"ffibench: wrote {written} and its plots\n")
    elif args.format == "html":
        page = report.html(document)
        _write(output, page, "report.html")
    else:
        from ffibench.report.export import pyperf_suite

        if output is None:
            _usage_error("--format pyperf needs -o FILE.json (pyperf writes files)")
        suite, skipped = pyperf_suite(document)
        for line in skipped:
            sys.stderr.write(f"ffibench: not exported: {line}\n")
        if suite is None:
            _usage_error(f"{args.file}: no result can be exported to pyperf")
        _check_output(output, "pyperf.json")
        if output.exists():
            output.unlink()
        suite.dump(str(output))
        sys.stderr.write(f"ffibench: wrote {output} ({len(suite)} benchmarks)\n")
    return 0


def _check_directory(path: Path, written: str) -> None:
    """One line and status 2 unless ``path`` is or can be made a directory (where markdown
    writes ``written`` and PNG files)."""
    if path.exists() and not path.is_dir():
        _usage_error(f"-o {path}: not a directory (markdown writes {written} and PNG files)")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        _usage_error(f"-o {path}: cannot make the directory: {error.strerror or error}")


def _write(output: Path | None, text: str, example: str) -> None:
    """``text`` to ``output``, or to stdout without one (``example``: a file name to suggest
    when ``output`` is a directory)."""
    if output is None:
        sys.stdout.write(text)
        return
    _check_output(output, example)
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        _usage_error(f"cannot write {output}: {error.strerror or error}")
    sys.stderr.write(f"ffibench: wrote {output}\n")


def _compare(args: argparse.Namespace) -> int:
    from ffibench import report
    from ffibench.harness.results import load

    try:
        old, new = load(args.old), load(args.new)
    except ValueError as error:
        _usage_error(str(error))
    threshold = None
    if args.fail_slower is not None:
        if not args.fail_slower >= 0:
            _usage_error(f"--fail-slower {args.fail_slower:g}: give a percentage, 0 or more")
        threshold = args.fail_slower / 100.0
    output: Path | None = args.output
    changes = report.compare(old, new)
    if args.format == "html":
        _write(output, report.compare_html(old, new, threshold, changes), "compare.html")
    elif output is None:
        sys.stdout.write(report.compare_markdown(old, new, threshold, changes=changes))
    else:
        _check_directory(output, "compare.md")
        try:
            text = report.compare_markdown(old, new, threshold, output, changes)
            (output / "compare.md").write_text(text, encoding="utf-8")
        except OSError as error:
            _usage_error(f"cannot write {error.filename or output}: {error.strerror or error}")
        sys.stderr.write(f"ffibench: wrote {output / 'compare.md'}\n")
    if threshold is None:
        return 0
    worse = report.regressions(changes, threshold)
    for change in worse:
        size = "" if change.size is None else f" {change.size:,}"
        sys.stderr.write(
            f"ffibench: slower: {change.scenario} {change.operation}{size} {change.backend} "
            f"by {change.regression:.0%}\n"
        )
    if worse:
        sys.stderr.write(f"ffibench: {len(worse)} row(s) got slower by more than {threshold:.0%}\n")
        return 1
    return 0


def _dispatch(argv: list[str] | None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "list":
        return _list()
    if args.command == "run":
        return _run(args)
    if args.command == "compare":
        return _compare(args)
    return _report(args)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``ffibench`` console script and ``python -m ffibench``."""
    try:
        status = _dispatch(argv)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`| head`): point stdout at devnull so that the interpreter's
        # own flush at exit cannot fail again, and end quietly (the Python docs' recipe).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return status


if __name__ == "__main__":
    sys.exit(main())
