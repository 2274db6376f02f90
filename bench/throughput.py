#!/usr/bin/python3
"""Output streaming throughput: cm-agent to a subscribed client vs a bare
`tmux -C` reader.

cm-bench-flip, told through its FIFO, writes a flood of text (default 20
MB: lines of 99 characters and a newline) then a line "FLOOD-END <t0> <n>"
(<t0>: the wall clock when the flood started). A reader's throughput is
n / (time the end line reached it - t0).
  baseline: a private tmux server running the tool, read by a bare
            `tmux -C attach` (Python, the same asyncio loop as the client).
  cm-agent: the tool in an agent session; a WebSocket client subscribed to
            its output (binary frames) reads the flood. output_dropped and
            output_snapshot messages are counted (the contract: a slow client
            loses output, not its connection; none is expected here).
Runs alternate (baseline, agent, agent with --no-transcripts, agent with
--debounce-ms 1000) --runs times; medians and the ratios agent / baseline are printed. The third
variant only shows what the agent's screen reads during the flood cost
(with the default 5 ms debounce the screen is read every ~5 ms while output
flows). The agent records every session's transcript by default; the
--no-transcripts variant shows what recording costs, side by side (target:
recording on >= 95% of off), and the transcript's size on disk after the
flood gives the compression of a flood. Target (DESIGN.md): >= 95% of the
bare reader, no client dropped.
"""

import argparse
import asyncio
import os
import resource
import shutil
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import (Agent, Client, Fifo, TmuxCC, TmuxServer, flip_stamp,  # noqa: E402
                      group_stats, kill_tmux_servers, mkfifo, need_build, proc_cpu,
                      rerun_line, tmux_procs, write_json, FLIP_BIN)


def self_cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class FloodReader:
    """Counts bytes and spots the end line, also when split across chunks."""

    def __init__(self, loop):
        self.bytes = 0
        self.tail = b""
        self.fut = loop.create_future()

    def feed(self, data, t):
        self.bytes += len(data)
        if self.fut.done():
            return
        buf = self.tail + data
        i = buf.find(b"FLOOD-END ")
        # the line is complete once its CR has come (raw, or \015 from tmux -C)
        if i >= 0 and (buf.find(b"\r", i) > 0 or buf.find(b"\\015", i) > 0):
            self.fut.set_result((flip_stamp(buf[i:i + 80].decode("ascii", "replace")), t))
        self.tail = buf[-100:]


async def bare_run(nbytes):
    d = tempfile.mkdtemp(prefix="cmbench-bare.")
    try:
        fifo = mkfifo(d, "flip")
        srv = TmuxServer(d, "bare", [FLIP_BIN, fifo])
        cc = await TmuxCC(srv).start()
        await asyncio.sleep(0.3)
        r = FloodReader(asyncio.get_running_loop())
        cc.on_output = r.feed
        w = Fifo(fifo)
        servers = tmux_procs(d)[0]
        s0 = group_stats(servers)["cpu_s"]
        c0 = self_cpu()
        w.send(f"flood {nbytes}")
        t0, t = await asyncio.wait_for(r.fut, 120)
        cpu = self_cpu() - c0
        scpu = group_stats(servers)["cpu_s"] - s0
        w.close()
        await cc.close()
        srv.kill()
        el = t - t0
        return {"mb_per_s": nbytes / el / 1e6, "seconds": el, "reader_cpu_pct": 100 * cpu / el,
                "tmux_server_cpu_pct": 100 * scpu / el, "received_escaped_bytes": r.bytes}
    finally:
        kill_tmux_servers(d)
        shutil.rmtree(d, ignore_errors=True)


async def agent_run(nbytes, extra):
    with Agent(extra) as agent:
        c = await Client(agent).connect()
        fifo = mkfifo(agent.work, "flip")
        sid = await c.new_session("bench-flip", task=fifo)
        await c.wait_listed(sid, ("idle",))
        rep = await c.request("subscribe_output", sessionId=sid)
        assert rep.get("type") == "output_subscribed", rep
        await asyncio.sleep(0.3)
        r = FloodReader(asyncio.get_running_loop())
        prefix = len(sid) + 2
        c.on_binary = lambda data, t: r.feed(data[prefix:], t)
        w = Fifo(fifo)
        a0 = proc_cpu(agent.pid)
        s0 = group_stats(agent.tmux()[0])["cpu_s"]
        c0 = self_cpu()
        w.send(f"flood {nbytes}")
        t0, t = await asyncio.wait_for(r.fut, 120)
        cpu = self_cpu() - c0
        acpu = proc_cpu(agent.pid) - a0
        scpu = group_stats(agent.tmux()[0])["cpu_s"] - s0
        await asyncio.sleep(0.2)
        dropped = [m for m in c.other if m.get("type") == "output_dropped"]
        snaps = [m for m in c.other if m.get("type") == "output_snapshot"]
        alive = c.ws.open
        w.close()
        # The transcript's last frame is written when the session ends.
        await c.request("kill_session", sessionId=sid)
        await asyncio.sleep(0.5)
        lst = await c.request("list_transcripts")
        tbytes = sum(x["bytes"] for x in lst.get("transcripts", []) if x["sessionId"] == sid)
        await c.close()
        el = t - t0
        return {"mb_per_s": nbytes / el / 1e6, "seconds": el, "reader_cpu_pct": 100 * cpu / el,
                "agent_cpu_pct": 100 * acpu / el, "tmux_server_cpu_pct": 100 * scpu / el,
                "received_bytes": r.bytes, "output_dropped": len(dropped),
                "dropped_bytes": sum(m.get("bytes", 0) for m in dropped),
                "output_snapshots": len(snaps), "client_still_connected": alive,
                "transcript_bytes": tbytes}


