"""The `tandem` command line."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

from bot.container import Container
from bot.errors import UserFacingError
from bot.logs import configure_logging
from bot.record_io import LineProblem, RecordError, parse_timestamp, read_records
from bot.records import SourceRecord
from bot.settings import Settings, SettingsError, load_settings
from bot.transcripts import TRANSCRIPT_SUFFIXES, TranscriptError, content_record_id, transcript_record


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
    """Ingest a JSON Lines file in batches; returns (records stored or unchanged, lines skipped)."""
    from bot.store.repos import normalise_account_key

    skipped = 0

    def good_records() -> Iterator[SourceRecord]:
        nonlocal skipped
        with path.open(encoding="utf-8", errors="replace") as handle:
            for entry in read_records(handle, require_account=True):
                problem = entry.reason if isinstance(entry, LineProblem) else None
                if problem is None and isinstance(entry, SourceRecord):
                    try:
                        normalise_account_key(entry.account or "")
                    except UserFacingError as exc:
                        problem = str(exc)
                if problem is not None:
                    skipped += 1
                    line = entry.line_number if isinstance(entry, LineProblem) else f"record {entry.id}"
                    out(f"{path}:{line}: skipped: {problem}")
                    continue
                yield entry

    kept = sum(1 for _ in container.ingest.ingest_many(good_records()))
    return kept, skipped


MAIL_SUFFIXES = (".eml", ".mbox")
CLI_AUTHOR = "tandem ingest"


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)


def ingest_mail_file(container: Container, path: Path, *, account: str | None,
                     out: Callable[[str], None]) -> tuple[int, int]:
    """Take in an .eml file or an mbox through the email intake; returns (mails kept, mails refused)."""
    from bot.email.mbox import iter_mbox

    mails = [path.read_bytes()] if path.suffix.lower() == ".eml" else iter_mbox(path)
    kept = refused = 0
    for number, raw in enumerate(mails, start=1):
        result = container.email_intake.accept(raw, via="cli", account_key=account)
        where = f"{path}" if path.suffix.lower() == ".eml" else f"{path}#{number}"
        if result.outcome == "dead_letter":
            refused += 1
            out(f"{where}: kept as a dead letter: {result.reason}")
            continue
        kept += 1
        if result.outcome == "triage":
            out(f"{where}: waiting in triage ({result.reason})")
    return kept, refused


def ingest_transcript(container: Container, path: Path, *, account: str | None,
                      out: Callable[[str], None]) -> tuple[int, int]:
    """Ingest a transcript (`.vtt`, `.srt`, `.txt`) as one internal source of `account`; returns (kept, skipped)."""
    if account is None:
        out(f"{path}: skipped: a transcript needs --account")
        return 0, 1
    content = path.read_bytes()
    try:
        record = transcript_record(content, name=path.name, record_id=content_record_id(content), author=CLI_AUTHOR,
                                   ts=datetime.fromtimestamp(path.stat().st_mtime, tz=UTC), account=account)
    except TranscriptError as exc:
        out(f"{path}: skipped: {exc}")
        return 0, 1
    container.ingest.ingest(record, account_key=account)
    return 1, 0


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    """`tandem ingest FILE...`: JSON Lines records, .eml files or mbox files."""
    from bot.store.repos import normalise_account_key

    account = normalise_account_key(args.account) if args.account else None
    container = _container(settings)
    total_kept = total_skipped = 0
    for name in args.files:
        path = Path(name)
        if not path.is_file():
            print(f"{path}: no such file", file=sys.stderr)
            total_skipped += 1
            continue
        if path.suffix.lower() in MAIL_SUFFIXES:
            kept, skipped = ingest_mail_file(container, path, account=account, out=_stderr)
        elif path.suffix.lower() in TRANSCRIPT_SUFFIXES:
            kept, skipped = ingest_transcript(container, path, account=account, out=_stderr)
        else:
            kept, skipped = ingest_file(container, path, out=_stderr)
        total_kept += kept
        total_skipped += skipped
    print(f"ingested {total_kept} records, skipped {total_skipped}")
    if container.hold_index():
        asyncio.run(container.drain_index_work())
    else:
        print("the running server holds the index: it will index them")
    container.close()
    return 0 if total_kept or not total_skipped else 1


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    """`tandem ask --account A [--as vendor|customer] "question" [--json]`."""
    from bot.ask import HandOff, answer_json

    question = " ".join(args.question).strip()
    if not question:
        raise UserFacingError("ask needs a question")
    container = _container(settings)
    scope = container.asker.account_scope(key=args.account, as_customer=args.as_ == "customer")
    if isinstance(scope, HandOff):
        result: dict[str, object] = {"answer": scope.message, "citations": [], "found": False}
    else:
        result = answer_json(container.asker.answer(question, scope))
    if args.json:
        print(json.dumps(result))
    else:
        print(result["answer"])
        for number, citation in enumerate(result["citations"], start=1):  # type: ignore[arg-type]
            print(f"  [{number}] {citation['source_id']}" + (f" {citation['permalink']}" if citation["permalink"] else ""))
    container.close()
    return 0


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    """`tandem eval [--data DIR] [--out EVALUATION.md]`: score extraction and answers on the labelled sets."""
    from bot.evaluation.report import DEFAULT_DATA, write_report

    data = Path(args.data) if args.data else DEFAULT_DATA
    if not (data / "onboarding-dev" / "records.jsonl").is_file():
        raise UserFacingError(f"no labelled data at {data} (expected onboarding-dev/records.jsonl)")
    print(write_report(data, Path(args.out), qmsum_train=args.qmsum_train))
    return 0


def cmd_corrections(args: argparse.Namespace, settings: Settings) -> int:
    """`tandem corrections`: every "Not right" correction as a labelled example (JSON Lines)."""
    from bot.corrections import labelled_examples
    from bot.store.db import session_scope

    container = _container(settings)
    with session_scope(container.engine) as session:
        for example in labelled_examples(session):
            print(json.dumps(example))
    container.close()
    return 0


def _confirm(question: str) -> bool:
    try:
        return input(question).strip().lower() in ("y", "yes")
    except EOFError:
        return False


def cmd_purge(args: argparse.Namespace, settings: Settings) -> int:
    """`tandem purge --account A | --person EMAIL|USER_ID [--yes]`: delete that scope's data for good."""
    from bot.purge import Purger
    from bot.store.repos import normalise_account_key

    scope = f"account {args.account}" if args.account else f"person {args.person}"
    if not args.yes and not _confirm(f"Delete every source, item, chunk and queued work of {scope}? "
                                     "This cannot be undone. [y/N] "):
        print("nothing deleted")
        return 1
    container = _container(settings)
    purger = Purger(container.engine)
    if args.account:
        report = purger.account(normalise_account_key(args.account))
        if report is None:
            raise UserFacingError(f"I don't know an account called `{args.account}`")
    else:
        report = purger.person(args.person)
    print("\n".join(report.lines()))
    if container.hold_index():
        asyncio.run(container.drain_index_work())
        print("removed from the search index")
    else:
        print("the running server holds the index: it will remove the chunks")
    container.close()
    return 0


