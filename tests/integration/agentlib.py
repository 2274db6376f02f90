"""Helpers for integration tests written in Python: a real cm-agent with
private state, socket and profile directories under a throwaway directory,
and a WebSocket client (python3-websockets) that speaks docs/PROTOCOL.md.

Every test script:

    from agentlib import Agent, Client, Checks, run
    async def main(t: Checks):
        with Agent() as agent:
            async with Client(agent) as c:
                ...
                t.check("what a user would notice", condition)
    run(main)

`run` prints one PASS/FAIL line per check and the closing line
"N passed, N failed", and exits non-zero if anything failed. Agent logs are
printed only when something failed.
"""

import asyncio
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import websockets

BUILD = os.environ.get("CM_BUILD_DIR") or sys.exit("CM_BUILD_DIR must be set")
SOURCE = os.environ.get("CM_SOURCE_DIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
AGENT_BIN = os.environ.get("CM_AGENT", os.path.join(BUILD, "src", "agent", "cm-agent"))
FAKETOOL_DIR = os.path.join(BUILD, "tests", "faketool")


class Checks:
    """Counts checks; a failing check does not stop the test."""

    def __init__(self, name):
        self.name = name
        self.passed = 0
        self.failed = 0
        self.logs = []

    def check(self, what, ok, detail=""):
        if ok:
            self.passed += 1
            print(f"PASS: {self.name}: {what}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL: {self.name}: {what} {detail}", flush=True)
        return ok


class Agent:
    """A cm-agent process with private directories; a context manager."""

    def __init__(self, extra=None, token=None, root=None, port=0, env=None):
        self.root = root or tempfile.mkdtemp(prefix="cmt.")
        os.chmod(self.root, 0o700)
        self.token = token or secrets.token_hex(16)
        self.extra = list(extra or [])
        self.port = port
        self.env = dict(env or {})
        self.proc = None
        self.owns_root = root is None
        for d in ("state", "sockets", "work"):
            os.makedirs(os.path.join(self.root, d), mode=0o700, exist_ok=True)
        self.token_file = os.path.join(self.root, "token")
        with open(self.token_file, "w") as f:
            f.write(self.token + "\n")
        os.chmod(self.token_file, 0o600)
        self.log_path = os.path.join(self.root, "agent.log")
        self.work = os.path.join(self.root, "work")
        self.state_dir = os.path.join(self.root, "state")
        self.socket_dir = os.path.join(self.root, "sockets")

    def argv(self):
        # CM_AGENT_PREFIX runs the agent under a tool, e.g. valgrind.
        prefix = os.environ.get("CM_AGENT_PREFIX", "").split()
        return prefix + [AGENT_BIN, "--port", str(self.port), "--bind", "127.0.0.1",
                "--token-file", self.token_file,
                "--state-dir", self.state_dir, "--socket-dir", self.socket_dir,
                "--profiles-dir", os.path.join(SOURCE, "profiles"),
                "--profiles-dir", os.path.join(SOURCE, "tests", "profiles"),
                "--log-level", "debug"] + self.extra

    def start(self):
        port_file = os.path.join(self.state_dir, "agent.port")
        if os.path.exists(port_file):
            os.unlink(port_file)
        env = dict(os.environ)
        env["PATH"] = FAKETOOL_DIR + os.pathsep + env.get("PATH", "")
        env.update(self.env)
        log = open(self.log_path, "a")
        self.proc = subprocess.Popen(self.argv(), stdout=log, stderr=log, env=env,
                                     stdin=subprocess.DEVNULL)
        deadline = time.time() + (60 if os.environ.get("CM_AGENT_PREFIX") else 10)
        while time.time() < deadline:
            if os.path.exists(port_file) and os.path.getsize(port_file) > 0:
                with open(port_file) as f:
                    self.port = int(f.read())
                self.url = f"ws://127.0.0.1:{self.port}/"
                return self
            if self.proc.poll() is not None:
                raise RuntimeError("agent exited at start:\n" + self.log())
            time.sleep(0.02)
        raise RuntimeError("agent did not start:\n" + self.log())

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        rc = self.proc.returncode if self.proc else None
        self.proc = None
        if rc == 99 and os.environ.get("CM_AGENT_PREFIX"):
            CURRENT.check("no memory error or leak in the agent (valgrind)", False,
                          "\n".join(self.log().splitlines()[-60:]))
        return rc

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log(self):
        try:
            with open(self.log_path) as f:
                return f.read()
        except OSError:
            return ""

    def script(self, text):
        """Writes a faketool script and points FAKETOOL_SCRIPT at it (before start)."""
        path = os.path.join(self.root, "faketool.script")
        with open(path, "w") as f:
            f.write(text)
        self.env["FAKETOOL_SCRIPT"] = path
        return self

    def audit(self):
        path = os.path.join(self.state_dir, "audit.log")
        try:
            with open(path) as f:
                return [json.loads(line) for line in f if line.strip()]
        except OSError:
            return []

    def kill_tmux(self):
        for name in os.listdir(self.socket_dir):
            path = os.path.join(self.socket_dir, name)
            subprocess.run(["tmux", "-S", path, "kill-server"], stderr=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL)

    def cleanup(self):
        self.stop()
        self.kill_tmux()
        if self.owns_root:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        if exc[0] is not None or CURRENT.failed:
            print("---- agent log (last 80 lines)")
            print("\n".join(self.log().splitlines()[-80:]))
        self.cleanup()


class Client:
    """A protocol client: requests with ids, events kept in order."""

    def __init__(self, agent, auth=True, since=None, headers=None, url=None):
        self.agent = agent
        self.auth = auth
        self.since = since
        self.headers = headers
        self.url = url or agent.url
        self.ws = None
        self.next_id = 1
        self.events = []        # every event received, in order
        self.replies = {}       # id -> reply
        self.unsolicited = []   # replies without id (errors before id, output_* ...)
        self.binary = []        # binary frames
        self.reader = None
        self.closed = asyncio.Event() if False else None
        self.auth_reply = None

    async def __aenter__(self):
        kw = {"max_size": 64 << 20, "open_timeout": 10}
        if self.headers:
            kw["extra_headers"] = self.headers
        self.ws = await websockets.connect(self.url, **kw)
        self.closed = asyncio.Event()
        if self.auth:
            msg = {"auth_token": self.agent.token}
            if self.since is not None:
                msg["since"] = self.since
            await self.ws.send(json.dumps(msg))
            while True:
                m = json.loads(await asyncio.wait_for(self.ws.recv(), 10))
                if m.get("type") == "authenticated":
                    self.auth_reply = m
                    break
                self._file(m)
        self.reader = asyncio.ensure_future(self._read())
        return self

    async def __aexit__(self, *exc):
        await self.close()

    async def close(self):
        if self.reader:
            self.reader.cancel()
        if self.ws:
            await self.ws.close()

    REPLY_TYPES = ("authenticated", "subscribed", "resync", "error")

    def _file(self, m):
        if "seq" in m and "id" not in m and m.get("type") not in self.REPLY_TYPES:
            self.events.append(m)
        elif "id" in m:
            self.replies[m["id"]] = m
            if "seq" in m and m.get("type") not in self.REPLY_TYPES:
                self.events.append(m)
        else:
            self.unsolicited.append(m)

    async def _read(self):
        try:
            async for raw in self.ws:
                if isinstance(raw, bytes):
                    self.binary.append(raw)
                    continue
                self._file(json.loads(raw))
        except websockets.ConnectionClosed:
            pass
        finally:
            self.closed.set()

    async def send_raw(self, data):
        await self.ws.send(data)

    async def request(self, action, timeout=10, **fields):
        rid = self.next_id
        self.next_id += 1
        msg = {"action": action, "id": rid}
        msg.update(fields)
        await self.ws.send(json.dumps(msg))
        deadline = time.time() + timeout
        while time.time() < deadline:
            if rid in self.replies:
                return self.replies.pop(rid)
            if self.closed.is_set():
                raise ConnectionError(f"connection closed waiting for {action}")
            await asyncio.sleep(0.005)
        raise TimeoutError(f"no reply to {action} in {timeout}s")

    async def wait_event(self, pred, timeout=10, start=0):
        """Waits for an event (from index start) matching pred; returns it."""
        deadline = time.time() + timeout
        i = start
        while time.time() < deadline:
            while i < len(self.events):
                if pred(self.events[i]):
                    return self.events[i]
                i += 1
            await asyncio.sleep(0.005)
        return None

    async def wait_unsolicited(self, pred, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            for m in self.unsolicited:
                if pred(m):
                    return m
            await asyncio.sleep(0.005)
        return None

    async def wait_state(self, sid, state, timeout=15):
        return await self.wait_event(lambda e: e.get("type") == "state_change" and
                                     e.get("sessionId") == sid and e.get("state") == state,
                                     timeout)

    async def create(self, tool="cat", task=None, path=None, **kw):
        fields = {"tool": tool, "context": {"path": path or self.agent.work}}
        if task is not None:
            fields["task"] = task
        fields.update(kw)
        return await self.request("create_session", **fields)

    async def screen(self, sid, lines=None):
        fields = {"sessionId": sid}
        if lines:
            fields["lines"] = lines
        r = await self.request("capture_pane", **fields)
        return r.get("content", "")

    async def wait_screen(self, sid, text, timeout=10):
        deadline = time.time() + timeout
        content = ""
        while time.time() < deadline:
            content = await self.screen(sid)
            if text in content:
                return content
            await asyncio.sleep(0.05)
        return None


CURRENT = Checks("unnamed")


def run(main):
    """Runs main(checks) and exits with the result."""
    global CURRENT
    name = os.path.basename(sys.argv[0])
    CURRENT = Checks(name)
    try:
        asyncio.run(asyncio.wait_for(main(CURRENT), 240))
    except Exception as e:  # a crash of the test is a failure, with its reason
        import traceback
        traceback.print_exc()
        CURRENT.check("test ran to the end", False, repr(e))
    print(f"{CURRENT.passed} passed, {CURRENT.failed} failed")
    sys.exit(1 if CURRENT.failed or CURRENT.passed == 0 else 0)
