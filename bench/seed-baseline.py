#!/usr/bin/python3
"""The seed's design as a baseline: a poller that runs `tmux capture-pane`
as a subprocess for each session every 2 seconds (the Python prototype of
SEED-SPEC.md), measured in the same run as cm-agent.

Sessions: private tmux servers, one per session (as the seed and cm-agent
do), each running cm-bench-flip (bench/flip.c), configured as cm-agent
configures its servers. The poller is a separate Python process (asyncio,
one loop per session: capture-pane subprocess, classify the screen with a
regex, sleep 2 s); on a state change it prints the detection time, the
time a client would be told.

Measured:
  latency   screen change -> detection, from the tool's write time (in the
            line it draws) to the poller's detection; with 20 sessions (10
            samples each) and with 100 sessions (2 samples each); each
            session flips after a random pause, independently.
  idle      100 idle sessions, 10 s window: the poller's wake-ups (context
            switches of the whole process, getrusage), its CPU including the
            tmux clients it starts, tmux processes started per minute, and the
            tmux servers' wake-ups and CPU.
cm-agent's numbers for the same things come from latency.py / wakeups.py
(their --json files given with --agent-latency / --agent-wakeups, as
run-all.sh does), or are measured here when not given.
"""

import argparse
import asyncio
import json
import os
import random
import re
import resource
import shutil
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import (Fifo, TmuxServer, flip_stamp, fmt_ms, group_stats,  # noqa: E402
                      kill_tmux_servers, mkfifo, need_build, proc_mem, rerun_line, summary_ms,
                      tmux_procs, write_json, FLIP_BIN)

INTERVAL = 2.0
RULES = [("thinking", re.compile(r"^BUSY [0-9]+\.[0-9]+$", re.M)),
         ("idle", re.compile(r"^IDLE [0-9]+\.[0-9]+$", re.M))]


# ------------------------------------------------------------ the poller

async def poller(sessions):
    """The seed's monitor loop: one task per session, capture + sleep 2 s."""
    captures = 0
    states = {}
    out = sys.stdout

    def report():
        s = resource.getrusage(resource.RUSAGE_SELF)
        c = resource.getrusage(resource.RUSAGE_CHILDREN)
        out.write(json.dumps({"stats": 1, "captures": captures,
                              "ctxt": s.ru_nvcsw + s.ru_nivcsw,
                              "cpu": s.ru_utime + s.ru_stime,
                              "children_cpu": c.ru_utime + c.ru_stime}) + "\n")
        out.flush()

    asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, report)

    async def watch(sock, name):
        nonlocal captures
        while True:
            p = await asyncio.create_subprocess_exec(
                "tmux", "-S", sock, "capture-pane", "-p", "-t", name,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
            screen, _ = await p.communicate()
            captures += 1
            text = screen.decode("utf-8", "replace")
            state, evidence = "unknown", ""
            for st, rx in RULES:
                m = rx.search(text)
                if m:
                    state, evidence = st, m.group(0)
                    break
            if states.get(name) != state:
                states[name] = state
                out.write(json.dumps({"name": name, "state": state, "evidence": evidence,
                                      "t": time.time()}) + "\n")
                out.flush()
            await asyncio.sleep(INTERVAL)

    await asyncio.gather(*[watch(s, n) for s, n in sessions])


# ------------------------------------------------------------ the harness

class Poller:
    def __init__(self, servers):
        self.servers = servers
        self.proc = None
        self.waiting = {}
        self.stats = None

    async def start(self):
        arg = json.dumps([[s.socket, s.name] for s in self.servers])
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, os.path.abspath(__file__), "--poller", arg,
            stdout=asyncio.subprocess.PIPE)
        self.reader = asyncio.ensure_future(self._read())
        return self

    async def _read(self):
        while True:
            line = await self.proc.stdout.readline()
            if not line:
                return
            m = json.loads(line)
            if "stats" in m:
                if self.stats and not self.stats.done():
                    self.stats.set_result(m)
                continue
            w = self.waiting.get(m["name"])
            if w and m["state"] == w[0] and not w[1].done():
                w[1].set_result(m)

    async def get_stats(self):
        self.stats = asyncio.get_running_loop().create_future()
        self.proc.send_signal(signal.SIGUSR1)
        return await asyncio.wait_for(self.stats, 10)

    async def stop(self):
        self.proc.terminate()
        await self.proc.wait()
        self.reader.cancel()


