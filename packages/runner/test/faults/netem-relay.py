#!/usr/bin/env python3
"""A user-space stand-in for `tc qdisc … netem delay D loss L`, for kernels built without
sch_netem (this one). It forwards Ethernet frames between interface pairs given as
`host_side:bridge_side`; frames read on the host side (what that host sends) are delayed
by D ms and dropped with probability L %, frames the other way pass at once. It reads
`set <delay_ms> <loss_pct>` lines on stdin and exits when stdin closes.

Both interfaces need checksum and segmentation offloads off (`ethtool -K … tx off tso off
gso off gro off`): frames read here are re-sent as they are.
"""
import heapq
import os
import random
import select
import socket
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def open_raw(name):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((name, 0))
    s.setblocking(False)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    return s


def main():
    routes = {}  # fd -> (socket it arrived on, socket to send on, impaired?)
    for pair in sys.argv[1:]:
        host_side, bridge_side = pair.split(":")
        h, b = open_raw(host_side), open_raw(bridge_side)
        routes[h.fileno()] = (h, b, True)
        routes[b.fileno()] = (b, h, False)
    delay, loss = 0.0, 0.0
    due = []  # (time, seq, socket, frame)
    seq = 0
    stdin = sys.stdin.fileno()
    readable = [stdin, *routes.keys()]
    buffered = b""
    while True:
        now = time.monotonic()
        while due and due[0][0] <= now:
            _, _, out, frame = heapq.heappop(due)
            try:
                out.send(frame)
            except OSError:
                pass  # the link is down: the frame is lost, as on a wire
        timeout = max(0.0, due[0][0] - now) if due else None
        ready, _, _ = select.select(readable, [], [], timeout)
        for fd in ready:
            if fd == stdin:
                chunk = os.read(stdin, 4096)
                if not chunk:
                    return
                buffered += chunk
                while b"\n" in buffered:
                    line, buffered = buffered.split(b"\n", 1)
                    parts = line.split()
                    if len(parts) == 3 and parts[0] == b"set":
                        delay, loss = float(parts[1]) / 1000.0, float(parts[2]) / 100.0
                        print(f"netem-relay: delay {parts[1].decode()} ms, loss {parts[2].decode()} %", flush=True)
                continue
            inp, out, impaired = routes[fd]
            for _ in range(256):
                try:
                    frame, addr = inp.recvfrom(65536)
                except BlockingIOError:
                    break
                if addr[2] == PACKET_OUTGOING:
                    continue  # what this relay (or the kernel) sent out of this interface
                if impaired and (loss > 0 and random.random() < loss):
                    continue
                if impaired and delay > 0:
                    seq += 1
                    heapq.heappush(due, (time.monotonic() + delay, seq, out, frame))
                    continue
                try:
                    out.send(frame)
                except OSError:
                    pass


if __name__ == "__main__":
    main()
