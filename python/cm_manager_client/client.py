"""CMManagerClient: the seed's manager client, as an asyncio binding of libcm.

Everything the protocol needs (the ssh tunnel and its reuse, the
WebSocket, authentication, request validation against the protocol
table, reconnecting with replay of missed events) is libcm's; this module
only moves calls and their answers between asyncio and libcm's loop.

libcm is not thread-safe and runs its own event loop (libwebsockets'), so
each client owns one thread that runs that loop and is the only one to
call into libcm. A coroutine hands the thread a job (through a queue and
a pipe the loop watches) and awaits a future that libcm's reply callback
resolves with call_soon_threadsafe. Pushed events reach the asyncio loop
the same way, in the order libcm received them.
"""

import asyncio
import collections
import ctypes
import itertools
import json
import os
import threading

from . import _libcm

_LIB = None


def _lib(path=None):
    global _LIB
    if path:
        return _libcm.Lib(path)
    if _LIB is None:
        _LIB = _libcm.Lib()
    return _LIB


class CMError(Exception):
    """A request the agent (or libcm) refused: code is the protocol's error name."""

    def __init__(self, code, message, reply=None):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.reply = reply


class ConnectError(CMError):
    """The connection could not be made; code is libcm's failure kind
    ("host_unreachable", "ssh_auth_refused", "host_key_mismatch", "agent_not_running",
    "token_refused", ...)."""


class _LoopThread(threading.Thread):
    """The thread that runs libcm's loop and every libcm call."""

    def __init__(self, lib):
        super().__init__(name="cm-loop", daemon=True)
        self.lib = lib
        self.jobs = collections.deque()
        self.rfd, self.wfd = os.pipe()
        os.set_blocking(self.rfd, False)
        self.stopping = False
        self.started_ok = threading.Event()
        self.loop = None
        # ctypes callbacks must outlive every call that may invoke them.
        self._fd_cb = _libcm.FD_CB(self._on_fd)

    def run(self):
        cm = self.lib.cm
        self.loop = cm.cm_loop_new()
        watch = cm.cm_loop_watch_fd(self.loop, self.rfd, self._fd_cb, None) if self.loop else None
        self.started_ok.set()
        if not watch:
            return
        while not self.stopping:
            cm.cm_loop_run(self.loop, 500)
        self._run_jobs()
        cm.cm_watch_free(watch)
        cm.cm_loop_free(self.loop)
        os.close(self.rfd)
        os.close(self.wfd)

    def _on_fd(self, fd, arg):
        try:
            while os.read(self.rfd, 4096):
                pass
        except BlockingIOError:
            pass
        self._run_jobs()

    def _run_jobs(self):
        while self.jobs:
            self.jobs.popleft()()

    def call(self, fn):
        """Runs fn() on the loop's thread, soon."""
        self.jobs.append(fn)
        os.write(self.wfd, b"x")

    def stop(self):
        def job():
            self.stopping = True
            self.lib.cm.cm_loop_stop(self.loop)
        self.call(job)


