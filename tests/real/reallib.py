"""The flows of the real-tool stage (tests/real/run.sh), shared by
test-claude.py and test-codex.py: a real cm-agent (agentlib.Agent) runs the
real CLI installed in $CM_REAL_TOOLS against the API stand-in on
127.0.0.1:$CM_REAL_PORT (tests/real/standin.py), inside the private network
namespace made by netns.sh. Each run of a flow has its own agent and its own
HOME (seeded so the CLI skips its first-run screens), so runs are
independent and can go in parallel."""

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))

from agentlib import Agent, Client  # noqa: E402

TOOLS = os.environ.get("CM_REAL_TOOLS") or sys.exit("CM_REAL_TOOLS must be set (run tests/real/run.sh)")
PORT = os.environ.get("CM_REAL_PORT") or sys.exit("CM_REAL_PORT must be set (run tests/real/run.sh)")
CA = os.environ.get("CM_REAL_CA", "")
RUNS = int(os.environ.get("CM_REAL_RUNS", "3"))
RECORD = os.environ.get("CM_REAL_RECORD")  # a directory: keep every distinct screen
API_KEY = "sk-ant-standin-0123456789abcdefghijklmnopqrstuv"


def seed_claude(home, project):
    """~/.claude.json as after the first run: onboarding done, the key
    approved, the project trusted."""
    cfg = {"hasCompletedOnboarding": True, "theme": "dark", "numStartups": 5,
           "customApiKeyResponses": {"approved": [API_KEY[-20:]], "rejected": []},
           "projects": {project: {"hasTrustDialogAccepted": True, "allowedTools": [],
                                  "hasCompletedProjectOnboarding": True}}}
    with open(os.path.join(home, ".claude.json"), "w") as f:
        json.dump(cfg, f)
    return {"ANTHROPIC_BASE_URL": f"http://127.0.0.1:{PORT}", "ANTHROPIC_API_KEY": API_KEY,
            "DISABLE_TELEMETRY": "1", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            "DISABLE_AUTOUPDATER": "1", "DISABLE_ERROR_REPORTING": "1"}


def seed_claude_subscriber(agent):
    """Claude Code with a subscription (OAuth) token instead of the API key:
    it then reads the stand-in's anthropic-ratelimit-unified-* headers and
    draws its own limit screen (tests/real/record-subscriber-limit.sh)."""
    path = os.path.join(agent.root, "home", ".claude.json")
    with open(path) as f:
        cfg = json.load(f)
    cfg.pop("customApiKeyResponses", None)
    cfg["oauthAccount"] = {"accountUuid": "00000000-0000-4000-8000-000000000001",
                           "emailAddress": "a@example.com",
                           "organizationUuid": "00000000-0000-4000-8000-000000000002",
                           "organizationRole": "admin", "billingType": "stripe_subscription"}
    with open(path, "w") as f:
        json.dump(cfg, f)
    agent.env.pop("ANTHROPIC_API_KEY", None)
    agent.env["CLAUDE_CODE_OAUTH_TOKEN"] = "sk-ant-oat01-standin-0123456789abcdef"


def seed_codex(home, project):
    """~/.codex/config.toml naming the stand-in as the provider, and a
    trusted git repository as the project, so approvals are asked."""
    os.makedirs(os.path.join(home, ".codex"), mode=0o700, exist_ok=True)
    with open(os.path.join(home, ".codex", "config.toml"), "w") as f:
        f.write(f'''model = "gpt-5-codex"
model_provider = "mock"
approval_policy = "on-request"
[model_providers.mock]
name = "mock"
base_url = "http://127.0.0.1:{PORT}/v1"
env_key = "MOCK_API_KEY"
wire_api = "responses"
request_max_retries = 0
stream_max_retries = 0
[projects."{project}"]
trust_level = "trusted"
''')
    subprocess.run(["git", "init", "-q", project], check=True)
    return {"MOCK_API_KEY": "standin"}


class Tool:
    def __init__(self, name):
        self.name = name
        self.seed = seed_claude if name == "claude" else seed_codex

    def input_clean(self, screen):
        """Whether the input box holds nothing typed."""
        lines = screen.splitlines()
        if self.name == "claude":
            box = [ln for ln in lines if ln.startswith("❯")]
            # The last '❯' line is the input line (the echoed task comes before).
            return bool(box) and box[-1].rstrip("\u00a0 ") == "❯"
        # Codex shows its placeholder in an empty box.
        box = [ln for ln in lines if ln.startswith("›")]
        return bool(box) and (box[-1].rstrip() == "›" or
                              box[-1].startswith("› Ask Codex to do anything"))


