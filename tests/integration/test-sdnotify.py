"""systemd's notify protocol, with a real Unix datagram socket as
NOTIFY_SOCKET: READY=1 (with a STATUS line) comes once the agent listens,
WATCHDOG=1 pings come at half of WATCHDOG_USEC only while the loop runs
(they stop while the agent is stopped with SIGSTOP and come back after
SIGCONT), STOPPING=1 on SIGTERM; the tools never see the variables; an
abstract socket ("@name") works too; without WatchdogSec nothing pings."""

import os
import signal
import socket
import time

from agentlib import Agent, Client, _read, pids_matching, run


def listen(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    s.settimeout(0.05)
    return s


def drain(s, seconds):
    """Every datagram received during seconds, with its arrival time."""
    out, end = [], time.time() + seconds
    while time.time() < end:
        try:
            out.append((time.time(), s.recv(4096).decode()))
        except socket.timeout:
            pass
    return out


def tool_environ(agent):
    """The environment of the tools in agent's sessions (children of its tmux servers)."""
    servers = {p for p in pids_matching(agent.socket_dir)
               if _read(f"/proc/{p}/comm").strip() == "tmux: server"}
    out = []
    for d in os.listdir("/proc"):
        try:
            if not d.isdigit():
                continue
            stat = _read(f"/proc/{d}/stat")
            # Not a pane's process caught between tmux's fork and its exec.
            if (int(stat[stat.rindex(")") + 2:].split()[1]) in servers and
                    _read(f"/proc/{d}/comm").strip() != "tmux: server"):
                with open(f"/proc/{d}/environ", "rb") as f:
                    out.append(f.read().split(b"\0"))
        except (OSError, ValueError):
            continue
    return out


async def main(t):
    agent = Agent(env={"WATCHDOG_USEC": "200000"})
    path = os.path.join(agent.root, "notify.sock")
    agent.env["NOTIFY_SOCKET"] = path
    s = listen(path)
    with agent:
        msgs = drain(s, 0.3)
        ready = [m for _, m in msgs if "READY=1" in m]
        t.check("READY=1 arrives once", len(ready) == 1, msgs)
        t.check("with a STATUS line saying it listens",
                ready and "STATUS=0 sessions (0 busy, 0 waiting), 0 clients; 127.0.0.1:" in ready[0],
                ready)
        # agent.start() returned once the port was written; READY follows that.
        c = socket.create_connection(("127.0.0.1", agent.port), timeout=2)
        c.close()
        t.check("the agent listens when READY is sent", True)

        pings = [at for at, m in drain(s, 1.0) if m == "WATCHDOG=1"]
        t.check("WATCHDOG=1 every 100 ms (half of WATCHDOG_USEC=200000)",
                7 <= len(pings) <= 13, len(pings))
        gaps = [b - a for a, b in zip(pings, pings[1:])]
        t.check("at a steady pace", gaps and all(0.05 < g < 0.2 for g in gaps), gaps)

        os.kill(agent.pid, signal.SIGSTOP)
        drain(s, 0.15)  # a ping already on its way
        stopped = [m for _, m in drain(s, 0.8) if m == "WATCHDOG=1"]
        t.check("no ping while the loop is stopped (SIGSTOP)", not stopped, stopped)
        os.kill(agent.pid, signal.SIGCONT)
        # A loop just woken on a loaded machine may take a moment: 1.5 s for 3 pings.
        back = [m for _, m in drain(s, 1.5) if m == "WATCHDOG=1"]
        t.check("pings come back when it runs again", len(back) >= 3, back)

        async with Client(agent) as c:
            sid = await c.new_session("cat")
            await c.wait_listed(sid, ("idle",))
            msgs = [m for _, m in drain(s, 0.4)]
            t.check("a changed status line rides on the next ping",
                    any(m.startswith("WATCHDOG=1\nSTATUS=1 sessions (0 busy, 0 waiting), 1 clients")
                        for m in msgs), msgs)
            t.check("... once", sum("STATUS=" in m for m in msgs) == 1, msgs)
            envs = tool_environ(agent)
            t.check("a tool runs", len(envs) == 1, len(envs))
            t.check("the tools do not inherit NOTIFY_SOCKET nor WATCHDOG_USEC",
                    envs and not any(e.startswith((b"NOTIFY_SOCKET=", b"WATCHDOG_"))
                                     for e in envs[0]), envs)
        agent.stop()
        last = [m for _, m in drain(s, 0.3)]
        t.check("STOPPING=1 at SIGTERM", any("STOPPING=1" in m for m in last), last)
    s.close()

    # Abstract socket, no watchdog.
    name = f"@cm-test-notify-{os.getpid()}"
    a = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    a.bind("\0" + name[1:])
    a.settimeout(0.05)
    with Agent(env={"NOTIFY_SOCKET": name}):
        msgs = [m for _, m in drain(a, 0.8)]
        t.check("an abstract NOTIFY_SOCKET gets READY=1",
                any("READY=1" in m for m in msgs), msgs)
        t.check("without WATCHDOG_USEC nothing pings",
                not any("WATCHDOG=1" in m for m in msgs), msgs)
    a.close()


run(main)
