"""``main``: parse the arguments, run the command, print its result or report its refusal."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import TextIO

from simulator.cli.errors import report
from simulator.cli.parsing import Command, build_parser
from simulator.cli.text import json_text
from simulator.errors import CodedError


def main(argv: list[str] | None = None) -> int:
    """Run one command; its exit code (0, or what :func:`report` says of a refusal)."""
    args = build_parser().parse_args(argv)
    command: Command = args.handler
    try:
        result = command.run(args)
    except CodedError as error:
        code, lines = report(error)
        _print(sys.stderr, lines)
        return code
    _print(sys.stdout, [json_text(command.data(result))] if args.json else command.text(result))
    return 0


def _print(stream: TextIO, lines: Iterable[str]) -> None:
    try:
        for line in lines:
            stream.write(line + "\n")
        stream.flush()
    except BrokenPipeError:  # e.g. piped into `head`: the reader has all it wanted
        sys.stderr.close()
