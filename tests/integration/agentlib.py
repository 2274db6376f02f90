"""The Python harness of cm's integration tests and benchmarks (bench/): a
real cm-agent with private state, socket and profile directories under a
throwaway directory, and a WebSocket client (python3-websockets) that speaks
docs/PROTOCOL.md. python3 stdlib + python3-websockets, nothing else.

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

Starting an agent (the one way, for tests and benchmarks alike):

    Agent(extra=[flags...], env={...}, log_level="debug", build=None,
          profiles_dirs=None, tool_dirs=None, state_dir=None, root=None,
          token=None, port=0, prefix=None, agent_bin=None)

Every path is made absolute (the agent runs tools in their own working
directories). Defaults come from the environment: CM_BUILD_DIR (the build
tree), CM_SOURCE_DIR (the source tree), CM_AGENT (another agent binary, e.g.
the static one), CM_AGENT_PREFIX (run the agent under a tool, e.g.
valgrind; its exit status 99 fails the test). tests/integration/lib.sh and
tests/browser/harness.mjs start the agent with the same flags and defaults.

The client stamps every message with time.time() as its reader task gets it
(`on_event`/`on_binary`/`on_other` hooks see (message, t) at once,
`event_times[i]` is the read time of `events[i]`), and requests and waits
wake on arrival, not on a polling timer.
"""

import asyncio
import json
import os
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

try:
    import websockets
except ImportError:
    sys.exit("python3-websockets is missing: run with Debian's /usr/bin/python3")

