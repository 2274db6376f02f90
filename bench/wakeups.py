#!/usr/bin/python3
"""Wake-ups and CPU of an idle cm-agent and its tmux servers with 100 idle sessions.

Starts an agent with N (default 100) `cat` sessions and one authenticated,
idle client (as a dashboard left open), lets it settle, then counts over a
window (default 10 s) the agent's context switches (voluntary +
involuntary, every thread, /proc/PID/task/*/status) and CPU time (utime +
stime, /proc/PID/stat). tmux's processes (the per-session servers and the
agent's `tmux -C` control clients) are reported apart. Target (DESIGN.md):
0 agent wake-ups per second, and none of tmux's either: the tool's exit is
learnt from a pidfd, not tmux's one-second #{pane_dead} timer (--no-pidfd
measures that fallback). Over 256 sessions the agent is given
--max-sessions N.
"""

import argparse
import asyncio
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import (Agent, Client, create_many, group_stats, need_build, proc_cpu,  # noqa: E402
                      proc_ctxt, rerun_line, write_json)


def sample(agent):
    servers, clients = agent.tmux()
    return {"t": time.monotonic(), "ctxt": proc_ctxt(agent.pid), "cpu": proc_cpu(agent.pid),
            "servers": group_stats(servers), "clients": group_stats(clients)}


async def measure(n_sessions, seconds, settle, no_pidfd=False):
    extra = ["--max-sessions", str(n_sessions)] if n_sessions > 256 else []
    env = {"CM_AGENT_NO_PIDFD": "1"} if no_pidfd else {}
    with Agent(extra, env=env) as agent:
        c = await Client(agent).connect()
        ids = await create_many(c, n_sessions, "cat")
        for sid in ids:
            await c.wait_listed(sid, ("idle",))
        await asyncio.sleep(settle)
        a = sample(agent)
        await asyncio.sleep(seconds)
        b = sample(agent)
        await c.close()
    dt = b["t"] - a["t"]
    out = {"sessions": n_sessions, "seconds": dt,
           "agent_wakeups_per_s": (b["ctxt"] - a["ctxt"]) / dt,
           "agent_cpu_pct": 100 * (b["cpu"] - a["cpu"]) / dt,
           "agent_ctxt": b["ctxt"] - a["ctxt"]}
    for k in ("servers", "clients"):
        out[f"tmux_{k}"] = b[k]["n"]
        out[f"tmux_{k}_wakeups_per_s"] = (b[k]["ctxt"] - a[k]["ctxt"]) / dt
        out[f"tmux_{k}_cpu_pct"] = 100 * (b[k]["cpu_s"] - a[k]["cpu_s"]) / dt
    out["total_wakeups_per_s"] = (out["agent_wakeups_per_s"] + out["tmux_servers_wakeups_per_s"]
                                  + out["tmux_clients_wakeups_per_s"])
    out["total_cpu_pct"] = (out["agent_cpu_pct"] + out["tmux_servers_cpu_pct"]
                            + out["tmux_clients_cpu_pct"])
    out["pidfd"] = not no_pidfd
    return out


async def main(args):
    print(f"== wake-ups: cm-agent with {args.sessions} idle `cat` sessions and 1 idle client, "
          f"{args.seconds:.0f} s window after {args.settle:.0f} s settling"
          f"{' (pidfd off: the pane_dead subscription)' if args.no_pidfd else ''}")
    out = await measure(args.sessions, args.seconds, args.settle, args.no_pidfd)
    print(f"  cm-agent:               {out['agent_wakeups_per_s']:8.2f} wake-ups/s "
          f"({out['agent_ctxt']} context switches), CPU {out['agent_cpu_pct']:.2f}% of a core"
          f"   (target 0/s)")
    print(f"  tmux servers ({out['tmux_servers']:3d}):     {out['tmux_servers_wakeups_per_s']:8.2f} "
          f"wake-ups/s, CPU {out['tmux_servers_cpu_pct']:.2f}%  (tmux itself, not the agent)")
    print(f"  tmux -C clients ({out['tmux_clients']:3d}):  {out['tmux_clients_wakeups_per_s']:8.2f} "
          f"wake-ups/s, CPU {out['tmux_clients_cpu_pct']:.2f}%")
    print(f"  agent + tmux together:  {out['total_wakeups_per_s']:8.2f} wake-ups/s, "
          f"CPU {out['total_cpu_pct']:.2f}%")
    print(rerun_line())
    write_json(args.json, out)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sessions", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--settle", type=float, default=2.0)
    ap.add_argument("--no-pidfd", action="store_true",
                    help="run the agent with CM_AGENT_NO_PIDFD=1 (tmux's pane_dead timer)")
    ap.add_argument("--json", help="also write the numbers to this file")
    need_build()
    asyncio.run(main(ap.parse_args()))