def new_agent(tool):
    agent = Agent()
    home = os.path.join(agent.root, "home")
    os.makedirs(home, mode=0o700)
    env = tool.seed(home, agent.work)
    env.update({"HOME": home, "LANG": "C.UTF-8",
                "PATH": os.path.join(TOOLS, "node_modules", ".bin") + os.pathsep +
                os.environ.get("PATH", "")})
    if CA:
        env["NODE_EXTRA_CA_CERTS"] = CA
    agent.env.update(env)
    return agent


def of(c, sid, kind):
    return [e for e in c.events if e.get("type") == kind and e.get("sessionId") == sid]


def states(c, sid):
    return [e["state"] for e in of(c, sid, "state_change")]


async def wait_type(c, sid, kind, timeout=30, start=0):
    return await c.wait_event(lambda e: e.get("type") == kind and e.get("sessionId") == sid,
                              timeout, start)


async def wait_state_in(c, sid, wanted, timeout=30, start=0):
    return await c.wait_event(lambda e: e.get("type") == "state_change" and
                              e.get("sessionId") == sid and e.get("state") in wanted,
                              timeout, start)


class Recorder:
    """Saves each distinct screen of a session (when CM_REAL_RECORD is set),
    named by the state the agent gave it, for scripts/record-fixtures.sh."""

    def __init__(self, tool, flow, root):
        self.tool, self.flow, self.root = tool.name, flow, root
        self.seen = set()

    def clean(self, text):
        # The agent's random directory, as one fixed name of the same width
        # (Claude Code centres the path in its welcome box).
        fixed = "/tmp/cmt.recorded"
        if len(self.root) == len(fixed):
            text = text.replace(self.root, fixed)
        return text

    async def snap(self, c, sid, state, note=""):
        if not RECORD:
            return
        txt = self.clean(await c.screen(sid))
        r = await c.request("capture_pane", sessionId=sid, escapes=True)
        ansi = self.clean(r.get("content", ""))
        key = re.sub(r"[0-9]+s\b", "", txt)
        if key in self.seen:
            return
        self.seen.add(key)
        d = os.path.join(RECORD, self.tool)
        os.makedirs(d, exist_ok=True)
        base = f"{self.flow}-{state}-{int(time.time() * 1000) % 10**8}"
        with open(os.path.join(d, base + ".txt"), "w") as f:
            f.write(txt)
        with open(os.path.join(d, base + ".ansi"), "w") as f:
            f.write(ansi)
        with open(os.path.join(RECORD, "labels.tsv"), "a") as f:
            f.write(f"{self.tool}/{base}.txt\t{self.tool}\t{state}\t{state}\t{note}\n")


async def watch(c, sid, rec, stop):
    """Records a screen at every state change until stop is set."""
    i = 0
    while True:
        last = stop.is_set()  # one more pass after stop: the last state too
        while i < len(c.events):
            e = c.events[i]
            i += 1
            if e.get("type") == "state_change" and e.get("sessionId") == sid:
                try:
                    await rec.snap(c, sid, e["state"], e.get("rule", ""))
                except Exception:
                    pass
        if last:
            return
        await asyncio.sleep(0.05)


class Run:
    """One run of one flow: an agent, a client, a session; checks named
    after the flow and run."""

    def __init__(self, t, tool, flow, n):
        self.t, self.tool, self.flow, self.n = t, tool, flow, n
        self.label = f"{tool.name} {flow} #{n}"

        self.failed = 0

    def check(self, what, ok, detail=""):
        if not ok:
            self.failed += 1
        return self.t.check(f"{self.label}: {what}", ok, detail)


# ---- flows -----------------------------------------------------------------


async def flow_auto(r, agent, c):
    """Two prompts answered automatically; done; files written; input clean."""
    s = await c.create(r.tool.name, task="write-run: create hello.txt then run a command",
                       autoConfirm=True)
    sid = s["sessionId"]
    done = await wait_type(c, sid, "session_completed", 60)
    ac = of(c, sid, "auto_confirmed")
    need = of(c, sid, "confirm_needed")
    if not r.check("session_completed after two prompts", done is not None,
                   f"states {states(c, sid)} needed {need}"):
        print(await c.screen(sid))
    r.check("both prompts answered automatically, none left for a person",
            len(ac) == 2 and not need, f"auto {[(a.get('answer'), a.get('tookEffect')) for a in ac]} "
            f"needed {[n.get('reason') for n in need]}")
    r.check("every automatic answer took effect",
            ac and all(a.get("tookEffect") is True for a in ac),
            [(a.get("tookEffect"), a.get("attempts")) for a in ac])
    await asyncio.sleep(0.3)
    r.check("hello.txt written by the tool",
            os.path.exists(os.path.join(agent.work, "hello.txt")))
    r.check("ran.txt made by the command", os.path.exists(os.path.join(agent.work, "ran.txt")))
    screen = await c.screen(sid)
    r.check("input box left clean (no stray answer key typed)", r.tool.input_clean(screen),
            "\n" + screen)
    return sid