async def latency(poller, servers, fifos, per_session):
    lat = []
    missing = 0

    async def one(i):
        nonlocal missing
        s, w = servers[i], fifos[i]
        cur = "idle"
        for k in range(per_session):
            # a pause uniform over the poll interval: the change lands at a
            # random phase of the session's poll loop
            await asyncio.sleep(random.uniform(0, INTERVAL))
            cmd, want = ("busy", "thinking") if cur == "idle" else ("idle", "idle")
            fut = asyncio.get_running_loop().create_future()
            poller.waiting[s.name] = (want, fut)
            w.send(cmd)
            try:
                m = await asyncio.wait_for(fut, 3 * INTERVAL + 5)
            except asyncio.TimeoutError:
                missing += 1
                continue
            cur = cmd
            stamp = flip_stamp(m["evidence"])
            if stamp is not None:
                lat.append(m["t"] - stamp)

    await asyncio.gather(*[one(i) for i in range(len(servers))])
    return {**summary_ms(lat), "missing": missing}


async def agent_side(args):
    """cm-agent's numbers when no --json files from latency.py/wakeups.py."""
    import importlib.util

    def load(name):
        spec = importlib.util.spec_from_file_location(
            name, os.path.join(os.path.dirname(os.path.abspath(__file__)), name + ".py"))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod

    lat, wak = None, None
    if args.agent_latency:
        with open(args.agent_latency) as f:
            lat = json.load(f)
    else:
        from benchlib import Agent
        mod = load("latency")
        lat = {}
        with Agent() as agent:
            lat["state_1"] = await mod.agent_state_latency(agent, 1, args.samples)
        with Agent() as agent:
            lat["state_n"] = await mod.agent_state_latency(agent, args.sessions, args.samples)
    if args.agent_wakeups:
        with open(args.agent_wakeups) as f:
            wak = json.load(f)
    else:
        wak = await load("wakeups").measure(args.sessions, args.seconds, 2.0)
    return lat, wak


