"""Terminal rendering of stored calls for the CLI (``calls``, ``show``, ``search``)."""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from callqa.export.formats import clock, role_label
from callqa.storage.types import CallRecord, CallSummary, IngestErrorRecord, SearchHit

_ROLE_STYLE = {"operator": "cyan", "customer": "magenta"}


def _console() -> Console:
    return Console(highlight=False, soft_wrap=True)


def calls_table(rows: Sequence[CallSummary], console: Console | None = None) -> None:
    console = console or _console()
    if not rows:
        console.print("no calls stored yet (run: callqa ingest PATH)")
        return
    t = Table(show_lines=False)
    for col in ("call id", "tenant", "started", "dur", "dir", "operator", "customer", "utt"):
        t.add_column(col, overflow="fold")
    for r in rows:
        t.add_row(escape(r.call_id), escape(r.tenant),
                  r.started_at.strftime("%Y-%m-%d %H:%M") if r.started_at else "",
                  f"{r.duration:.0f}s" if r.duration is not None else "", r.direction,
                  escape(r.operator_id or ""), escape(r.customer_number or ""),
                  str(r.n_utterances))
    console.print(t)


def print_call(record: CallRecord, console: Console | None = None) -> None:
    """Header with the call's facts, then ``[mm:ss–mm:ss] Role: text`` lines."""
    console = console or _console()
    s = record.summary
    conv = record.conversation
    roles = Counter(u.role for u in conv.utterances)
    console.print(f"[bold]{escape(s.call_id)}[/]  tenant {escape(s.tenant)}  {s.direction}"
                  + (f"  {s.started_at.isoformat()}" if s.started_at else "")
                  + (f"  {s.duration:.1f} s" if s.duration is not None else ""))
    console.print(f"operator {escape(s.operator_id or '?')}  customer "
                  f"{escape(s.customer_number or '?')}  "
                  + ", ".join(f"{role} {n}" for role, n in sorted(roles.items()))
                  + (f"  audio {escape(s.audio_path)}" if s.audio_path else ""))
    console.print()
    for u in conv.utterances:
        style = _ROLE_STYLE.get(u.role, "white")
        span = f"{clock(u.start)}–{clock(u.end)}" if u.start is not None else "--:--"
        console.print(f"[dim]{span}[/] [{style}]{role_label(u.role)}:[/] {escape(u.text)}")


def print_analysis(result: dict | None, console: Console | None = None) -> None:
    """The stored analysis under a transcript: labels, script steps, findings with evidence."""
    console = console or _console()
    console.print()
    if not result:
        console.print("[dim]not analysed yet[/]")
        return
    nps = result.get("nps_score")
    console.print(
        f"[bold]analysis[/]  type {result.get('call_type')} "
        f"({result.get('call_type_confidence', 0):.2f})  sentiment {result.get('customer_sentiment')}"
        f"  NPS stated {nps if nps is not None else '—'} / predicted {result.get('predicted_nps')}"
        f"  QA {result.get('qa_score')}")
    flags = [k for k in ("dnc_request", "dnc_ignored_in_call", "pushy_after_refusal",
                         "rude_operator", "dnc_violation_repeat_call") if result.get(k)]
    if flags:
        console.print("[red]" + ", ".join(flags) + "[/]")
    script = result.get("script") or {}
    if script:
        console.print("script: " + "  ".join(
            f"{'[green]✓[/]' if done else '[red]✗[/]'} {step}" for step, done in script.items()))
    for f in result.get("flags") or []:
        at = f"{clock(f['start_s'])} " if f.get("start_s") is not None else ""
        idx = f"#{f['utterance_index']} " if f.get("utterance_index") is not None else ""
        console.print(f"  [{'red' if f.get('severity') in ('critical', 'major') else 'yellow'}]"
                      f"{escape(f.get('severity', ''))}[/] {escape(f.get('code', ''))} {at}{idx}"
                      f"[dim]{escape(str(f.get('evidence', ''))[:160])}[/]")


def hits_table(hits: Sequence[SearchHit], query: str, console: Console | None = None) -> None:
    console = console or _console()
    if not hits:
        console.print(f"nothing found for {escape(query)!s}")
        return
    t = Table()
    for col in ("call", "#", "at", "role", "text"):
        t.add_column(col, overflow="fold")
    for h in hits:
        snippet = escape(h.snippet)
        t.add_row(escape(f"{h.tenant}/{h.call_id}"), str(h.utterance_index), clock(h.start_s),
                  role_label(h.role), snippet)
    console.print(t)


def errors_table(rows: Sequence[IngestErrorRecord], console: Console | None = None) -> None:
    console = console or _console()
    if not rows:
        console.print("no ingest problems recorded")
        return
    t = Table()
    for col in ("when", "level", "file", "type", "message"):
        t.add_column(col, overflow="fold")
    for e in rows:
        t.add_row(e.created_at.strftime("%Y-%m-%d %H:%M:%S") if e.created_at else "", e.level,
                  escape(e.path), escape(e.error_type or ""), escape(e.message))
    console.print(t)
