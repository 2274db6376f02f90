#!/usr/bin/python3
"""Merges the screens recorded by the real-tool flows (CM_REAL_RECORD, see
reallib.Recorder) into tests/fixtures: every screen not already there, named
FLOW-STATE-NN.txt (+ .ansi) under the tool's folder, with a row in
labels.tsv. A screen is kept only if the agent's classification when it was
recorded and `cm-agent classify` of the saved file agree (a capture taken
between two frames is dropped); a "done" screen that classify calls idle is
kept with both accepted (done is idle after work, which one screen cannot
show). Used by scripts/record-fixtures.sh.

  fixtures.py RECORDED_DIR FIXTURES_DIR CM_AGENT"""

import os
import re
import subprocess
import sys


def norm(text):
    # Timings and clocks change on every run; they do not make a new screen.
    text = re.sub(r"[0-9]+(\.[0-9]+)?(ms|s|m)\b", "N", text)
    return re.sub(r"[0-9]{1,2}:[0-9]{2}\b", "HH:MM", text)


def main():
    rec, fixtures, agent = sys.argv[1:4]
    labels = os.path.join(fixtures, "labels.tsv")
    known = set()
    with open(labels) as f:
        rows = f.read().splitlines()
    for row in rows[1:]:
        path = os.path.join(fixtures, row.split("\t")[0])
        try:
            with open(path) as g:
                known.add(norm(g.read()))
        except OSError:
            pass
    try:
        with open(os.path.join(rec, "labels.tsv")) as f:
            recorded = [r.split("\t") for r in f.read().splitlines() if r]
    except OSError:
        recorded = []
    added = 0
    for file, tool, state, _accept, note in recorded:
        src = os.path.join(rec, file)
        with open(src) as f:
            txt = f.read()
        if norm(txt) in known:
            continue
        out = subprocess.run([agent, "classify", "--profile", tool, src], capture_output=True,
                             text=True).stdout.split("\t")
        accept = state
        if state == "done" and len(out) > 1 and out[1] == "idle":
            # "done" is idle after work: the screen alone says idle (as done-01).
            accept = "done|idle"
        elif len(out) < 2 or out[1] != state:
            print(f"record-fixtures: dropped {file}: recorded as {state}, "
                  f"classified {out[1] if len(out) > 1 else '?'} (between two frames?)")
            continue
        known.add(norm(txt))
        flow = os.path.basename(file).split("-")[0]
        n = 1
        while os.path.exists(os.path.join(fixtures, tool, f"{flow}-{state}-{n:02d}.txt")):
            n += 1
        base = os.path.join(tool, f"{flow}-{state}-{n:02d}")
        os.makedirs(os.path.join(fixtures, tool), exist_ok=True)
        with open(os.path.join(fixtures, base + ".txt"), "w") as f:
            f.write(txt)
        ansi = src[:-4] + ".ansi"
        if os.path.exists(ansi):
            with open(ansi) as f, open(os.path.join(fixtures, base + ".ansi"), "w") as g:
                g.write(f.read())
        rows.append(f"{base}.txt\t{tool}\t{state}\t{accept}\t"
                    f"real {tool}, flow {flow} (rule {note}); recorded by scripts/record-fixtures.sh")
        added += 1
    with open(labels, "w") as f:
        f.write("\n".join(rows) + "\n")
    print(f"record-fixtures: {added} new screens, {len(recorded)} recorded")


main()
