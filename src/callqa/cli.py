"""``callqa`` command line: thin wrappers that parse options and call the packages.

Each command builds what it needs from the one settings object, turns ``CallQAError`` into a
readable message and an exit code, and keeps its own output (tables, JSON) on stdout while
logs go to stderr.
"""
from __future__ import annotations

import logging
import os
import sys

import typer

from callqa.settings import get_settings

os.environ.setdefault("HF_HUB_OFFLINE", "1")

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Speech analytics and call QA.")


@app.callback()
def _root(verbose: bool = typer.Option(False, "--verbose", "-v", help="Debug logging.")) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    get_settings().prepare()


def _fail(err: Exception, code: int = 1) -> typer.Exit:
    """Print a user-facing error on stderr and return the exit to raise."""
    typer.echo(f"error: {err}", err=True)
    return typer.Exit(code)


def _storage():
    """The storage named by the settings (migrated to the newest schema on open)."""
    from callqa.storage import Storage

    return Storage.from_settings(get_settings())


# --- calls: ingest, calls, show, export, search (callqa.ingest / storage / export) ----------


@app.command()
def ingest(
    paths: list[str] = typer.Argument(..., help="Audio files or folders (searched recursively)."),
    force: bool = typer.Option(False, "--force", help="Reprocess content already stored."),
    tenant: str = typer.Option(None, "--tenant", help="Tenant for these calls (overrides metadata)."),
    cdr: list[str] = typer.Option([], "--cdr", help="Asterisk CDR Master.csv (repeatable)."),
    cdr_timezone: str = typer.Option(None, "--cdr-timezone",
                                     help="Zone of CDR/file-name times, e.g. Europe/Moscow."),
    no_analyze: bool = typer.Option(False, "--no-analyze", help="Do not run the analytics."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Transcribe recordings and store them as calls (sidecar JSON / CDR metadata)."""
    from pathlib import Path

    from callqa.errors import CallQAError
    from callqa.ingest import BatchIngestor, IngestOptions
    from callqa.ingest.console import IngestConsole

    settings = get_settings()
    if not logging.getLogger().isEnabledFor(logging.DEBUG):  # per-segment lines drown the summary
        for name in ("faster_whisper", "pymorphy3"):
            logging.getLogger(name).setLevel(logging.WARNING)
    try:
        storage = _storage()
    except CallQAError as e:
        raise _fail(e) from None
    opts = IngestOptions(force=force, tenant=tenant, cdr_paths=[Path(p) for p in cdr],
                         audio_storage=settings.audio_storage, cdr_timezone=cdr_timezone,
                         analyze=not no_analyze)
    ui = IngestConsole(json_mode=as_json)
    ingestor = BatchIngestor(storage, settings, opts)
    with ui.running():
        report = ingestor.ingest(paths, on_discovered=ui.discovered,
                                 on_file_start=ui.file_started, on_file_done=ui.file_done)
    ui.finish(report)
    raise typer.Exit(report.exit_code)


@app.command("calls")
def list_calls_cmd(
    tenant: str = typer.Option(None, "--tenant", help="Only this tenant."),
    limit: int = typer.Option(50, "--limit", help="At most this many (newest first)."),
    as_json: bool = typer.Option(False, "--json", help="JSON for scripts."),
) -> None:
    """List stored calls."""
    import json

    from callqa.export.console import calls_table
    from callqa.storage import CallFilter

    rows = _storage().list_calls(CallFilter(tenant=tenant, limit=limit))
    if as_json:
        typer.echo(json.dumps([r.to_dict() for r in rows], ensure_ascii=False, indent=2))
        return
    calls_table(rows)


@app.command()
def show(
    call_id: str = typer.Argument(..., help="Call id (the PBX's id or file stem)."),
    tenant: str = typer.Option(None, "--tenant", help="Tenant, when the id is not unique."),
) -> None:
    """Show a call's transcript with roles and times, and its analysis with evidence."""
    from callqa.errors import CallQAError
    from callqa.export.console import print_analysis, print_call
    from callqa.storage.analytics_repo import get_result

    storage = _storage()
    try:
        record = storage.get_call(call_id, tenant)
        with storage.session() as s:
            result = get_result(s, record.summary.call_id, record.summary.tenant)
    except CallQAError as e:
        raise _fail(e) from None
    print_call(record)
    print_analysis(result)


@app.command()
def export(
    call_id: str = typer.Argument(..., help="Call id."),
    fmt: str = typer.Option("json", "--format", "-f", help="json | vtt | rttm | txt"),
    output: str = typer.Option(None, "--output", "-o", help="Write to this file (default stdout)."),
    tenant: str = typer.Option(None, "--tenant", help="Tenant, when the id is not unique."),
) -> None:
    """Export a call's transcript as JSON, WebVTT, NIST RTTM or plain text."""
    from pathlib import Path

    from callqa.errors import CallQAError
    from callqa.export import FORMATS, render

    if fmt.lower() not in (*FORMATS, "webvtt", "text"):
        raise _fail(ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}"))
    try:
        conv = _storage().get_call(call_id, tenant).conversation
    except CallQAError as e:
        raise _fail(e) from None
    text = render(conv, fmt)
    if output:
        Path(output).write_text(text, encoding="utf-8")
        typer.echo(f"wrote {output}", err=True)
    else:
        sys.stdout.write(text)


@app.command()
def search(
    query: str = typer.Argument(..., help='Words in any form, "a phrase", prefix*, OR, NOT.'),
    tenant: str = typer.Option(None, "--tenant", help="Only this tenant."),
    role: str = typer.Option(None, "--role", help="operator | customer"),
    limit: int = typer.Option(50, "--limit"),
    as_json: bool = typer.Option(False, "--json", help="JSON for scripts."),
) -> None:
    """Full-text search over transcripts (Russian word forms match)."""
    import json

    from callqa.errors import CallQAError
    from callqa.export.console import hits_table

    try:
        hits = _storage().search(query, tenant=tenant, role=role, limit=limit)
    except CallQAError as e:
        raise _fail(e) from None
    if as_json:
        typer.echo(json.dumps([h.to_dict() for h in hits], ensure_ascii=False, indent=2))
        return
    hits_table(hits, query)



@app.command("errors")
def errors_cmd(
    limit: int = typer.Option(50, "--limit", help="At most this many (newest first)."),
    as_json: bool = typer.Option(False, "--json", help="JSON for scripts."),
) -> None:
    """Problems recorded by ingest: files that failed, CDR rows that could not be read."""
    import json

    from callqa.export.console import errors_table

    rows = _storage().list_errors(limit=limit)
    if as_json:
        typer.echo(json.dumps([{**r.__dict__, "created_at": r.created_at.isoformat()
                                if r.created_at else None} for r in rows],
                              ensure_ascii=False, indent=2))
        return
    errors_table(rows)


# --- analytics: analyze, dnc, nps, scores (owner: cross-call/reporting layer) ---------------
def _date_opt(value: str | None, name: str):
    """ISO date or date-time → aware UTC datetime (dates are midnight UTC)."""
    from datetime import datetime, timezone

    from callqa.errors import InputError

    if not value:
        return None
    try:
        d = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"{name} must be an ISO date (2026-09-01) or date-time, got {value!r}")
    return d if d.tzinfo else d.replace(tzinfo=timezone.utc)


@app.command("analyze")
def analyze_cmd(
    input_path: str = typer.Argument(..., metavar="INPUT.jsonl", help="JSON Lines; '-' = stdin."),
    output: str | None = typer.Option(None, "--output", "-o", help="Result JSONL (default stdout)."),
    batch_size: int = typer.Option(500, help="Calls per storage transaction."),
) -> None:
    """Analyse transcripts (one call per line), store them and write one result line per call."""
    from pathlib import Path

    from callqa.errors import CallQAError
    from callqa.service import AnalyzeOptions, AnalyzeService

    settings = get_settings()
    try:
        # bytes: each line is decoded on its own, so one non-UTF-8 line is reported, not fatal
        src = sys.stdin.buffer if input_path == "-" else Path(input_path).open("rb")
    except OSError as e:
        raise _fail(e, 2)
    try:
        svc = AnalyzeService.from_settings(settings)
        svc.options = AnalyzeOptions(batch_size=batch_size)
        out = sys.stdout if output in (None, "-") else Path(output).open("w", encoding="utf-8")
        try:
            rep = svc.analyze_jsonl(src, out)
        finally:
            if out is not sys.stdout:
                out.close()
    except CallQAError as e:
        raise _fail(e, 2)
    finally:
        if src is not sys.stdin.buffer:
            src.close()
    for w in rep.warnings:
        typer.echo(f"warning: {w}", err=True)
    for p in rep.errors:
        typer.echo(f"error: {p}", err=True)
    typer.echo(rep.summary(), err=True)
    if not rep.ok:
        raise typer.Exit(1)


dnc_app = typer.Typer(no_args_is_help=True, help="Do-not-call register per tenant.")
app.add_typer(dnc_app, name="dnc")


@dnc_app.command("list")
def dnc_list(
    tenant: str = typer.Option(..., "--tenant", "-t"),
    fmt: str = typer.Option("table", "--format", "-f", help="table|csv|json"),
    all_entries: bool = typer.Option(False, "--all", help="Include removed entries."),
) -> None:
    """Numbers on the tenant's register (one per number, earliest reason first)."""
    from callqa.dnc.export import export_register
    from callqa.storage.analytics_repo import list_register

    with _storage().session() as s:
        items = list_register(s, tenant, include_inactive=all_entries)
    if fmt in ("csv", "json"):
        typer.echo(export_register(items, fmt), nl=False)
        return
    for i in items:
        since = i.since.isoformat() if i.since else "?"
        why = f"call {i.call_id}" if i.source == "call" else "manual"
        typer.echo(f"{i.customer_number}\t{since}\t{why}\t{(i.evidence or '')[:80]}")
    typer.echo(f"{len(items)} numbers on the register of {tenant}", err=True)


@dnc_app.command("export")
def dnc_export(
    tenant: str = typer.Option(..., "--tenant", "-t"),
    fmt: str = typer.Option("csv", "--format", "-f", help="csv|json"),
    output: str | None = typer.Option(None, "--output", "-o"),
) -> None:
    """The register for dialers, as CSV or JSON (stdout or --output)."""
    from pathlib import Path

    from callqa.dnc.export import export_register
    from callqa.storage.analytics_repo import list_register

    if fmt not in ("csv", "json"):
        raise _fail(ValueError(f"--format must be csv or json, got {fmt!r}"), 2)
    with _storage().session() as s:
        text = export_register(list_register(s, tenant), fmt)
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        typer.echo(text, nl=False)


def _dnc_change(action: str, tenant: str, number: str, reason: str, by: str, at: str | None):
    from callqa.errors import CallQAError
    from callqa.storage import analytics_repo as repo

    fn = repo.add_manual if action == "add" else repo.remove_manual
    try:
        with _storage().session() as s:
            ch = fn(s, tenant, number, reason=reason, by=by, at=_date_opt(at, "--at"))
    except CallQAError as e:
        raise _fail(e, 2)
    from callqa.dnc import normalize_number

    typer.echo(f"{action}: {normalize_number(number)} ({tenant}) by {by}; repeat-call flags: "
               f"+{len(ch.flagged)} -{len(ch.unflagged)}")


@dnc_app.command("add")
def dnc_add(
    tenant: str = typer.Option(..., "--tenant", "-t"),
    number: str = typer.Option(..., "--number", "-n"),
    reason: str = typer.Option(..., "--reason"),
    by: str = typer.Option(..., "--by", help="Who makes the change (kept in the audit)."),
    at: str | None = typer.Option(None, "--at", help="Effective from (ISO; default now)."),
) -> None:
    """Put a number on the register by hand (audited)."""
    _dnc_change("add", tenant, number, reason, by, at)


@dnc_app.command("remove")
def dnc_remove(
    tenant: str = typer.Option(..., "--tenant", "-t"),
    number: str = typer.Option(..., "--number", "-n"),
    reason: str = typer.Option(..., "--reason"),
    by: str = typer.Option(..., "--by", help="Who makes the change (kept in the audit)."),
    at: str | None = typer.Option(None, "--at", help="Effective from (ISO; default now)."),
) -> None:
    """Take a number off the register from now (or --at) on (audited)."""
    _dnc_change("remove", tenant, number, reason, by, at)


@dnc_app.command("audit")
def dnc_audit(
    tenant: str = typer.Option(..., "--tenant", "-t"),
    number: str | None = typer.Option(None, "--number", "-n"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Every change to the tenant's register, oldest first."""
    import json

    from callqa.storage.analytics_repo import list_audit

    with _storage().session() as s:
        items = list_audit(s, tenant, number)
    if as_json:
        typer.echo(json.dumps([i.to_dict() for i in items], ensure_ascii=False, indent=1))
        return
    for i in items:
        eff = i.effective_at.isoformat() if i.effective_at else "?"
        typer.echo(f"{i.created_at.isoformat() if i.created_at else '?'}\t{i.action}\t"
                   f"{i.customer_number}\teffective {eff}\tby {i.who}\t"
                   f"{i.call_id or ''}\t{i.reason or ''}")


@app.command("nps")
def nps_cmd(
    by: str = typer.Option("tenant", "--by", help="operator|tenant|call_type"),
    date_from: str | None = typer.Option(None, "--from", help="Calls started on/after (ISO)."),
    date_to: str | None = typer.Option(None, "--to", help="Calls started up to (ISO; a date "
                                                          "includes the whole day, UTC)."),
    tenant: str | None = typer.Option(None, "--tenant", "-t"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Measured NPS (stated + IVR) and predicted NPS, separately, with 95% intervals."""
    import json
    from datetime import timedelta

    from callqa.errors import CallQAError
    from callqa.reports import build_nps_report, format_report
    from callqa.storage.analytics_repo import nps_rows

    try:
        since = _date_opt(date_from, "--from")
        until = _date_opt(date_to, "--to")
        if until is not None and date_to and "T" not in date_to:
            until = until + timedelta(days=1)  # a bare date means "through the end of that day"
        with _storage().session() as s:
            rows = nps_rows(s, tenant=tenant, since=since, until=until)
        report = build_nps_report(rows, by, {"from": date_from, "to": date_to, "tenant": tenant})  # type: ignore[arg-type]
    except (CallQAError, ValueError) as e:
        raise _fail(e, 2)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
    else:
        typer.echo(format_report(report), nl=False)


scores_app = typer.Typer(no_args_is_help=True, help="Post-call IVR scores.")
app.add_typer(scores_app, name="scores")


@scores_app.command("import")
def scores_import(file: str = typer.Argument(..., metavar="FILE.csv")) -> None:
    """Import IVR scores from CSV (call_id,score[,tenant]; header optional)."""
    from pathlib import Path

    from callqa.errors import CallQAError
    from callqa.service.scores import import_scores

    try:
        rep = import_scores(_storage(), Path(file))
    except CallQAError as e:
        raise _fail(e, 2)
    for p in rep.problems:
        typer.echo(f"error: {p}", err=True)
    typer.echo(rep.summary(), err=True)
    if not rep.ok:
        raise typer.Exit(1)


# --- train: rebuild the analytics models (callqa.analytics.train) -------------------------
@app.command("train")
def train_cmd(
    data: list[str] = typer.Option([], "--data", help="Labeled JSONL (repeatable); default: "
                                   "../shared/corpus/train.jsonl and models/training/*.jsonl. "
                                   "Extra files are added to them."),
    output: str = typer.Option(None, "--output", "-o", help="Artifacts folder (default: "
                               "settings.artifacts_dir, the repository's models/)."),
    no_default: bool = typer.Option(False, "--no-default", help="Do not add the shared corpus."),
    no_cv: bool = typer.Option(False, "--no-cv", help="Skip cross-validation (faster)."),
    no_augment: bool = typer.Option(False, "--no-augment", help="No ASR-style copies."),
) -> None:
    """Train call type / sentiment / predicted-NPS models; write models/ and MODEL_CARD.md."""
    from pathlib import Path

    from callqa.analytics.train import default_training_files, train
    from callqa.errors import CallQAError

    settings = get_settings()
    files = [Path(p).resolve() for p in data]
    if not no_default:
        defaults = default_training_files(Path(settings.artifacts_dir),
                                          Path.cwd() / "../shared/corpus/train.jsonl")
        files = [f for f in defaults if f not in files] + files
    missing = [str(f) for f in files if not f.is_file()]
    if not files or missing:
        typer.echo(f"error: training data not found: {', '.join(missing) or 'none given'}", err=True)
        raise typer.Exit(1)
    try:
        rep = train(files, Path(output) if output else Path(settings.artifacts_dir),
                    augment=not no_augment, run_cv=not no_cv)
    except (CallQAError, ValueError) as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(1)
    typer.echo(f"trained on {rep['n_calls']} calls → {rep['artifact']} "
               f"({rep['size_bytes'] / 1024:.0f} KiB)")
    cv = rep.get("cv") or {}
    for name, d in [("5-fold by call", cv.get("kfold_by_call")),
                    ("leave-one-writer-out mean", cv.get("leave_one_writer_out_mean"))]:
        if d:
            typer.echo(f"{name}: call_type macro-F1 {d['call_type_macro_f1']:.3f}, sentiment "
                       f"macro-F1 {d['sentiment_macro_f1']:.3f}, predicted-NPS MAE "
                       f"{d.get('predicted_nps_mae', float('nan')):.2f}")


def main() -> None:
    """Console-script entry point."""
    app()
