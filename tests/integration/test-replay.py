"""Nothing is lost: a client that reconnects gets exactly the events it
missed; events and sessions survive an agent killed with SIGKILL; a client
that stops reading never holds the others back; output streaming is a
snapshot and then the live bytes."""

import asyncio
import json
import os
import signal
import socket
import time

import websockets

from agentlib import Agent, Client, run

SCRIPT = """think 300
say working
think 300
done
"""


async def reconnect(t, agent):
    async with Client(agent) as watcher:
        c = Client(agent)
        await c.__aenter__()
        r = await c.create("fake", task="one")
        sid = r["sessionId"]
        await c.wait_state(sid, "thinking", 10)
        last = c.events[-1]["seq"]
        await c.close()
        # Events happen while c is away.
        r2 = await watcher.create("fake", task="two")
        await watcher.wait_event(lambda e: e.get("type") == "session_completed"
                                 and e.get("sessionId") == r2["sessionId"], 20)
        await watcher.wait_event(lambda e: e.get("type") == "session_completed"
                                 and e.get("sessionId") == sid, 20)
        missed = [e for e in watcher.events if e["seq"] > last]
        # Reconnect through subscribe.
        async with Client(agent) as back:
            r = await back.request("subscribe", since=last)
            got = [e for e in back.events if e["seq"] > last]
            t.check("subscribe since N replays exactly the missed events, in order",
                    [e["seq"] for e in got] == [e["seq"] for e in missed] and
                    r.get("type") == "subscribed" and r.get("replayed") == len(missed),
                    (len(got), len(missed), r))
            strip = lambda e: {k: v for k, v in e.items() if k != "id"}
            t.check("replayed events are identical to the live ones",
                    all(strip(a) == strip(b) for a, b in zip(got, missed)))
        # Reconnect through the auth message: replay before any live event.
        async with Client(agent, since=last) as back:
            got = [e for e in back.events if e["seq"] > last]
            t.check("auth with since replays before the reply",
                    [e["seq"] for e in got][:len(missed)] == [e["seq"] for e in missed]
                    and back.auth_reply.get("replayed") == len(missed))
            seqs = [e["seq"] for e in watcher.events]
            t.check("seq numbers are increasing without gaps",
                    seqs == list(range(seqs[0], seqs[0] + len(seqs))), seqs[:20])
        async with Client(agent) as back:
            r = await back.request("subscribe", since=10**9)
            t.check("since ahead of the agent -> resync", r.get("type") == "resync")


async def small_ring(t):
    with Agent(extra=["--replay-events", "16"]) as agent:
        async with Client(agent) as c:
            for _ in range(6):
                r = await c.create("cat")
                await c.request("kill_session", sessionId=r["sessionId"])
            r = await c.request("subscribe", since=1)
            t.check("since older than the ring -> resync with a snapshot",
                    r.get("type") == "resync" and isinstance(r.get("sessions"), list), r)
            r = await c.request("subscribe", since=c.events[-10]["seq"])
            t.check("since inside the ring -> replay", r.get("type") == "subscribed"
                    and r.get("replayed") == 9, r)


