#!/usr/bin/env python3
"""cm dashboard's door and relay, with real agents and a real WebSocket
client: the dashboard's own token (0600 file) signs a browser in, a wrong
token, a foreign Origin or Host, a binary or oversized frame are refused,
and the frames relayed to and from the agents never carry an agent's token
(nor do the files it serves). Two agents are reached as two contexts; one
is stopped and started again, and the page's reconnect with `since` gets
the missed events replayed."""

import asyncio
import http.client
import json
import os
import socket
import stat
import subprocess
import time
import urllib.error
import urllib.request

import websockets

from agentlib import Agent, Checks, Client, build_dir, run

CM = os.environ.get("CM_CLI") or os.path.join(build_dir(), "src/cli/cm")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Door:
    """What agentlib's Client needs: a url and a token."""

    def __init__(self, url, token, work=None):
        self.url = url
        self.token = token
        self.work = work


def http_get(url, headers=None):
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


async def main(t: Checks):
    with Agent() as a, Agent() as b:
        root = a.root
        env = dict(os.environ, XDG_CONFIG_HOME=os.path.join(root, "cfg"),
                   XDG_STATE_HOME=os.path.join(root, "xstate"), NO_COLOR="1")
        for name, ag in (("alpha", a), ("beta", b)):
            subprocess.run([CM, "ctx", "add", name, "--local", "--host", "127.0.0.1",
                            "--port", str(ag.port), "--token", ag.token, "--pool", "gpu"],
                           env=env, check=True, stdout=subprocess.DEVNULL)

        bad = subprocess.run([CM, "dashboard", "--bind", "0.0.0.0"], env=env,
                             capture_output=True, text=True, timeout=10)
        t.check("a non-loopback --bind is refused (no TLS)", bad.returncode == 2
                and "loopback" in bad.stderr, bad.stderr)

        port = free_port()
        log = open(os.path.join(root, "dashboard.log"), "w")
        dash = subprocess.Popen([CM, "dashboard", "--port", str(port)], env=env,
                                stdout=log, stderr=log)
        try:
            await checks(t, root, env, port, a, b)
        finally:
            dash.terminate()
            try:
                rc = dash.wait(10)
            except subprocess.TimeoutExpired:
                dash.kill()
                rc = dash.wait()
            log.close()
            t.check("cm dashboard stops cleanly on SIGTERM", rc == 0, f"status {rc}")
            if t.failed:
                print(open(os.path.join(root, "dashboard.log")).read()[-3000:])
        await tls_checks(t, root, env, a)


def wait_port(port):
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


# Run in a network namespace of its own (only lo, brought up): a dashboard on
# 0.0.0.0 with TLS, fetched over HTTPS, so no port opens on a real network.
NETNS_PROBE = r"""
import os, ssl, subprocess, sys, time, urllib.request
cm, cert, key, port = sys.argv[1:5]
d = subprocess.Popen([cm, "dashboard", "--bind", "0.0.0.0", "--port", port,
                      "--tls-cert", cert, "--tls-key", key],
                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
ctx = ssl.create_default_context(cafile=cert)
status = "none"
for _ in range(50):
    try:
        with urllib.request.urlopen(f"https://127.0.0.1:{port}/fleet/", context=ctx,
                                    timeout=5) as r:
            status = str(r.status)
        break
    except OSError as e:
        status = repr(e)
        time.sleep(0.1)
d.terminate()
print(status, d.wait(10), d.stderr.read().strip())
"""


