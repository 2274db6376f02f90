"""The real Claude Code through cm-agent: every flow of reallib.py, several
runs each (tests/real/run.sh runs this inside its private namespace)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from reallib import run_flows  # noqa: E402
from agentlib import run  # noqa: E402


async def main(t):
    await run_flows(t, "claude")


run(main)