def cmd_reindex(args: argparse.Namespace, settings: Settings) -> int:
    """`tandem reindex [ACCOUNT…]`: rebuild the search index from the store."""
    container = _container(settings)
    if not container.hold_index():
        raise UserFacingError("the running server holds the embedded index; stop it, or use CHROMA_URL")
    total = container.indexer.reindex(args.accounts or None)
    print(f"reindexed {total} sources")
    container.close()
    return 0


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
    """`tandem status [ACCOUNT] [--json]`: an account's status (and, in text, failed Slack posts if any);
    without an account, the failed Slack posts."""
    from bot.outbox import failed_posts
    from bot.portfolio import account_status
    from bot.render import status_text
    from bot.store import repos
    from bot.store.db import session_scope

    container = _container(settings)
    with session_scope(container.engine, write=False) as session:
        failed = failed_posts(session)
        if args.account is None:
            print(json.dumps({"failed_posts": failed.to_json()}, indent=2) if args.json else failed.text())
            return 0
        account = repos.require_account(session, key=repos.normalise_account_key(args.account))
        status = account_status(session, account=account)
    if args.json:
        print(json.dumps(status.to_json(), indent=2))
    else:
        print(status_text(status) + ("\n\n" + failed.text() if failed.count else ""))
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
    earlier: list[SourceRecord] = []
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


def _now(args: argparse.Namespace) -> datetime | None:
    if not getattr(args, "now", None):
        return None
    try:
        return parse_timestamp(args.now)
    except RecordError as exc:
        raise UserFacingError(f"--now: {exc}") from None


def cmd_next(args: argparse.Namespace, settings: Settings) -> int:
    """`tandem next --user U [--json] [--now ISO]`: the same ranked list as `/tandem next`."""
    from bot.localtime import local_date
    from bot.next_items import next_items, stall_days_for
    from bot.render import next_text
    from bot.store import repos
    from bot.store.db import session_scope
    from bot.store.models import SlackUser

    container = _container(settings)
    now = _now(args) or container.clock.now()
    with session_scope(container.engine) as session:
        cached = session.get(SlackUser, args.user)
        tz = cached.tz if cached else None
        accounts = repos.accounts_visible_to(session, user_id=args.user, is_lead=container.is_lead(args.user))
        items = next_items(session, accounts=accounts, today=local_date(now, tz),
                           stall_days=stall_days_for(session, args.user), tz=tz)
    if args.json:
        for entry in items:
            print(json.dumps(entry.to_json()))
    else:
        print(next_text(items[: args.limit]))
    return 0