async def tls_checks(t, root, env, a):
    """--tls-cert/--tls-key: HTTPS and WSS only, the key's mode checked, the
    Origin an https one; a non-loopback --bind is taken with TLS only."""
    import ssl
    d = os.path.join(root, "tls")
    os.makedirs(d, exist_ok=True)
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-days", "2",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    os.chmod(key, 0o644)

    def refused(args):
        return subprocess.run([CM, "dashboard", "--port", str(free_port())] + args, env=env,
                              capture_output=True, text=True, timeout=10)
    r = refused(["--tls-cert", cert, "--tls-key", key])
    t.check("a TLS key others may read is refused (exit 13), naming the fix",
            r.returncode == 13 and "chmod 600" in r.stderr, r.stderr)
    os.chmod(key, 0o600)
    r = refused(["--tls-cert", cert])
    t.check("--tls-cert without --tls-key is a usage error", r.returncode == 2
            and "together" in r.stderr, r.stderr)
    junk = os.path.join(d, "junk.pem")
    with open(junk, "w") as f:
        f.write("-----BEGIN CERTIFICATE-----\nnot base64 at all\n")
    r = refused(["--tls-cert", junk, "--tls-key", key])
    t.check("a certificate that is not one is refused with words", r.returncode != 0
            and "certificate" in r.stderr, r.stderr)
    r = refused(["--tls-cert", os.path.join(d, "none.pem"), "--tls-key", key])
    t.check("a missing certificate file is named", r.returncode != 0
            and "none.pem" in r.stderr, r.stderr)
    for bad in ("evil/x", "a b", "", "x" * 300, "[::1]"):
        r = refused(["--allow-host", bad])
        t.check(f"--allow-host {bad[:20]!r} is refused", r.returncode == 2, r.stderr)

    port = free_port()
    log = open(os.path.join(root, "dashboard-tls.log"), "w")
    dash = subprocess.Popen([CM, "dashboard", "--port", str(port), "--tls-cert", cert,
                             "--tls-key", key, "--allow-host", "manager.example"],
                            env=env, stdout=log, stderr=log)
    try:
        wait_port(port)
        token = open(os.path.join(root, "cfg/cm/dashboard-token")).read().strip()
        ctx = ssl.create_default_context(cafile=cert)
        base = f"https://127.0.0.1:{port}"

        def get(path, host=None):
            hc = http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=ctx)
            hc.request("GET", path, headers={"Host": host} if host else {})
            r = hc.getresponse()
            body = r.read()
            hc.close()
            return r.status, r.getheader("content-security-policy") or "", body
        code, csp, body = get("/fleet/")
        t.check("HTTPS: the page is served, with the CSP", code == 200 and b"<html" in
                body.lower() and "script-src 'self'" in csp, f"{code} {csp}")
        try:
            clear = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            clear.request("GET", "/fleet/")
            clear.getresponse()
            answered = True
        except (OSError, http.client.HTTPException):
            answered = False
        t.check("the same port gives nothing in clear", not answered)
        code, _, _ = get("/fleet/", host=f"manager.example:{port}")
        t.check("a Host named by --allow-host is served", code == 200, str(code))
        code, _, _ = get("/fleet/", host=f"evil.example:{port}")
        t.check("another name still gets 421", code == 421, str(code))
        async with websockets.connect(f"wss://127.0.0.1:{port}/fleet/ws", ssl=ctx,
                                      origin=base) as ws:
            await ws.send(json.dumps({"auth_token": token}))
            m = json.loads(await asyncio.wait_for(ws.recv(), 10))
            t.check("WSS with the https Origin: signed in, the fleet listed",
                    m.get("type") == "authenticated" and
                    [x["name"] for x in m.get("fleet", [])] == ["alpha", "beta"], str(m))
        async with websockets.connect(f"wss://127.0.0.1:{port}/ctx/alpha/ws", ssl=ctx,
                                      origin=base) as ws:
            await ws.send(json.dumps({"auth_token": token}))
            m = json.loads(await asyncio.wait_for(ws.recv(), 15))
            await ws.send(json.dumps({"action": "list_sessions", "id": 7}))
            r = json.loads(await asyncio.wait_for(ws.recv(), 10))
            while r.get("id") != 7:
                r = json.loads(await asyncio.wait_for(ws.recv(), 10))
            t.check("WSS relay: the agent answers through it", m.get("type") == "authenticated"
                    and r.get("type") == "session_list", f"{m.get('type')} {r.get('type')}")
        try:
            async with websockets.connect(f"wss://127.0.0.1:{port}/fleet/ws", ssl=ctx,
                                          origin=f"http://127.0.0.1:{port}") as ws:
                await ws.send(json.dumps({"auth_token": token}))
                await asyncio.wait_for(ws.recv(), 5)
            plain_origin = True
        except (websockets.InvalidHandshake, websockets.ConnectionClosed, OSError):
            plain_origin = False
        t.check("an http:// Origin is refused on the TLS dashboard", not plain_origin)
    finally:
        dash.terminate()
        try:
            dash.wait(10)
        except subprocess.TimeoutExpired:
            dash.kill()
        log.close()
        if t.failed:
            print(open(os.path.join(root, "dashboard-tls.log")).read()[-3000:])

    r = subprocess.run(["unshare", "-rn", "sh", "-c", 'ip link set lo up && exec "$0" "$@"',
                        "python3", "-c", NETNS_PROBE, CM, cert, key, str(free_port())],
                       env=env, capture_output=True, text=True, timeout=60)
    if r.returncode != 0 and "Operation not permitted" in r.stderr:
        print("SKIP: no network namespace here (unshare -rn):", r.stderr.strip())
    else:
        t.check("with TLS, --bind 0.0.0.0 is taken and served (in a private netns)",
                r.stdout.startswith("200 0"), r.stdout + r.stderr)


