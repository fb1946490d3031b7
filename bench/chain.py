#!/usr/bin/python3
# bench/chain.py FILE LENGTH: a DAG `chain` of LENGTH `true` tasks, each
# after the one before (bench/chain.sh, core.sh, db_clean.sh).
import sys

with open(sys.argv[1], "w") as f:
    f.write("dag: chain\ntasks:\n")
    for i in range(int(sys.argv[2])):
        after = "" if i == 0 else f", after: [c{i-1}]"
        f.write(f"  c{i}: {{command: \"true\"{after}}}\n")
