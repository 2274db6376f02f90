"""Transcripts, end to end with real tmux and the fake tool: what a tool
writes is recorded with the input cm sent (and who sent it); the exported
cast is read by asciinema itself; a transcript outlives kill_session, and a
read right after the kill gets all of it; an
agent SIGKILLed and restarted appends to the transcript of the session it
re-adopts; the read, search and delete requests refuse hostile ids,
ranges and patterns with the table's codes."""

import asyncio
import json
import os
import shutil
import signal
import subprocess
import time

from agentlib import Agent, Client, run

SAFE = """think 300
ask bash touch ok.txt
think 300
say all good
done
"""

FRAME_S = 6.5  # the store cuts a frame at least every 5 s; then it is readable


async def read_all(c, sid, **kw):
    """Every chunk of a read, following the cursor; returns (data, replies)."""
    out, replies = "", []
    req = dict(kw, sessionId=sid)
    for _ in range(1000):
        r = await c.request("read_transcript", **req)
        replies.append(r)
        if r.get("type") != "transcript_chunk":
            return None, replies
        out += r["data"]
        if not r["more"]:
            break
        req = {k: v for k, v in req.items() if k not in ("from", "tail")}
        req["cursor"] = r["cursor"]
    return out, replies


def cast_events(text):
    lines = [json.loads(x) for x in text.splitlines() if x.strip()]
    return lines[0], lines[1:]


def asciinema_cat(path):
    # asciinema 2.2 opens /dev/tty: script(1) gives it one (the path is mkdtemp's, no quoting).
    r = subprocess.run(["script", "-qefc", f"asciinema cat {path}", "/dev/null"],
                       capture_output=True, timeout=30, stdin=subprocess.DEVNULL)
    return r.returncode, r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8",
                                                                               "replace")