class CMManagerClient:
    """A connection to one cm-agent, through an ssh tunnel to host (as the seed's
    CMManagerClient), or directly to a local agent (host=None or ssh=False).

    Events the agent pushes (state_change, confirm_needed, session_completed...)
    go to every callback given as on_event= or added with add_listener(), and
    to every iterator of events(). Replies and events are plain dicts.
    """

    def __init__(self, host=None, user=None, auth_token=None, agent_port=9876, *,
                 ssh=None, ssh_port=None, ssh_config=None, identity=None, agent_socket=None,
                 timeout=15.0, reconnect=True, on_event=None, library=None):
        if not auth_token:
            raise ValueError("auth_token is required (the agent's token)")
        self.host = host
        self.user = user
        self.agent_port = int(agent_port)
        self.use_ssh = bool(host) if ssh is None else bool(ssh)
        self.ssh_port = ssh_port
        # The ssh_config file: given, or $CM_SSH_CONFIG, else ssh's own ~/.ssh/config.
        self.ssh_config = ssh_config or os.environ.get("CM_SSH_CONFIG") or None
        self.identity = identity
        self.agent_socket = agent_socket
        self.timeout = timeout
        self.reconnect = reconnect
        self._token = auth_token
        self._lib = _lib(library)
        self._listeners = [on_event] if on_event else []
        self._queues = []
        self._pending = {}
        self._ids = itertools.count(1)
        self._thread = None
        self._client = None
        self._aloop = None
        self._connected = None
        self.hello = None
        # Kept alive while libcm may call them or read the options.
        self._cbs = (_libcm.EVENT_CB(self._on_event), _libcm.STATE_CB(self._on_state),
                     _libcm.REPLY_CB(self._on_reply))
        self._ssh = None

    # --- connection -------------------------------------------------------

    def _options(self):
        o = _libcm.ClientOpts()
        o.port = self.agent_port
        o.token = self._token.encode()
        o.unix_path = self.agent_socket.encode() if self.agent_socket else None
        o.reconnect = 1 if self.reconnect else 0
        o.since = -1
        o.timeout_ms = int(self.timeout * 1000)
        o.on_event = self._cbs[0]
        o.on_state = self._cbs[1]
        if self.use_ssh:
            s = _libcm.SshOpts()
            s.host = (self.host or "127.0.0.1").encode()
            s.user = self.user.encode() if self.user else None
            s.port = int(self.ssh_port or 0)
            s.identity = self.identity.encode() if self.identity else None
            s.config = self.ssh_config.encode() if self.ssh_config else None
            self._ssh = s
            o.ssh = ctypes.pointer(s)
        elif self.host:
            o.host = self.host.encode()
        return o

    async def connect(self):
        """Opens the ssh tunnel (if any), the WebSocket, and authenticates.
        Returns the agent's `authenticated` message; raises ConnectError."""
        if self._client:
            return self.hello
        self._aloop = asyncio.get_running_loop()
        self._connected = self._aloop.create_future()
        self._thread = _LoopThread(self._lib)
        self._thread.start()
        await self._aloop.run_in_executor(None, self._thread.started_ok.wait)
        if not self._thread.loop:
            raise ConnectError("internal", "libcm could not create its event loop")
        opts = self._options()

        def job():
            cm = self._lib.cm
            self._client = cm.cm_client_new(self._thread.loop, ctypes.byref(opts))
            if not self._client:
                self._settle_connect(ConnectError("config", "libcm refused the options"))
                return
            rc = cm.cm_client_connect(self._client)
            if rc < 0 and cm.cm_client_state(self._client) == _libcm.CONN_FAILED:
                self._on_state(self._client, _libcm.CONN_FAILED, None)
        self._thread.call(job)
        try:
            self.hello = await asyncio.wait_for(asyncio.shield(self._connected),
                                                self.timeout + 30)
        except BaseException:
            await self._shutdown(close_tunnel=False)
            raise
        return self.hello

    def _settle_connect(self, result):
        def settle():
            f = self._connected
            if f and not f.done():
                if isinstance(result, BaseException):
                    f.set_exception(result)
                else:
                    f.set_result(result)
        self._aloop.call_soon_threadsafe(settle)

    def _on_state(self, c, state, arg):
        cm = self._lib.cm
        if state == _libcm.CONN_READY:
            hello = self._lib.dumps(cm.cm_client_hello(c))
            self._settle_connect(json.loads(hello) if hello else {})
            self._push({"type": "connection", "state": "ready"})
        elif state == _libcm.CONN_LOST:
            self._push({"type": "connection", "state": "lost",
                        "message": self._lib.text(cm.cm_client_error(c))})
        elif state == _libcm.CONN_FAILED:
            fail = self._lib.text(cm.cm_fail_name(cm.cm_client_fail(c)))
            err = ConnectError(fail, self._lib.text(cm.cm_client_error(c)))
            self._settle_connect(err)
            self._push({"type": "connection", "state": "failed", "error": fail,
                        "message": err.message})

    async def disconnect(self):
        """Closes the connection and the ssh tunnel this client opened."""
        await self._shutdown(close_tunnel=True)

    async def _shutdown(self, close_tunnel):
        t = self._thread
        if not t:
            return
        done = self._aloop.create_future()

        def job():
            cm = self._lib.cm
            if self._client:
                cm.cm_client_free(self._client)
                self._client = None
            if close_tunnel and self._ssh is not None:
                cm.cm_ssh_close(ctypes.byref(self._ssh),
                                self.agent_socket.encode() if self.agent_socket else None,
                                self.agent_port)
            self._aloop.call_soon_threadsafe(lambda: done.done() or done.set_result(None))
        t.call(job)
        await done
        t.stop()
        await self._aloop.run_in_executor(None, t.join)
        self._thread = None
        for q in self._queues:
            q.put_nowait(None)
        for fut in self._pending.values():
            if not fut.done():
                fut.set_exception(CMError("closed", "the client was disconnected"))
        self._pending.clear()

    async def __aenter__(self):
        await self.connect()
        return self

    async def __aexit__(self, *exc):
        await self.disconnect()

    # --- requests ---------------------------------------------------------

    async def request(self, req):
        """Sends one request (a dict with "action") and returns its reply. libcm
        checks it against the protocol table first; errors raise CMError."""
        if not self._thread or not self._client:
            raise CMError("not_connected", "call connect() first")
        text = json.dumps(req)
        fut = self._aloop.create_future()
        rid = next(self._ids)
        self._pending[rid] = fut

        def job():
            cm = self._lib.cm
            if not self._client:
                self._resolve(rid, CMError("closed", "the client was disconnected"))
                return
            j = self._lib.loads(text)
            if not j:
                self._resolve(rid, CMError("invalid", "the request is not JSON"))
                return
            rc = cm.cm_client_send(self._client, j, self._cbs[2], rid)
            if rc < 0:
                self._resolve(rid, CMError(self._lib.text(cm.cm_error_name(rc)),
                                           self._lib.text(cm.cm_client_error(self._client))))
        self._thread.call(job)
        return await fut

    def _resolve(self, rid, result):
        def settle():
            fut = self._pending.pop(rid, None)
            if fut and not fut.done():
                if isinstance(result, BaseException):
                    fut.set_exception(result)
                else:
                    fut.set_result(result)
        self._aloop.call_soon_threadsafe(settle)

    def _on_reply(self, c, err, reply, arg):
        text = self._lib.dumps(reply)
        body = json.loads(text) if text else None
        if err < 0:
            name = self._lib.text(self._lib.cm.cm_error_name(err))
            msg = (body or {}).get("message") or self._lib.text(
                self._lib.cm.cm_client_error(c))
            self._resolve(arg, CMError((body or {}).get("code") or name, msg, body))
        else:
            self._resolve(arg, body)

    async def create_session(self, tool, task=None, context=None, auto_confirm=None):
        """Starts tool (a profile name) on task in context["path"]; returns the session id."""
        req = {"action": "create_session", "tool": tool}
        if task:
            req["task"] = task
        if context:
            req["context"] = dict(context)
        if auto_confirm is not None:
            req["autoConfirm"] = bool(auto_confirm)
        reply = await self.request(req)
        return reply["sessionId"]

    async def send_keys(self, session_id, keys="", enter=False, key=None):
        """Types keys as they are (then Enter, and/or a named key such as "Escape")."""
        req = {"action": "send_keys", "sessionId": session_id}
        if keys:
            req["keys"] = keys
        if enter:
            req["enter"] = True
        if key:
            req["key"] = key
        return await self.request(req)

    async def capture_pane(self, session_id, lines=None):
        """The screen (and lines of history if given) as text."""
        req = {"action": "capture_pane", "sessionId": session_id}
        if lines:
            req["lines"] = int(lines)
        return (await self.request(req))["content"]

    async def list_sessions(self):
        return (await self.request({"action": "list_sessions"}))["sessions"]

    async def kill_session(self, session_id):
        return await self.request({"action": "kill_session", "sessionId": session_id})

    async def confirm(self, session_id, approve=True, prompt=None):
        """Answers the prompt a session waits on (prompt: its fingerprint, to be sure)."""
        req = {"action": "confirm", "sessionId": session_id, "approve": bool(approve)}
        if prompt:
            req["prompt"] = prompt
        return await self.request(req)

    async def set_auto_confirm(self, session_id, enabled):
        return await self.request({"action": "set_auto_confirm", "sessionId": session_id,
                                   "enabled": bool(enabled)})

    async def list_profiles(self):
        return (await self.request({"action": "list_profiles"}))["profiles"]

    async def agent_info(self):
        return await self.request({"action": "agent_info"})

    # --- events -----------------------------------------------------------

    def add_listener(self, callback):
        """callback(event_dict) for every pushed event (a coroutine function is scheduled)."""
        self._listeners.append(callback)

    def remove_listener(self, callback):
        self._listeners.remove(callback)

    def _on_event(self, c, msg, arg):
        text = self._lib.dumps(msg)
        if text:
            self._push(json.loads(text))

    def _push(self, ev):
        if self._aloop:
            self._aloop.call_soon_threadsafe(self._dispatch, ev)

    def _dispatch(self, ev):
        for cb in list(self._listeners):
            r = cb(ev)
            if asyncio.iscoroutine(r):
                self._aloop.create_task(r)
        for q in self._queues:
            q.put_nowait(ev)

    async def events(self):
        """Async iterator of pushed events until disconnect()."""
        q = asyncio.Queue()
        self._queues.append(q)
        try:
            while True:
                ev = await q.get()
                if ev is None:
                    return
                yield ev
        finally:
            self._queues.remove(q)

    async def wait_for_state(self, session_id, states, timeout=None):
        """Waits until the session is in one of states (a name or a list); returns it."""
        if isinstance(states, str):
            states = [states]
        q = asyncio.Queue()
        self._queues.append(q)
        try:
            for s in await self.list_sessions():
                if s.get("sessionId") == session_id and s.get("state") in states:
                    return s["state"]

            async def loop():
                while True:
                    ev = await q.get()
                    if ev is None:
                        raise CMError("closed", "the client was disconnected")
                    if (ev.get("sessionId") == session_id and
                            ev.get("type") in ("state_change", "session_completed") and
                            ev.get("state") in states):
                        return ev["state"]
            return await asyncio.wait_for(loop(), timeout)
        finally:
            self._queues.remove(q)
