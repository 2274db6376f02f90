"""permessage-deflate (RFC 7692): negotiated with a client that offers it,
output, events and 1 MiB replies intact through it, refused with --no-compression, and a
small compressed message that inflates past the message limit refused like
any message that is too large, with the agent still serving."""

import asyncio
import json

import websockets

from agentlib import Agent, Client, run


def negotiated(c):
    headers = getattr(c.ws, "response_headers", None) or c.ws.response.headers
    return "permessage-deflate" in headers.get("Sec-WebSocket-Extensions", "")


async def main(t):
    with Agent() as agent:
        c = await Client(agent, compression="deflate").connect()
        t.check("a client that offers permessage-deflate gets it", negotiated(c))
        plain = await Client(agent, compression=None).connect()
        t.check("a client that does not offer it gets plain frames", not negotiated(plain))

        sid = await c.new_session("cat")
        for cl in (c, plain):
            r = await cl.request("subscribe_output", sessionId=sid)
            t.check("subscribe_output through "
                    f"{'compressed' if cl is c else 'plain'} frames -> output_subscribed",
                    r.get("type") == "output_subscribed", r)
        line = "the same words again and again " * 40
        await c.request("send_keys", sessionId=sid, keys=line, enter=True)
        screen = await c.wait_screen(sid, "again and again")
        t.check("a request through compressed frames reaches the tool", screen is not None)
        await asyncio.sleep(0.5)

        def output(cl):
            return b"".join(f[2 + f[1]:] for f in cl.binary if f and f[0] == 1)
        got_c, got_p = output(c), output(plain)
        t.check("the compressed stream carries the output byte for byte",
                line.encode() in got_c.replace(b"\r\n", b"") and got_c == got_p,
                (len(got_c), len(got_p)))
        r = await c.request("list_sessions")
        t.check("replies come back through compression",
                any(s["sessionId"] == sid for s in r.get("sessions", [])))

        # Large replies after smaller ones, on the one compressed stream.
        fid = await c.new_session("flood", task="flood-line-xyz")
        await asyncio.sleep(2)
        await c.request("kill_session", sessionId=fid)
        await asyncio.sleep(1)
        sizes = []
        for mb in (65536, 262144, 1048576, 1048576):
            r = await c.request("read_transcript", timeout=30, sessionId=fid, format="raw",
                                maxBytes=mb)
            sizes.append(len(r.get("data", "")))
        t.check("1 MiB transcript chunks after smaller ones arrive whole through compression",
                sizes[2] > 900_000 and sizes[3] > 900_000, sizes)

        # 2 MiB of one byte: about 2 KiB compressed, 32 times the message limit.
        bomb = json.dumps({"action": "ping", "id": 1, "pad": "a" * (2 << 20)})
        raw = await websockets.connect(agent.url, compression="deflate", max_size=1 << 20)
        await raw.send(json.dumps({"auth_token": agent.token}))
        await raw.recv()
        await raw.send(bomb)
        refused = None
        try:
            while True:
                m = json.loads(await asyncio.wait_for(raw.recv(), 10))
                if m.get("type") == "error":
                    refused = m
                    break
        except (websockets.ConnectionClosed, asyncio.TimeoutError):
            pass
        t.check("a message that inflates past the limit is refused as too_large",
                refused is not None and refused.get("code") == "too_large", refused)
        await raw.close()
        r = await c.request("list_sessions")
        t.check("... and the agent goes on serving", r.get("type") == "session_list", r)
        await c.close()
        await plain.close()

    with Agent(extra=["--no-compression"]) as agent:
        c = await Client(agent, compression="deflate").connect()
        t.check("--no-compression: an offer of permessage-deflate is declined",
                not negotiated(c))
        r = await c.request("list_sessions")
        t.check("... and the client is served in plain frames", r.get("type") == "session_list")
        await c.close()


run(main)
