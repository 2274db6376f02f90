"""Protocol v1 against a real agent and real tmux: authentication, every
request of the seed and its reply, events to every client, and bad input
answered with an error while every other client keeps being served."""

import asyncio
import json
import os
import subprocess

import websockets

from agentlib import Agent, Client, run


async def expect_error(t, c, what, raw, code):
    """Sends a raw frame and checks the error code; the connection must stay usable."""
    before = len(c.unsolicited)
    await c.send_raw(raw)
    m = None
    for _ in range(500):
        new = [x for x in c.unsolicited[before:] if x.get("type") == "error"]
        if new:
            m = new[0]
            break
        await asyncio.sleep(0.01)
    t.check(f"{what}: error {code}", m is not None and m.get("code") == code, repr(m))
    pong = await c.request("ping")
    t.check(f"{what}: connection still serves", pong.get("type") == "pong")


async def auth_tests(t, agent):
    # The seed's message.
    async with Client(agent) as c:
        a = c.auth_reply
        t.check("auth_token -> {status: authenticated}", a.get("status") == "authenticated"
                and a.get("protocol") == 1 and isinstance(a.get("seq"), int))
    # A bearer header on the upgrade.
    async with Client(agent, auth=False,
                      headers={"Authorization": "Bearer " + agent.token}) as c:
        m = await c.wait_unsolicited(lambda m: m.get("status") == "authenticated", 5)
        t.check("Bearer header authenticates at once", m is not None)
        r = await c.request("ping")
        t.check("a Bearer-authenticated client is served", r.get("type") == "pong")
    # Wrong token: error, then the agent closes.
    ws = await websockets.connect(agent.url)
    await ws.send(json.dumps({"auth_token": "wrong-" + agent.token}))
    m = json.loads(await asyncio.wait_for(ws.recv(), 5))
    t.check("wrong token -> auth_failed", m.get("code") == "auth_failed")
    try:
        await asyncio.wait_for(ws.recv(), 5)
        closed = False
    except websockets.ConnectionClosed as e:
        closed = e.code == 1008
    t.check("wrong token -> connection closed with 1008", closed)
    # Actions before authentication.
    ws = await websockets.connect(agent.url)
    await ws.send(json.dumps({"action": "list_sessions", "id": 1}))
    m = json.loads(await asyncio.wait_for(ws.recv(), 5))
    t.check("action before auth -> auth_required", m.get("code") == "auth_required"
            and m.get("id") == 1)
    # Not authenticating at all: closed after a few seconds.
    try:
        await asyncio.wait_for(ws.recv(), 9)
        closed = False
    except websockets.ConnectionClosed:
        closed = True
    except asyncio.TimeoutError:
        closed = False
    t.check("unauthenticated connection closed after the timeout", closed)
    # A page elsewhere must not drive the agent through a user's browser.
    status = raw_upgrade(agent.port, origin="http://evil.example")
    t.check("an upgrade from a foreign Origin gets HTTP 403",
            b" 403 " in status and b"Origin not allowed" in status, status[:200])
    async with Client(agent, headers={"Origin": f"http://127.0.0.1:{agent.port}"}) as c:
        t.check("an upgrade from the agent's own origin is accepted",
                c.auth_reply.get("status") == "authenticated")
    # Repeated failures are slowed down, never a lockout (see test-trust.py).
    codes = []
    for _ in range(7):
        ws = await websockets.connect(agent.url)
        await ws.send(json.dumps({"auth_token": "bad-token-0000000000"}))
        codes.append(json.loads(await asyncio.wait_for(ws.recv(), 5)).get("code"))
        await ws.close()
    t.check("after 7 failures a wrong token still gets auth_failed", codes[-1] == "auth_failed",
            codes)
    ws = await websockets.connect(agent.url)
    await ws.send(json.dumps({"auth_token": agent.token}))
    m = json.loads(await asyncio.wait_for(ws.recv(), 5))
    t.check("the right token is accepted right after failures",
            m.get("status") == "authenticated", m)
    await ws.close()


