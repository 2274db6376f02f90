#!/usr/bin/python3
"""Prints the summary table of a run-all.sh results directory:
what, measured, target, baseline (measured in the same run)."""

import json
import os
import sys


def load(d, name):
    try:
        with open(os.path.join(d, name + ".json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def main(d):
    rows = []
    rss, lat, wak, thr, seed = (load(d, n) for n in
                                ("rss", "latency", "wakeups", "throughput", "seed"))
    if rss:
        r0 = rss["sessions_rows"][0]
        poller = seed["idle"] if seed else None
        rows.append(("agent memory, idle (VmRSS / Pss)",
                     f"{r0['rss_kb'] / 1024:.2f} MB / {r0['pss_kb'] / 1024:.2f} MB", "<= 4 MB",
                     f"seed poller (Python), {seed['sessions']} sessions: "
                     f"{poller['poller_rss_kb'] / 1024:.1f} MB / {poller['poller_pss_kb'] / 1024:.1f} MB"
                     if poller else ""))
        n = rss["sessions"]
        rows.append((f"agent memory per session ({n} `cat`, RSS / Pss)",
                     f"{rss[f'per_session_{n}_rss_kb']:.1f} KB / {rss[f'per_session_{n}_pss_kb']:.1f} KB",
                     "<= 64 KB",
                     f"tmux aside: {rss[f'tmux_per_session_{n}_rss_kb']:.0f} KB RSS / "
                     f"{rss[f'tmux_per_session_{n}_pss_kb']:.0f} KB Pss per session"))
        rows.append((f"agent memory per client ({rss['clients']}, RSS / Pss)",
                     f"{rss['per_client_rss_kb']:.1f} KB / {rss['per_client_pss_kb']:.1f} KB",
                     "<= 32 KB", ""))
    if lat:
        b = lat["bare_state"]
        s1 = lat["state_1"]
        sb = f"seed design, {seed['latency_small']['sessions']} sessions: " \
             f"{seed['latency_small']['p50_ms']:.0f} / {seed['latency_small']['p99_ms']:.0f} ms" \
            if seed else ""
        rows.append(("screen change -> state event, 1 session (p50 / p99)",
                     f"{s1['p50_ms']:.2f} / {s1['p99_ms']:.2f} ms", "<= 10 / <= 30 ms",
                     f"{sb}; bare tmux -C %output: {b['p50_ms']:.2f} / {b['p99_ms']:.2f} ms"))
        if "state_n" in lat:
            sn = lat["state_n"]
            rows.append((f"screen change -> state event, {sn['sessions']} sessions",
                         f"{sn['p50_ms']:.2f} / {sn['p99_ms']:.2f} ms", "<= 10 / <= 30 ms",
                         f"seed design: {seed['latency_n']['p50_ms']:.0f} / "
                         f"{seed['latency_n']['p99_ms']:.0f} ms" if seed else ""))
        e, be = lat["echo"], lat["bare_echo"]
        rows.append(("keystroke -> echo at the client (p50 / p99)",
                     f"{e['p50_ms']:.3f} / {e['p99_ms']:.3f} ms", "<= 0.5 / <= 4 ms",
                     f"bare tmux -C send-keys: {be['p50_ms']:.3f} / {be['p99_ms']:.3f} ms "
                     f"(ratio p50 {e['p50_ms'] / be['p50_ms']:.2f})"))
    if wak:
        si = seed["idle"] if seed else None
        rows.append((f"agent wake-ups, {wak['sessions']} idle sessions",
                     f"{wak['agent_wakeups_per_s']:.2f} /s", "0 /s",
                     f"seed poller: {si['poller_wakeups_per_s']:.0f} /s, "
                     f"{si['tmux_processes_per_min']:.0f} tmux processes a minute" if si else ""))
        rows.append((f"CPU, {wak['sessions']} idle sessions (agent; + tmux servers)",
                     f"{wak['agent_cpu_pct']:.3f}% ; +{wak['tmux_servers_cpu_pct']:.3f}%", "~0",
                     f"seed poller + its tmux clients: "
                     f"{si['poller_cpu_pct'] + si['tmux_clients_cpu_pct']:.1f}%; "
                     f"+{si['tmux_servers_cpu_pct']:.2f}%" if si else ""))
        rows.append(("tmux server wake-ups, idle sessions",
                     f"{wak['tmux_servers_wakeups_per_s']:.0f} /s", "(tmux's; no target)",
                     f"seed poller: {si['tmux_servers_wakeups_per_s']:.0f} /s" if si else ""))
    if thr:
        rows.append((f"output throughput, {thr['mb']:g} MB flood (median of {thr['runs']})",
                     f"{thr['agent_median_mb_per_s']:.2f} MB/s = {thr['ratio_pct']:.0f}% "
                     f"(paired {thr.get('paired_ratio_pct', float('nan')):.0f}%)",
                     ">= 95% of bare",
                     f"bare tmux -C reader: {thr['bare_median_mb_per_s']:.2f} MB/s" +
                     (f"; agent --debounce-ms {thr['slow_debounce_ms']}: "
                      f"{thr['agent_slow_median_mb_per_s']:.2f} MB/s = {thr['slow_ratio_pct']:.0f}%"
                      if "agent_slow" in thr else "")))
        rows.append(("output_dropped / clients disconnected during floods",
                     f"{thr['output_dropped_total']} / {thr['clients_disconnected']}", "0 / 0", ""))
    w = [max(len(r[i]) for r in rows + [("what", "measured", "target", "baseline")])
         for i in range(4)]
    line = "+".join("-" * (x + 2) for x in w)
    print(" " + " | ".join(h.ljust(w[i]) for i, h in
                          enumerate(("what", "measured", "target", "baseline (same run)"))))
    print(line)
    for r in rows:
        print(" " + " | ".join(c.ljust(w[i]) for i, c in enumerate(r)))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: summary.py RESULTS_DIR")
    main(sys.argv[1])
