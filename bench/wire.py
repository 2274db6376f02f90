#!/usr/bin/python3
"""Bytes on the wire for live output, with and without compression.

A recorded Claude Code session (the screens of tests/fixtures/claude, as
the tool wrote them, escapes and all, one after the other) is played by a
session (`tail -n +1 -f FILE`, profile tests/profiles/stuck.json) to a
client subscribed to its output. The client reaches the agent through a
TCP relay on 127.0.0.1 that counts the bytes going to the client, so the
count is what a network carries (WebSocket framing, and the compressed
payload when permessage-deflate is negotiated). Run once with the client
offering permessage-deflate (as browsers and libcm do) and once without.

    CM_BUILD_DIR=$PWD/build/bench /usr/bin/python3 bench/wire.py [--files GLOB]

Numbers only: nothing fails.
"""

import argparse
import asyncio
import glob
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import SOURCE, Agent, Client, write_json  # noqa: E402


class Relay:
    """127.0.0.1:port -> the agent, counting the bytes towards the client."""

    def __init__(self, target_port):
        self.target_port = target_port
        self.to_client = 0

    async def start(self):
        self.server = await asyncio.start_server(self.serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def serve(self, reader, writer):
        up_r, up_w = await asyncio.open_connection("127.0.0.1", self.target_port)

        async def pump(src, dst, count):
            try:
                while True:
                    data = await src.read(65536)
                    if not data:
                        break
                    if count:
                        self.to_client += len(data)
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, asyncio.CancelledError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pump(reader, up_w, False), pump(up_r, writer, True))

    def close(self):
        self.server.close()


async def one(agent, content, compression, n):
    relay = await Relay(agent.port).start()
    c = await Client(agent, url=f"ws://127.0.0.1:{relay.port}/",
                     compression=compression).connect()
    negotiated = "permessage-deflate" in str(
        getattr(c.ws, "response_headers", {}).get("Sec-WebSocket-Extensions", ""))
    got = [0]
    done = asyncio.get_running_loop().create_future()

    def on_binary(data, t):
        # A binary output frame: 0x01, the id's length, the id, the bytes.
        got[0] += len(data) - 2 - data[1]
        if got[0] >= len(content) and not done.done():
            done.set_result(True)
    path = os.path.join(agent.work, f"played-{n}.ansi")
    open(path, "wb").close()
    sid = await c.new_session("stuck", task=path)
    c.on_binary = on_binary
    rep = await c.request("subscribe_output", sessionId=sid)
    assert rep.get("type") == "output_subscribed", rep
    await asyncio.sleep(0.5)
    got[0] = 0
    start = relay.to_client
    with open(path, "ab") as f:  # tail -f plays it now, live
        f.write(content)
    try:
        await asyncio.wait_for(done, 60)
    except asyncio.TimeoutError:
        pass
    await asyncio.sleep(0.5)
    wire = relay.to_client - start
    await c.request("kill_session", sessionId=sid)
    await c.close()
    relay.close()
    return {"negotiated": negotiated, "payload_bytes": got[0], "wire_bytes": wire}


async def main_async(args):
    files = sorted(glob.glob(args.files))
    content = b""
    for f in files:
        with open(f, "rb") as src:
            content += b"\x1b[H\x1b[2J" + src.read()
    res = {"files": len(files), "played_bytes": len(content)}
    with Agent() as agent:
        for n, (label, comp) in enumerate((("deflate", "deflate"), ("none", None))):
            res[label] = await one(agent, content, comp, n)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--files", default=os.path.join(SOURCE, "tests", "fixtures", "claude",
                                                    "*.ansi"))
    ap.add_argument("--json")
    args = ap.parse_args()
    res = asyncio.run(main_async(args))
    print(f"played {res['played_bytes']} bytes ({res['files']} screens of Claude Code)")
    for label in ("none", "deflate"):
        r = res[label]
        print(f"  {label:8s} negotiated={r['negotiated']!s:5s} output received "
              f"{r['payload_bytes']:9d} B, on the wire {r['wire_bytes']:9d} B")
    if res["none"]["wire_bytes"]:
        print(f"  deflate / none on the wire: "
              f"{res['deflate']['wire_bytes'] / res['none']['wire_bytes']:.3f}")
    write_json(args.json, res)


if __name__ == "__main__":
    main()
