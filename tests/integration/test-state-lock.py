"""One agent per state directory: a second cm-agent on the same STATE_DIR
is refused (exit status 1, a message naming the directory and the pid of
the running agent) and changes nothing; the first keeps serving. The lock
is not inherited by the tmux servers: once the first agent stops, with its
sessions still running, the next one starts and adopts them."""

import json
import os
import stat
import subprocess

from agentlib import Agent, Client, run


def seqs(agent):
    out = []
    with open(os.path.join(agent.state_dir, "events.log")) as f:
        for line in f:
            if line.strip():
                out.append(json.loads(line).get("seq"))
    return out


async def main(t):
    with Agent() as agent:
        async with Client(agent) as c:
            r = await c.create("cat")
            sid = r["sessionId"]
            await c.wait_state(sid, "idle")
            # Its own port, so that only the state directory is shared.
            argv = agent.argv()
            argv[argv.index("--port") + 1] = "0"
            second = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE, text=True)
            try:
                err = second.communicate(timeout=10)[1]
            except subprocess.TimeoutExpired:
                second.terminate()
                err = second.communicate()[1]
                second.returncode = None  # it ran alongside the first
            t.check("a second agent on the same state directory exits with status 1",
                    second.returncode == 1, (second.returncode, err[-500:]))
            t.check("its message names the state directory and the running agent's pid",
                    agent.state_dir in err and f"pid {agent.proc.pid}" in err, err[-500:])
            t.check("the first agent is still running", agent.alive())
            r = await c.request("send_keys", sessionId=sid, keys="still here", enter=True)
            t.check("the first agent still serves its session", r.get("type") == "keys_sent", r)
            t.check("and the keys reach the tool",
                    await c.wait_screen(sid, "still here", 10) is not None)
            s = seqs(agent)
            t.check("events.log has no duplicate seq", len(s) == len(set(s)), s)
        lock = os.path.join(agent.state_dir, "agent.lock")
        t.check("the lock file is private (0600)",
                os.path.exists(lock) and stat.S_IMODE(os.stat(lock).st_mode) == 0o600)
        agent.stop()
        agent.start()
        t.check("after the first stops, the next agent starts (tmux does not hold the lock)",
                agent.alive())
        async with Client(agent) as c:
            r = await c.request("list_sessions")
            live = [x for x in r.get("sessions", []) if x.get("sessionId") == sid]
            t.check("and adopts the running session", live and live[0].get("state") != "exited",
                    r)


run(main)
