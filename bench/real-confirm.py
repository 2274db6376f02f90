#!/usr/bin/python3
"""How soon the real tools take an answer to a permission prompt.

Runs inside the real-tool stage's private namespace (it needs the CLIs and
the API stand-in that tests/real/run.sh prepares):

  tests/real/run.sh build/ci --exec /usr/bin/python3 bench/real-confirm.py raw \
      [--tool codex] [--delays 0,5,10,15,20,30,50] [--n 5] [--retry-ms 600]
  tests/real/run.sh build/ci --exec /usr/bin/python3 bench/real-confirm.py agent \
      [--tool codex|claude] [--n 10]

raw: no agent. A tmux control client watches the tool's output; the moment
the session's first approval prompt arrives, it waits DELAY ms and sends the
answer key, then looks whether the tool took it. Prints, per delay, how
many answers were taken: the least delay that is always taken is the
smallest safe `settle_ms`. With --retry-ms, a key not taken by then is sent
once more (as the agent's second try), to see whether that one lands.

agent: cm-agent answers with auto-confirm on; for every prompt, the time
from the state_change to waiting_confirm (the agent saw the prompt) to the
next state_change (the tool took the answer), p50 and p99, and how many
auto_confirmed events say the answer took effect (and after how many
attempts)."""

import argparse
import asyncio
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "real"))

import reallib  # noqa: E402


def pct(v, p):
    v = sorted(v)
    if not v:
        return float("nan")
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


def unescape(s):
    """tmux control mode escapes bytes < 32 and \\ as octal."""
    out = bytearray()
    i = 0
    b = s.encode("utf-8", "surrogateescape")
    while i < len(b):
        if b[i] == 0x5C and i + 3 < len(b) + 1 and b[i + 1:i + 4].isdigit():
            out.append(int(b[i + 1:i + 4], 8))
            i += 4
        else:
            out.append(b[i])
            i += 1
    return out.decode("utf-8", "replace")


PROMPT = {"codex": ("Press enter to confirm", "y", "You approved"),
          "claude": ("Esc to cancel", "1", "Wrote 1 lines")}


REDRAW = []  # ms from a taken answer to the prompt gone from the screen
RETRIED = []  # one entry per second key sent (--retry-ms)


def raw_once(tool, delay_ms, root, retry_ms=None):
    """One fresh session, its first approval answered after delay_ms.
    Returns True if taken, False if not, None if no prompt came."""
    home = tempfile.mkdtemp(dir=root)
    proj = os.path.join(home, "proj")
    os.makedirs(proj)
    env = dict(os.environ)
    env.update(reallib.Tool(tool).seed(home, proj))
    env.update({"HOME": home, "LANG": "C.UTF-8", "PATH": os.path.join(
        reallib.TOOLS, "node_modules", ".bin") + os.pathsep + env["PATH"]})
    if reallib.CA:
        env["NODE_EXTRA_CA_CERTS"] = reallib.CA
    sock = os.path.join(home, "tmux.sock")
    argv = ["codex", "--no-daemon"] if tool == "codex" else ["claude"]
    tmux = ["tmux", "-S", sock, "-f", "/dev/null"]
    subprocess.run(tmux + ["new-session", "-d", "-x", "120", "-y", "40", "-c", proj, "--"] +
                   argv + ["write-run: create hello.txt"], env=env, check=True)
    cc = subprocess.Popen(tmux + ["-C", "attach"], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, env=env, bufsize=0)
    cc.stdin.write(b"refresh-client -C 120x40\n")
    want, key, taken_text = PROMPT[tool]
    shown = None
    deadline = time.time() + 20
    buf = b""
    pending = None  # time of the %output whose screen is being read
    block = None
    try:
        while time.time() < deadline and shown is None:
            r, _, _ = select.select([cc.stdout], [], [], 0.5)
            if not r:
                continue
            chunk = os.read(cc.stdout.fileno(), 65536)
            if not chunk:
                break
            buf += chunk
            while b"\n" in buf and shown is None:
                line, buf = buf.split(b"\n", 1)
                if line.startswith(b"%output ") and pending is None:
                    # Read the screen as drawn by this output.
                    pending = time.time()
                    cc.stdin.write(b"capture-pane -p\n")
                elif line.startswith(b"%begin ") and pending is not None:
                    block = []
                elif line.startswith((b"%end ", b"%error ")) and block is not None:
                    if want in b"\n".join(block).decode("utf-8", "replace"):
                        shown = pending
                    block, pending = None, None
                elif block is not None:
                    block.append(line)
        if shown is None:
            return None
        time.sleep(max(0, shown + delay_ms / 1000 - time.time()))
        sent = time.time()
        cc.stdin.write(f"send-keys {key}\n".encode())
        # How long the tool takes to draw something else than the prompt.
        gone, again = None, retry_ms is None
        while gone is None and time.time() < sent + 1.5 + (retry_ms or 0) / 1000:
            out = subprocess.run(tmux + ["capture-pane", "-p"], capture_output=True, text=True,
                                 env=env).stdout
            if want not in out:
                gone = time.time()
            elif not again and time.time() >= sent + retry_ms / 1000:
                # Lost: the same key once more, as the agent's second try does.
                again = True
                RETRIED.append(1)
                cc.stdin.write(f"send-keys {key}\n".encode())
            else:
                time.sleep(0.005)
        time.sleep(max(0, sent + 1.5 + (retry_ms or 0) / 1000 - time.time()))
        out = subprocess.run(tmux + ["capture-pane", "-p"], capture_output=True, text=True,
                             env=env).stdout
        if taken_text in out and gone is not None:
            REDRAW.append((gone - sent) * 1000)
        return taken_text in out
    finally:
        cc.kill()
        cc.wait()
        subprocess.run(tmux + ["kill-server"], stderr=subprocess.DEVNULL, env=env)
        shutil.rmtree(home, ignore_errors=True)


