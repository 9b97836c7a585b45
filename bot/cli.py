"""The `tandem` command line."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from bot.container import Container
from bot.errors import UserFacingError
from bot.logs import configure_logging
from bot.record_io import LineProblem, read_records
from bot.settings import Settings, SettingsError, load_settings

CommandFn = Callable[[argparse.Namespace, Settings], int]


def _container(settings: Settings) -> Container:
    container = Container(settings)
    container.migrate()
    return container


def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    """`tandem db upgrade`."""
    _container(settings).close()
    print("database is up to date")
    return 0


def ingest_file(container: Container, path: Path, *, out: Callable[[str], None]) -> tuple[int, int]:
    """Ingest a JSON Lines file; returns (records stored or unchanged, lines skipped)."""
    kept = skipped = 0
    with path.open(encoding="utf-8", errors="replace") as handle:
        for entry in read_records(handle, require_account=True):
            if isinstance(entry, LineProblem):
                skipped += 1
                out(f"{path}:{entry.line_number}: skipped: {entry.reason}")
                continue
            try:
                container.ingest.ingest(entry, account_key=entry.account or "")
            except UserFacingError as exc:
                skipped += 1
                out(f"{path}: record {entry.id}: skipped: {exc}")
                continue
            kept += 1
    return kept, skipped


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    """`tandem ingest FILE.jsonl`."""
    container = _container(settings)
    total_kept = total_skipped = 0
    for name in args.files:
        path = Path(name)
        if not path.is_file():
            print(f"{path}: no such file", file=sys.stderr)
            total_skipped += 1
            continue
        kept, skipped = ingest_file(container, path, out=lambda line: print(line, file=sys.stderr))
        total_kept += kept
        total_skipped += skipped
    print(f"ingested {total_kept} records, skipped {total_skipped}")
    container.close()
    return 0 if total_kept or not total_skipped else 1


def cmd_accounts(args: argparse.Namespace, settings: Settings) -> int:
    """`tandem accounts`."""
    from bot.portfolio import account_status
    from bot.store import repos
    from bot.store.db import session_scope

    container = _container(settings)
    with session_scope(container.engine) as session:
        statuses = [account_status(session, account=a) for a in repos.list_accounts(session)]
    if args.json:
        print(json.dumps([status.to_json() for status in statuses], indent=2))
    else:
        from bot.render import accounts_text

        print(accounts_text(statuses))
    return 0


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    """`tandem status ACCOUNT [--json]`."""
    from bot.portfolio import account_status
    from bot.render import status_text
    from bot.store import repos
    from bot.store.db import session_scope

    container = _container(settings)
    with session_scope(container.engine) as session:
        account = repos.require_account(session, key=repos.normalise_account_key(args.account))
        status = account_status(session, account=account)
    print(json.dumps(status.to_json(), indent=2) if args.json else status_text(status))
    return 0


def cmd_items(args: argparse.Namespace, settings: Settings) -> int:
    """`tandem blockers|decisions ACCOUNT [words] [--all] [--json]`."""
    from bot.item_queries import list_items
    from bot.render import items_text
    from bot.store import repos
    from bot.store.db import session_scope

    kind = "blocker" if args.command == "blockers" else "decision"
    if args.all:
        statuses = None
    else:
        statuses = ("open", "snoozed") if kind == "blocker" else ("open", "superseded")
    container = _container(settings)
    with session_scope(container.engine) as session:
        account = repos.require_account(session, key=repos.normalise_account_key(args.account))
        views = list_items(session, accounts=[account], kind=kind, statuses=statuses,
                           words=getattr(args, "words", ()), newest_first=kind == "decision")
    if args.json:
        for view in views:
            print(json.dumps(view.to_json()))
    else:
        print(items_text(views, kind=kind))
    return 0


def cmd_extract(args: argparse.Namespace, settings: Settings) -> int:
    """`tandem extract [FILE|-]`: items of each record as JSON Lines, earlier records as context."""
    from bot.extraction import ExtractionContext, OfflineExtractor

    extractor = OfflineExtractor()
    handle = sys.stdin if args.file == "-" else open(args.file, encoding="utf-8", errors="replace")  # noqa: SIM115
    earlier: list = []
    problems = 0
    with handle:
        for entry in read_records(handle):
            if isinstance(entry, LineProblem):
                problems += 1
                print(f"{args.file}:{entry.line_number}: skipped: {entry.reason}", file=sys.stderr)
                continue
            same_account = [r for r in earlier if r.account == entry.account]
            people = {r.author: r.side or "vendor" for r in same_account}
            for item in extractor.extract(entry, ExtractionContext(earlier=same_account, people=people)):
                print(json.dumps(item.to_json()))
            earlier.append(entry)
    return 1 if problems and not earlier else 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    """`tandem serve [--http --port N]`."""
    from aiohttp import web

    from bot.app import create_app, http_application, serve_socket_mode

    socket_mode = not args.http
    settings.require_slack(socket_mode=socket_mode)
    container = _container(settings)
    runtime = create_app(container)
    if socket_mode:
        assert settings.slack_app_token is not None
        asyncio.run(serve_socket_mode(runtime, settings.slack_app_token.get_secret_value()))
    else:
        web.run_app(http_application(runtime), host=args.host, port=args.port, print=None)
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    """`tandem demo`: the bundled sample, ingested into a fresh data dir, shown as a person reads it."""
    from bot.demo import run_demo

    return run_demo(data_dir=Path(args.data_dir) if args.data_dir else None, out=print)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(prog="tandem", description="Tandem: what decides each go-live, from the threads.")
    sub = parser.add_subparsers(dest="command", required=True)

    db = sub.add_parser("db", help="database migrations")
    db.add_argument("action", choices=["upgrade"])
    db.set_defaults(func=cmd_db)

    ingest = sub.add_parser("ingest", help="ingest source records (JSON Lines)")
    ingest.add_argument("files", nargs="+")
    ingest.set_defaults(func=cmd_ingest)

    accounts = sub.add_parser("accounts", help="list accounts")
    accounts.add_argument("--json", action="store_true")
    accounts.set_defaults(func=cmd_accounts)

    status = sub.add_parser("status", help="one account's status")
    status.add_argument("account")
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=cmd_status)

    for name, text in (("blockers", "an account's open blockers"), ("decisions", "an account's decision log")):
        items = sub.add_parser(name, help=text)
        items.add_argument("account")
        if name == "decisions":
            items.add_argument("words", nargs="*", help="only decisions mentioning these words")
        items.add_argument("--all", action="store_true", help="include closed items")
        items.add_argument("--json", action="store_true", help="one JSON object per line")
        items.set_defaults(func=cmd_items)

    extract = sub.add_parser("extract", help="print the items of source records as JSON Lines")
    extract.add_argument("file", nargs="?", default="-", help="a JSON Lines file, or - for standard input")
    extract.set_defaults(func=cmd_extract)

    serve = sub.add_parser("serve", help="run the Slack app (Socket Mode, or --http)")
    serve.add_argument("--http", action="store_true", help="serve POST /slack/events and GET /healthz")
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=int, default=3000)
    serve.set_defaults(func=cmd_serve)

    demo = sub.add_parser("demo", help="run the bundled sample accounts end to end")
    demo.add_argument("--data-dir", help="keep the demo's data here (default: a fresh temporary folder)")
    demo.set_defaults(func=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `tandem` console script."""
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        configure_logging(settings.tandem_log_level)
        return int(args.func(args, settings))
    except SettingsError as exc:
        print(f"tandem: {exc}", file=sys.stderr)
        return 2
    except UserFacingError as exc:
        print(f"tandem: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader (e.g. `head`) went away
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    logging.captureWarnings(True)
    sys.exit(main())
