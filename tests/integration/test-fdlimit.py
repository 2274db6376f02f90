"""Out of file descriptors: with a low open-files limit and a crowd of
connections the agent must not spin on accept() or fill its log, and the
owner gets in once descriptors are free again."""

import asyncio
import os
import resource
import socket
import time

from agentlib import Agent, Client, run

LIMIT = 64


def cpu_seconds(pid):
    """User + system CPU time of a process, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def main(t):
    with Agent() as agent:
        pid = agent.proc.pid
        resource.prlimit(pid, resource.RLIMIT_NOFILE, (LIMIT, LIMIT))
        crowd = []
        for _ in range(3 * LIMIT):
            s = socket.socket()
            s.setblocking(False)
            try:
                s.connect(("127.0.0.1", agent.port))
            except BlockingIOError:
                pass
            crowd.append(s)
        await asyncio.sleep(0.5)
        log0, cpu0 = os.path.getsize(agent.log_path), cpu_seconds(pid)
        await asyncio.sleep(3)
        cpu = cpu_seconds(pid) - cpu0
        grew = os.path.getsize(agent.log_path) - log0
        t.check(f"with descriptors exhausted the agent stays idle ({cpu:.2f} s CPU in 3 s)",
                cpu < 0.5, cpu)
        t.check(f"...and its log stays small ({grew} bytes in 3 s)", grew < 20000, grew)
        t.check("the shortage is logged once, with the limit",
                "open files limit 64" in agent.log(), agent.log()[-2000:])
        for s in crowd:
            s.close()
        ok = False
        deadline = time.time() + 15
        while time.time() < deadline and not ok:
            try:
                async with Client(agent) as c:
                    ok = (await c.request("ping")).get("type") == "pong"
            except Exception:
                await asyncio.sleep(0.5)
        t.check("once descriptors are free the right token gets in", ok)
        t.check("agent survived", agent.alive())


run(main)