async def flow_manual(r, agent, c):
    """Auto-confirm off: nothing answered until a person confirms."""
    s = await c.create(r.tool.name, task="write-run: create hello.txt then run a command",
                       autoConfirm=False)
    sid = s["sessionId"]
    start = 0
    for i in (1, 2):
        need = await wait_type(c, sid, "confirm_needed", 60, start)
        r.check(f"prompt {i} waits for a person (auto-confirm off)",
                need is not None and "off" in need.get("reason", ""), need)
        if need is None:
            return sid
        if i == 1:
            await asyncio.sleep(1.5)
            r.check("nothing answered it in 1.5 s", not of(c, sid, "auto_confirmed") and
                    not os.path.exists(os.path.join(agent.work, "hello.txt")))
        # The next prompt may be announced before this answer's reply: look from here.
        start = len(c.events)
        ans = await c.request("confirm", sessionId=sid, approve=True, prompt=need["fingerprint"])
        r.check(f"confirm {i} -> confirmed", ans.get("type") == "confirmed", ans)
    done = await wait_type(c, sid, "session_completed", 60)
    r.check("done after the person's answers", done is not None, states(c, sid))
    r.check("the files are there", os.path.exists(os.path.join(agent.work, "hello.txt")) and
            os.path.exists(os.path.join(agent.work, "ran.txt")))
    return sid


async def flow_danger(r, agent, c):
    """A dangerous command is left for a person, who denies it."""
    s = await c.create(r.tool.name, task="danger: clean up everything", autoConfirm=True)
    sid = s["sessionId"]
    need = await wait_type(c, sid, "confirm_needed", 60)
    r.check("the dangerous command waits for a person",
            need is not None and "rm -rf /" in need.get("command", "") and
            "danger" in need.get("reason", ""), need)
    if need is None:
        return sid
    await asyncio.sleep(1.0)
    r.check("never answered automatically", not of(c, sid, "auto_confirmed"))
    start = len(c.events)
    ans = await c.request("confirm", sessionId=sid, approve=False, prompt=need["fingerprint"])
    r.check("deny -> confirmed with the no keys", ans.get("type") == "confirmed" and
            ans.get("approve") is False, ans)
    back = await wait_state_in(c, sid, ("idle", "done"), 30, start)
    r.check("back to idle after the denial", back is not None, states(c, sid))
    return sid


async def flow_error(r, agent, c, task, what):
    s = await c.create(r.tool.name, task=task, autoConfirm=True)
    sid = s["sessionId"]
    err = await wait_state_in(c, sid, ("error",), 60)
    r.check(f"{what}: state error", err is not None, states(c, sid))
    if err is not None:
        r.check(f"{what}: the evidence is the banner", err.get("evidence"), err)
    return sid


async def flow_apierror(r, agent, c):
    return await flow_error(r, agent, c, "apierror: please fail", "API error banner")


async def flow_usagelimit(r, agent, c):
    """The stand-in's 429: a state of its own; Codex says when it ends."""
    s = await c.create(r.tool.name, task="usagelimit: please hit the limit", autoConfirm=True)
    sid = s["sessionId"]
    ev = await wait_state_in(c, sid, ("usage_limit",), 60)
    r.check("usage-limit banner: state usage_limit", ev is not None, states(c, sid))
    if ev is not None:
        r.check("usage-limit banner: the evidence is the banner", ev.get("evidence"), ev)
        if r.tool.name == "codex":
            # resets_at two hours ahead; Codex prints the minute ("try again at 3:00 PM").
            want = ev["timestamp"] + 7200
            r.check("the reset time Codex prints is resetsAt",
                    abs(ev.get("resetsAt", 0) - want) <= 61, ev)
    return sid


async def flow_sublimit(r, agent, c):
    """Claude Code's subscription limit screen, live: usage_limit with its reset time."""
    s = await c.create(r.tool.name, task="usagelimit: please hit the limit", autoConfirm=True)
    sid = s["sessionId"]
    ev = await wait_state_in(c, sid, ("usage_limit",), 60)
    r.check("the subscription limit: state usage_limit", ev is not None, states(c, sid))
    if ev is not None:
        want = ev["timestamp"] + 7200  # the stand-in's reset; the screen says the minute
        r.check("resetsAt is the time the screen says", abs(ev.get("resetsAt", 0) - want) <= 61,
                ev)
    await asyncio.sleep(1.0)
    r.check("its menu keeps the state (no prompt for a person, no error)",
            states(c, sid)[-1] == "usage_limit", states(c, sid))
    return sid