async def request_tests(t, agent):
    async with Client(agent) as c, Client(agent) as other:
        r = await c.create("cat")
        sid = r.get("sessionId", "")
        t.check("create_session -> session_created with cm-<time> id and socket",
                r.get("type") == "session_created" and sid.startswith("cm-")
                and r.get("socket", "").endswith(sid + ".sock") and "seq" in r)
        ev = await other.wait_event(lambda e: e.get("type") == "session_created"
                                    and e.get("sessionId") == sid, 5)
        t.check("other clients get session_created as an event with seq", ev is not None)
        st = oct(os.stat(agent.socket_dir).st_mode & 0o777)
        t.check("socket directory is private (0700)", st == "0o700", st)

        r = await c.request("send_keys", sessionId=sid, keys="hello world", enter=True)
        t.check("send_keys -> keys_sent", r.get("type") == "keys_sent")
        screen = await c.wait_screen(sid, "hello world")
        t.check("typed text reaches the tool (cat echoes it)", screen is not None)
        r = await c.request("send_keys", sessionId=sid, keys="a'b\"c;$HOME`x` \\ é ✻")
        await c.request("send_keys", sessionId=sid, key="Enter")
        screen = await c.wait_screen(sid, "a'b\"c;$HOME`x` \\ é ✻")
        t.check("quotes, $, backslash and UTF-8 arrive literally", screen is not None)

        # 60 lines of input, each echoed twice: the screen scrolls into history.
        for i in range(30):
            await c.request("send_keys", sessionId=sid, keys=f"line {i}", key="Enter")
        await c.wait_screen(sid, "line 29")
        r = await c.request("capture_pane", sessionId=sid, lines=50)
        t.check("capture_pane -> pane_captured with 50 lines",
                r.get("type") == "pane_captured" and r.get("lines") == 50
                and r["content"].count("\n") == 50, r.get("content", "").count("\n"))
        # cat echoes a colour sequence: the terminal shows red text.
        await c.request("send_keys", sessionId=sid, keys="\x1b[31mREDTEXT\x1b[0m", key="Enter")
        # The terminal's echo shows "^[[31mREDTEXT^[[0m" first; cat's own
        # output is the line that is REDTEXT alone.
        await c.wait_screen(sid, "\nREDTEXT\n")
        r = await c.request("capture_pane", sessionId=sid, escapes=True)
        plain = await c.screen(sid)
        t.check("capture_pane escapes:true keeps colours, plain capture has none",
                "\x1b[31mREDTEXT" in r.get("content", "") and "\x1b" not in plain,
                repr(r.get("content", "")[-200:]))

        r = await c.request("list_sessions")
        ids = [s["sessionId"] for s in r.get("sessions", [])]
        t.check("list_sessions lists the session with its state",
                sid in ids and all("state" in s for s in r["sessions"]))

        r = await c.request("resize", sessionId=sid, cols=100, rows=30)
        size = subprocess.run(["tmux", "-S", os.path.join(agent.socket_dir, sid + ".sock"),
                               "display-message", "-p", "-t", sid,
                               "#{window_width}x#{window_height}"],
                              capture_output=True, text=True).stdout.strip()
        t.check("resize -> resized, and the tmux window really is 100x30",
                r.get("type") == "resized" and r.get("cols") == 100 and size == "100x30", size)
        r = await c.request("agent_info")
        t.check("agent_info reports sessions and load", r.get("sessions", 0) >= 1
                and "load1" in r and "cpus" in r)
        r = await c.request("list_profiles")
        names = [p["name"] for p in r.get("profiles", [])]
        t.check("list_profiles lists the shipped tools",
                all(n in names for n in ("claude", "codex", "gemini", "aider")), names)

        # Two sessions in the same second get distinct ids.
        rs = await asyncio.gather(*(c.create("cat") for _ in range(4)))
        ids = [x.get("sessionId") for x in rs]
        t.check("sessions created in the same second get distinct ids",
                len(set(ids)) == 4 and all(ids), ids)
        for x in ids:
            await c.request("kill_session", sessionId=x)

        r = await c.request("kill_session", sessionId=sid)
        t.check("kill_session -> session_killed", r.get("type") == "session_killed")
        ev = await other.wait_event(lambda e: e.get("type") == "session_killed"
                                    and e.get("sessionId") == sid, 5)
        t.check("other clients see session_killed", ev is not None)
        t.check("the tmux socket is removed", not os.path.exists(r.get("socket", sid)) and
                not os.path.exists(os.path.join(agent.socket_dir, sid + ".sock")))
        r = await c.request("list_sessions")
        t.check("a killed session is no longer listed",
                sid not in [s["sessionId"] for s in r["sessions"]])