async def checks(t, root, env, port, a, b):
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    tok_path = os.path.join(root, "cfg/cm/dashboard-token")
    st = os.stat(tok_path)
    t.check("the token file is made 0600 in a 0700 directory",
            stat.S_IMODE(st.st_mode) == 0o600
            and stat.S_IMODE(os.stat(os.path.dirname(tok_path)).st_mode) == 0o700)
    token = open(tok_path).read().strip()
    t.check("the token is 64 hex digits, none of the agents'",
            len(token) == 64 and token not in (a.token, b.token))
    secrets_ = [a.token.encode(), b.token.encode()]

    # The page and its files: the agent's headers, no agent token anywhere.
    hc = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    hc.request("GET", "/")
    r = hc.getresponse()
    t.check("/ sends the browser to /fleet/", r.status == 302
            and r.getheader("location") == "/fleet/", f"{r.status}")
    hc.close()
    code, hdrs, page = http_get(base + "/fleet/")
    csp = hdrs.get("content-security-policy", "")
    t.check("the page is served with the agent's CSP",
            code == 200 and b"<html" in page.lower() and "script-src 'self'" in csp
            and "frame-ancestors 'none'" in csp and hdrs.get("x-frame-options") == "DENY",
            f"{code} {csp}")
    leaked = []
    for asset in ("/fleet/", "/app.js", "/conn.js", "/protocol.js", "/style.css",
                  "/vendor/xterm.mjs"):
        code, _, body = http_get(base + asset)
        if code != 200 or any(s in body for s in secrets_):
            leaked.append(f"{asset}:{code}")
    t.check("every file is served and none holds an agent token", not leaked, str(leaked))
    code, _, _ = http_get(base + "/fleet/", {"Host": "evil.example"})
    t.check("a foreign Host (DNS rebinding) gets 421", code == 421, str(code))
    code, _, _ = http_get(base + "/nope.js")
    t.check("an unknown path is a 404", code == 404, str(code))

    # The door: wrong token, no sign-in, foreign Origin, binary, oversized.
    async with websockets.connect(f"ws://127.0.0.1:{port}/ctx/alpha/ws") as ws:
        await ws.send(json.dumps({"auth_token": "0" * 64}))
        m = json.loads(await asyncio.wait_for(ws.recv(), 10))
        t.check("a wrong token gets auth_failed", m.get("type") == "error"
                and m.get("code") == "auth_failed", str(m))
        try:
            await asyncio.wait_for(ws.recv(), 10)
            closed = False
        except websockets.ConnectionClosed:
            closed = True
        t.check("and the socket is closed", closed)
    # Guessing is slowed, the owner is not: 20 wrong tokens at once are
    # answered later and later (the last after about a second), and the
    # right token, sent while they wait, is let in at once.
    async def wrong(n):
        async with websockets.connect(f"ws://127.0.0.1:{port}/fleet/ws") as ws:
            t0 = time.monotonic()
            await ws.send(json.dumps({"auth_token": "%064x" % n}))
            m = json.loads(await asyncio.wait_for(ws.recv(), 20))
            return m.get("code"), time.monotonic() - t0, time.monotonic()

    async def right():
        await asyncio.sleep(0.2)
        async with websockets.connect(f"ws://127.0.0.1:{port}/fleet/ws") as ws:
            await ws.send(json.dumps({"auth_token": token}))
            m = json.loads(await asyncio.wait_for(ws.recv(), 20))
            return m.get("type"), time.monotonic()
    t0 = time.monotonic()
    got = await asyncio.gather(*[wrong(n) for n in range(20)], right())
    fails, (owner, owner_at) = got[:-1], got[-1]
    slowest = max(d for _, d, _ in fails)
    last_answer = max(at for _, _, at in fails)
    t.check("20 wrong tokens all get auth_failed, the last ones late",
            all(c == "auth_failed" for c, _, _ in fails) and slowest >= 0.5,
            f"{[c for c, _, _ in fails]} slowest {slowest:.2f} s")
    t.check("the right token sent meanwhile is let in before the guesses are answered",
            owner == "authenticated" and owner_at < last_answer, f"{owner} at "
            f"{owner_at - t0:.2f} s, last guess answered at {last_answer - t0:.2f} s")
    async with websockets.connect(f"ws://127.0.0.1:{port}/fleet/ws") as ws:
        await ws.send(json.dumps({"auth_token": token, "since": "yesterday"}))
        m = json.loads(await asyncio.wait_for(ws.recv(), 10))
        t.check("a since that is not a seq -> bad_request", m.get("code") == "bad_request",
                str(m))
    async with websockets.connect(f"ws://127.0.0.1:{port}/ctx/alpha/ws") as ws:
        await ws.send(json.dumps({"auth_token": a.token}))
        m = json.loads(await asyncio.wait_for(ws.recv(), 10))
        t.check("an agent's own token does not open the dashboard",
                m.get("code") == "auth_failed", str(m))
    async with websockets.connect(f"ws://127.0.0.1:{port}/ctx/alpha/ws") as ws:
        await ws.send(json.dumps({"action": "list_sessions", "id": 1}))
        m = json.loads(await asyncio.wait_for(ws.recv(), 10))
        t.check("a request before sign-in gets auth_required", m.get("code") == "auth_required",
                str(m))
    for what, url, headers in (
            ("a foreign Origin", f"ws://127.0.0.1:{port}/ctx/alpha/ws",
             {"Origin": "http://evil.example"}),
            ("a foreign Host", f"ws://evil.example:{port}/ctx/alpha/ws", None),
            ("an unknown context", f"ws://127.0.0.1:{port}/ctx/nope/ws", None),
            ("an unknown path", f"ws://127.0.0.1:{port}/ws", None)):
        try:
            async with websockets.connect(url, extra_headers=headers or {},
                                          host="127.0.0.1", port=port) as ws:
                await ws.send(json.dumps({"auth_token": token}))
                await asyncio.wait_for(ws.recv(), 5)
            refused = False
        except (websockets.InvalidHandshake, websockets.ConnectionClosed, OSError):
            refused = True
        t.check(f"{what} is refused at the upgrade", refused)
    door = Door(f"ws://127.0.0.1:{port}/ctx/alpha/ws", token)
    async with Client(door, headers={"Origin": f"http://127.0.0.1:{port}"}) as c:
        await c.send_raw(b"\x01\x02")
        await asyncio.wait_for(c.closed.wait(), 10)
        t.check("a binary frame from the browser closes its socket", c.closed.is_set())
    async with Client(door) as c:
        await c.send_raw("[" * (2 << 20))
        await asyncio.wait_for(c.closed.wait(), 10)
        t.check("a frame over 1 MiB closes its socket", c.closed.is_set())

    # The relay: frames both ways, each agent its own, no token in any frame.
    frames = []
    fleet = Door(f"ws://127.0.0.1:{port}/fleet/ws", token)
    async with Client(fleet, headers={"Origin": f"http://127.0.0.1:{port}"}) as f:
        names = [x.get("name") for x in f.auth_reply.get("fleet", [])]
        t.check("the fleet socket lists the contexts", names == ["alpha", "beta"], str(names))
        frames.append(json.dumps(f.auth_reply))
    ca = Client(Door(f"ws://127.0.0.1:{port}/ctx/alpha/ws", token, a.work),
                headers={"Origin": f"http://127.0.0.1:{port}"})
    cb = Client(Door(f"ws://127.0.0.1:{port}/ctx/beta/ws", token))
    await ca.connect()
    await cb.connect()
    for c in (ca, cb):
        c.on_other = lambda m, _t: frames.append(json.dumps(m))
        c.on_event = lambda m, _t: frames.append(json.dumps(m))
        c.on_binary = lambda d, _t: frames.append(d.decode("utf-8", "replace"))
    t.check("the agent's `authenticated` comes through the relay",
            ca.auth_reply.get("agent") and ca.auth_reply.get("protocol") == 1, str(ca.auth_reply))
    frames += [json.dumps(ca.auth_reply), json.dumps(cb.auth_reply)]
    sid = await ca.new_session("cat", task="on alpha")
    r = await cb.request("list_sessions")
    frames.append(json.dumps(r))
    t.check("a session made through alpha's socket is on alpha only",
            sid and sid not in [s["sessionId"] for s in r.get("sessions", [])])
    r = await ca.request("list_sessions")
    frames.append(json.dumps(r))
    t.check("alpha's socket lists it", sid in [s["sessionId"] for s in r.get("sessions", [])])
    r = await ca.request("subscribe_output", sessionId=sid)
    frames.append(json.dumps(r))
    await ca.request("send_keys", sessionId=sid, keys="relayed-bytes", enter=True)
    got = await ca._until(lambda: True if any(b"relayed-bytes" in x for x in ca.binary) else None,
                          10)
    t.check("terminal output comes through as binary frames", got is True,
            f"{len(ca.binary)} {[m.get('type') for m in ca.unsolicited]} {r}")
    seq = max([e.get("seq", 0) for e in ca.events] + [ca.auth_reply.get("seq", 0)])
    await cb.close()

    # Placement: the fleet socket picks the pool's least loaded agent, as cm start --pool.
    await ca.new_session("cat", task="alpha is the busier")
    async with Client(fleet) as f:
        r = await f.request("place", pool="gpu")
        t.check("place in pool gpu: beta, which has no session, with each agent's score",
                r.get("type") == "placed" and r.get("context") == "beta" and
                sorted(x["name"] for x in r.get("agents", [])) == ["alpha", "beta"] and
                all("score" in x for x in r["agents"]), str(r))
        r = await f.request("place")
        t.check("place with no pool: the fleet's least loaded (beta)",
                r.get("context") == "beta", str(r))
        for bad, code in ((dict(pool="nope"), "unknown_pool"), (dict(pool=5), "bad_request"),
                          (dict(pool=""), "bad_request"), (dict(pool="x" * 100), "bad_request"),
                          (dict(pool=["gpu"]), "bad_request")):
            r = await f.request("place", **bad)
            t.check(f"place {str(bad)[:30]} -> {code}", r.get("type") == "error" and
                    r.get("code") == code, str(r))
        r = await f.request("launch_missiles")
        t.check("another action on the fleet socket -> unknown_action",
                r.get("code") == "unknown_action", str(r))
        frames.append(json.dumps(r))

    # The agent stops: the browser's socket closes; back with since: replayed.
    a.stop()
    await asyncio.wait_for(ca.closed.wait(), 15)
    t.check("an agent that stops closes its browser socket", ca.closed.is_set())
    code = getattr(ca.ws, "close_code", None)
    t.check("with 1011 and why", code == 1011, f"{code} {getattr(ca.ws, 'close_reason', '')}")
    async with websockets.connect(f"ws://127.0.0.1:{port}/ctx/alpha/ws") as ws:
        await ws.send(json.dumps({"auth_token": token}))
        try:
            await asyncio.wait_for(ws.recv(), 15)
            down = False
        except websockets.ConnectionClosed as e:
            down = e.code == 1011
    t.check("a sign-in while the agent is down is closed (1011): the page retries", down)
    async with Client(fleet) as f:
        r = await f.request("place", pool="gpu")
        skipped = {x["name"]: x.get("skipped", "") for x in r.get("agents", [])}
        t.check("place with alpha down: beta, alpha skipped as unreachable",
                r.get("context") == "beta" and "unreachable" in skipped.get("alpha", ""), str(r))
    a.start()
    async with Client(a) as direct:
        sid2 = await direct.new_session("cat", task="while away")
    back = Client(Door(f"ws://127.0.0.1:{port}/ctx/alpha/ws", token), since=seq)
    await back.connect()
    got = await back._until(
        lambda: True if any(e.get("sessionId") == sid2 for e in back.events) else None, 10)
    t.check("back with since: the missed events are replayed", got is True,
            str([e.get("type") for e in back.events]))
    frames += [json.dumps(e) for e in back.events] + [json.dumps(back.auth_reply)]
    await back.close()
    await ca.close()
    blob = "\n".join(frames)
    t.check("no frame the browser got holds an agent token",
            frames and a.token not in blob and b.token not in blob, f"{len(frames)} frames")


run(main)