async def recorded(t):
    agent = Agent()
    agent.script(SAFE)
    with agent:
        async with Client(agent) as c:
            r = await c.create("fake", task="make ok.txt", autoConfirm=True)
            fake = r["sessionId"]
            await c.wait_event(lambda e: e.get("type") == "session_completed"
                               and e.get("sessionId") == fake, 20)
            r = await c.create("cat")
            cat = r["sessionId"]
            await asyncio.sleep(0.5)
            r = await c.request("send_keys", sessionId=cat, keys="hello-transcript",
                                enter=True)
            await c.wait_screen(cat, "hello-transcript")
            r = await c.request("resize", sessionId=cat, cols=100, rows=30)
            r = await c.request("send_keys", sessionId=cat, keys="after-resize", enter=True)
            await c.wait_screen(cat, "after-resize")

            lst = await c.request("list_transcripts")
            byid = {x["sessionId"]: x for x in lst.get("transcripts", [])}
            t.check("list_transcripts lists both live sessions, recording, with tool and task",
                    lst.get("recording") is True and fake in byid and cat in byid
                    and byid[fake]["live"] and byid[fake]["recording"] is True
                    and byid[fake]["tool"] == "fake" and byid[fake]["task"] == "make ok.txt",
                    lst)

            await c.request("kill_session", sessionId=cat)
            await c.request("kill_session", sessionId=fake)
            await asyncio.sleep(0.5)
            lst = await c.request("list_transcripts")
            byid = {x["sessionId"]: x for x in lst.get("transcripts", [])}
            t.check("after kill_session the transcripts are kept, ended (not live, not "
                    "recording), with a size and an end after the start",
                    cat in byid and fake in byid and not byid[cat]["live"]
                    and not byid[cat]["recording"] and byid[cat]["bytes"] > 0
                    and byid[cat]["end"] > byid[cat]["start"], lst)

            text, _ = await read_all(c, cat, format="text")
            t.check("the text of the cat session holds what was typed and echoed",
                    text is not None and "hello-transcript" in text
                    and "after-resize" in text, text)
            text, _ = await read_all(c, fake, format="text")
            t.check("the text of the fake tool holds its screens (the prompt, its answer)",
                    text is not None and "touch ok.txt" in text and "all good" in text,
                    (text or "")[-2000:])

            cast, _ = await read_all(c, cat, format="cast")
            hdr, evs = cast_events(cast)
            inputs = [e for e in evs if e[1] == "i"]
            marks = [e[2] for e in evs if e[1] == "m"]
            t.check("the cast's header is asciicast v2 with the session",
                    hdr.get("version") == 2 and hdr.get("cm_session") == cat, hdr)
            t.check("typed input is recorded as 'i' after a marker naming the client",
                    any("hello-transcript" in e[2] for e in inputs)
                    and any(m.startswith("input:127.0.0.1 #") for m in marks), (inputs, marks))
            t.check("the resize is recorded as 'r' 100x30",
                    any(e[1] == "r" and e[2] == "100x30" for e in evs),
                    [e for e in evs if e[1] == "r"])
            t.check("session end is a marker", "killed" in marks, marks)

            cast, _ = await read_all(c, fake, format="cast")
            _, evs = cast_events(cast)
            marks = [e[2] for e in evs if e[1] == "m"]
            t.check("the auto-confirm answer is input by 'auto', states are markers",
                    "input:auto" in marks and "state: waiting_confirm" in marks
                    and "state: done" in marks, marks)

            path = os.path.join(agent.root, "cat.cast")
            cast, _ = await read_all(c, cat, format="cast")
            with open(path, "w") as f:
                f.write(cast)
            rc, out, err = asciinema_cat(path)
            t.check("asciinema cat reads the exported cast and prints the output",
                    rc == 0 and "hello-transcript" in out and "after-resize" in out,
                    (rc, out[-500:], err[-500:]))

            # Small chunks: the cursor continues exactly, nothing lost or doubled.
            whole, _ = await read_all(c, fake, format="raw", maxBytes=1 << 20)
            parts, replies = await read_all(c, fake, format="raw", maxBytes=65536)
            t.check("a read in 64 KiB chunks gives the same bytes as one read",
                    whole == parts and len(replies) >= 1, (len(whole or ""), len(parts or ""),
                                                           len(replies)))

            tail, _ = await read_all(c, cat, format="text", tail=3600)
            t.check("tail reads the end", tail is not None and "after-resize" in tail)

            m = await c.request("search_transcripts", pattern="hello-tr[a-z]+")
            t.check("search finds the typed line in the cat transcript",
                    m.get("type") == "transcript_matches"
                    and any(x["sessionId"] == cat and "hello-transcript" in x["line"]
                            for x in m["matches"]), m)
            m = await c.request("search_transcripts", pattern="ALL GOOD", ignoreCase=True,
                                sessionIds=[fake])
            t.check("search one session, ignoring case",
                    m.get("type") == "transcript_matches" and m["searched"] == 1
                    and all(x["sessionId"] == fake for x in m["matches"]) and m["matches"], m)

            # Hostile input: clear codes, nothing changed.
            bad = [
                ("read_transcript", {"sessionId": "../../etc/passwd"}, "bad_session_id"),
                ("read_transcript", {"sessionId": "cm-1/../x"}, "bad_session_id"),
                ("read_transcript", {"sessionId": "cm-123"}, "unknown_transcript"),
                ("read_transcript", {"sessionId": cat, "from": 10, "to": 5}, "bad_request"),
                ("read_transcript", {"sessionId": cat, "from": 1e300}, "bad_request"),
                ("read_transcript", {"sessionId": cat, "tail": -1}, "bad_request"),
                ("read_transcript", {"sessionId": cat, "maxBytes": 1 << 30}, "bad_request"),
                ("read_transcript", {"sessionId": cat, "cursor": "x:y"}, "bad_request"),
                ("read_transcript", {"sessionId": cat, "format": "html"}, "bad_request"),
                ("search_transcripts", {"pattern": "(unclosed"}, "bad_pattern"),
                ("search_transcripts", {"pattern": "(a)\\1"}, "bad_pattern"),
                ("search_transcripts", {"pattern": "x", "sessionIds": ["../x"]},
                 "bad_session_id"),
                ("search_transcripts", {"pattern": "x", "maxMatches": 100000}, "bad_request"),
                ("search_transcripts", {"pattern": "x" * 5000}, "bad_request"),
                ("delete_transcript", {}, "bad_request"),
                ("delete_transcript", {"sessionId": "../state"}, "bad_session_id"),
                ("delete_transcript", {"olderThan": -5}, "bad_request"),
            ]
            for action, fields, code in bad:
                r = await c.request(action, **fields)
                t.check(f"{action} {json.dumps(fields)[:60]} -> {code}",
                        r.get("type") == "error" and r.get("code") == code, r)
            lst2 = await c.request("list_transcripts")
            t.check("hostile requests changed nothing", len(lst2["transcripts"]) == 2, lst2)

            r = await c.request("delete_transcript", sessionId=cat)
            t.check("delete one", r.get("type") == "transcript_deleted" and r["removed"] == 1, r)
            r = await c.request("read_transcript", sessionId=cat)
            t.check("a deleted transcript is unknown_transcript",
                    r.get("code") == "unknown_transcript", r)
            r = await c.request("delete_transcript", olderThan=0)
            t.check("delete by age removes the rest", r.get("removed") == 1, r)


