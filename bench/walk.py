#!/usr/bin/python3
"""Which source files of the agent run for one request and for one %output.

docs/ARCHITECTURE.md ("Two walks") counts the files a `create_session` and
a `%output` cross. This measures it instead of reading it off the code: the
agent runs under valgrind's callgrind, its counters are zeroed just before
the walk and dumped just after, and every function that ran in between is
listed with its source file (from the debug info: build RelWithDebInfo).

- create_session: from the request leaving the client until its reply
  (session_created) is written to the client.
- %output: a settled session is told through its FIFO to draw "BUSY"; from
  then until the state_change to `thinking` is written. The one client
  follows events and subscribes to no output (the case of `cm watch`).

Each walk is repeated (--runs, default 3) and a file counts if it ran in
any run. Files are grouped: src/agent (the count the architecture document
quotes), src/proto and src/common (shared helpers, listed apart), and
others (libc, libwebsockets, jansson: not counted).

Compare two trees by running this file against each build:

    CM_BUILD_DIR=$PWD/build/bench bench/walk.py
    CM_BUILD_DIR=/path/to/old/build/bench bench/walk.py

(--functions lists, under each walk, what ran in each file.)
Numbers only: nothing fails.
"""

import argparse
import asyncio
import glob
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import Agent, Client, Fifo, mkfifo, need_build, write_json  # noqa: E402

CALLGRIND = ["valgrind", "--tool=callgrind", "--collect-jumps=no", "--dump-instr=no",
             "--dump-after=conn_on_writeable"]


def callgrind_control(flag, pid):
    subprocess.run(["callgrind_control", flag, str(pid)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def dumps(out_dir, pid):
    """The dump files of pid, in the order callgrind wrote them."""
    files = glob.glob(os.path.join(out_dir, f"callgrind.out.{pid}.*"))
    return sorted(files, key=lambda f: int(f.rsplit(".", 1)[1]))


def first_dump_after(out_dir, pid, before):
    """The first dump written after the list `before` was taken, and every
    dump before it (read in order: they carry the file names)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        new = [f for f in dumps(out_dir, pid) if f not in before]
        if new:
            time.sleep(0.2)  # let callgrind finish writing it
            return new[0]
        time.sleep(0.05)
    raise TimeoutError("callgrind wrote no dump")


def read_names(files):
    for f in files:
        files_that_ran(f)


# Callgrind compresses names across the dumps of one run: "(12) name" the
# first time, "(12)" after, in whichever dump that is; so the dumps are read
# in order and the names kept (files and functions apart).
FILE_NAMES = {}
FN_NAMES = {}


def files_that_ran(dump):
    """{source file: functions} of the code that had a cost in the dump: a
    function's own file (fl=) or the file of code inlined into it (fi=,
    fe=); files as recorded in the debug info."""
    out = {}
    current = fn = None
    with open(dump, errors="replace") as f:
        for line in f:
            m = re.match(r"^(c?fl|c?fi|fe|c?fn)=\((\d+)\)(?: (.*))?$", line.rstrip("\n"))
            if m is None:
                if current and line[:1].isdigit():
                    out.setdefault(current, set()).add(fn)
                continue
            kind, key, name = m.groups()
            table = FN_NAMES if kind.endswith("fn") else FILE_NAMES
            if name is not None:
                table[key] = name
            if kind == "fn":
                fn = FN_NAMES.get(key)
            elif not kind.startswith("c"):
                current = FILE_NAMES.get(key)
    return out


def group(files):
    """(agent .c files, agent headers whose inline code ran, src/proto and
    src/common files)."""
    agent, headers, shared = set(), set(), set()
    for path in files:
        m = re.search(r"(?:^|/)src/(agent|proto|common)/(.*)$", path)
        if m is None:
            continue
        if m.group(1) != "agent":
            shared.add(f"{m.group(1)}/{m.group(2)}")
        elif m.group(2).endswith(".h"):
            headers.add(m.group(2))
        else:
            agent.add(m.group(2))
    return sorted(agent), sorted(headers), sorted(shared)


async def measure(agent, pid, out_dir, runs):
    c = await Client(agent).connect()
    await asyncio.sleep(2)  # the sign-in and its writes are over
    results = {"create_session": {}, "output": {}}

    def add(walk_name, files):
        for path, fns in files.items():
            results[walk_name].setdefault(path, set()).update(fns)
    seen = []

    async def walk(action):
        """Runs action between a zero and the first dump after it."""
        before = dumps(out_dir, pid)
        read_names([f for f in before if f not in seen])
        seen[:] = before
        callgrind_control("--zero", pid)
        r = await action()
        dump = first_dump_after(out_dir, pid, before)
        seen.append(dump)
        return r, files_that_ran(dump)

    for k in range(runs):
        fifo = mkfifo(agent.work, f"walk{k}")
        r, files = await walk(lambda: c.create("bench-flip", task=fifo, timeout=60))
        if r.get("type") != "session_created":
            raise RuntimeError(f"create_session failed: {r}")
        add("create_session", files)
        sid = r["sessionId"]
        writer = Fifo(fifo)
        await asyncio.sleep(3)  # the first reads and the ready check are over
        start = len(c.events)

        async def busy():
            writer.send("busy")
            await c.wait_event(lambda e: e.get("type") == "state_change" and
                               e.get("sessionId") == sid and e.get("state") == "thinking",
                               timeout=60, start=start)
        _, files = await walk(busy)
        add("output", files)
        await c.request("kill_session", sessionId=sid, timeout=60)
        writer.close()
        await asyncio.sleep(1)
    await c.close()
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", help="write the lists to this file")
    ap.add_argument("--agent-arg", action="append", default=[], metavar="FLAG",
                    help="one more cm-agent argument (repeatable), e.g. --agent-arg=--no-transcripts")
    ap.add_argument("--functions", action="store_true",
                    help="also list the functions of src/agent that ran, by file")
    args = ap.parse_args()
    need_build()
    out_dir = tempfile.mkdtemp(prefix="cm-walk.")
    prefix = CALLGRIND + [f"--callgrind-out-file={out_dir}/callgrind.out.%p"]
    report = {}
    with Agent(prefix=prefix, extra=args.agent_arg) as agent:
        pid = agent.pid
        res = asyncio.run(measure(agent, pid, out_dir, args.runs))
    for walk, files in res.items():
        a, h, s = group(files)
        report[walk] = {"agent": a, "headers": h, "shared": s}
        print(f"{walk}: {len(a)} files of src/agent ({len(s)} of src/proto, src/common)")
        print("  " + " ".join(a))
        if h:
            print("  inline code of: " + " ".join(h))
        print("  shared: " + " ".join(s))
        if args.functions:
            for path in sorted(files):
                m = re.search(r"src/agent/(.*)$", path)
                if m:
                    print(f"    {m.group(1)}: " + " ".join(sorted(f for f in files[path] if f)))
    write_json(args.json, report)


if __name__ == "__main__":
    main()