SOURCE = os.path.abspath(os.environ.get("CM_SOURCE_DIR") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def build_dir(default=None):
    """The build tree, absolute: $CM_BUILD_DIR, else default."""
    build = os.environ.get("CM_BUILD_DIR") or default
    if not build:
        sys.exit("CM_BUILD_DIR must be set")
    return os.path.abspath(build)


def agent_binary(build=None):
    """The agent binary, absolute: $CM_AGENT, else the build tree's."""
    path = os.environ.get("CM_AGENT") or os.path.join(build or build_dir(), "src", "agent",
                                                      "cm-agent")
    return os.path.abspath(path)


def agent_prefix():
    """$CM_AGENT_PREFIX as argv words (e.g. valgrind and its flags)."""
    return shlex.split(os.environ.get("CM_AGENT_PREFIX", ""))


def __getattr__(name):
    # The module's former constants, resolved when used, so that importing
    # the module (from bench/, with its own default build tree) never exits.
    if name == "BUILD":
        return build_dir()
    if name == "AGENT_BIN":
        return agent_binary()
    if name == "FAKETOOL_DIR":
        return os.path.join(build_dir(), "tests", "faketool")
    raise AttributeError(name)


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


def _read(path):
    with open(path) as f:
        return f.read()


def pids_matching(text):
    """Pids whose command line contains text (e.g. a private socket dir)."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) == os.getpid():
            continue
        try:
            cmd = _read(f"/proc/{d}/cmdline")
        except OSError:
            continue
        if text in cmd:
            out.append(int(d))
    return out


def kill_tmux_servers(socket_dir):
    """kill-server on every socket of socket_dir, then SIGKILL tmux
    processes still naming it (by pid, never by name)."""
    if not os.path.isdir(socket_dir):
        return
    procs = []
    for name in os.listdir(socket_dir):
        path = os.path.join(socket_dir, name)
        procs.append(subprocess.Popen(["tmux", "-S", path, "kill-server"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        if len(procs) >= 16:
            for p in procs:
                p.wait()
            procs = []
    for p in procs:
        p.wait()
    stragglers = pids_matching(socket_dir)
    if stragglers:
        time.sleep(0.1)
    for pid in stragglers:
        try:
            if os.path.basename(_read(f"/proc/{pid}/cmdline").split("\0")[0]) == "tmux":
                os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


class Agent:
    """A cm-agent process with private directories; a context manager.

    extra: more cm-agent flags (after the harness's, so they win).
    env: more environment for the agent and so for its tools.
    log_level: --log-level (the benchmarks use "warn").
    build: the build tree (default $CM_BUILD_DIR).
    profiles_dirs: --profiles-dir values (default: the source tree's
      profiles/ and tests/profiles/).
    tool_dirs: directories put first on the agent's PATH, where profiles
      find their tools (default: the build tree's fake tool).
    state_dir: --state-dir (default ROOT/state), e.g. one a test prepared.
    root: the private directory (default: a fresh one, removed at the end).
    prefix: argv run before the agent (default $CM_AGENT_PREFIX).
    agent_bin: the binary (default $CM_AGENT, else the build tree's).
    """

    def __init__(self, extra=None, token=None, root=None, port=0, env=None, *,
                 log_level="debug", build=None, profiles_dirs=None, tool_dirs=None,
                 state_dir=None, prefix=None, agent_bin=None):
        self.build = os.path.abspath(build) if build else build_dir()
        self.bin = os.path.abspath(agent_bin) if agent_bin else agent_binary(self.build)
        self.prefix = list(prefix) if prefix is not None else agent_prefix()
        self.log_level = log_level
        if profiles_dirs is None:
            profiles_dirs = [os.path.join(SOURCE, "profiles"),
                             os.path.join(SOURCE, "tests", "profiles")]
        self.profiles_dirs = [os.path.abspath(d) for d in profiles_dirs]
        if tool_dirs is None:
            tool_dirs = [os.path.join(self.build, "tests", "faketool")]
        self.tool_dirs = [os.path.abspath(d) for d in tool_dirs]
        self.root = os.path.abspath(root) if root else tempfile.mkdtemp(prefix="cmt.")
        os.chmod(self.root, 0o700)
        self.token = token or secrets.token_hex(16)
        self.extra = list(extra or [])
        self.port = port
        self.env = dict(env or {})
        self.proc = None
        self.url = None
        self.owns_root = root is None
        for d in ("state", "sockets", "work"):
            os.makedirs(os.path.join(self.root, d), mode=0o700, exist_ok=True)
        self.token_file = os.path.join(self.root, "token")
        with open(self.token_file, "w") as f:
            f.write(self.token + "\n")
        os.chmod(self.token_file, 0o600)
        self.log_path = os.path.join(self.root, "agent.log")
        self.work = os.path.join(self.root, "work")
        self.state_dir = os.path.abspath(state_dir) if state_dir else os.path.join(
            self.root, "state")
        os.makedirs(self.state_dir, mode=0o700, exist_ok=True)
        self.socket_dir = os.path.join(self.root, "sockets")

    def argv(self):
        argv = self.prefix + [self.bin, "--port", str(self.port), "--bind", "127.0.0.1",
                              "--token-file", self.token_file,
                              "--state-dir", self.state_dir, "--socket-dir", self.socket_dir]
        for d in self.profiles_dirs:
            argv += ["--profiles-dir", d]
        return argv + ["--log-level", self.log_level] + self.extra

    def environ(self):
        env = dict(os.environ)
        env["PATH"] = os.pathsep.join(self.tool_dirs + [env.get("PATH", "")])
        # Never the user's tmux server, whatever a tool runs.
        env["TMUX_TMPDIR"] = self.root
        env.pop("TMUX", None)
        env.update(self.env)
        return env

    def start(self):
        port_file = os.path.join(self.state_dir, "agent.port")
        if os.path.exists(port_file):
            os.unlink(port_file)
        with open(self.log_path, "a") as log:
            self.proc = subprocess.Popen(self.argv(), stdout=log, stderr=log,
                                         env=self.environ(), stdin=subprocess.DEVNULL)
        deadline = time.time() + (60 if self.prefix else 10)
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

    @property
    def pid(self):
        return self.proc.pid

    def stop(self, sig=signal.SIGTERM):
        """Stops the agent (its tmux servers live on); returns its exit status."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        rc = self.proc.returncode if self.proc else None
        self.proc = None
        if rc == 99 and self.prefix:
            CURRENT.check("no memory error or leak in the agent (valgrind)", False,
                          "\n".join(self.log().splitlines()[-60:]))
        return rc

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log(self):
        try:
            return _read(self.log_path)
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
        kill_tmux_servers(self.socket_dir)

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
    """A protocol client: requests with ids, events kept in order, every
    message stamped with its read time.

    events: every event (a message with a seq that is not a reply), in order;
      event_times[i] is when events[i] was read.
    replies: id -> reply not yet taken by request().
    unsolicited (also `other`): messages that are neither (errors without
      id, output_* ...).
    binary: binary frames (unless keep_binary=False).
    on_event(m, t) / on_binary(data, t) / on_other(m, t): called at once.
    """

    REPLY_TYPES = ("authenticated", "subscribed", "resync", "error")

    def __init__(self, agent, auth=True, since=None, headers=None, url=None, *,
                 compression="deflate", ping_interval=20, open_timeout=20,
                 keep_binary=True):
        self.agent = agent
        self.auth = auth
        self.since = since
        self.headers = headers
        self.url = url or agent.url
        self.compression = compression
        self.ping_interval = ping_interval
        self.open_timeout = open_timeout
        self.keep_binary = keep_binary
        self.ws = None
        self.next_id = 1
        self.events = []
        self.event_times = []
        self.replies = {}
        self.unsolicited = []
        self.other = self.unsolicited
        self.binary = []
        self.pending = {}       # id -> future of request()/send()
        self.on_event = None
        self.on_binary = None
        self.on_other = None
        self.last_read = None
        self.reader = None
        self.closed = None
        self.auth_reply = None
        self._news = None
        self._waiting = 0       # tasks in _until

    async def __aenter__(self):
        kw = {"max_size": 64 << 20, "open_timeout": self.open_timeout,
              "compression": self.compression, "ping_interval": self.ping_interval}
        if self.headers:
            kw["extra_headers"] = self.headers
        self.ws = await websockets.connect(self.url, **kw)
        self.closed = asyncio.Event()
        self._news = asyncio.Event()
        if self.auth:
            msg = {"auth_token": self.agent.token}
            if self.since is not None:
                msg["since"] = self.since
            await self.ws.send(json.dumps(msg))
            while True:
                m = json.loads(await asyncio.wait_for(self.ws.recv(), self.open_timeout))
                if m.get("type") == "authenticated":
                    self.auth_reply = m
                    break
                self._file(m, time.time())
        self.reader = asyncio.ensure_future(self._read())
        return self

    async def connect(self):
        return await self.__aenter__()

    async def __aexit__(self, *exc):
        await self.close()

    async def close(self):
        if self.reader:
            self.reader.cancel()
        if self.ws:
            await self.ws.close()

    def _file(self, m, t):
        kind = m.get("type")
        if "seq" in m and "id" not in m and kind not in self.REPLY_TYPES:
            self._event(m, t)
        elif "id" in m:
            fut = self.pending.pop(m["id"], None)
            if fut is not None and not fut.done():
                fut.set_result(m)
            else:
                self.replies[m["id"]] = m
            if "seq" in m and kind not in self.REPLY_TYPES:
                self._event(m, t)
        else:
            self.unsolicited.append(m)
            if self.on_other:
                self.on_other(m, t)

    def _event(self, m, t):
        self.events.append(m)
        self.event_times.append(t)
        if self.on_event:
            self.on_event(m, t)

    def _wake(self):
        # Waiters hold the old Event; the next ones get a fresh one. Nothing
        # to do when nobody waits (a flood of frames read by a hook).
        if self._waiting:
            self._news.set()
            self._news = asyncio.Event()

    async def _read(self):
        try:
            async for raw in self.ws:
                t = time.time()
                self.last_read = t
                if isinstance(raw, bytes):
                    if self.keep_binary:
                        self.binary.append(raw)
                    if self.on_binary:
                        self.on_binary(raw, t)
                else:
                    self._file(json.loads(raw), t)
                self._wake()
        except websockets.ConnectionClosed:
            pass
        finally:
            self.closed.set()
            for fut in self.pending.values():
                if not fut.done():
                    fut.set_exception(ConnectionError("connection closed waiting for a reply"))
            self.pending.clear()
            self._wake()

    async def _until(self, found, timeout):
        """Waits until found() returns something (checked on every message)."""
        deadline = time.monotonic() + timeout
        while True:
            news = self._news
            r = found()
            if r is not None:
                return r
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self._waiting += 1
            try:
                await asyncio.wait_for(news.wait(), left)
            except asyncio.TimeoutError:
                pass
            finally:
                self._waiting -= 1

    async def send_raw(self, data):
        await self.ws.send(data)

    async def send(self, action, **fields):
        """Sends a request; returns the future of its reply, not waited for."""
        rid = self.next_id
        self.next_id += 1
        if self.closed.is_set():
            raise ConnectionError(f"connection closed before {action}")
        fut = asyncio.get_running_loop().create_future()
        self.pending[rid] = fut
        msg = {"action": action, "id": rid}
        msg.update(fields)
        try:
            await self.ws.send(json.dumps(msg))
        except BaseException:
            self.pending.pop(rid, None)
            raise
        return fut

    async def request(self, action, timeout=10, **fields):
        fut = await self.send(action, **fields)
        try:
            return await asyncio.wait_for(fut, timeout)
        except asyncio.TimeoutError:
            raise TimeoutError(f"no reply to {action} in {timeout}s") from None
        except ConnectionError:
            raise ConnectionError(f"connection closed waiting for {action}") from None

    async def wait_event(self, pred, timeout=10, start=0):
        """Waits for an event (from index start) matching pred; returns it."""
        pos = [start]

        def found():
            while pos[0] < len(self.events):
                e = self.events[pos[0]]
                if pred(e):
                    return e
                pos[0] += 1
            return None
        return await self._until(found, timeout)

    async def wait_unsolicited(self, pred, timeout=10):
        return await self._until(lambda: next((m for m in self.unsolicited if pred(m)), None),
                                 timeout)

    async def wait_state(self, sid, state, timeout=15):
        """Waits for the state_change event of sid to state."""
        return await self.wait_event(lambda e: e.get("type") == "state_change" and
                                     e.get("sessionId") == sid and e.get("state") == state,
                                     timeout)

    async def wait_listed(self, sid, states, timeout=20):
        """Waits until list_sessions shows sid in one of states; returns its
        entry, raises TimeoutError if it never does."""
        if isinstance(states, str):
            states = (states,)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r = await self.request("list_sessions")
            for s in r.get("sessions", []):
                if s["sessionId"] == sid and s.get("state") in states:
                    return s
            await asyncio.sleep(0.05)
        raise TimeoutError(f"{sid} never reached {states}")

    async def create(self, tool="cat", task=None, path=None, timeout=10, **kw):
        """create_session; returns the reply."""
        fields = {"tool": tool, "context": {"path": path or self.agent.work}}
        if task is not None:
            fields["task"] = task
        fields.update(kw)
        return await self.request("create_session", timeout, **fields)

    async def new_session(self, tool="cat", task=None, **kw):
        """create_session; returns the session id, raises if not created."""
        r = await self.create(tool, task, timeout=30, **kw)
        if r.get("type") != "session_created":
            raise RuntimeError(f"create_session failed: {r}")
        return r["sessionId"]

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
