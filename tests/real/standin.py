#!/usr/bin/python3
"""A stand-in for the model vendors' APIs, so the real Claude Code and Codex
CLIs can run with no model and no network (see docs/TESTING.md, "The real tools").

Serves, on 127.0.0.1:
  - plain HTTP on --port (written to --port-file): the Anthropic Messages API
    (POST /v1/messages, streamed as server-sent events, HEAD /) and the
    OpenAI Responses API (POST /v1/responses, server-sent events);
  - HTTPS on --tls-port (443 in the private network namespace) with
    --cert/--key: the same, plus the connectivity checks Claude Code makes to
    its vendor's hosts on first start (GET /api/hello, /v1/oauth/hello).

What the "model" does is chosen by a keyword in the user's first message (the
task), and which step of that script comes next by how many tool results the
request already carries, so every request stands alone:

  write-run  write hello.txt, then run `touch ran.txt`, then say Done.
  danger     run `rm -rf /nonexistent-cm-real-danger` (a danger rule: the
             agent must never answer it; the path does not exist anyway)
  apierror   answer HTTP 400 with an error body
  usagelimit answer HTTP 429: the usage limit is reached
  slow       stream a long answer slowly (to be interrupted with Esc)
  anything else: say Done.

Only python3's standard library is used. Every request is logged, one JSON
line each, to --log.
"""

import argparse
import json
import os
import re
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOG = None
LOG_LOCK = threading.Lock()
LIMIT_RESET_S = int(os.environ.get("CM_STANDIN_LIMIT_RESET_S", "7200"))  # usagelimit's reset
KEYWORDS = ("write-run", "danger", "apierror", "usagelimit", "slow")


def log(rec):
    if LOG is None:
        return
    rec["t"] = round(time.time(), 3)
    with LOG_LOCK:
        LOG.write(json.dumps(rec) + "\n")
        LOG.flush()


def text_of(content):
    """The text of a message's content (a string or a list of blocks)."""
    if isinstance(content, str):
        return content
    out = []
    for b in content or []:
        if isinstance(b, dict):
            if b.get("type") in ("text", "input_text", "output_text"):
                out.append(b.get("text", ""))
    return "\n".join(out)


def brief(parts):
    """What a reply holds, for the log (not the long streamed pieces)."""
    return [{k: v for k, v in p.items() if k != "pieces"} for p in parts]


def script_of(text):
    for k in KEYWORDS:
        if k in text:
            return k
    return "done"


# ---- Anthropic Messages API ------------------------------------------------


