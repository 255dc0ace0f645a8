"""``casestudy`` command line: thin calls into the modules.

Imports happen inside each command so that ``casestudy report`` with nothing to
rebuild answers in well under a second.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from casestudy.errors import CaseStudyError


def _validate(args: argparse.Namespace) -> int:
    from casestudy import data

    problems = data.validate()
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print(f"validate: {len(problems)} problem(s) in data/raw/", file=sys.stderr)
        return 1
    print(f"validate: every file in data/raw/ matches the manifest "
          f"({len(data.read_manifest()['resources'])} resources)")
    return 0


def _rehash(args: argparse.Namespace) -> int:
    from casestudy import data

    changed = data.rehash(args.names or None)
    print("rehash: " + (", ".join(changed) if changed else "nothing changed"))
    return 0


def _report(args: argparse.Namespace) -> int:
    from casestudy import report

    if args.pdf:
        from casestudy.report import pdf

        # Say so before spending minutes on notebooks whose PDF could not be printed.
        if why := pdf.unavailable():
            print(f"casestudy report --pdf: cannot print the PDF: {why}", file=sys.stderr)
            return 1
    layout = report.Layout.default()
    result = report.build(layout=layout, force=args.force, include_code=args.code,
                          jobs=args.jobs, only=args.only)
    if not result.ok:
        return 1
    if args.pdf:
        names = [p.stem for p in report.discover(layout.notebooks, args.only)]
        target = pdf.write(layout.reports, names)
        print(f"report: PDF of {len(names)} report(s) -> {target}")
    return 0


def _extract(args: argparse.Namespace) -> int:
    from casestudy import extract

    if args.list or not args.name:
        for name, recipe in extract.recipes().items():
            print(f"{name:24} v{recipe.version:6} -> data/raw/{recipe.output}  "
                  f"(reads {', '.join(recipe.inputs)})")
        return 0
    if not args.inputs:
        print("casestudy extract: give the official file(s) or their folder with --from",
              file=sys.stderr)
        return 2
    target = extract.run(args.name, args.inputs)
    print(f"extract: {args.name} -> {target}")
    return 0


def _fetch(args: argparse.Namespace) -> int:
    from casestudy import fetch

    if args.list or not args.name:
        for name, item in fetch.DOWNLOADS.items():
            print(f"{name:34} {item.title}\n{'':34} {item.url}")
        for name, why in fetch.NO_STABLE_URL.items():
            print(f"{name:34} (no stable URL) {why}")
        return 0
    got = fetch.fetch(args.name, url=args.url,
                      cache=Path(args.cache) if args.cache else None)
    print(f"fetch: {args.name} -> {got.download} (sha256 {got.sha256})")
    if got.file != got.download:
        print(f"fetch: unpacked {got.file}")
    return 0


def _strip(args: argparse.Namespace) -> int:
    from casestudy import report

    changed = report.strip_notebooks(args.paths or None)
    print("strip: " + (", ".join(str(p) for p in changed) if changed else "all clean"))
    return 0


def _parser() -> tuple[argparse.ArgumentParser, dict[str, Callable[[argparse.Namespace], int]]]:
    parser = argparse.ArgumentParser(prog="casestudy", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    handlers: dict[str, Callable[[argparse.Namespace], int]] = {}

    sub.add_parser("validate", help="check every file in data/raw/ against the manifest")
    handlers["validate"] = _validate

    p = sub.add_parser("rehash", help="record the sha256 of hand-curated files after an edit")
    p.add_argument("names", nargs="*", help="resource names (default: all)")
    handlers["rehash"] = _rehash

    p = sub.add_parser("report", help="execute notebooks and render HTML reports")
    p.add_argument("--force", action="store_true", help="rebuild even if up to date")
    p.add_argument("--code", action="store_true", help="show code cells in the HTML")
    p.add_argument("--jobs", type=int, default=None, help="notebooks run in parallel")
    p.add_argument("--only", default=None, help="build only notebooks whose name contains this")
    p.add_argument("--pdf", action="store_true",
                   help="also print the reports into one PDF (needs Chromium)")
    handlers["report"] = _report

    p = sub.add_parser("extract", help="run an extract recipe: official file(s) -> data/raw/")
    p.add_argument("name", nargs="?", help="recipe name (omit to list the recipes)")
    p.add_argument("--from", dest="inputs", nargs="+", metavar="PATH",
                   help="the official file(s), or the folder that holds them")
    p.add_argument("--list", action="store_true", help="list the recipes")
    handlers["extract"] = _extract

    p = sub.add_parser("fetch", help="download an official file's current release into .cache/")
    p.add_argument("name", nargs="?", help="download name (omit to list them)")
    p.add_argument("--url", help="download from this URL instead (a mirror)")
    p.add_argument("--cache", help="cache folder (default: .cache/ in the project)")
    p.add_argument("--list", action="store_true", help="list the downloads")
    handlers["fetch"] = _fetch

    p = sub.add_parser("strip", help="remove outputs from notebooks before committing")
    p.add_argument("paths", nargs="*", help="notebooks (default: notebooks/*.ipynb)")
    handlers["strip"] = _strip

    return parser, handlers


def main(argv: list[str] | None = None) -> int:
    parser, handlers = _parser()
    args = parser.parse_args(argv)
    try:
        return handlers[args.command](args)
    except CaseStudyError as exc:
        print(f"casestudy {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
