"""What another program of the same user, or another user, could get from
or plant for the agent: the token left in /proc/PID/environ, profiles and
token files others can write, a start directory that tmux would cut at its
`;`, and session ids that collide between agents."""

import asyncio
import os
import re
import shutil
import subprocess
import tempfile

from agentlib import SOURCE, Agent, Client, run


def environ(pid):
    with open(f"/proc/{pid}/environ", "rb") as f:
        return f.read()


def pane_pid(agent, sid):
    out = subprocess.run(["tmux", "-S", os.path.join(agent.socket_dir, sid + ".sock"),
                          "list-panes", "-F", "#{pane_pid}"], capture_output=True, text=True)
    return int(out.stdout.split()[0])


async def env_tests(t):
    token = "envtoken-" + os.urandom(16).hex()
    agent = Agent(env={"CM_AGENT_TOKEN": token}, token=token)
    os.unlink(agent.token_file)
    agent.argv_orig = agent.argv
    agent.argv = lambda: [a for a in agent.argv_orig() if a not in ("--token-file",
                                                                     agent.token_file)]
    with agent:
        async with Client(agent) as c:
            t.check("CM_AGENT_TOKEN authenticates", c.auth_reply.get("status") == "authenticated")
            t.check("the token is not left in /proc/<agent>/environ",
                    token.encode() not in environ(agent.proc.pid))
            r = await c.create("cat")
            sid = r.get("sessionId")
            await c.wait_state(sid, "idle")
            pid = pane_pid(agent, sid)
            t.check("a session's tool does not have the token in its environment",
                    token.encode() not in environ(pid) and b"CM_AGENT_TOKEN" not in environ(pid))
            t.check("...nor can it read it from the agent's /proc/PID/environ",
                    token.encode() not in environ(agent.proc.pid))
            await c.request("kill_session", sessionId=sid)


PLANTED = """{"schema": 1, "name": "cat", "description": "planted",
 "argv": ["sh", "-c", "echo PLANTED; exec cat"], "task": {"via": "none"},
 "fallback": "idle",
 "rules": [{"name": "dead", "state": "exited", "region": {"last": 3}, "any": ["^Pane is dead"]}]}
"""


async def profile_case(t, what, setup):
    root = tempfile.mkdtemp(prefix="cmp.")
    pdir = os.path.join(root, "profiles")
    os.mkdir(pdir, 0o755)
    path = os.path.join(pdir, "cat.json")
    with open(path, "w") as f:
        f.write(PLANTED)
    os.chmod(path, 0o644)
    setup(pdir, path)
    with Agent(extra=["--profiles-dir", pdir]) as agent:
        async with Client(agent) as c:
            r = await c.request("list_profiles")
            desc = {p["name"]: p.get("description") for p in r.get("profiles", [])}
            t.check(f"{what}: the planted profile is refused, the other one kept",
                    "cat" in desc and desc["cat"] != "planted", desc.get("cat"))
            t.check(f"{what}: the refusal is logged with the file and the reason",
                    re.search(r"refused: .*(owned by uid 65534|writable by group or others)",
                              agent.log()) is not None and pdir in agent.log(),
                    agent.log()[-1500:])
    shutil.rmtree(root, ignore_errors=True)


async def profile_tests(t):
    await profile_case(t, "profile writable by others", lambda d, p: os.chmod(p, 0o666))
    await profile_case(t, "profiles dir writable by others", lambda d, p: os.chmod(d, 0o777))
    await profile_case(t, "profile owned by another user", lambda d, p: os.chown(p, 65534, -1))
    await profile_case(t, "profiles dir owned by another user",
                       lambda d, p: os.chown(d, 65534, -1))
    # A profile the user owns is still loaded (the check is not a blanket refusal).
    root = tempfile.mkdtemp(prefix="cmp.")
    with open(os.path.join(root, "cat.json"), "w") as f:
        f.write(PLANTED.replace('"planted"', '"mine"'))
    with Agent(extra=["--profiles-dir", root]) as agent:
        async with Client(agent) as c:
            r = await c.request("list_profiles")
            desc = {p["name"]: p.get("description") for p in r.get("profiles", [])}
            t.check("a profile owned by the user, not writable by others, is loaded",
                    desc.get("cat") == "mine", desc.get("cat"))
    shutil.rmtree(root, ignore_errors=True)


def refused(token_file):
    agent = Agent()
    argv = agent.argv()
    i = argv.index("--token-file")
    argv[i + 1] = token_file
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        _, err = p.communicate(timeout=5)
    except subprocess.TimeoutExpired:  # it started: the file was accepted
        p.terminate()
        _, err = p.communicate()
        agent.cleanup()
        return False, err
    agent.cleanup()
    return p.returncode != 0, err


async def token_file_tests(t):
    root = tempfile.mkdtemp(prefix="cmk.")
    os.chmod(root, 0o700)
    tok = os.path.join(root, "token")
    with open(tok, "w") as f:
        f.write(os.urandom(16).hex() + "\n")
    os.chmod(tok, 0o600)
    os.chown(tok, 65534, -1)
    no, err = refused(tok)
    t.check("a token file owned by another user is refused, saying why",
            no and "owned by uid 65534" in err, err)
    os.chown(tok, 0, -1)
    os.chmod(root, 0o777)
    no, err = refused(tok)
    t.check("a token file in a directory others can write is refused, saying why",
            no and "writable by group or others" in err, err)
    shutil.rmtree(root, ignore_errors=True)


async def cwd_tests(t):
    with Agent() as agent:
        async with Client(agent) as c:
            for name in ("x;", "x\\;", "y\\\\;"):
                d = os.path.join(agent.work, name)
                os.mkdir(d)
                r = await c.create("pwd", path=d)
                sid = r.get("sessionId")
                screen = await c.wait_screen(sid, "CWD<", 10) if sid else None
                m = re.search(r"CWD<(.*)>", screen or "")
                t.check(f"a start directory named {name!r} is where the tool runs",
                        r.get("type") == "session_created" and m is not None
                        and m.group(1) == os.path.realpath(d), (r, m and m.group(1)))
                if sid:
                    await c.request("kill_session", sessionId=sid)


async def id_tests(t):
    root = tempfile.mkdtemp(prefix="cmi.")
    shared = os.path.join(root, "sockets")
    os.mkdir(shared, 0o700)
    agents = []
    try:
        for i in range(3):
            a = Agent(extra=["--socket-dir", shared])
            agents.append(a.start())
        clients = [await Client(a).__aenter__() for a in agents]
        rs = await asyncio.gather(*(c.create("cat") for c in clients for _ in range(2)))
        ids = [r.get("sessionId") for r in rs]
        t.check("three agents starting sessions in the same second get distinct ids",
                len(set(ids)) == len(ids) and all(ids),
                [r.get("sessionId") or r.get("message") for r in rs])
        t.check("ids keep the cm- prefix: cm-<time>-<random>",
                all(re.fullmatch(r"cm-\d+-\d+", x or "") for x in ids), ids)
        for c, x in zip([c for c in clients for _ in range(2)], ids):
            await c.request("kill_session", sessionId=x)
        for c in clients:
            await c.close()
    finally:
        for a in agents:
            a.cleanup()
        shutil.rmtree(root, ignore_errors=True)


SECTIONS = {"env": env_tests, "profiles": profile_tests, "token": token_file_tests,
            "cwd": cwd_tests, "ids": id_tests}


async def main(t):
    import sys
    for name in sys.argv[1:] or SECTIONS:
        await SECTIONS[name](t)


run(main)
