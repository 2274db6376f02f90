#!/usr/bin/python3
"""Latency of cm-agent, with the bare tmux control-mode path as baseline.

(a) screen change -> state_change event at a WebSocket client (loopback).
    The tool is cm-bench-flip (bench/flip.c, profile bench/profiles/
    bench-flip.json): told through a FIFO, it clears its screen and draws
    "BUSY <t>" or "IDLE <t>" in one write(2), <t> being the wall clock read
    just before the write. The profile classifies BUSY as `thinking` and
    IDLE as `idle` (the agent reports `done` after work), and the event's
    evidence quotes the line, so latency = receive time - <t>: from the
    moment the tool writes to the moment the client has the event. Samples
    alternate BUSY and IDLE with a random pause (5-25 ms) between them.
    Run with 1 session, then with N sessions (default 100; one picked at
    random per sample). Baseline: the same write seen as %output by a bare
    `tmux -C` reader of a private tmux server (no agent).
(b) keystroke -> echo: send_keys of one character to a `cat` session whose
    output is subscribed (binary frames); time from sending the request to
    receiving the frame with the echoed byte. Baseline: `send-keys -l` over
    a bare `tmux -C` connection to `cat`, until %output has the byte.

Targets (docs/../DESIGN.md): (a) p50 <= 10 ms, p99 <= 30 ms; (b) p50 <= 0.5
ms, p99 <= 4 ms. Numbers only: nothing fails on timing.
"""

import argparse
import asyncio
import os
import random
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import (Agent, Client, Fifo, TmuxCC, TmuxServer, create_many, flip_stamp,  # noqa: E402
                      fmt_ms, kill_tmux_servers, mkfifo, need_build, rerun_line,
                      summary_ms, tmux_unescape, write_json, FLIP_BIN)

EXPECT = {"busy": ("thinking",), "idle": ("idle", "done")}


async def agent_state_latency(agent, n_sessions, samples):
    """Samples of (a) against a running agent with n_sessions flip sessions."""
    c = await Client(agent).connect()
    fifos = [mkfifo(agent.work, f"flip{n_sessions}-{i}") for i in range(n_sessions)]
    sids = await create_many(c, n_sessions, "bench-flip", task_of=lambda i: fifos[i])
    for sid in sids:
        await c.wait_listed(sid, ("idle", "done"))
    writers = [Fifo(p) for p in fifos]
    last = {sid: "idle" for sid in sids}
    waiting = {}
    lat, lat_cmd, missing = [], [], 0

    def on_event(m, t):
        if m.get("type") != "state_change":
            return
        w = waiting.get(m.get("sessionId"))
        if w and m.get("state") in w[0] and not w[1].done():
            w[1].set_result((m, t))

    c.on_event = on_event
    await asyncio.sleep(0.3)
    for k in range(samples):
        i = random.randrange(n_sessions)
        sid = sids[i]
        cmd = "busy" if last[sid] == "idle" else "idle"
        fut = asyncio.get_running_loop().create_future()
        waiting[sid] = (EXPECT[cmd], fut)
        t_cmd = writers[i].send(cmd)
        try:
            m, t = await asyncio.wait_for(fut, 10)
        except asyncio.TimeoutError:
            missing += 1
            continue
        finally:
            waiting.pop(sid, None)
        last[sid] = cmd
        stamp = flip_stamp(m.get("evidence") or "")
        if stamp is None:
            missing += 1
            continue
        lat.append(t - stamp)
        lat_cmd.append(t - t_cmd)
        await asyncio.sleep(random.uniform(0.005, 0.025))
    for w in writers:
        w.close()
    await c.close()
    return {"sessions": n_sessions, **summary_ms(lat), "missing": missing,
            "from_fifo_write": summary_ms(lat_cmd)}


async def bare_state_latency(samples):
    """Baseline of (a): the tool's write as %output at a bare tmux -C reader."""
    d = tempfile.mkdtemp(prefix="cmbench-bare.")
    try:
        fifo = mkfifo(d, "flip")
        srv = TmuxServer(d, "bare", [FLIP_BIN, fifo])
        cc = await TmuxCC(srv).start()
        w = Fifo(fifo)
        await asyncio.sleep(0.3)
        fut = None
        lat = []

        def on_output(data, t):
            if fut and not fut.done() and (b"BUSY " in data or b"IDLE " in data):
                fut.set_result((data, t))

        cc.on_output = on_output
        for k in range(samples):
            fut = asyncio.get_running_loop().create_future()
            w.send("busy" if k % 2 == 0 else "idle")
            data, t = await asyncio.wait_for(fut, 10)
            stamp = flip_stamp(tmux_unescape(data).decode("utf-8", "replace"))
            if stamp is not None:
                lat.append(t - stamp)
            await asyncio.sleep(random.uniform(0.005, 0.025))
        w.close()
        await cc.close()
        srv.kill()
        return summary_ms(lat)
    finally:
        kill_tmux_servers(d)
        shutil.rmtree(d, ignore_errors=True)


