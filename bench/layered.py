#!/usr/bin/python3
# bench/layered.py DIR LAYERS WIDTH: the layered graph of bench/core.sh and
# bench/trycost.sh, once for ninja (DIR/build.ninja) and once for sluice
# (DIR/home/dags/layered.yaml): LAYERS x WIDTH `true` tasks, each after two
# tasks of the layer before.
import os
import sys

w, layers, width = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])


def name(l, i):
    return f"t{l}_{i}"


def ups(l, i):
    return [name(l - 1, i), name(l - 1, (i + 1) % width)] if l > 0 else []


with open(f"{w}/build.ninja", "w") as f:
    f.write("rule run\n  command = true\n\n")
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
            f.write(f"  {name(l, i)}: {{command: \"true\"{after}}}\n")
