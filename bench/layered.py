#!/usr/bin/python3
# bench/layered.py DIR LAYERS WIDTH [PARALLELISM [EXEC_EXTRA]]: the layered
# graph of bench/core.sh, trycost.sh and trysys.sh, once for ninja
# (DIR/build.ninja) and once for sluice (DIR/home/dags/layered.yaml):
# LAYERS x WIDTH `true` tasks, each after two tasks of the layer before.
# With PARALLELISM also the home's sluice.yaml: that many tries at once on
# the local executor, plus its keys in EXEC_EXTRA ("k: v, k: v").
# CMD (environment) replaces `true` for both, e.g. CMD='true;' makes sluice
# run each task through /bin/sh -c as ninja does (a plain `true` runs
# without the shell in sluice, see operators/shell.c).
import json
import os
import sys

w, layers, width = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
cmd = os.environ.get("CMD", "true")


def name(l, i):
    return f"t{l}_{i}"


def ups(l, i):
    return [name(l - 1, i), name(l - 1, (i + 1) % width)] if l > 0 else []


with open(f"{w}/build.ninja", "w") as f:
    f.write(f"rule run\n  command = {cmd}\n\n")
    for l in range(layers):
        for i in range(width):
            deps = " | " + " ".join(ups(l, i)) if l > 0 else ""
            f.write(f"build {name(l, i)}: run{deps}\n")
    f.write("build all: phony " + " ".join(name(layers - 1, i) for i in range(width)) + "\n")
    f.write("default all\n")
os.makedirs(f"{w}/home/dags", exist_ok=True)
with open(f"{w}/home/dags/layered.yaml", "w") as f:
    f.write("dag: layered\nmax_active_tasks: 100000\ntasks:\n")
    for l in range(layers):
        for i in range(width):
            after = f", after: [{', '.join(ups(l, i))}]" if l > 0 else ""
            f.write(f"  {name(l, i)}: {{command: {json.dumps(cmd)}{after}}}\n")
if len(sys.argv) > 4:
    n = int(sys.argv[4])
    extra = f", {sys.argv[5]}" if len(sys.argv) > 5 and sys.argv[5] else ""
    with open(f"{w}/home/sluice.yaml", "w") as f:
        f.write(f"dags_paused_at_creation: false\nparallelism: {n}\n"
                f"pools: {{default: 100000}}\nexecutors:\n"
                f"  local: {{type: local, slots: {n}{extra}}}\n")