async def tool_pid(agent, sid):
    """The pid of the tool in the session's pane."""
    sock = os.path.join(agent.socket_dir, sid + ".sock")
    out = subprocess.run(["tmux", "-S", sock, "display-message", "-p", "-t", sid,
                          "#{pane_pid}"], capture_output=True, text=True).stdout.strip()
    return int(out) if out.isdigit() else None


async def flow_crash(r, agent, c):
    """A tool killed after a turn is started again, resuming its conversation."""
    s = await c.create(r.tool.name, task="say done", autoConfirm=True)
    sid = s["sessionId"]
    done = await wait_type(c, sid, "session_completed", 60)
    r.check("the task is done", done is not None, states(c, sid))
    cid = None
    deadline = time.time() + 15
    while time.time() < deadline and not cid:
        lst = await c.request("list_sessions")
        cid = next((x.get("conversationId") for x in lst["sessions"]
                    if x["sessionId"] == sid), None)
        if not cid:
            await asyncio.sleep(0.2)
    r.check("the tool's conversation id is known and listed", cid, lst)
    pid = await tool_pid(agent, sid)
    r.check("the tool's pid", pid, pid)
    if not pid or not cid:
        return sid
    # Claude Code writes its transcript a moment after the turn; a crash
    # within that moment leaves nothing to resume (the agent then starts it
    # afresh, tests/integration/test-recovery.py). A crash a little later:
    await asyncio.sleep(2.0)
    start = len(c.events)
    os.kill(pid, signal.SIGKILL)
    rec = await wait_type(c, sid, "session_recovered", 30, start)
    r.check("killed: session_recovered, resuming the conversation",
            rec is not None and rec.get("resumed") is True and
            rec.get("conversationId") == cid, rec)
    back = await wait_state_in(c, sid, ("idle", "done"), 60, start)
    r.check("the resumed tool is back at its input", back is not None, states(c, sid)[-5:])
    # Codex draws its input ("Resuming session…") before the old turns.
    deadline = time.time() + 20
    screen = ""
    while time.time() < deadline and "say done" not in screen:
        screen = await c.screen(sid, lines=200)
        await asyncio.sleep(0.2)
    if not r.check("the resumed tool shows the old conversation", "say done" in screen):
        print(screen)
    return sid


async def flow_interrupt(r, agent, c):
    s = await c.create(r.tool.name, task="slow: write a long answer", autoConfirm=True)
    sid = s["sessionId"]
    busy = await wait_state_in(c, sid, ("thinking", "editing", "running"), 60)
    r.check("busy while the answer streams", busy is not None, states(c, sid))
    await asyncio.sleep(1.0)
    start = len(c.events)
    await c.request("send_keys", sessionId=sid, keys="", key="Escape")
    back = await wait_state_in(c, sid, ("idle", "done"), 20, start)
    r.check("Esc interrupts: back to idle", back is not None, states(c, sid)[-4:])
    return sid


async def flow_exit(r, agent, c):
    s = await c.create(r.tool.name, task="say done", autoConfirm=True)
    sid = s["sessionId"]
    # Not the first idle: both tools draw their idle screen a moment before
    # they submit the task given on the command line.
    done = await wait_type(c, sid, "session_completed", 60)
    r.check("the task is done", done is not None, states(c, sid))
    await asyncio.sleep(0.5)
    if r.tool.name == "claude":
        await c.request("send_keys", sessionId=sid, keys="/exit", enter=True)
    else:
        await c.request("send_keys", sessionId=sid, keys="", key="C-c")
    ex = await wait_type(c, sid, "session_exited", 30)
    if not r.check("the tool exits: session_exited", ex is not None, states(c, sid)[-3:]):
        print(await c.screen(sid))
    r.check("state exited", "exited" in states(c, sid), states(c, sid))
    return sid


