#!/usr/bin/env python3
"""check-layers: the include graph of src/ has no cycle and never goes up a layer.

Usage: scripts/check-layers.py [--root DIR] [--self-test]

A module is a source file and its header (foo.c + foo.h): the module
includes another when any of its files includes that one's header. Two
rules, each failure printed as FILE:LINE with the include that breaks it:

  1. No include cycle between modules (a .c including its own .h is not
     one). A cycle is printed as the chain of includes that closes it.
  2. No include up a layer. Layers, lowest first, in two stacks over the
     same base:
        common <- proto <- lib <- cli                       (the client side)
        common <- proto <- agent/settings <- agent/tmux <- agent/screen
               <- agent/worktree <- agent/sessions <- agent/transport
               <- agent (main.c, wiring)
     A file may include its own layer and the layers below it in its
     stack; the two stacks never include each other. A file directly in
     src/agent/ is the top of the agent (the wiring); a new folder under
     src/agent/ that is not listed here is an error until it is given a
     place.

Only quoted includes are followed (system headers are angle-bracketed).
An include is looked up next to the including file, then under src/,
then in src/lib (libcm's public header, cm.h); one found nowhere (a
generated file) is ignored. Exit status: 0 clean, 1 violations, 2 usage.
Python 3 standard library only.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

# Each stack lists its layers from the bottom up.
STACKS = [
    ["common", "proto", "lib", "cli"],
    ["common", "proto", "agent/settings", "agent/tmux", "agent/screen", "agent/worktree",
     "agent/sessions",
     "agent/transport", "agent"],
]
AGENT_LAYERS = {l for l in STACKS[1] if l.startswith("agent/")}
SEARCH = ["", "lib"]  # after the includer's own directory, relative to src/
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def layer_of(rel):
    """The layer of a path relative to src/, or None if it belongs to none."""
    parts = rel.split("/")
    if parts[0] == "agent":
        if len(parts) == 2:
            return "agent"
        sub = "agent/" + parts[1]
        return sub if sub in AGENT_LAYERS else "agent/?" + parts[1]
    return parts[0] if parts[0] in ("common", "proto", "lib", "cli") else None


def may_include(src_layer, dst_layer):
    """True if a file of src_layer may include a header of dst_layer."""
    if src_layer == dst_layer:
        return True
    for stack in STACKS:
        if src_layer in stack and dst_layer in stack:
            return stack.index(dst_layer) < stack.index(src_layer)
    return False


def allowed(src_layer):
    """The layers src_layer may include, for messages."""
    for stack in STACKS:
        if src_layer in stack:
            return stack[: stack.index(src_layer) + 1]
    return []


def scan(root):
    """Returns (files, edges): files relative to src/, and a list of
    (from_file, line, include_text, to_file) for every resolved include."""
    src = os.path.join(root, "src")
    files = []
    for d, dirs, names in os.walk(src):
        dirs.sort()
        for n in sorted(names):
            if n.endswith((".c", ".h")):
                files.append(os.path.relpath(os.path.join(d, n), src).replace(os.sep, "/"))
    known = set(files)
    edges = []
    for f in files:
        here = os.path.dirname(f)
        with open(os.path.join(src, f), encoding="utf-8", errors="replace") as fh:
            for lineno, line in enumerate(fh, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                inc = m.group(1)
                for base in [here] + SEARCH:
                    cand = os.path.normpath(os.path.join(base, inc)).replace(os.sep, "/")
                    if cand in known:
                        edges.append((f, lineno, inc, cand))
                        break
    return files, edges


def module(f):
    return f[:-2] if f.endswith((".c", ".h")) else f


def find_cycles(edges):
    """Strongly connected components of the module graph with more than one
    module, each with one cycle through it: (modules, [edges]), an edge
    being (from_file, line, inc, to_file)."""
    graph = {}
    for e in edges:
        a, b = module(e[0]), module(e[3])
        if a != b:
            graph.setdefault(a, {}).setdefault(b, e)
            graph.setdefault(b, {})
    index, low, stack, on, comps = {}, {}, [], set(), []
    counter = [0]

    def strong(v):
        # Iterative Tarjan: deep include chains must not hit the recursion limit.
        work = [(v, iter(sorted(graph[v])))]
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        while work:
            node, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                    advanced = True
                    break
                if w in on:
                    low[node] = min(low[node], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == node:
                        break
                if len(comp) > 1:
                    comps.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    cycles = []
    for comp in comps:
        members = set(comp)
        # The shortest way back to the first module, by breadth-first search.
        start = comp[0]
        prev = {start: None}
        queue = [start]
        found = None
        while queue and found is None:
            nxt = []
            for v in queue:
                for w, e in sorted(graph[v].items()):
                    if w not in members:
                        continue
                    if w == start:
                        found = (v, e)
                        break
                    if w not in prev:
                        prev[w] = (v, e)
                        nxt.append(w)
                if found:
                    break
            queue = nxt
        path = [found[1]]
        v = found[0]
        while prev[v] is not None:
            path.append(prev[v][1])
            v = prev[v][0]
        cycles.append((comp, list(reversed(path))))
    return cycles


def check(root):
    """Returns the list of violation messages for the tree at root."""
    files, edges = scan(root)
    problems = []
    for f in files:
        layer = layer_of(f)
        if layer is not None and layer.startswith("agent/?"):
            problems.append("src/%s: the folder src/agent/%s is not a layer (see %s)" %
                            (f, layer[7:], os.path.basename(__file__)))
    for f, line, inc, to in edges:
        a, b = layer_of(f), layer_of(to)
        if a is None or b is None or a.startswith("agent/?") or b.startswith("agent/?"):
            continue
        if not may_include(a, b):
            problems.append("src/%s:%d: includes \"%s\" (layer %s), which %s may not include "
                            "(it may include: %s)" % (f, line, inc, b, a, ", ".join(allowed(a))))
    for comp, cyc in find_cycles(edges):
        chain = "; ".join("src/%s:%d includes \"%s\"" % (e[0], e[1], e[2]) for e in cyc)
        problems.append("include cycle among %d modules (%s), for one: %s" %
                        (len(comp), ", ".join(comp), chain))
    return problems


def self_test():
    """Plants each kind of violation in a scratch tree and checks that it is
    reported with its file and line, and that a clean tree passes."""
    def tree(files):
        root = tempfile.mkdtemp(prefix="check-layers-")
        for path, text in files.items():
            full = os.path.join(root, "src", path)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "w") as fh:
                fh.write(text)
        return root

    base = {
        "common/buf.h": "", "common/buf.c": '#include "common/buf.h"\n',
        "proto/message.h": '#include "common/buf.h"\n',
        "agent/tmux/link.h": '#include "common/buf.h"\n',
        "agent/sessions/bus.h": "",
        "agent/sessions/bus.c": '#include "agent/sessions/bus.h"\n#include "agent/tmux/link.h"\n',
        "agent/transport/conn.h": "",
        "agent/transport/conn.c": '#include "agent/transport/conn.h"\n'
                                  '#include "agent/sessions/bus.h"\n',
        "cli/cli.h": "", "cli/cmd.c": '#include "cli.h"\n#include "proto/message.h"\n',
    }
    cases = [
        ("clean tree", {}, []),
        ("include up a layer", {"agent/sessions/bus.c": '#include "agent/sessions/bus.h"\n\n'
                                '#include "agent/transport/conn.h"\n'},
         ["src/agent/sessions/bus.c:3: includes \"agent/transport/conn.h\""]),
        ("cycle between modules", {"agent/sessions/output.h": "",
                                   "agent/sessions/output.c": '#include "agent/sessions/bus.h"\n',
                                   "agent/sessions/bus.c": '#include "agent/sessions/output.h"\n'},
         ["include cycle among 2 modules (agent/sessions/bus, agent/sessions/output)",
          "src/agent/sessions/bus.c:1 includes \"agent/sessions/output.h\"",
          "src/agent/sessions/output.c:1 includes \"agent/sessions/bus.h\""]),
        ("cycle through a relative include", {"cli/cli.c": '#include "cli.h"\n',
                                              "cli/cli.h": '#include "output.h"\n',
                                              "cli/output.h": '#include "cli.h"\n'},
         ["include cycle among 2 modules (cli/cli, cli/output)"]),
        ("the client side includes the agent", {"cli/cmd.c": '#include "agent/tmux/link.h"\n'},
         ["src/cli/cmd.c:1: includes \"agent/tmux/link.h\" (layer agent/tmux)"]),
        ("the agent includes libcm", {"lib/cm.h": "",
                                      "agent/tmux/link.c": '#include "cm.h"\n'},
         ["src/agent/tmux/link.c:1: includes \"cm.h\" (layer lib)"]),
        ("a folder that is no layer", {"agent/misc/x.c": ""},
         ["src/agent/misc/x.c: the folder src/agent/misc is not a layer"]),
    ]
    failed = 0
    for name, extra, expect in cases:
        files = dict(base)
        files.update(extra)
        root = tree(files)
        try:
            got = check(root)
        finally:
            shutil.rmtree(root)
        text = "\n".join(got)
        ok = (not got) if not expect else all(e in text for e in expect)
        print("%s: %s" % ("ok" if ok else "FAIL", name))
        if not ok:
            failed += 1
            print("  expected: %s\n  got:\n    %s" % (expect or "no problem",
                                                      text.replace("\n", "\n    ") or "nothing"))
    # The script itself, run on a planted tree, must exit 1.
    root = tree(dict(base, **{"agent/tmux/link.c": '#include "agent/transport/conn.h"\n'}))
    try:
        rc = subprocess.run([sys.executable, os.path.abspath(__file__), "--root", root],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    finally:
        shutil.rmtree(root)
    print("%s: exit status 1 on a violation" % ("ok" if rc == 1 else "FAIL"))
    failed += rc != 1
    print("%d of %d self-tests failed" % (failed, len(cases) + 1))
    return 1 if failed else 0


def main(argv):
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    args = argv[1:]
    if args == ["--self-test"]:
        return self_test()
    if len(args) == 2 and args[0] == "--root":
        root = args[1]
    elif args:
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    if not os.path.isdir(os.path.join(root, "src")):
        print("check-layers: %s has no src/" % root, file=sys.stderr)
        return 2
    problems = check(root)
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print("check-layers: %d problem(s)" % len(problems), file=sys.stderr)
        return 1
    print("check-layers: no include cycle, no include up a layer")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