async def main(args):
    n = args.sessions
    d = tempfile.mkdtemp(prefix="cmbench-seed.")
    out = {"sessions": n, "interval_s": INTERVAL}
    try:
        print(f"== seed baseline: {n} private tmux servers running cm-bench-flip, polled with "
              f"`tmux capture-pane` subprocesses every {INTERVAL:g} s per session", flush=True)
        servers, fifos = [], []
        for i in range(n):
            fifo = mkfifo(d, f"flip{i}")
            servers.append(TmuxServer(d, f"seed{i}", [FLIP_BIN, fifo]))
            fifos.append(Fifo(fifo))
        await asyncio.sleep(0.5)

        # idle: 100 sessions, no screen changes
        p = await Poller(servers).start()
        await asyncio.sleep(args.settle)
        srv_pids = tmux_procs(d)[0]
        a, sa, t0 = await p.get_stats(), group_stats(srv_pids), time.monotonic()
        await asyncio.sleep(args.seconds)
        b, sb, t1 = await p.get_stats(), group_stats(srv_pids), time.monotonic()
        dt = t1 - t0
        idle = {"poller_wakeups_per_s": (b["ctxt"] - a["ctxt"]) / dt,
                "poller_cpu_pct": 100 * (b["cpu"] - a["cpu"]) / dt,
                "tmux_clients_cpu_pct": 100 * (b["children_cpu"] - a["children_cpu"]) / dt,
                "tmux_processes_per_min": 60 * (b["captures"] - a["captures"]) / dt,
                "tmux_servers_wakeups_per_s": (sb["ctxt"] - sa["ctxt"]) / dt,
                "tmux_servers_cpu_pct": 100 * (sb["cpu_s"] - sa["cpu_s"]) / dt}
        idle["poller_rss_kb"] = proc_mem(p.proc.pid)["rss_kb"]
        idle["poller_pss_kb"] = proc_mem(p.proc.pid)["pss_kb"]
        idle["total_cpu_pct"] = (idle["poller_cpu_pct"] + idle["tmux_clients_cpu_pct"] +
                                 idle["tmux_servers_cpu_pct"])
        out["idle"] = idle
        print(f"  idle, {n} sessions, {dt:.1f} s: poller {idle['poller_wakeups_per_s']:.1f} "
              f"wake-ups/s, CPU {idle['poller_cpu_pct']:.1f}% + its tmux clients "
              f"{idle['tmux_clients_cpu_pct']:.1f}% + tmux servers "
              f"{idle['tmux_servers_cpu_pct']:.1f}% = {idle['total_cpu_pct']:.1f}% of a core; "
              f"{idle['tmux_processes_per_min']:.0f} tmux processes started a minute; "
              f"tmux servers {idle['tmux_servers_wakeups_per_s']:.1f} wake-ups/s; poller VmRSS "
              f"{idle['poller_rss_kb']} KB", flush=True)

        out["latency_n"] = await latency(p, servers, fifos, max(1, args.samples // n))
        print(f"  latency, {n} sessions:  {fmt_ms(out['latency_n'])}  missing "
              f"{out['latency_n']['missing']}", flush=True)
        await p.stop()

        k = min(20, n)
        p = await Poller(servers[:k]).start()
        await asyncio.sleep(1)
        out["latency_small"] = await latency(p, servers[:k], fifos[:k], max(1, args.samples // k))
        out["latency_small"]["sessions"] = k
        print(f"  latency, {k} sessions:   {fmt_ms(out['latency_small'])}  missing "
              f"{out['latency_small']['missing']}", flush=True)
        await p.stop()
        for w in fifos:
            w.close()
    finally:
        kill_tmux_servers(d)
        shutil.rmtree(d, ignore_errors=True)

    lat, wak = await agent_side(args)
    out["agent_latency"], out["agent_wakeups"] = lat, wak
    print("== side by side (same run)")
    print(f"  {'':34} {'cm-agent':>22} {'seed design (poller)':>26}")
    a1, an = lat["state_1"], lat.get("state_n", lat["state_1"])
    ls, ln = out["latency_small"], out["latency_n"]
    print(f"  {'change->event p50/p99, few sess.':34} {a1['p50_ms']:8.1f} / {a1['p99_ms']:6.1f} ms"
          f"   {ls['p50_ms']:8.0f} / {ls['p99_ms']:6.0f} ms")
    print(f"  {'  (sessions)':34} {a1.get('sessions', 1):19d}   {ls['sessions']:23d}")
    print(f"  {'change->event p50/p99, %d sess.' % n:34} {an['p50_ms']:8.1f} / {an['p99_ms']:6.1f} ms"
          f"   {ln['p50_ms']:8.0f} / {ln['p99_ms']:6.0f} ms")
    print(f"  {'wake-ups/s, %d idle sessions' % wak['sessions']:34} "
          f"{wak['agent_wakeups_per_s']:19.2f}   {idle['poller_wakeups_per_s']:23.1f}")
    agent_total = (wak["agent_cpu_pct"] + wak["tmux_servers_cpu_pct"] +
                   wak["tmux_clients_cpu_pct"])
    print(f"  {'CPU % of a core (agent/poller)':34} {wak['agent_cpu_pct']:19.2f}   "
          f"{idle['poller_cpu_pct'] + idle['tmux_clients_cpu_pct']:23.1f}")
    print(f"  {'CPU % incl. tmux servers':34} {agent_total:19.2f}   {idle['total_cpu_pct']:23.1f}")
    print(f"  {'tmux server wake-ups/s':34} {wak['tmux_servers_wakeups_per_s']:19.1f}   "
          f"{idle['tmux_servers_wakeups_per_s']:23.1f}")
    print(f"  {'tmux processes started a minute':34} {0:19d}   "
          f"{idle['tmux_processes_per_min']:23.0f}")
    print(rerun_line())
    write_json(args.json, out)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sessions", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=10.0, help="idle window")
    ap.add_argument("--settle", type=float, default=3.0)
    ap.add_argument("--samples", type=int, default=200,
                    help="detection samples per run, spread over the sessions")
    ap.add_argument("--agent-latency", help="latency.py --json output (else measured here)")
    ap.add_argument("--agent-wakeups", help="wakeups.py --json output (else measured here)")
    ap.add_argument("--json", help="also write the numbers to this file")
    ap.add_argument("--poller", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.poller:
        try:
            asyncio.run(poller(json.loads(args.poller)))
        except KeyboardInterrupt:
            pass
        sys.exit(0)
    need_build()
    asyncio.run(main(args))