async def flow_screen(r, agent, c):
    """Claude Code draws on tmux's main screen even when its user asked for
    the full-screen renderer (CLAUDE_CODE_NO_FLICKER=1 in the agent's
    environment, see one_run; the profile sets
    CLAUDE_CODE_DISABLE_ALTERNATE_SCREEN): tmux keeps its scrollback, so
    captures reach back past the screen. Both tools' transcripts hold the
    conversation."""
    s = await c.create(r.tool.name, task="write-run: create hello.txt then run a command",
                       autoConfirm=True)
    sid = s["sessionId"]
    done = await wait_type(c, sid, "session_completed", 60)
    r.check("the task is done", done is not None, states(c, sid))

    def tmux(fmt):
        return subprocess.run(["tmux", "-S", s["socket"], "display-message", "-p", "-t", sid,
                               fmt], capture_output=True, text=True).stdout.strip()
    # Codex keeps its alternate screen (its inline mode, --no-alt-screen,
    # draws frames that read as idle mid-turn); its transcript is whole
    # all the same, the output being recorded as it is written.
    alt_screen_off = r.tool.name == "claude"
    if alt_screen_off:
        r.check("the tool is on the main screen, not the alternate one",
                tmux("#{alternate_on}") == "0", tmux("#{alternate_on}"))
    # Ended, its transcript is whole (a live one is read up to its last frame).
    await c.request("kill_session", sessionId=sid)
    for _ in range(50):  # its last frame is written by the store's own thread
        raw = await c.request("read_transcript", sessionId=sid, format="raw", maxBytes=1048576)
        if raw.get("data"):
            break
        await asyncio.sleep(0.1)
    data = raw.get("data", "")
    r.check("the transcript has the output" +
            (", which never switched to the alternate screen" if alt_screen_off else ""),
            raw.get("type") == "transcript_chunk" and len(data) > 1000 and
            not (alt_screen_off and re.search("\x1b\\[\\?(1049|1047|47)[;0-9]*h", data)),
            (raw.get("type"), len(data), re.findall("\x1b\\[\\?[0-9;]*[hl]", data)[:12]))
    text = await c.request("read_transcript", sessionId=sid, format="text", maxBytes=1048576)
    r.check("the transcript holds the task as the tool echoed it",
            "create hello.txt" in text.get("data", ""),
            (text.get("type"), len(text.get("data", "")), text.get("data", "")[-300:]))
    return None  # killed already


FLOWS = {"auto": flow_auto, "manual": flow_manual, "danger": flow_danger,
         "apierror": flow_apierror, "usagelimit": flow_usagelimit,
         "interrupt": flow_interrupt, "exit": flow_exit, "screen": flow_screen,
         "crash": flow_crash, "sublimit": flow_sublimit}
ONLY_FOR = {"sublimit": "claude"}  # flows of one tool only
SEEDS = {"sublimit": seed_claude_subscriber}  # flows that need another setup


async def one_run(t, tool, flow, n, sem):
    async with sem:
        r = Run(t, tool, flow, n)
        agent = new_agent(tool)
        if flow == "screen":
            # As a user who turned Claude Code's full-screen renderer on.
            agent.env["CLAUDE_CODE_NO_FLICKER"] = "1"
        if flow in SEEDS:
            SEEDS[flow](agent)
        t0 = time.time()
        try:
            agent.start()
            async with Client(agent) as c:
                rec = Recorder(tool, flow, agent.root)
                stop = asyncio.Event()
                sid_box = {}

                async def recorder():
                    while "sid" not in sid_box:
                        for e in c.events:
                            if e.get("type") == "session_created":
                                sid_box["sid"] = e["sessionId"]
                        await asyncio.sleep(0.02)
                    await watch(c, sid_box["sid"], rec, stop)
                w = asyncio.ensure_future(recorder()) if RECORD else None
                try:
                    sid = await FLOWS[flow](r, agent, c)
                finally:
                    stop.set()
                    if w:
                        await asyncio.wait([w], timeout=5)
                        w.cancel()
                if sid:
                    await c.request("kill_session", sessionId=sid)
        except Exception as e:  # one broken run must not hide the others
            import traceback
            traceback.print_exc()
            r.check("flow ran to the end", False, repr(e))
        finally:
            if r.failed:
                print(f"---- {r.label}: agent log (last 60 lines)")
                print("\n".join(agent.log().splitlines()[-60:]))
            agent.cleanup()
        print(f"{r.label}: {time.time() - t0:.1f} s", flush=True)


async def run_flows(t, name, flows=None, parallel=3):
    tool = Tool(name)
    sem = asyncio.Semaphore(parallel)
    wanted = [f for f in (flows or list(FLOWS)) if ONLY_FOR.get(f, name) == name]
    only = os.environ.get("CM_REAL_FLOWS")
    if only:
        wanted = [f for f in wanted if f in only.split()]
    jobs = [one_run(t, tool, f, n, sem) for n in range(1, RUNS + 1) for f in wanted]
    await asyncio.gather(*jobs)