def show(label, a):
    print(f"  {label} {a['mb_per_s']:6.2f} MB/s ({a['seconds']:.2f} s, "
          f"client CPU {a['reader_cpu_pct']:.0f}%, agent CPU {a['agent_cpu_pct']:.0f}%, "
          f"tmux server CPU {a['tmux_server_cpu_pct']:.0f}%; received {a['received_bytes']} "
          f"bytes, output_dropped {a['output_dropped']} ({a['dropped_bytes']} bytes), "
          f"snapshots {a['output_snapshots']}, still connected {a['client_still_connected']})",
          flush=True)


async def main(args):
    mb = args.mb
    nbytes = int(mb * 1e6)
    extra = ["--debounce-ms", str(args.debounce_ms)] if args.debounce_ms is not None else []
    slow = ["--debounce-ms", str(args.slow_debounce_ms)] if args.slow_debounce_ms else None
    print(f"== throughput: flood of {mb:g} MB of text, {args.runs} runs each, alternating")
    bare, agent, agent_slow, agent_off = [], [], [], []
    for i in range(args.runs):
        b = await bare_run(nbytes)
        bare.append(b)
        print(f"  run {i + 1}: bare tmux -C {b['mb_per_s']:6.2f} MB/s ({b['seconds']:.2f} s, "
              f"reader CPU {b['reader_cpu_pct']:.0f}%, tmux server CPU {b['tmux_server_cpu_pct']:.0f}%)",
              flush=True)
        a = await agent_run(nbytes, extra)
        agent.append(a)
        show(f"run {i + 1}: cm-agent   ", a)
        print(f"    transcript on disk: {a['transcript_bytes']} bytes for {a['received_bytes']} "
              f"received ({a['received_bytes'] / max(1, a['transcript_bytes']):.0f}:1)", flush=True)
        a = await agent_run(nbytes, extra + ["--no-transcripts"])
        agent_off.append(a)
        show(f"run {i + 1}: cm-agent --no-transcripts:", a)
        if slow:
            a = await agent_run(nbytes, slow)
            agent_slow.append(a)
            show(f"run {i + 1}: cm-agent --debounce-ms {args.slow_debounce_ms}:", a)
    mb_b = statistics.median(x["mb_per_s"] for x in bare)
    mb_a = statistics.median(x["mb_per_s"] for x in agent)
    out = {"mb": mb, "runs": args.runs, "bare": bare, "agent": agent,
           "bare_median_mb_per_s": mb_b, "agent_median_mb_per_s": mb_a,
           "ratio_pct": 100 * mb_a / mb_b,
           "paired_ratio_pct": 100 * statistics.median(
               a["mb_per_s"] / b["mb_per_s"] for a, b in zip(agent, bare)),
           "output_dropped_total": sum(x["output_dropped"] for x in agent + agent_slow),
           "clients_disconnected": sum(0 if x["client_still_connected"] else 1
                                       for x in agent + agent_slow)}
    print(f"  median: cm-agent {mb_a:.2f} MB/s, bare tmux -C {mb_b:.2f} MB/s, ratio "
          f"{out['ratio_pct']:.1f}% (target >= 95%); median of the runs' paired ratios "
          f"{out['paired_ratio_pct']:.1f}%")
    if slow:
        mb_s = statistics.median(x["mb_per_s"] for x in agent_slow)
        out["agent_slow"] = agent_slow
        out["slow_debounce_ms"] = args.slow_debounce_ms
        out["agent_slow_median_mb_per_s"] = mb_s
        out["slow_ratio_pct"] = 100 * mb_s / mb_b
        out["slow_paired_ratio_pct"] = 100 * statistics.median(
            a["mb_per_s"] / b["mb_per_s"] for a, b in zip(agent_slow, bare))
        print(f"  median: cm-agent --debounce-ms {args.slow_debounce_ms} (screen read at most "
              f"once a second during the flood) {mb_s:.2f} MB/s, ratio {out['slow_ratio_pct']:.1f}%, "
              f"paired {out['slow_paired_ratio_pct']:.1f}%")
    mb_off = statistics.median(x["mb_per_s"] for x in agent_off)
    out["agent_off"] = agent_off
    out["agent_off_median_mb_per_s"] = mb_off
    out["recording_ratio_pct"] = 100 * mb_a / mb_off
    out["recording_paired_ratio_pct"] = 100 * statistics.median(
        a["mb_per_s"] / o["mb_per_s"] for a, o in zip(agent, agent_off))
    out["transcript_bytes_median"] = statistics.median(x["transcript_bytes"] for x in agent)
    print(f"  median: recording on {mb_a:.2f} MB/s, off (--no-transcripts) {mb_off:.2f} MB/s: "
          f"on/off {out['recording_ratio_pct']:.1f}% (target >= 95%), paired "
          f"{out['recording_paired_ratio_pct']:.1f}%; transcript of a {mb:g} MB flood: "
          f"{out['transcript_bytes_median'] / 1e6:.2f} MB on disk")
    print(f"  output_dropped messages: {out['output_dropped_total']}; clients disconnected: "
          f"{out['clients_disconnected']}")
    print(rerun_line())
    write_json(args.json, out)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mb", type=float, default=20, help="megabytes (10^6) per flood")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--debounce-ms", type=int, default=None,
                    help="the agent's --debounce-ms (default: its own, 5)")
    ap.add_argument("--slow-debounce-ms", type=int, default=1000,
                    help="also run an agent with this debounce, to see what reading the "
                    "screen during the flood costs (0: skip)")
    ap.add_argument("--json", help="also write the numbers to this file")
    need_build()
    asyncio.run(main(ap.parse_args()))