async def restart(t, agent):
    async with Client(agent) as c:
        r = await c.create("cat")
        sid = r["sessionId"]
        await c.request("send_keys", sessionId=sid, keys="before the crash", enter=True)
        await c.wait_screen(sid, "before the crash")
        last = c.events[-1]["seq"]
    agent.stop(signal.SIGKILL)
    t.check("agent killed with SIGKILL", not agent.alive())
    # Damage on disk the agent must survive: junk state files, a torn event line.
    sessions = os.path.join(agent.state_dir, "sessions")
    with open(os.path.join(sessions, "cm-1.json"), "w") as f:
        f.write("{not json")
    with open(os.path.join(sessions, "cm-2.json"), "w") as f:
        f.write('{"tool": 5}')
    with open(os.path.join(sessions, "../../evil.json"), "w") as f:
        f.write("{}")
    # A session whose tmux server died while the agent was away.
    with open(os.path.join(sessions, "cm-5.json"), "w") as f:
        json.dump({"sessionId": "cm-5", "tool": "cat", "task": "", "path": agent.work,
                   "created": 1.0, "state": "thinking", "stateSince": 1.0}, f)
    with open(os.path.join(agent.state_dir, "events.log"), "a") as f:
        f.write('garbage\n{"type":"torn","seq":')
    agent.start()
    async with Client(agent, since=last) as c:
        started = await c.wait_event(lambda e: e.get("type") == "agent_started", 5)
        t.check("after restart the client is told agent_started", started is not None and
                started["seq"] > last)
        lst = await c.request("list_sessions")
        ids = [s["sessionId"] for s in lst["sessions"]]
        t.check("every live session is listed again after SIGKILL + restart", sid in ids, ids)
        t.check("junk state files are left alone and not listed",
                "cm-1" not in ids and "cm-2" not in ids and
                os.path.exists(os.path.join(sessions, "cm-1.json")))
        t.check("the agent says which state files it could not read",
                "cm-1.json" in agent.log() and "cm-2.json" in agent.log())
        gone = [x for x in lst["sessions"] if x["sessionId"] == "cm-5"]
        t.check("a session whose tmux died while the agent was away is listed as exited",
                gone and gone[0]["state"] == "exited" and gone[0].get("rule") ==
                "tmux-server-gone", gone)
        r = await c.request("kill_session", sessionId="cm-5")
        lst2 = await c.request("list_sessions")
        t.check("...and kill_session removes it", r.get("type") == "session_killed" and
                "cm-5" not in [x["sessionId"] for x in lst2["sessions"]] and
                not os.path.exists(os.path.join(sessions, "cm-5.json")))
        screen = await c.wait_screen(sid, "before the crash")
        t.check("its screen is intact", screen is not None)
        await c.request("send_keys", sessionId=sid, keys="after the restart", enter=True)
        t.check("it is controllable again", await c.wait_screen(sid, "after the restart")
                is not None)
        r = await c.request("subscribe", since=last - 3)
        t.check("events from before the restart are still replayable",
                r.get("type") == "subscribed" and r.get("replayed", 0) >= 3, r)
        await c.request("kill_session", sessionId=sid)


def raw_slow_client(agent):
    """A WebSocket client that authenticates, subscribes, then never reads."""
    # Default buffers: a small receive window would also make reading slow later.
    s = socket.create_connection(("127.0.0.1", agent.port))
    key = "dGhlIHNhbXBsZSBub25jZQ=="
    s.sendall((f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{agent.port}\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
               f"Sec-WebSocket-Version: 13\r\n\r\n").encode())
    return s


def ws_frame(text):
    data = text.encode()
    mask = b"\x01\x02\x03\x04"
    head = bytes([0x81])
    if len(data) < 126:
        head += bytes([0x80 | len(data)])
    else:
        head += bytes([0x80 | 126]) + len(data).to_bytes(2, "big")
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data))


async def slow_client(t):
    with Agent(extra=["--client-queue", "16384"]) as agent:
        await slow_client_run(t, agent)


