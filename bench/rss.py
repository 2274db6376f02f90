#!/usr/bin/python3
"""Memory of the cm-agent process: idle, per session, per client.

VmRSS (/proc/PID/status) and Pss (/proc/PID/smaps_rollup) of the agent
process alone, then of tmux's processes (one server and one `tmux -C`
control client per session) reported apart. Two agents, one after the
other, each with private directories:
  run 1: idle (no client) -> 1 client -> 20 `cat` sessions -> N (default 100)
  run 2: idle (no client) -> 50 connected, authenticated clients
Per session = (RSS with N sessions - RSS with 1 client, 0 sessions) / N;
per client = (RSS with 50 clients - RSS idle) / 50.
Targets (DESIGN.md): <= 4 MB idle, <= 64 KB per session, <= 32 KB per client.
"""

import argparse
import asyncio
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import (Agent, Client, create_many, group_stats, need_build, proc_mem,  # noqa: E402
                      proc_threads, rerun_line, write_json)


def snap(agent, what):
    m = proc_mem(agent.pid)
    servers, clients = agent.tmux()
    s, c = group_stats(servers, cpu=False), group_stats(clients, cpu=False)
    row = {"what": what, "rss_kb": m["rss_kb"], "pss_kb": m["pss_kb"],
           "anon_kb": m.get("anon_kb"), "file_kb": m.get("file_kb"),
           "threads": proc_threads(agent.pid),
           "tmux_servers": s["n"], "tmux_servers_rss_kb": s["rss_kb"],
           "tmux_servers_pss_kb": s["pss_kb"], "tmux_clients": c["n"],
           "tmux_clients_rss_kb": c["rss_kb"], "tmux_clients_pss_kb": c["pss_kb"]}
    print(f"  {what:<28} agent VmRSS {m['rss_kb']:7d} KB  Pss {m['pss_kb']:7d} KB"
          f"  | tmux: {s['n']:3d} servers RSS {s['rss_kb']:7d} KB Pss {s['pss_kb']:6d} KB,"
          f" {c['n']:3d} -C clients RSS {c['rss_kb']:7d} KB Pss {c['pss_kb']:6d} KB", flush=True)
    return row


async def settle(s=1.0):
    await asyncio.sleep(s)


async def run_sessions(counts):
    rows = []
    with Agent() as agent:
        await settle()
        rows.append(snap(agent, "idle, no client"))
        c = await Client(agent).connect()
        await settle()
        base = snap(agent, "1 client, 0 sessions")
        rows.append(base)
        ids = []
        for n in counts:
            ids += await create_many(c, n - len(ids), "cat")
            for sid in ids:
                await c.wait_listed(sid, ("idle",))
            await settle(1.5)
            rows.append(snap(agent, f"1 client, {n} sessions"))
        await c.close()
    return rows


async def run_clients(n):
    rows = []
    with Agent(["--max-clients", str(max(64, n + 4))]) as agent:
        await settle()
        rows.append(snap(agent, "idle, no client"))
        clients = []
        for i in range(n):
            clients.append(await Client(agent).connect())
        for cl in clients:
            r = await cl.request("ping")
            assert r.get("type") == "pong", r
        await settle()
        rows.append(snap(agent, f"{n} clients, 0 sessions"))
        for cl in clients:
            await cl.close()
    return rows


async def main(args):
    # 20 sessions as a first step, then N; N alone when it is 20 or fewer.
    counts = [n for n in (20,) if n < args.sessions] + [args.sessions]
    print("== memory of cm-agent with `cat` sessions")
    srows = await run_sessions(counts)
    print(f"== memory of cm-agent with {args.clients} authenticated clients")
    crows = await run_clients(args.clients)
    base = srows[1]
    out = {"sessions_rows": srows, "clients_rows": crows,
           "idle_rss_kb": srows[0]["rss_kb"], "idle_pss_kb": srows[0]["pss_kb"]}
    print("== results")
    print(f"  idle agent:        VmRSS {srows[0]['rss_kb'] / 1024:.2f} MB, "
          f"Pss {srows[0]['pss_kb'] / 1024:.2f} MB   (target <= 4 MB)"
          f"   [RssAnon {srows[0]['anon_kb']} KB, RssFile {srows[0]['file_kb']} KB "
          f"(shared libraries, mostly shared with other processes)]")
    for row, n in zip(srows[2:], counts):
        per = (row["rss_kb"] - base["rss_kb"]) / n
        pper = (row["pss_kb"] - base["pss_kb"]) / n
        tmux_per = (row["tmux_servers_rss_kb"] + row["tmux_clients_rss_kb"]) / n
        tmux_pper = (row["tmux_servers_pss_kb"] + row["tmux_clients_pss_kb"]) / n
        out[f"per_session_{n}_rss_kb"] = per
        out[f"per_session_{n}_pss_kb"] = pper
        out[f"tmux_per_session_{n}_rss_kb"] = tmux_per
        out[f"tmux_per_session_{n}_pss_kb"] = tmux_pper
        print(f"  per session ({n:3d}): agent RSS {per:6.1f} KB, Pss {pper:6.1f} KB"
              f"   (target <= 64 KB)   tmux aside: RSS {tmux_per:6.0f} KB, "
              f"Pss {tmux_pper:5.0f} KB per session (server + -C client)")
    per_c = (crows[1]["rss_kb"] - crows[0]["rss_kb"]) / args.clients
    pper_c = (crows[1]["pss_kb"] - crows[0]["pss_kb"]) / args.clients
    out["per_client_rss_kb"] = per_c
    out["per_client_pss_kb"] = pper_c
    out["sessions"] = args.sessions
    out["clients"] = args.clients
    print(f"  per client ({args.clients}):   agent RSS {per_c:6.1f} KB, Pss {pper_c:6.1f} KB"
          f"   (target <= 32 KB)")
    print(rerun_line())
    write_json(args.json, out)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sessions", type=int, default=100)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--json", help="also write the numbers to this file")
    args = ap.parse_args()
    if args.sessions < 1 or args.clients < 1:
        ap.error("--sessions and --clients must be at least 1")
    need_build()
    asyncio.run(main(args))
