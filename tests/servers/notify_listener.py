#!/usr/bin/python3
"""The service manager's end of the notification protocol, for
tests/service_ready.sh: binds a unix datagram socket (a path, or a name in
the abstract namespace when it starts with '@', as $NOTIFY_SOCKET says it)
and appends each datagram it receives, with the sender's pid, to a file,
one line each: "PID MESSAGE". Runs until killed.

Usage: notify_listener.py SOCKET OUTPUT_FILE
"""
import os
import socket
import struct
import sys

path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + path[1:] if path.startswith("@") else path)
# the sender's credentials come with each datagram
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
with open(out + ".tmp", "w") as f:
    f.write("listening\n")
os.rename(out + ".tmp", out)
while True:
    data, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(12))
    pid = "?"
    for level, kind, value in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = str(struct.unpack("iII", value[:12])[0])
    with open(out, "a") as f:
        f.write(pid + " " + data.decode("utf-8", "replace").replace("\n", " ") + "\n")
