"""``python -m simulator``: parse a command, run it, print JSON or text, exit with a code.

Every command reads a KPI set file (or the KPI set store: ``kpi-sets ...``), prints JSON
with ``--json`` (a short text otherwise), and exits 2 with a one-line message when the
input is bad, 3 on a conflicting save, 4 when no value of a lever reaches the target
(docs/design.md §4).
"""

from simulator.cli.errors import EXIT_BAD_INPUT, EXIT_CONFLICT, EXIT_NO_SOLUTION
from simulator.cli.parsing import build_parser
from simulator.cli.program import main

__all__ = ["EXIT_BAD_INPUT", "EXIT_CONFLICT", "EXIT_NO_SOLUTION", "build_parser", "main"]