async def survives_sigkill(t):
    agent = Agent()
    with agent:
        async with Client(agent) as c:
            r = await c.create("cat")
            sid = r["sessionId"]
            await asyncio.sleep(0.5)
            await c.request("send_keys", sessionId=sid, keys="before-the-kill", enter=True)
            await c.wait_screen(sid, "before-the-kill")
        await asyncio.sleep(FRAME_S)
        agent.stop(signal.SIGKILL)
        agent.start()
        async with Client(agent) as c:
            await c.wait_listed(sid, ["idle"])
            await asyncio.sleep(0.5)
            await c.request("send_keys", sessionId=sid, keys="after-the-restart", enter=True)
            await c.wait_screen(sid, "after-the-restart")
            await c.request("kill_session", sessionId=sid)
            await asyncio.sleep(0.5)
            cast, _ = await read_all(c, sid, format="cast")
            lst = await c.request("list_transcripts")
        _, evs = cast_events(cast or "")
        text = "".join(e[2] for e in evs if e[1] == "o")
        marks = [e[2] for e in evs if e[1] == "m"]
        t.check("one transcript holds the output from before the SIGKILL and after the "
                "restart", "before-the-kill" in text and "after-the-restart" in text,
                text[-800:])
        t.check("the restart is marked 'reopened' in it", "reopened" in marks, marks)
        t.check("times never go back", all(evs[i][0] <= evs[i + 1][0]
                                           for i in range(len(evs) - 1)))
        t.check("still one transcript", len(lst.get("transcripts", [])) == 1, lst)


async def killed_flood(t):
    """A read or a search right after kill_session gets the whole transcript,
    although the store's writer may still be behind on megabytes of output
    then."""
    with Agent() as agent:
        async with Client(agent) as c:
            sid = await c.new_session("flood", task="flood-line-xyz")
            await asyncio.sleep(2)
            r = await c.request("kill_session", timeout=20, sessionId=sid)
            t.check("the flood is killed", r.get("type") == "session_killed", r)
            # No pause: the read is sent the moment the kill is answered, when
            # the writer thread still has the last frame to write.
            first = await c.request("read_transcript", timeout=20, sessionId=sid,
                                    format="cast", tail=1)
            waited = [x for x in agent.log().splitlines() if "waited" in x]
            print("agent:", *waited[-1:], flush=True)
            cast, _ = await read_all(c, sid, format="cast", maxBytes=1 << 20)
            hdr, evs = cast_events(cast or "")
            t.check("the whole transcript ends with its 'closed' marker",
                    bool(evs) and evs[-1][1:] == ["m", "closed"],
                    [e[:2] + [e[2][-60:]] for e in evs[-1:]])
            end = hdr.get("cm_start", 0) + (evs[-1][0] if evs else 0)
            t.check("a read right after the kill already ends where the transcript ends: "
                    "it was read whole", abs(first.get("end", 0) - end) < 1e-3,
                    f"first read ends at {first.get('end')}, the transcript at {end:.6f}")
            out = sum(len(e[2]) for e in evs if e[1] == "o")
            t.check("... and holds the flood's megabytes", out > 1_000_000, out)
            lst = await c.request("list_transcripts")
            rec = [x.get("recording") for x in lst.get("transcripts", [])
                   if x.get("sessionId") == sid]
            t.check("list_transcripts says it is no longer recording", rec == [False], lst)

            # A second, short flood: a search right after its kill, over every
            # transcript from its start (the first flood's frames are all before:
            # the search's 250 ms bound cannot stop it first, even under ASan).
            since = time.time()
            fl2 = await c.new_session("flood", task="flood-line-two")
            await asyncio.sleep(0.3)
            await c.request("kill_session", timeout=20, sessionId=fl2)
            every = await c.request("search_transcripts", timeout=20, pattern="no-such-needle",
                                    **{"from": since})
            again = await c.request("search_transcripts", pattern="no-such-needle",
                                    **{"from": since})
            t.check("a search of every transcript right after a kill scans all of it, as a "
                    "later search does",
                    not every.get("truncated") and not again.get("truncated") and
                    0 < every.get("bytesScanned", 0) == again.get("bytesScanned"),
                    f"{every} then {again}")
            one = await c.request("search_transcripts", pattern="flood-line-two",
                                  sessionIds=[fl2], maxMatches=1)
            t.check("a search of that one transcript finds its line",
                    [m.get("sessionId") for m in one.get("matches", [])] == [fl2], one)

            other = await c.new_session("cat")
            r = await c.request("read_transcript", sessionId=other)
            t.check("a read right after create_session gets the new transcript, not "
                    "unknown_transcript", r.get("type") == "transcript_chunk", r)
        t.check("the agent is still running", agent.alive())