async def task_tests(t, agent):
    async with Client(agent) as c:
        task = "a; rm -rf / $(touch PWNED) `touch PWNED2` 'q' \"d\" | cat && x > f;"
        r = await c.create("echo-args", task=task)
        sid = r.get("sessionId")
        ev = await c.wait_state(sid, "exited", 10)
        t.check("the tool's exit is noticed (state exited)", ev is not None)
        screen = await c.screen(sid)
        t.check("the task reaches the tool verbatim as one argument",
                ("TASK<" + task + ">") in screen, screen[:300])
        t.check("shell metacharacters ran nothing",
                not os.path.exists(os.path.join(agent.work, "PWNED"))
                and not os.path.exists(os.path.join(agent.work, "PWNED2")))
        r = await c.request("list_sessions")
        s = [x for x in r["sessions"] if x["sessionId"] == sid]
        t.check("an exited session stays listed as exited", s and s[0]["state"] == "exited")
        r = await c.request("send_keys", sessionId=sid, keys="x")
        t.check("send_keys to an exited tool -> session_exited",
                r.get("code") == "session_exited", r)
        await c.request("kill_session", sessionId=sid)
        # A profile that takes the task as keys gets it typed once the tool is ready.
        r = await c.create("cat-keys", task="typed when ready; $(x)")
        sid = r["sessionId"]
        screen = await c.wait_screen(sid, "typed when ready; $(x)")
        t.check("a task given as keys is typed once the tool is ready", screen is not None)
        await c.request("kill_session", sessionId=sid)


async def bad_input_tests(t, agent):
    async with Client(agent) as c, Client(agent) as bystander:
        live = (await bystander.create("cat"))["sessionId"]
        cases = [
            ("malformed JSON", "{not json", "bad_json"),
            ("JSON array", "[1,2]", "not_object"),
            ("JSON string", "\"hello\"", "not_object"),
            ("JSON number", "42", "not_object"),
            ("unknown action", json.dumps({"action": "format_disk"}), "unknown_action"),
            ("missing action", json.dumps({"sessionId": "cm-1"}), "bad_request"),
            ("action not a string", json.dumps({"action": 7}), "bad_request"),
            ("missing sessionId", json.dumps({"action": "kill_session"}), "bad_request"),
            ("sessionId wrong type", json.dumps({"action": "kill_session", "sessionId": 5}),
             "bad_request"),
            ("unknown field", json.dumps({"action": "list_sessions", "rm": True}), "bad_request"),
            ("unknown session", json.dumps({"action": "kill_session", "sessionId": "cm-1"}),
             "unknown_session"),
            ("path traversal id", json.dumps({"action": "capture_pane",
                                              "sessionId": "../../etc"}), "bad_session_id"),
            ("4 KB id", json.dumps({"action": "send_keys", "sessionId": "cm-" + "9" * 4096,
                                    "keys": "x"}), "bad_session_id"),
            ("control characters in id", json.dumps({"action": "kill_session",
                                                     "sessionId": "cm-1\n\x1b[2J"}),
             "bad_session_id"),
            ("path does not exist", json.dumps({"action": "create_session", "tool": "cat",
                                                "context": {"path": "/nonexistent/x"}}),
             "bad_path"),
            ("path is a file", json.dumps({"action": "create_session", "tool": "cat",
                                           "context": {"path": agent.token_file}}), "bad_path"),
            ("relative path", json.dumps({"action": "create_session", "tool": "cat",
                                          "context": {"path": "work"}}), "bad_path"),
            ("missing context", json.dumps({"action": "create_session", "tool": "cat"}),
             "bad_request"),
            ("unknown tool", json.dumps({"action": "create_session", "tool": "bash",
                                         "context": {"path": "/tmp"}}), "unknown_tool"),
            ("hostile tool name", json.dumps({"action": "create_session", "tool": "../cat",
                                              "context": {"path": "/tmp"}}), "unknown_tool"),
            ("lines out of range", json.dumps({"action": "capture_pane", "sessionId": live,
                                               "lines": 10**9}), "bad_request"),
            ("unknown key name", json.dumps({"action": "send_keys", "sessionId": live,
                                             "key": "Enter;kill-server"}), "bad_request"),
            ("huge cols", json.dumps({"action": "resize", "sessionId": live, "cols": 99999,
                                      "rows": 10}), "bad_request"),
            ("bad id type", json.dumps({"action": "ping", "id": {"x": 1}}), "bad_request"),
            ("duplicate keys", '{"action":"ping","action":"ping"}', "bad_json"),
            ("lone surrogate escape", '{"action":"ping","x":"\\ud800"}', "bad_json"),
        ]
        for what, raw, code in cases:
            await expect_error(t, c, what, raw, code)
        # Binary frame.
        await expect_error(t, c, "binary frame", b"\x00\x01binary", "binary_frame")
        # Oversized frame: error, then the connection is closed.
        await c.send_raw(json.dumps({"action": "ping", "pad": "x" * 70000}))
        m = await c.wait_unsolicited(lambda m: m.get("code") == "too_large", 5)
        t.check("oversized frame -> too_large", m is not None)
        await asyncio.wait_for(c.closed.wait(), 5)
        t.check("oversized frame closes that connection", c.closed.is_set())
        # A 16 MB frame is refused as soon as it passes the limit, not read to its end.
        async with Client(agent) as big:
            try:
                await asyncio.wait_for(big.send_raw("[" + "1," * (8 << 20) + "1]"), 20)
            except Exception:
                pass  # the agent may close while the frame is still being sent
            await asyncio.wait_for(big.closed.wait(), 10)
            t.check("a 16 MB frame closes the connection", big.closed.is_set())
        # The bystander noticed nothing.
        r = await bystander.request("list_sessions")
        t.check("other clients keep being served after all that",
                live in [s["sessionId"] for s in r.get("sessions", [])])
        r = await bystander.request("send_keys", sessionId=live, keys="still alive", enter=True)
        t.check("other sessions keep working", await bystander.wait_screen(live, "still alive")
                is not None)
        t.check("the agent is still running", agent.alive())


