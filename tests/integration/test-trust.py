"""Trust at the door, tried as an attacker on the same machine would: wrong
tokens never lock the owner out (a flood from 127.0.0.1 or spread over
127.0.0.2.., by message or by Bearer header, only slows the failing
connections down), idle and half-sent connections cannot fill the agent,
a Host that does not name the agent (DNS rebinding) is refused, and /healthz
and the dashboard answer methods and encodings as HTTP says."""

import asyncio
import gzip
import json
import os
import shutil
import socket
import sys
import tempfile
import time

import websockets

from agentlib import Agent, Client, run


def raw_http(port, request, timeout=5):
    """Sends a raw request, returns (status line, headers dict, body) until close."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.sendall(request)
    data = b""
    deadline = time.time() + timeout
    try:
        while time.time() < deadline:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except socket.timeout:
        pass
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(b":")
        headers[k.strip().lower().decode()] = v.strip().decode()
    return lines[0].decode(errors="replace"), headers, body


def get(port, path, method="GET", host=None, extra=b""):
    host = host or f"127.0.0.1:{port}"
    return raw_http(port, f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n".encode() + extra
                    + b"Connection: close\r\n\r\n")


async def wrong_token(agent, src="127.0.0.1", bearer=False):
    """One failed attempt; returns (error code or None, seconds to the answer)."""
    t0 = time.time()
    kw = {"open_timeout": 10}
    if src != "127.0.0.1":
        kw["local_addr"] = (src, 0)
    if bearer:
        kw["extra_headers"] = {"Authorization": "Bearer wrong-token-0000000000000000"}
    try:
        async with websockets.connect(agent.url, **kw) as ws:
            if not bearer:
                await ws.send(json.dumps({"auth_token": "wrong-token-000000000000000"}))
            m = json.loads(await asyncio.wait_for(ws.recv(), 10))
            return m.get("code"), time.time() - t0
    except (websockets.ConnectionClosed, asyncio.TimeoutError, OSError):
        return None, time.time() - t0


async def right_token(agent, bearer=False):
    """Returns (authenticated?, seconds) for a fresh connection with the token."""
    t0 = time.time()
    kw = {"open_timeout": 10}
    if bearer:
        kw["extra_headers"] = {"Authorization": "Bearer " + agent.token}
    try:
        async with websockets.connect(agent.url, **kw) as ws:
            if not bearer:
                await ws.send(json.dumps({"auth_token": agent.token}))
            m = json.loads(await asyncio.wait_for(ws.recv(), 10))
            return m.get("status") == "authenticated", time.time() - t0
    except Exception as e:  # refused upgrade, closed, timed out: not in
        return False, repr(e)


async def flood(agent, stop, srcs, bearer=False):
    """Keeps failing from the given source addresses until stop is set."""
    codes = []

    async def one(src):
        while not stop.is_set():
            code, _ = await wrong_token(agent, src, bearer)
            codes.append(code)

    await asyncio.gather(*(one(s) for s in srcs))
    return codes


async def lockout_tests(t):
    with Agent() as agent:
        stop = asyncio.Event()
        srcs = ["127.0.0.1"] * 8 + [f"127.0.0.{i}" for i in range(2, 18)]
        task = asyncio.ensure_future(flood(agent, stop, srcs))
        await asyncio.sleep(2)
        ok, took = await right_token(agent)
        t.check("during a flood of wrong tokens (127.0.0.1 and 127.0.0.2..) the right "
                "token gets in at once", ok and took < 1.0, took)
        ok, took = await right_token(agent, bearer=True)
        t.check("...and so does a right Bearer header", ok and took < 1.0, took)
        code, slow = await wrong_token(agent)
        t.check("...while a wrong token is answered late", code == "auth_failed" and slow > 0.5,
                (code, slow))
        stop.set()
        codes = await task
        t.check("every failed attempt got auth_failed, never a lockout",
                len(codes) > 20 and set(codes) == {"auth_failed"}, set(codes))
        async with Client(agent) as c:
            r = await c.request("ping")
            t.check("the owner is served after the flood", r.get("type") == "pong")
        t.check("agent survived the flood", agent.alive())


async def bearer_tests(t):
    with Agent() as agent:
        code, fast = await wrong_token(agent, bearer=True)
        t.check("a wrong Bearer header gets auth_failed (not silence)",
                code == "auth_failed", (code, fast))
        stop = asyncio.Event()
        task = asyncio.ensure_future(flood(agent, stop, ["127.0.0.1"] * 16, bearer=True))
        await asyncio.sleep(2)
        code, slow = await wrong_token(agent)
        t.check("wrong Bearer headers count: a wrong token after them is answered late",
                code == "auth_failed" and slow > 0.5 and slow > 3 * fast, (fast, slow))
        ok, took = await right_token(agent)
        t.check("...and the right token still gets in at once", ok and took < 1.0, took)
        stop.set()
        await task


async def budget_tests(t):
    with Agent() as agent:
        idle = []
        for _ in range(100):
            try:
                idle.append(await websockets.connect(agent.url, open_timeout=5))
            except Exception:
                break
        half = []
        for i in range(100):
            s = socket.create_connection(("127.0.0.1", agent.port))
            if i % 2:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            half.append(s)
        await asyncio.sleep(0.5)
        ok, took = await right_token(agent)
        t.check("with 100 idle WebSockets and 100 half-open connections, an authenticated "
                "client gets in", ok, took)
        ok, took = await right_token(agent, bearer=True)
        t.check("...also with a Bearer header", ok, took)
        # A half-sent request is closed after the handshake timeout.
        s = socket.create_connection(("127.0.0.1", agent.port))
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        s.settimeout(20)
        t0 = time.time()
        try:
            closed = s.recv(100) == b""
        except (socket.timeout, ConnectionResetError):
            closed = False
        took = time.time() - t0
        t.check("a half-sent HTTP request is closed within 15 s", closed and took < 15, took)
        s.close()
        for ws in idle:
            await ws.close()
        for s in half:
            s.close()
        t.check("agent survived the idle connections", agent.alive())


async def host_tests(t):
    sock_dir = tempfile.mkdtemp(prefix="cmu.")
    unix_path = os.path.join(sock_dir, "agent.sock")
    with Agent(extra=["--unix", unix_path]) as agent:
        p = agent.port
        u = socket.socket(socket.AF_UNIX)
        u.connect(unix_path)
        u.sendall(b"GET /healthz HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n")
        reply = b""
        while chunk := u.recv(4096):
            reply += chunk
        u.close()
        t.check("the Unix socket is not Host-checked (no browser reaches it)",
                b" 200 " in reply.split(b"\r\n")[0], reply[:100])
        for host in ("evil.example", f"evil.example:{p}", "127.0.0.1.evil.example"):
            status, _, body = get(p, "/healthz", host=host)
            t.check(f"GET /healthz with Host {host} -> 421 with the reason",
                    " 421 " in status and b"Host" in body, (status, body[:100]))
            status, _, body = get(p, "/", host=host, extra=b"Accept-Encoding: gzip\r\n")
            t.check(f"the dashboard with Host {host} -> 421", " 421 " in status, status)
        status, _, body = raw_http(p, (
            f"GET / HTTP/1.1\r\nHost: evil.example:{p}\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            f"Sec-WebSocket-Version: 13\r\nOrigin: http://evil.example:{p}\r\n\r\n").encode(), 3)
        t.check("a WebSocket upgrade with Host evil.example -> 421", " 421 " in status, status)
        for host in (f"127.0.0.1:{p}", f"localhost:{p}", "localhost:9999", "[::1]:8765"):
            status, _, body = get(p, "/healthz", host=host)
            t.check(f"Host {host} is served", " 200 " in status and b'"ok"' in body, status)
        async with Client(agent, headers={"Origin": f"http://localhost:{p}"},
                          url=f"ws://localhost:{p}/") as c:
            t.check("a browser on localhost still gets the WebSocket",
                    c.auth_reply.get("status") == "authenticated")
    shutil.rmtree(sock_dir, ignore_errors=True)


async def http_tests(t):
    with Agent() as agent:
        p = agent.port
        for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
            status, headers, body = get(p, "/healthz", method=method,
                                        extra=b"Content-Length: 0\r\n")
            t.check(f"{method} /healthz -> 405 with Allow: GET, HEAD",
                    " 405 " in status and headers.get("allow") == "GET, HEAD",
                    (status, headers.get("allow")))
        status, headers, body = get(p, "/healthz", method="HEAD")
        t.check("HEAD /healthz -> 200, headers only",
                " 200 " in status and body == b"" and int(headers.get("content-length", 0)) > 0,
                (status, body[:80]))
        status, headers, zbody = get(p, "/", extra=b"Accept-Encoding: gzip\r\n")
        if " 404 " in status:
            t.check("dashboard not built in: skipped", True)
            return
        plain = gzip.decompress(zbody)
        status, headers, body = get(p, "/")
        t.check("the dashboard without gzip (curl) -> 200, uncompressed",
                " 200 " in status and "content-encoding" not in headers and body == plain
                and int(headers.get("content-length", -1)) == len(plain),
                (status, len(body), len(plain)))
        status, headers, body = get(p, "/", method="HEAD")
        t.check("HEAD of the dashboard without gzip: headers only, the real length",
                " 200 " in status and body == b""
                and int(headers.get("content-length", -1)) == len(plain), status)
        big = "/vendor/xterm.mjs"
        status, headers, body = get(p, big)
        status2, _, zbig = get(p, big, extra=b"Accept-Encoding: gzip\r\n")
        t.check(f"{big} uncompressed equals the gzip one inflated",
                " 200 " in status and body == gzip.decompress(zbig), (status, status2))
        t.check("agent survived the HTTP tests", agent.alive())


SECTIONS = {"host": host_tests, "http": http_tests, "lockout": lockout_tests,
            "bearer": bearer_tests, "budget": budget_tests}


async def main(t):
    # Sections may be named on the command line to run only those.
    for name in sys.argv[1:] or SECTIONS:
        await SECTIONS[name](t)


run(main)