async def slow_client_run(t, agent):
    async with Client(agent) as c:
        slow = raw_slow_client(agent)
        slow.sendall(ws_frame(json.dumps({"auth_token": agent.token})))
        await asyncio.sleep(0.3)
        # A tool floods output for a few seconds; the slow client reads nothing.
        flood = (await c.create("flood", task="flooding " * 10))["sessionId"]
        slow.sendall(ws_frame(json.dumps({"action": "subscribe_output", "sessionId": flood})))
        # Until the agent has dropped output for the stuck client (at least 4 s).
        t0 = time.time()
        worst = 0.0
        while time.time() - t0 < 4 or ("dropping output of " + flood not in agent.log()
                                        and time.time() - t0 < 30):
            p0 = time.time()
            await c.request("ping")
            worst = max(worst, time.time() - p0)
            await asyncio.sleep(0.05)
        # A coarse bound: the point is that nothing waits on the stuck client.
        t.check("a stuck client does not hold the others back (worst ping under 2 s)",
                worst < 2.0, f"worst {worst:.3f}s")
        r2 = await c.create("cat")
        t.check("new sessions still start while a client is stuck",
                r2.get("type") == "session_created")
        info = await c.request("agent_info")
        t.check("the agent stays up with a stuck client", agent.alive() and
                info.get("type") == "agent_info")
        # The stuck client reads again: it is told what it missed, then redrawn.
        # (Searched chunk by chunk: the flood goes on and may bring megabytes.)
        slow.settimeout(0.5)
        dropped = snapshot = False
        tail = b""
        deadline = time.time() + 30
        while time.time() < deadline and not (dropped and snapshot):
            try:
                chunk = slow.recv(1 << 20)
                if not chunk:
                    break
            except socket.timeout:
                chunk = b""
            window = tail + chunk
            dropped = dropped or b'"output_dropped"' in window
            snapshot = snapshot or (dropped and b'"output_snapshot"' in window)
            tail = window[-64:]
            await asyncio.sleep(0)
        got = (b'"output_dropped"' if dropped else b"") + (b'"output_snapshot"' if snapshot
                                                            else b"")
        t.check("a client that fell behind gets output_dropped", b'"output_dropped"' in got)
        t.check("...then a fresh output_snapshot of the screen", b'"output_snapshot"' in got)
        slow.close()
        await c.request("kill_session", sessionId=r2["sessionId"])
        await c.request("kill_session", sessionId=flood)


async def streaming(t, agent):
    async with Client(agent) as c:
        r = await c.create("cat")
        sid = r["sessionId"]
        await c.request("send_keys", sessionId=sid, keys="first line", enter=True)
        await c.wait_screen(sid, "first line")
        r = await c.request("subscribe_output", sessionId=sid)
        t.check("subscribe_output -> output_subscribed with a snapshot of the screen",
                r.get("type") == "output_subscribed" and "first line" in r.get("snapshot", "")
                and "cursor" in r, r.get("type"))
        await c.request("send_keys", sessionId=sid, keys="live bytes ✓", enter=True)
        deadline = time.time() + 5
        data = b""
        while time.time() < deadline and "live bytes ✓".encode() not in data:
            data = b"".join(f[2 + f[1]:] for f in c.binary if f[0] == 1 and
                            f[2:2 + f[1]].decode() == sid)
            await asyncio.sleep(0.02)
        t.check("live output arrives as binary frames, UTF-8 intact",
                "live bytes ✓".encode() in data)
        r = await c.request("unsubscribe_output", sessionId=sid)
        n = len(c.binary)
        await c.request("send_keys", sessionId=sid, keys="after unsubscribe", enter=True)
        await c.wait_screen(sid, "after unsubscribe")
        await asyncio.sleep(0.2)
        t.check("unsubscribe_output stops the stream", r.get("type") ==
                "output_unsubscribed" and len(c.binary) == n)
        r = await c.request("subscribe_output", sessionId=sid, format="base64")
        await c.request("send_keys", sessionId=sid, keys="b64", enter=True)
        m = await c.wait_unsolicited(lambda m: m.get("type") == "output", 5)
        t.check("format base64 sends output as JSON", m is not None and m.get("sessionId")
                == sid)
        await c.request("kill_session", sessionId=sid)


async def main(t):
    await small_ring(t)
    await slow_client(t)
    agent = Agent()
    agent.script(SCRIPT)
    with agent:
        await reconnect(t, agent)
        await streaming(t, agent)
        await restart(t, agent)
        t.check("agent alive at the end", agent.alive())


run(main)
