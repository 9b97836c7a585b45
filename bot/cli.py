"""The `tandem` command line."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
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


if __name__ == "__main__":
    logging.captureWarnings(True)
    sys.exit(main())