CHARS = "abcdefghijklmnopqrstuvwxyz"


async def agent_echo_latency(agent, samples):
    c = await Client(agent).connect()
    sid = await c.new_session("cat")
    await c.wait_listed(sid, ("idle",))
    r = await c.request("subscribe_output", sessionId=sid)
    assert r.get("type") == "output_subscribed", r
    fut = None
    want = b""
    prefix = bytes([1, len(sid)]) + sid.encode()

    def on_binary(data, t):
        if fut and not fut.done() and data.startswith(prefix) and want in data[len(prefix):]:
            fut.set_result(t)

    c.on_binary = on_binary
    lat = []
    await asyncio.sleep(0.2)
    for k in range(samples):
        if k % 40 == 39:
            await c.send("send_keys", sessionId=sid, key="Enter")
            await asyncio.sleep(0.03)
        ch = CHARS[k % len(CHARS)]
        want = ch.encode()
        fut = asyncio.get_running_loop().create_future()
        t0 = time.time()
        await c.send("send_keys", sessionId=sid, keys=ch)
        t = await asyncio.wait_for(fut, 10)
        lat.append(t - t0)
        await asyncio.sleep(random.uniform(0.002, 0.01))
    await c.close()
    return summary_ms(lat)


async def bare_echo_latency(samples):
    d = tempfile.mkdtemp(prefix="cmbench-bare.")
    try:
        srv = TmuxServer(d, "echo", ["cat"])
        cc = await TmuxCC(srv).start()
        await asyncio.sleep(0.3)
        fut = None
        want = b""

        def on_output(data, t):
            if fut and not fut.done() and want in data:
                fut.set_result(t)

        cc.on_output = on_output
        lat = []
        for k in range(samples):
            if k % 40 == 39:
                await cc.command("send-keys -t echo Enter")
                await asyncio.sleep(0.03)
            ch = CHARS[k % len(CHARS)]
            want = ch.encode()
            fut = asyncio.get_running_loop().create_future()
            t0 = time.time()
            await cc.command(f"send-keys -t echo -l {ch}")
            t = await asyncio.wait_for(fut, 10)
            lat.append(t - t0)
            await asyncio.sleep(random.uniform(0.002, 0.01))
        await cc.close()
        srv.kill()
        return summary_ms(lat)
    finally:
        kill_tmux_servers(d)
        shutil.rmtree(d, ignore_errors=True)


async def main(args):
    out = {"samples": args.samples, "debounce_ms": args.debounce_ms}
    extra = ["--debounce-ms", str(args.debounce_ms)] if args.debounce_ms is not None else []
    print(f"== latency (a): tool writes a new screen -> state_change at the client "
          f"({args.samples} samples each)")
    out["bare_state"] = await bare_state_latency(args.samples)
    print(f"  baseline: bare tmux -C %output      {fmt_ms(out['bare_state'])}")
    with Agent(extra) as agent:
        out["state_1"] = await agent_state_latency(agent, 1, args.samples)
    print(f"  cm-agent, 1 session                 {fmt_ms(out['state_1'])}"
          f"  missing {out['state_1']['missing']}")
    if args.sessions > 1:
        with Agent(extra) as agent:
            out["state_n"] = await agent_state_latency(agent, args.sessions, args.samples)
        print(f"  cm-agent, {args.sessions} sessions            "
              f"{fmt_ms(out['state_n'])}  missing {out['state_n']['missing']}")
    print("  target: p50 <= 10 ms, p99 <= 30 ms")
    print(f"== latency (b): send_keys of one char to cat -> echoed byte at the client "
          f"({args.echo_samples} samples each)")
    out["bare_echo"] = await bare_echo_latency(args.echo_samples)
    print(f"  baseline: bare tmux -C send-keys    {fmt_ms(out['bare_echo'])}")
    with Agent(extra) as agent:
        out["echo"] = await agent_echo_latency(agent, args.echo_samples)
    print(f"  cm-agent (WebSocket, binary frames) {fmt_ms(out['echo'])}")
    print(f"  ratio p50 cm-agent / bare tmux -C: "
          f"{out['echo']['p50_ms'] / out['bare_echo']['p50_ms']:.2f}")
    print("  target: p50 <= 0.5 ms, p99 <= 4 ms")
    print(rerun_line())
    write_json(args.json, out)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--samples", type=int, default=200, help="samples of (a) per run")
    ap.add_argument("--echo-samples", type=int, default=500, help="samples of (b)")
    ap.add_argument("--sessions", type=int, default=100,
                    help="sessions in the second run of (a) (1: skip it)")
    ap.add_argument("--debounce-ms", type=int, default=None,
                    help="pass --debounce-ms to the agent (default: the agent's, 5)")
    ap.add_argument("--json", help="also write the numbers to this file")
    need_build()
    asyncio.run(main(ap.parse_args()))