async def off(t):
    with Agent(extra=["--no-transcripts"]) as agent:
        async with Client(agent) as c:
            r = await c.create("cat")
            lst = await c.request("list_transcripts")
            t.check("--no-transcripts: nothing recorded, and the list says so",
                    lst.get("recording") is False and lst.get("transcripts") == [], lst)
            r = await c.request("read_transcript", sessionId=r["sessionId"])
            t.check("--no-transcripts: read is unknown_transcript",
                    r.get("code") == "unknown_transcript", r)
        d = os.path.join(agent.state_dir, "transcripts")
        t.check("--no-transcripts: no transcript directory", not os.path.exists(d))


async def bad_dir(t):
    root = Agent().root  # a private scratch directory of its own
    bad = os.path.join(root, "open-to-all")
    os.makedirs(bad)
    os.chmod(bad, 0o777)
    with Agent(extra=["--transcript-dir", bad]) as agent:
        async with Client(agent) as c:
            sid = (await c.create("cat"))["sessionId"]
            await asyncio.sleep(0.3)
            r = await c.request("send_keys", sessionId=sid, keys="works-anyway", enter=True)
            await c.wait_screen(sid, "works-anyway")
            lst = await c.request("list_transcripts")
        t.check("a transcript directory open to others is refused: the agent runs, "
                "records nothing, and says why",
                lst.get("recording") is False and "transcripts are not recorded" in agent.log()
                and os.listdir(bad) == [], (lst, agent.log()[-400:]))
    shutil.rmtree(root, ignore_errors=True)


async def disk_full(t):
    # More free space asked for than any disk has: the store's real check
    # (fstatvfs before each frame) finds the disk "full".
    with Agent(extra=["--transcript-min-free-mb", str(1 << 30)]) as agent:
        async with Client(agent) as c:
            a = (await c.create("cat"))["sessionId"]
            b = (await c.create("cat"))["sessionId"]
            await asyncio.sleep(0.5)
            await c.request("send_keys", sessionId=a, keys="lost-line", enter=True)
            await c.wait_screen(a, "lost-line")
            await c.request("kill_session", sessionId=a)  # its last frame is written now
            ev = await c.wait_event(lambda e: e.get("type") == "recording_stopped", 10)
            t.check("a full disk is the event recording_stopped, with the directory and why",
                    ev is not None and ev.get("directory", "").endswith("/transcripts")
                    and ev.get("reason"), ev)
            r = await c.request("send_keys", sessionId=b, keys="still-running", enter=True)
            try:
                await c.wait_screen(b, "still-running")
                ok = True
            except Exception:
                ok = False
            t.check("sessions keep running while recording is stopped",
                    r.get("type") == "keys_sent" and ok, r)
            t.check("the agent logs the stop", "transcripts: recording stopped" in agent.log())
            r = await c.request("list_sessions")
            t.check("the other session is still listed",
                    any(s["sessionId"] == b for s in r.get("sessions", [])), r)


async def main(t):
    if shutil.which("asciinema") is None:
        t.check("asciinema is installed (scripts/install-deps.sh)", False)
        return
    await recorded(t)
    await survives_sigkill(t)
    await killed_flood(t)
    await off(t)
    await disk_full(t)
    await bad_dir(t)


run(main)
