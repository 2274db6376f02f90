#!/usr/bin/env python3
"""A hostile agent: speaks docs/PROTOCOL.md well enough for cm, but every
text it sends carries terminal controls (OSC 52 clipboard writes, window
titles, CSI cursor moves, their C1 forms in UTF-8, DEL, CR). Used by
test-cli-local.sh to check that nothing of it reaches the terminal raw.

    hostile-agent.py PORTFILE TOKEN   # writes the port, serves until killed
"""
import asyncio
import json
import sys
import time

import websockets

ESC = "\x1b"
EVIL = (ESC + "]52;c;aGVsbG8=\x07" + ESC + "]0;pwned-title\x07" + ESC + "[2J" + ESC + "[H"
        + "\u009b31m" + "\u009d0;c1-title\u009c" + "\x7f\r")
SID = "cm-1700000000"


def session():
    return {"sessionId": SID, "tool": "claude" + EVIL, "task": "task" + EVIL,
            "path": "/srv" + EVIL, "state": "waiting_confirm", "stateSince": time.time(),
            "created": time.time(), "autoConfirm": False, "socket": "/s" + EVIL,
            "cols": 80, "rows": 24,
            "prompt": {"text": "Proceed?" + EVIL, "command": "rm -rf /" + EVIL + "\nline2" + EVIL,
                       "options": ["Yes" + EVIL, "No"], "reason": "rule" + EVIL,
                       "fingerprint": "0123456789abcdef"}}


async def serve(ws, token):
    seq = 7
    async for raw in ws:
        m = json.loads(raw)
        rid = m.get("id")

        async def reply(o):
            if rid is not None:
                o["id"] = rid
            await ws.send(json.dumps(o))

        if "auth_token" in m:
            if m["auth_token"] != token:
                await reply({"type": "error", "code": "auth_failed", "message": "no"})
                return
            await reply({"status": "authenticated", "type": "authenticated",
                         "agent": "cm-agent", "version": "0.1.0", "protocol": 1, "seq": seq})
            for t in ("state_change", "confirm_needed"):
                seq += 1
                await ws.send(json.dumps({"type": t, "sessionId": SID, "state": "waiting" + EVIL,
                                          "previous": "thinking" + EVIL, "task": "t" + EVIL,
                                          "prompt": "p" + EVIL, "command": "c" + EVIL,
                                          "reason": "r" + EVIL, "seq": seq,
                                          "timestamp": time.time()}))
            continue
        a = m.get("action")
        if a == "list_sessions":
            await reply({"type": "session_list", "sessions": [session()]})
        elif a == "capture_pane":
            await reply({"type": "pane_captured", "sessionId": SID, "lines": 3,
                         "content": "screen" + EVIL + "\nmore" + EVIL + "\n", "cols": 80,
                         "rows": 24})
        elif a == "agent_info":
            await reply({"type": "agent_info", "agent": "cm-agent", "version": "0.1" + EVIL,
                         "protocol": 1, "sessions": 1})
        else:
            await reply({"type": "error", "code": "bad_request",
                         "message": "refused" + EVIL})


async def main():
    portfile, token = sys.argv[1], sys.argv[2]
    async with websockets.serve(lambda ws, *_: serve(ws, token), "127.0.0.1", 0) as srv:
        port = srv.sockets[0].getsockname()[1]
        with open(portfile + ".tmp", "w") as f:
            f.write(str(port))
        import os
        os.rename(portfile + ".tmp", portfile)
        await asyncio.Future()


asyncio.run(main())
