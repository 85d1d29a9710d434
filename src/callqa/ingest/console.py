"""Human output of ``callqa ingest``: progress on stderr, one summary per call, a final table.

Kept out of ``cli.py`` so the command stays thin and this can be tested without a terminal.
"""
from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from callqa.export.formats import clock, role_label
from callqa.ingest.batch import BatchReport, FileOutcome

_ICON = {"processed": "[green]✓[/]", "skipped": "[yellow]=[/]", "failed": "[red]✗[/]"}


def _roles(counts: dict[str, int]) -> str:
    """"operator 5, customer 4" — operator first, then customer, then anything else."""
    order = {"operator": 0, "customer": 1}
    return ", ".join(f"{r} {n}" for r, n in sorted(counts.items(),
                                                   key=lambda kv: (order.get(kv[0], 2), kv[0])))


def _trim(text: str, n: int = 100) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def analysis_line(a: dict) -> str:
    """One line from the analytics result: type, sentiment, QA score, flags."""
    parts = []
    if a.get("call_type"):
        conf = a.get("call_type_confidence")
        parts.append(f"type {a['call_type']}" + (f" ({conf:.2f})" if isinstance(conf, float)
                                                  else ""))
    if a.get("customer_sentiment"):
        parts.append(f"customer {a['customer_sentiment']}")
    if a.get("qa_score") is not None:
        parts.append(f"QA {a['qa_score']}")
    if a.get("nps_score") is not None:
        parts.append(f"NPS {a['nps_score']}")
    codes = sorted({f.get("code", "?") for f in a.get("flags") or [] if isinstance(f, dict)})
    parts.append("flags: " + (", ".join(codes) if codes else "none"))
    return "analysis: " + "; ".join(parts)


def outcome_lines(o: FileOutcome, preview_lines: int = 3) -> list[str]:
    """Rich-markup lines describing one finished file."""
    name = escape(Path(o.path).name)
    if o.status == "processed":
        roles = _roles(o.roles)
        total = sum(o.roles.values())
        dur = f"{o.duration:.1f} s" if o.duration is not None else "? s"
        lines = [f"{_ICON['processed']} [bold]{escape(o.call_id or name)}[/]  tenant "
                 f"{escape(o.tenant or '?')}  {dur}  {total} utterances ({escape(roles)})  "
                 f"[dim]{name}, {o.seconds:.1f} s[/]"]
        for role, start, text in o.preview[:preview_lines]:
            lines.append(f"    [dim]{clock(start)}[/] [cyan]{role_label(role)}:[/] "
                         f"{escape(_trim(text))}")
        if o.analysis:
            lines.append("    " + escape(analysis_line(o.analysis)))
    elif o.status == "skipped":
        lines = [f"{_ICON['skipped']} {name}: {escape(o.message)}"]
    else:
        lines = [f"{_ICON['failed']} {name}: [red]{escape(o.message)}[/]"]
    lines += [f"    [yellow]warning:[/] {escape(w)}" for w in o.warnings]
    return lines


def summary_table(report: BatchReport) -> Table:
    c = report.counts
    t = Table(title=f"ingest: {c['processed']} processed, {c['skipped']} skipped as duplicate, "
                    f"{c['failed']} failed", title_justify="left", show_lines=False)
    t.add_column("status")
    t.add_column("file")
    t.add_column("call")
    t.add_column("details", overflow="fold")
    for o in report.outcomes:
        call = f"{o.tenant}/{o.call_id}" if o.call_id else ""
        detail = o.message
        if o.status == "processed":
            detail = _roles(o.roles) or detail
        if o.warnings:
            detail += f" ({len(o.warnings)} warning{'s' if len(o.warnings) > 1 else ''})"
        t.add_row(o.status, escape(Path(o.path).name), escape(call), escape(detail))
    return t


class IngestConsole:
    """Progress bar (stderr, only on a terminal) and per-call summaries (stdout)."""

    def __init__(self, *, json_mode: bool = False, out: TextIO | None = None,
                 err: TextIO | None = None) -> None:
        self.json_mode = json_mode
        self.out = Console(file=out or sys.stdout, highlight=False, soft_wrap=True)
        self.err = Console(file=err or sys.stderr, highlight=False, stderr=True, soft_wrap=True)
        self.progress: Progress | None = None
        self._task = None
        self._in_file = False

    @contextmanager
    def running(self) -> Iterator[IngestConsole]:
        interactive = self.err.is_terminal
        if interactive:
            self.progress = Progress(
                TextColumn("[bold]ingest"), BarColumn(), MofNCompleteColumn(),
                TextColumn("{task.description}"), TimeElapsedColumn(),
                console=self.err, transient=True,
                redirect_stdout=False, redirect_stderr=False,
            )
            self.progress.start()
        try:
            yield self
        finally:
            if self.progress is not None:
                self.progress.stop()

    def discovered(self, n: int) -> None:
        if self.progress is not None:
            self._task = self.progress.add_task("", total=n)

    def file_started(self, path: Path, i: int, n: int) -> None:
        if self.progress is not None and self._task is not None:
            self.progress.update(self._task, description=escape(path.name))
        else:
            self.err.print(f"[{i + 1}/{n}] {path}", markup=False)
        self._in_file = True

    def file_done(self, o: FileOutcome) -> None:
        if self.progress is not None and self._task is not None and self._in_file:
            self.progress.advance(self._task)
        self._in_file = False
        if self.json_mode:
            return
        # Both streams on one terminal: print through the live display so the bar stays intact.
        target = self.progress.console if (self.progress is not None
                                           and self.out.is_terminal) else self.out
        for line in outcome_lines(o):
            target.print(line)

    def finish(self, report: BatchReport) -> None:
        if self.json_mode:
            self.out.file.write(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n")
            return
        for w in report.warnings:
            self.err.print(f"[yellow]warning:[/] {escape(w)}")
        self.out.print()
        self.out.print(summary_table(report))
