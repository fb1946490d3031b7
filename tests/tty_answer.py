#!/usr/bin/python3
# tests/tty_answer.py PROMPT ANSWER CMD [ARG...]: run CMD on a
# pseudo-terminal (as a person at a terminal would), wait for PROMPT in
# what it prints (at most 30 s), type ANSWER and Enter, then print all it
# printed (line ends as \n) and exit with its exit status (124 when the
# prompt never came).
import os
import pty
import select
import sys
import time

prompt, answer, argv = sys.argv[1].encode(), sys.argv[2].encode(), sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
out, answered, deadline = b"", False, time.monotonic() + 30
while True:
    left = deadline - time.monotonic()
    if left <= 0:
        os.kill(pid, 9)
        break
    r, _, _ = select.select([fd], [], [], left)
    if not r:
        continue
    try:
        chunk = os.read(fd, 4096)
    except OSError:	# the other end closed: the command ended
        break
    if not chunk:
        break
    out += chunk
    if not answered and prompt in out:
        os.write(fd, answer + b"\n")
        answered = True
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.replace(b"\r\n", b"\n").decode(errors="replace"))
sys.exit(124 if not answered else os.waitstatus_to_exitcode(status))
