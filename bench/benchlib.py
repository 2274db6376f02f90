"""Shared helpers of the cm benchmarks (run with Debian's /usr/bin/python3,
which has python3-websockets).

- Agent, Client: tests/integration/agentlib.py's (the one harness of tests
  and benchmarks), with the benchmarks' defaults: --log-level warn, the
  bench profiles and cm-bench-flip on PATH, build/bench unless
  $CM_BUILD_DIR; a client without compression or keepalive pings that
  timestamps every message when it is read (hooks on_event/on_binary/
  on_other get (message, t); no polling sleeps in the measured path).
- TmuxServer / TmuxCC: a private tmux server and a bare `tmux -C` reader,
  the baselines.
- proc_*: numbers from /proc (RSS, PSS, context switches, CPU time).

Nothing here touches the default tmux server: every tmux command gets -S
with a private socket path.
"""

import asyncio
import json
import os
import signal
import subprocess
import sys
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(BENCH)
sys.path.insert(0, os.path.join(SOURCE, "tests", "integration"))
import agentlib  # noqa: E402
from agentlib import _read, kill_tmux_servers, pids_matching  # noqa: E402,F401

# Absolute: the agent runs its tools from their sessions' directories, so a
# relative PATH entry (a relative CM_BUILD_DIR) would not find cm-bench-flip.
BUILD = agentlib.build_dir(os.path.join(SOURCE, "build", "bench"))
AGENT_BIN = agentlib.agent_binary(BUILD)
FLIP_BIN = os.path.join(BUILD, "bench", "cm-bench-flip")


def _terminated(signum, frame):
    raise KeyboardInterrupt


# SIGTERM (run-all.sh stopping a step) and SIGINT (ignored by default in a
# shell's background jobs) both unwind, so every `with Agent()` cleans up.
signal.signal(signal.SIGTERM, _terminated)
signal.signal(signal.SIGINT, signal.default_int_handler)

# The tmux configuration cm-agent gives every session server (session.c).
TMUX_CONF = ("set -g remain-on-exit on\nset -g status off\nset -g history-limit 10000\n"
             "set -g default-terminal tmux-256color\nset -g focus-events off\n")


def need_build():
    for p in (AGENT_BIN, FLIP_BIN):
        if not os.access(p, os.X_OK):
            sys.exit(f"{p} is missing: build first (cmake --build {BUILD}) "
                     "or set CM_BUILD_DIR")


def rerun_line(argv=None):
    argv = argv or sys.argv
    env = f"CM_BUILD_DIR={BUILD} " if "CM_BUILD_DIR" in os.environ else ""
    return f"rerun: cd {SOURCE} && {env}/usr/bin/python3 " + " ".join(
        [os.path.relpath(os.path.abspath(argv[0]), SOURCE)] + argv[1:])


# ---------------------------------------------------------------- statistics

def pct(xs, p):
    """Percentile p (0..100) of xs, nearest rank."""
    if not xs:
        return float("nan")
    s = sorted(xs)
    k = max(0, min(len(s) - 1, int(round(p / 100.0 * len(s) + 0.5)) - 1))
    return s[k]


def summary_ms(xs):
    return {"n": len(xs), "p50_ms": pct(xs, 50) * 1e3, "p99_ms": pct(xs, 99) * 1e3,
            "min_ms": min(xs) * 1e3 if xs else float("nan"),
            "max_ms": max(xs) * 1e3 if xs else float("nan")}


def fmt_ms(s):
    return (f"p50 {s['p50_ms']:8.3f} ms  p99 {s['p99_ms']:8.3f} ms  "
            f"(min {s['min_ms']:.3f}, max {s['max_ms']:.3f}, n={s['n']})")


def write_json(path, obj):
    if path:
        with open(path, "w") as f:
            json.dump(obj, f, indent=1)


# ---------------------------------------------------------------- /proc

