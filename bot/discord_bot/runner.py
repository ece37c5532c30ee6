"""Start the Discord bot from the command line (placeholder until the Discord adapter lands)."""

from __future__ import annotations

import argparse
from typing import TextIO


def run_from_cli(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run or sync the Discord bot; see README."""
    print("celebbot: the Discord bot is not built yet", file=err)
    return 2