def anthropic_events(message_id, blocks, stop_reason):
    """Server-sent events of one streamed message made of blocks."""
    yield "message_start", {"type": "message_start", "message": {
        "id": message_id, "type": "message", "role": "assistant",
        "model": "claude-standin", "content": [], "stop_reason": None,
        "stop_sequence": None, "usage": {"input_tokens": 12, "output_tokens": 1}}}
    for i, b in enumerate(blocks):
        if b["type"] == "text":
            yield "content_block_start", {"type": "content_block_start", "index": i,
                                          "content_block": {"type": "text", "text": ""}}
            for piece in b.get("pieces", [b["text"]]):
                yield "content_block_delta", {"type": "content_block_delta", "index": i,
                                              "delta": {"type": "text_delta", "text": piece}}
        else:
            yield "content_block_start", {"type": "content_block_start", "index": i,
                                          "content_block": {"type": "tool_use", "id": b["id"],
                                                            "name": b["name"], "input": {}}}
            yield "content_block_delta", {"type": "content_block_delta", "index": i,
                                          "delta": {"type": "input_json_delta",
                                                    "partial_json": json.dumps(b["input"])}}
        yield "content_block_stop", {"type": "content_block_stop", "index": i}
    yield "message_delta", {"type": "message_delta",
                            "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                            "usage": {"output_tokens": 20}}
    yield "message_stop", {"type": "message_stop"}


def claude_cwd(req):
    system = req.get("system")
    if isinstance(system, list):
        system = "\n".join(text_of([b]) for b in system)
    m = re.search(r"working directory: *(/[^\n]*)", system or "", re.I)
    return m.group(1).strip() if m else None


def claude_turn(req):
    """(status, blocks, stop_reason) for one Messages API request."""
    msgs = req.get("messages") or []
    first = ""
    for m in msgs:
        if m.get("role") == "user" and text_of(m.get("content")).strip():
            first = text_of(m.get("content"))
            break
    # The side request for a title has no tools.
    if not req.get("tools"):
        return 200, [{"type": "text", "text": json.dumps({"title": "Stand-in task"})}], "end_turn"
    results = sum(1 for m in msgs if isinstance(m.get("content"), list)
                  for b in m["content"] if isinstance(b, dict) and b.get("type") == "tool_result")
    script = script_of(first)
    cwd = claude_cwd(req) or os.getcwd()
    n = results
    if script == "write-run":
        if n == 0:
            return 200, [{"type": "text", "text": "I'll create hello.txt."},
                         {"type": "tool_use", "id": "toolu_w1", "name": "Write",
                          "input": {"file_path": os.path.join(cwd, "hello.txt"),
                                    "content": "Hello from the stand-in!\n"}}], "tool_use"
        if n == 1:
            return 200, [{"type": "text", "text": "Now a command."},
                         {"type": "tool_use", "id": "toolu_b1", "name": "Bash",
                          "input": {"command": "touch ran.txt",
                                    "description": "Create ran.txt marker file"}}], "tool_use"
        return 200, [{"type": "text", "text": "Done."}], "end_turn"
    if script == "danger":
        if n == 0:
            return 200, [{"type": "tool_use", "id": "toolu_d1", "name": "Bash",
                          "input": {"command": "rm -rf /nonexistent-cm-real-danger",
                                    "description": "Remove everything"}}], "tool_use"
        return 200, [{"type": "text", "text": "Stopped."}], "end_turn"
    if script == "apierror":
        return 400, {"type": "error", "error": {"type": "invalid_request_error",
                                                "message": "stand-in injected error 400"}}, None
    if script == "usagelimit":
        return 429, {"type": "error", "error": {"type": "rate_limit_error",
                                                "message": "stand-in: usage limit reached"}}, None
    if script == "slow":
        return 200, [{"type": "text", "text": "",
                      "pieces": ["word "] * 600, "delay": 0.1}], "end_turn"
    return 200, [{"type": "text", "text": "Done."}], "end_turn"


# ---- OpenAI Responses API --------------------------------------------------


def codex_turn(req):
    items = req.get("input") or []
    first = ""
    for it in items:
        if it.get("type") == "message" and it.get("role") == "user":
            t = text_of(it.get("content"))
            if script_of(t) != "done":
                first = t
                break
            if not first and not t.startswith("<"):
                first = t
    results = sum(1 for it in items if it.get("type") == "function_call_output")
    script = script_of(first)

    def call(cid, cmd, why):
        return {"type": "function_call", "name": "exec_command", "call_id": cid,
                "arguments": json.dumps({"cmd": cmd, "sandbox_permissions": "require_escalated",
                                         "justification": why})}
    if script == "write-run":
        if results == 0:
            return 200, [call("call_w1", "printf 'Hello from the stand-in!\\n' > hello.txt",
                              "Do you want to allow creating hello.txt?")]
        if results == 1:
            return 200, [call("call_b1", "touch ran.txt", "Do you want to allow creating ran.txt?")]
        return 200, [{"type": "message", "text": "Done."}]
    if script == "danger":
        if results == 0:
            return 200, [call("call_d1", "rm -rf /nonexistent-cm-real-danger", "Do you want to remove everything?")]
        return 200, [{"type": "message", "text": "Stopped."}]
    if script == "apierror":
        return 400, {"error": {"type": "invalid_request_error", "code": "invalid_request",
                               "message": "stand-in injected error 400"}}
    if script == "usagelimit":
        # As the Responses API says it: when the limit ends, in seconds from
        # now and as a Unix time (Codex prints the latter as "try again at").
        return 429, {"error": {"type": "usage_limit_reached",
                               "message": "The usage limit has been reached",
                               "plan_type": "plus", "resets_in_seconds": LIMIT_RESET_S,
                               "resets_at": int(time.time()) + LIMIT_RESET_S}}
    if script == "slow":
        return 200, [{"type": "message", "text": "", "pieces": ["word "] * 600, "delay": 0.1}]
    return 200, [{"type": "message", "text": "Done."}]


def codex_events(rid, outputs):
    yield {"type": "response.created", "response": {"id": rid}}
    for i, o in enumerate(outputs):
        if o["type"] == "function_call":
            yield {"type": "response.output_item.added", "output_index": i, "item": o}
            yield {"type": "response.output_item.done", "output_index": i, "item": o}
            continue
        mid = f"{rid}_m{i}"
        item = {"type": "message", "role": "assistant", "id": mid, "content": []}
        yield {"type": "response.output_item.added", "output_index": i, "item": item}
        text = ""
        for piece in o.get("pieces", [o["text"]]):
            text += piece
            yield {"type": "response.output_text.delta", "output_index": i, "item_id": mid,
                   "content_index": 0, "delta": piece, "_delay": o.get("delay", 0)}
        done = dict(item, content=[{"type": "output_text", "text": text, "annotations": []}])
        yield {"type": "response.output_item.done", "output_index": i, "item": done}
    yield {"type": "response.completed", "response": {
        "id": rid, "usage": {"input_tokens": 12, "input_tokens_details": {"cached_tokens": 0},
                             "output_tokens": 20, "output_tokens_details": {"reasoning_tokens": 0},
                             "total_tokens": 32}}}


# ---- HTTP --------------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    counter = 0

    def log_message(self, *a):
        pass

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        try:
            return json.loads(raw or b"{}")
        except ValueError:
            return {}

    def send_json(self, status, obj, headers=None):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def start_sse(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True

    def sse(self, event, data):
        chunk = ""
        if event:
            chunk += f"event: {event}\n"
        chunk += "data: " + json.dumps(data) + "\n\n"
        self.wfile.write(chunk.encode())
        self.wfile.flush()

    def do_HEAD(self):
        log({"method": "HEAD", "path": self.path})
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        log({"method": "GET", "path": self.path, "host": self.headers.get("Host")})
        self.send_json(200, {"message": "hello", "data": []})

    def do_POST(self):
        req = self.body()
        path = self.path.split("?")[0]
        Handler.counter += 1
        n = Handler.counter
        if path.endswith("/v1/messages"):
            self.anthropic(req, n)
        elif path.endswith("/v1/responses"):
            self.openai(req, n)
        else:
            log({"method": "POST", "path": self.path, "host": self.headers.get("Host")})
            self.send_json(200, {})

    def anthropic(self, req, n):
        status, blocks, stop = claude_turn(req)
        log({"api": "anthropic", "status": status, "stream": bool(req.get("stream")),
             "tools": len(req.get("tools") or []), "messages": len(req.get("messages") or []),
             "reply": brief(blocks) if status == 200 else None})
        if status != 200:
            # x-should-retry: the client's own retries would only delay the banner.
            headers = {"x-should-retry": "false", "request-id": f"req_{n}"}
            if status == 429:
                # The subscription limit headers the Messages API sends with
                # a refused request: status, claim and when it resets.
                headers.update({
                    "anthropic-ratelimit-unified-status": "rejected",
                    "anthropic-ratelimit-unified-representative-claim": "five_hour",
                    "anthropic-ratelimit-unified-reset": str(int(time.time()) + LIMIT_RESET_S),
                    "retry-after": str(LIMIT_RESET_S)})
            self.send_json(status, blocks, headers)
            return
        if not req.get("stream"):
            content = []
            for b in blocks:
                if b["type"] == "text":
                    content.append({"type": "text", "text": b["text"]})
                else:
                    content.append({"type": "tool_use", "id": b["id"], "name": b["name"],
                                    "input": b["input"]})
            self.send_json(200, {"id": f"msg_{n}", "type": "message", "role": "assistant",
                                 "model": "claude-standin", "content": content,
                                 "stop_reason": stop, "stop_sequence": None,
                                 "usage": {"input_tokens": 12, "output_tokens": 20}})
            return
        self.start_sse()
        try:
            delay = max([b.get("delay", 0) for b in blocks] + [0])
            for event, data in anthropic_events(f"msg_{n}", blocks, stop):
                self.sse(event, data)
                if delay and event == "content_block_delta":
                    time.sleep(delay)
        except (BrokenPipeError, ConnectionResetError):
            log({"api": "anthropic", "closed": "client went away"})

    def openai(self, req, n):
        status, outputs = codex_turn(req)
        log({"api": "openai", "status": status, "inputs": len(req.get("input") or []),
             "reply": brief(outputs) if status == 200 else None})
        if status != 200:
            self.send_json(status, outputs)
            return
        self.start_sse()
        try:
            for ev in codex_events(f"resp_{n}", outputs):
                delay = ev.pop("_delay", 0)
                self.sse(ev["type"], ev)
                if delay:
                    time.sleep(delay)
        except (BrokenPipeError, ConnectionResetError):
            log({"api": "openai", "closed": "client went away"})


def main():
    global LOG
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--tls-port", type=int, default=0)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--log")
    a = ap.parse_args()
    if a.log:
        LOG = open(a.log, "a")
    plain = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    plain.daemon_threads = True
    servers = [plain]
    if a.tls_port and a.cert:
        tls = ThreadingHTTPServer(("127.0.0.1", a.tls_port), Handler)
        tls.daemon_threads = True
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.cert, a.key)
        tls.socket = ctx.wrap_socket(tls.socket, server_side=True)
        servers.append(tls)
    for s in servers[1:]:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(plain.server_address[1]))
    os.rename(tmp, a.port_file)
    try:
        plain.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
