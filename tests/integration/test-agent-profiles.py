"""Profiles as data, through a real agent: the shipped ones are built in, a
file in a profiles directory overrides one by name, a user adds a tool by
dropping a file, and a broken profile is refused at load with the file, the
rule and the reason while every good one still loads."""

import asyncio
import json
import os
import signal

from agentlib import Agent, Client, run


async def main(t):
    agent = Agent()
    extra = os.path.join(agent.root, "profiles")
    os.makedirs(extra)
    with open(os.path.join(extra, "claude.json"), "w") as f:
        json.dump({"schema": 1, "name": "claude", "description": "my own claude",
                   "argv": ["cat"], "task": {"via": "none"}, "fallback": "idle",
                   "rules": [{"name": "dead", "state": "exited", "region": {"last": 3},
                              "any": ["^Pane is dead"]}]}, f)
    with open(os.path.join(extra, "mytool.json"), "w") as f:
        json.dump({"schema": 1, "name": "mytool", "description": "a tool added by a user",
                   "argv": ["cat"], "task": {"via": "none"}, "fallback": "idle",
                   "rules": [{"name": "dead", "state": "exited", "region": {"last": 3},
                              "any": ["^Pane is dead"]}]}, f)
    with open(os.path.join(extra, "broken.json"), "w") as f:
        json.dump({"schema": 1, "name": "broken", "argv": ["cat"], "fallback": "idle",
                   "rules": [{"name": "bad-regex", "state": "idle", "any": ["(unclosed"]}]}, f)
    with open(os.path.join(extra, "notjson.json"), "w") as f:
        f.write("{ this is not json")
    agent.extra += ["--profiles-dir", extra]
    with agent:
        async with Client(agent) as c:
            r = await c.request("list_profiles")
            profiles = {p["name"]: p["description"] for p in r["profiles"]}
            t.check("shipped profiles are built in", all(n in profiles for n in
                                                         ("codex", "gemini", "aider")))
            t.check("a profiles dir overrides a shipped profile by name",
                    profiles.get("claude") == "my own claude", profiles.get("claude"))
            t.check("a user adds a tool by dropping a file", "mytool" in profiles)
            t.check("a broken profile is refused", "broken" not in profiles)
            log = agent.log()
            t.check("the refusal names the file, the rule and the reason",
                    "broken.json" in log and "bad-regex" in log and "profile refused" in log,
                    [l for l in log.splitlines() if "refused" in l])
            t.check("unparseable JSON is refused with the file name",
                    "notjson.json" in log)
            r = await c.create("mytool")
            t.check("the added tool starts", r.get("type") == "session_created", r)
            await c.request("kill_session", sessionId=r["sessionId"])
            r = await c.create("broken")
            t.check("a refused profile's tool is unknown", r.get("code") == "unknown_tool")
            # A file dropped in later is picked up by SIGHUP, without a restart.
            with open(os.path.join(extra, "later.json"), "w") as f:
                json.dump({"schema": 1, "name": "later", "description": "added later",
                           "argv": ["cat"], "task": {"via": "none"}, "fallback": "idle",
                           "rules": [{"name": "dead", "state": "exited",
                                      "region": {"last": 3}, "any": ["^Pane is dead"]}]}, f)
            agent.proc.send_signal(signal.SIGHUP)
            names = []
            for _ in range(50):
                r = await c.request("list_profiles")
                names = [p["name"] for p in r["profiles"]]
                if "later" in names:
                    break
                await asyncio.sleep(0.05)
            t.check("SIGHUP reloads the profiles", "later" in names and agent.alive(), names)


run(main)