def cmd_run_job(args: argparse.Namespace, settings: Settings) -> int:
    """`tandem run-job digest|nudges [--now ISO]`: one pass of a scheduled job."""
    from bot.app import create_app
    from bot.clock import FixedClock

    if settings.slack_bot_token is None:
        raise SettingsError("SLACK_BOT_TOKEN is required to post digests and nudges; set it in the environment")
    now = _now(args)
    container = Container(settings, clock=FixedClock(now) if now else None)
    container.migrate()
    runtime = create_app(container)
    job = runtime.digest if args.job == "digest" else runtime.nudges

    async def one_pass() -> list:
        sent = await job.run_once()
        await runtime.send_queued_posts()  # nudges go through the outbox; a failed post is left for the server
        return sent

    sent = asyncio.run(one_pass())
    print(f"{args.job}: {len(sent)} sent")
    container.close()
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    """`tandem serve [--http --port N]`."""
    from aiohttp import web

    from bot.app import create_app, http_application, serve_socket_mode
    from bot.process_tuning import freeze_start_up_objects, tune_serving_process

    socket_mode = not args.http
    settings.require_slack(socket_mode=socket_mode)
    container = Container(settings)
    if not container.hold_index():  # before migrations or Slack: fail fast, in one line
        raise SettingsError(container.index_held_elsewhere())
    container.migrate()
    container.queue_rebuild_if_behind()
    tune_serving_process()
    runtime = create_app(container)
    freeze_start_up_objects()
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

    ingest = sub.add_parser("ingest", help="ingest source records (JSON Lines), .eml or mbox mail")
    ingest.add_argument("files", nargs="+")
    ingest.add_argument("--account", help="file mail under this account instead of routing it; the account of "
                        "transcripts (.vtt, .srt, .txt)")
    ingest.set_defaults(func=cmd_ingest)

    ask = sub.add_parser("ask", help="a cited answer from one account's history")
    ask.add_argument("--account", required=True)
    ask.add_argument("--as", dest="as_", choices=["vendor", "customer"], default="vendor",
                     help="answer as an internal (vendor) or an external (customer) asker would be answered")
    ask.add_argument("--json", action="store_true")
    ask.add_argument("question", nargs="+")
    ask.set_defaults(func=cmd_ask)

    evaluate = sub.add_parser("eval", help="score extraction and answers on ../shared/data, write EVALUATION.md")
    evaluate.add_argument("--data", help="the data folder (default: ../shared/data beside the repo)")
    evaluate.add_argument("--out", default="EVALUATION.md")
    evaluate.add_argument("--qmsum-train", action="store_true", help="also index QMSum train (slow)")
    evaluate.set_defaults(func=cmd_eval)

    corrections = sub.add_parser("corrections", help='"Not right" corrections as labelled examples (JSON Lines)')
    corrections.set_defaults(func=cmd_corrections)

    reindex = sub.add_parser("reindex", help="rebuild the search index from the store")
    reindex.add_argument("accounts", nargs="*", help="only these accounts (default: all)")
    reindex.set_defaults(func=cmd_reindex)

    purge = sub.add_parser("purge", help="delete an account's or a person's data (store, index, queued work)")
    target = purge.add_mutually_exclusive_group(required=True)
    target.add_argument("--account", help="the account key")
    target.add_argument("--person", help="a Slack user id (U…) or an email address")
    purge.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    purge.set_defaults(func=cmd_purge)

    accounts = sub.add_parser("accounts", help="list accounts")
    accounts.add_argument("--json", action="store_true")
    accounts.set_defaults(func=cmd_accounts)

    status = sub.add_parser("status", help="one account's status, and Slack posts that failed for good")
    status.add_argument("account", nargs="?", help="the account (default: only the failed posts)")
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

    next_ = sub.add_parser("next", help="what to move on next for an IM")
    next_.add_argument("--user", required=True, help="the IM's Slack user id")
    next_.add_argument("--json", action="store_true", help="one JSON object per line, with rank, score and why")
    next_.add_argument("--limit", type=int, default=10)
    next_.add_argument("--now", help="ISO time to use as now (for trying and testing)")
    next_.set_defaults(func=cmd_next)

    run_job = sub.add_parser("run-job", help="run one pass of a scheduled job")
    run_job.add_argument("job", choices=["digest", "nudges"])
    run_job.add_argument("--now", help="ISO time to use as now (for trying and testing)")
    run_job.set_defaults(func=cmd_run_job)

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