def raw(a):
    root = tempfile.mkdtemp(prefix="cm-bench-confirm.")
    try:
        print(f"{a.tool}: first approval of a session, answered DELAY ms after it was drawn")
        for d in [int(x) for x in a.delays.split(",")]:
            del RETRIED[:]
            res = [raw_once(a.tool, d, root, a.retry_ms) for _ in range(a.n)]
            ok = sum(1 for r in res if r)
            none = sum(1 for r in res if r is None)
            print(f"  delay {d:3d} ms: taken {ok}/{a.n - none}" +
                  (f", {len(RETRIED)} sent again after {a.retry_ms} ms" if a.retry_ms else "") +
                  (f" ({none} without a prompt)" if none else ""), flush=True)
        print(f"  answer taken -> prompt gone from the screen (the tool's own time): "
              f"p50 {pct(REDRAW, 50):.0f} ms, p99 {pct(REDRAW, 99):.0f} ms over {len(REDRAW)}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


async def agent_mode(a):
    from agentlib import Client
    tool = reallib.Tool(a.tool)
    lat, first, took, attempts, left = [], [], 0, [], 0

    async def one():
        nonlocal took, left
        agent = reallib.new_agent(tool)
        agent.start()
        try:
            async with Client(agent) as c:
                s = await c.create(a.tool, task="write-run: create hello.txt", autoConfirm=True)
                sid = s["sessionId"]
                await reallib.wait_type(c, sid, "session_completed", 60)
                sc = reallib.of(c, sid, "state_change")
                k = 0
                for i, e in enumerate(sc[:-1]):
                    if e["state"] == "waiting_confirm":
                        ms = (sc[i + 1]["timestamp"] - e["timestamp"]) * 1000
                        (first if k == 0 else lat).append(ms)
                        k += 1
                for e in reallib.of(c, sid, "auto_confirmed"):
                    took += e.get("tookEffect") is True
                    attempts.append(e.get("attempts", 1))
                left += len(reallib.of(c, sid, "confirm_needed"))
                await c.request("kill_session", sessionId=sid)
        finally:
            agent.cleanup()
    sem = asyncio.Semaphore(2)

    async def guarded():
        async with sem:
            await one()
    await asyncio.gather(*[guarded() for _ in range(a.n)])
    print(f"{a.tool} through cm-agent, {a.n} sessions, prompt shown -> answer taken:")
    print(f"  first prompt of a session: p50 {pct(first, 50):.0f} ms, p99 {pct(first, 99):.0f} ms "
          f"over {len(first)}")
    print(f"  later prompts (the agent leaves 300 ms between two auto-answers): "
          f"p50 {pct(lat, 50):.0f} ms, p99 {pct(lat, 99):.0f} ms over {len(lat)}")
    print(f"  auto_confirmed tookEffect: {took}/{len(attempts)}, "
          f"retried: {sum(1 for x in attempts if x > 1)}, left to a person: {left}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=("raw", "agent"))
    ap.add_argument("--tool", default="codex", choices=("codex", "claude"))
    ap.add_argument("--delays", default="0,5,10,15,20,30,50")
    ap.add_argument("--n", type=int, default=5)
    ap.add_argument("--retry-ms", type=int, help="raw: send the key again if not taken by then")
    a = ap.parse_args()
    if a.mode == "raw":
        raw(a)
    else:
        asyncio.run(agent_mode(a))


if __name__ == "__main__":
    main()