def raw_upgrade(port, origin=None):
    """Sends a WebSocket upgrade by hand and returns the raw answer."""
    import socket
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    extra = f"Origin: {origin}\r\n" if origin else ""
    s.sendall((f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
               f"Sec-WebSocket-Version: 13\r\n{extra}\r\n").encode())
    data = b""
    try:
        while len(data) < 4096:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    s.close()
    return data


async def limit_tests(t):
    with Agent(extra=["--max-sessions", "2", "--max-clients", "3"]) as agent:
        async with Client(agent) as c:
            a = await c.create("cat")
            b = await c.create("cat")
            r = await c.create("cat")
            t.check("max sessions -> limit_reached", r.get("code") == "limit_reached", r)
            await c.request("kill_session", sessionId=a["sessionId"])
            r = await c.create("cat")
            t.check("a slot freed by kill can be used again", r.get("type") == "session_created")
            clients = [await Client(agent).__aenter__() for _ in range(2)]
            try:
                await Client(agent).__aenter__()
                refused = False
            except Exception:
                refused = True
            t.check("max clients: one more upgrade is refused", refused)
            status = raw_upgrade(agent.port)
            t.check("...with HTTP 503 and the reason", status.startswith(b"HTTP/1.")
                    and b" 503 " in status and b"too many clients" in status, status[:200])
            for x in clients:
                await x.close()
            for s in (b["sessionId"], r["sessionId"]):
                await c.request("kill_session", sessionId=s)


async def context_tests(t, agent):
    """create_session without a path, and with a tool whose program is missing."""
    async with Client(agent) as c:
        r = await c.request("create_session", tool="cat", context={})
        home = os.path.realpath(os.environ.get("HOME", "/"))
        t.check("context {} -> the session starts in the agent's home",
                r.get("type") == "session_created" and r.get("path") == home, repr(r))
        if r.get("sessionId"):
            await c.request("kill_session", sessionId=r["sessionId"])
        r = await c.request("create_session", tool="cat", context={"path": 7})
        t.check("context.path not a string -> bad_request, in words",
                r.get("code") == "bad_request" and r.get("message") ==
                "\"context.path\" must be a string", repr(r))
        before = len((await c.request("list_sessions")).get("sessions", []))
        r = await c.create("missing-program")
        t.check("a profile whose program is not installed -> unknown_tool naming it",
                r.get("code") == "unknown_tool" and "cm-no-such-program" in r.get("message", "")
                and "not installed" in r.get("message", ""), repr(r))
        after = len((await c.request("list_sessions")).get("sessions", []))
        t.check("... and no session is created", after == before, f"{before} -> {after}")
        r = await c.create("missing-program", path="/")
        t.check("... whatever the directory", r.get("code") == "unknown_tool", repr(r))


async def main(t):
    with Agent() as agent:
        await request_tests(t, agent)
        await task_tests(t, agent)
        await bad_input_tests(t, agent)
        await auth_tests(t, agent)
        t.check("agent survived every test", agent.alive())
    profiles = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"cmt-profiles.{os.getpid()}")
    os.makedirs(profiles, mode=0o700, exist_ok=True)
    with open(os.path.join(profiles, "missing-program.json"), "w") as f:
        json.dump({"schema": 1, "name": "missing-program", "argv": ["cm-no-such-program"],
                   "task": {"via": "none"}, "fallback": "idle",
                   "rules": [{"name": "dead", "state": "exited", "region": {"last": 3},
                              "any": ["^Pane is dead"]}]}, f)
    try:
        with Agent(extra=["--profiles-dir", profiles]) as agent:
            await context_tests(t, agent)
            t.check("agent survived the context tests", agent.alive())
    finally:
        subprocess.run(["rm", "-rf", profiles])
    await limit_tests(t)


run(main)
