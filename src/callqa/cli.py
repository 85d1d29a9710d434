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


# --- commands are added below, one section per concern -------------------------------------


def main() -> None:
    """Console-script entry point."""
    app()