def proc_mem(pid):
    """{rss_kb, anon_kb, file_kb, pss_kb}: VmRSS, RssAnon, RssFile from status,
    Pss from smaps_rollup."""
    out = {}
    for line in _read(f"/proc/{pid}/status").splitlines():
        if line.startswith("VmRSS:"):
            out["rss_kb"] = int(line.split()[1])
        elif line.startswith("RssAnon:"):
            out["anon_kb"] = int(line.split()[1])
        elif line.startswith("RssFile:"):
            out["file_kb"] = int(line.split()[1])
    for line in _read(f"/proc/{pid}/smaps_rollup").splitlines():
        if line.startswith("Pss:"):
            out["pss_kb"] = int(line.split()[1])
    return out


def proc_ctxt(pid):
    """Voluntary + involuntary context switches of every thread of pid."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            for line in _read(f"/proc/{pid}/task/{tid}/status").splitlines():
                if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def proc_cpu(pid):
    """CPU seconds of every thread of pid, in nanoseconds' precision
    (/proc/PID/task/*/schedstat; /proc/PID/stat counts 10 ms ticks, too coarse
    for processes that do almost nothing)."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            total += int(_read(f"/proc/{pid}/task/{tid}/schedstat").split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total / 1e9


def proc_threads(pid):
    return len(os.listdir(f"/proc/{pid}/task"))


def tmux_procs(socket_dir):
    """(servers, control clients) among the tmux processes of socket_dir.
    A tmux server forks from `tmux ... new-session`, so both have the same
    command line; the server is the one whose parent is init (or a
    subreaper), the client a child of its starter."""
    servers, clients = [], []
    for pid in pids_matching(socket_dir):
        try:
            cmd = _read(f"/proc/{pid}/cmdline").split("\0")
            if not cmd or os.path.basename(cmd[0]) != "tmux":
                continue
            comm = _read(f"/proc/{pid}/comm").strip()
            stat = _read(f"/proc/{pid}/stat")
            ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        except OSError:
            continue
        if "-C" in cmd and ppid != 1 and comm == "tmux: client":
            clients.append(pid)
        elif comm == "tmux: server":
            servers.append(pid)
        elif "-C" in cmd:
            clients.append(pid)
        else:
            servers.append(pid)
    return servers, clients


def group_stats(pids, cpu=True):
    """Summed RSS, PSS, context switches and CPU seconds of pids."""
    out = {"n": 0, "rss_kb": 0, "pss_kb": 0, "ctxt": 0, "cpu_s": 0.0}
    for pid in pids:
        try:
            m = proc_mem(pid)
            c = proc_ctxt(pid)
            t = proc_cpu(pid) if cpu else 0
        except (OSError, ValueError):
            continue
        out["n"] += 1
        out["rss_kb"] += m.get("rss_kb", 0)
        out["pss_kb"] += m.get("pss_kb", 0)
        out["ctxt"] += c
        out["cpu_s"] += t
    return out


# ---------------------------------------------------------------- agent, client

class Agent(agentlib.Agent):
    """agentlib's agent with the benchmarks' defaults: --log-level warn, the
    bench and test profiles, cm-bench-flip on PATH, this build tree."""

    def __init__(self, extra=None, log_level="warn", **kw):
        kw.setdefault("build", BUILD)
        kw.setdefault("profiles_dirs", [os.path.join(SOURCE, "tests", "profiles"),
                                        os.path.join(BENCH, "profiles")])
        kw.setdefault("tool_dirs", [os.path.dirname(FLIP_BIN)])
        super().__init__(extra, log_level=log_level, **kw)

    def tmux(self):
        return tmux_procs(self.socket_dir)


class Client(agentlib.Client):
    """agentlib's client with what the measured path needs: no compression,
    no keepalive pings (they would wake an idle agent), binary frames only
    to on_binary (a 20 MB flood is not kept)."""

    def __init__(self, agent, **kw):
        kw.setdefault("compression", None)
        kw.setdefault("ping_interval", None)
        kw.setdefault("keep_binary", False)
        super().__init__(agent, **kw)


async def create_many(client, n, tool="cat", task_of=None, batch=8):
    """Creates n sessions, batch at a time; returns their ids in order."""
    ids = []
    for i in range(0, n, batch):
        k = min(batch, n - i)
        ids += await asyncio.gather(*[
            client.new_session(tool, task=task_of(i + j) if task_of else None)
            for j in range(k)])
    return ids


# ---------------------------------------------------------------- bare tmux

class TmuxServer:
    """A private tmux server (the baselines' side), config as cm-agent's."""

    def __init__(self, socket_dir, name, cmd, cols=120, rows=40):
        self.socket = os.path.join(socket_dir, name + ".sock")
        self.name = name
        conf = os.path.join(socket_dir, "tmux.conf")
        if not os.path.exists(conf):
            with open(conf, "w") as f:
                f.write(TMUX_CONF)
        subprocess.run(["tmux", "-S", self.socket, "-f", conf, "new-session", "-d",
                        "-s", name, "-x", str(cols), "-y", str(rows), "--"] + cmd,
                       check=True)

    def kill(self):
        subprocess.run(["tmux", "-S", self.socket, "kill-server"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def tmux_unescape(data):
    """%output data: octal escapes (\\ooo) back to bytes."""
    if b"\\" not in data:
        return data
    out = bytearray()
    i, n = 0, len(data)
    while i < n:
        c = data[i]
        if c == 0x5C and i + 3 < n + 1 and data[i + 1:i + 4].isdigit():
            out.append(int(data[i + 1:i + 4], 8))
            i += 4
        else:
            out.append(c)
            i += 1
    return bytes(out)


class TmuxCC:
    """A bare `tmux -C attach` reader of one server: the baseline reader."""

    def __init__(self, server):
        self.server = server
        self.proc = None
        self.on_output = None   # f(raw escaped bytes, t)

    async def start(self):
        self.proc = await asyncio.create_subprocess_exec(
            "tmux", "-S", self.server.socket, "-C", "attach-session", "-t", self.server.name,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL, limit=1 << 24)
        self.reader = asyncio.ensure_future(self._read())
        return self

    async def _read(self):
        while True:
            line = await self.proc.stdout.readline()
            if not line:
                return
            t = time.time()
            if line.startswith(b"%output ") and self.on_output:
                data = line[line.index(b" ", 8) + 1:-1]
                self.on_output(data, t)

    async def command(self, cmd):
        self.proc.stdin.write(cmd.encode() + b"\n")
        await self.proc.stdin.drain()

    async def close(self):
        try:
            self.proc.stdin.write(b"detach-client\n")
            await self.proc.stdin.drain()
            await asyncio.wait_for(self.proc.wait(), 5)
        except (Exception, asyncio.CancelledError):
            if self.proc.returncode is None:
                self.proc.kill()
        self.reader.cancel()


def mkfifo(directory, name):
    path = os.path.join(directory, name)
    os.mkfifo(path, 0o600)
    return path


class Fifo:
    """The write end of a cm-bench-flip command FIFO (the tool holds it open)."""

    def __init__(self, path):
        self.path = path
        self.fd = None

    def send(self, cmd):
        if self.fd is None:
            self.fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
        os.write(self.fd, (cmd + "\n").encode())
        return time.time()

    def close(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


_STAMP = None


def flip_stamp(text):
    """The write time t in "BUSY t" / "IDLE t" / "FLOOD-END t n", or None."""
    global _STAMP
    import re
    if _STAMP is None:
        _STAMP = re.compile(r"(?:BUSY|IDLE|FLOOD-END) ([0-9]+\.[0-9]+)")
    m = _STAMP.search(text)
    return float(m.group(1)) if m else None


def settle(seconds):
    time.sleep(seconds)


def cleanup_tree(top):
    """Ends what a run under top (run-all.sh's TMPDIR) may have left: agents
    and tmux processes whose command line names a path under top (by pid,
    never by name), then every tmux server with a socket under top."""
    if not top or not os.path.isabs(top) or len(top) < 8:
        return
    for pid in pids_matching(top):
        try:
            exe = os.path.basename(_read(f"/proc/{pid}/cmdline").split("\0")[0])
            if exe in ("cm-agent", "tmux", "cm-bench-flip") or exe.endswith("cm-agent"):
                os.kill(pid, signal.SIGTERM)
        except OSError:
            pass
    for root, dirs, files in os.walk(top):
        if os.path.basename(root) == "sockets" or any(f.endswith(".sock") for f in files):
            kill_tmux_servers(root)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--cleanup":
        cleanup_tree(os.path.abspath(sys.argv[2]))
    else:
        sys.exit("usage: benchlib.py --cleanup DIR")
