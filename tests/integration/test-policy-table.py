"""The auto-confirm policy table: every row of tests/data/policy/commands.tsv
(decision, rule, directory, command) is run through `cm-agent policy check
--path DIR -- COMMAND`, which must print the decision and the rule, and exit
0 for allow and 1 for ask. Also: bad usage exits 2, a config's and a
profile's danger rules apply, and a profile whose command prompts are not
answerable always asks."""

import json
import os
import subprocess
import sys
import tempfile

BUILD = os.environ.get("CM_BUILD_DIR", "build/dev")
SRC = os.environ.get("CM_SOURCE_DIR", ".")
AGENT = os.path.abspath(os.path.join(BUILD, "src", "agent", "cm-agent"))
TABLE = os.path.join(SRC, "tests", "data", "policy", "commands.tsv")


def unescape(s):
    out, i = [], 0
    while i < len(s):
        if s[i] == "\\" and i + 1 < len(s):
            out.append({"n": "\n", "t": "\t", "\\": "\\"}.get(s[i + 1], s[i + 1]))
            i += 2
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


def check(args, cwd=None):
    p = subprocess.run([AGENT, "policy", "check"] + args, capture_output=True, text=True,
                       cwd=cwd)
    return p.returncode, p.stdout, p.stderr


def main():
    failed = passed = 0
    counts = {"allow": 0, "ask": 0}

    def ok(cond, what):
        nonlocal failed, passed
        if cond:
            passed += 1
        else:
            failed += 1
            print("FAIL: " + what)

    with open(TABLE, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            decision, rule, directory, command = line.split("\t", 3)
            command = unescape(command)
            counts[decision] += 1
            rc, out, err = check(["--path", directory, "--", command])
            fields = out.rstrip("\n").split("\t")
            good = (len(fields) == 3 and fields[0] == decision and fields[1] == rule and
                    rc == (0 if decision == "allow" else 1) and fields[2] != "")
            ok(good, "line %d: %r in %s: expected %s %s, got rc=%d %r %s" %
               (n, command, directory, decision, rule, rc, out, err.strip()))

    # usage errors change nothing and exit 2
    rc, out, err = check([])
    ok(rc == 2 and out == "" and "usage" in err, "no command: exit 2 with usage")
    rc, out, err = check(["--bogus", "--", "ls"])
    ok(rc == 2 and out == "", "unknown option: exit 2")
    rc, out, err = check(["--profile", "nosuchtool", "--", "ls"])
    ok(rc == 2 and out == "", "unknown profile: exit 2")
    p = subprocess.run([AGENT, "policy"], capture_output=True, text=True)
    ok(p.returncode == 2, "policy without check: exit 2")

    # the default directory is the current one
    with tempfile.TemporaryDirectory() as tmp:
        rc, out, _ = check(["--", "rm -rf build"], cwd=tmp)
        ok(rc == 0 and out.startswith("allow\tok\t"), "rm -rf build in the current dir")
        rc, out, _ = check(["--", "rm -rf " + tmp + "/../x"], cwd=tmp)
        ok(rc == 1 and out.startswith("ask\tdelete-outside\t"), "rm of the parent dir")
        # the config's rules apply, named as the agent names them
        cfg = os.path.join(tmp, "agent.json")
        with open(cfg, "w") as f:
            json.dump({"danger-rule": ["terraform +apply"]}, f)
        rc, out, _ = check(["--config", cfg, "--", "terraform apply -auto-approve"])
        ok(rc == 1 and out.startswith("ask\tconfig-1\t"), "config rule: " + out)
        rc, out, _ = check(["--danger-rule", "npm +publish", "--", "npm publish"])
        ok(rc == 1 and out.startswith("ask\tconfig-1\t"), "--danger-rule: " + out)
        rc, out, _ = check(["--danger-rule", "(", "--", "ls"])
        ok(rc == 2 and out == "", "bad --danger-rule: exit 2")
        # a profile's own danger rules, and its answerable flag
        prof = os.path.join(tmp, "mytool.json")
        with open(prof, "w") as f:
            json.dump({"schema": 1, "name": "mytool", "argv": ["cat"],
                       "task": {"via": "none"}, "fallback": "idle",
                       "danger": [{"name": "deploy", "pattern": "make +deploy"}],
                       "rules": [{"name": "ask", "state": "waiting_confirm",
                                  "any": ["^Run\\?"],
                                  "prompt": {"kind": "command", "question": "^(Run\\?)",
                                             "answerable": True, "yes": ["y"]}}]}, f)
        rc, out, _ = check(["--profile", prof, "--", "make deploy"])
        ok(rc == 1 and out.startswith("ask\tdeploy\t"), "profile rule: " + out)
        rc, out, _ = check(["--profile", prof, "--", "make test"])
        ok(rc == 0, "profile allows make test: " + out)
        rc, out, _ = check(["--profile", "gemini", "--", "ls"])
        ok(rc == 1 and out.startswith("ask\tnot-answerable\t"), "gemini: " + out)
        rc, out, _ = check(["--profile", "claude", "--", "ls"])
        ok(rc == 0 and out.startswith("allow\tok\t"), "claude: " + out)

    # hostile input: a NUL cannot be passed in argv; long lines and junk bytes ask
    rc, out, _ = check(["--", "echo " + "a" * 5000])
    ok(rc == 1 and out.startswith("ask\tunparsed\t"), "a 5000-byte command asks")
    p = subprocess.run([AGENT.encode(), b"policy", b"check", b"--", b"echo \xff\xfe; rm -rf /"],
                       capture_output=True)
    ok(p.returncode == 1 and p.stdout.startswith(b"ask\tdelete-outside\t"),
       "invalid UTF-8 is read as bytes")

    print("%d rows: %d ask, %d allow" % (counts["ask"] + counts["allow"], counts["ask"],
                                         counts["allow"]))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
