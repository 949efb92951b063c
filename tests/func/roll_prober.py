#!/usr/bin/env python3
"""tests/func/roll_prober.py - ask resolvers a name of each zone every second.

What the rollover rehearsal (test_rollover_lab.sh) observes at the
resolvers' end: every INTERVAL seconds, for every resolver and zone, one
query "www.ZONE A" (RD, EDNS0 with DO) is sent; each answer is written as
one line "SENT RECEIVED RESOLVER ZONE RCODE AD" (Unix times with
milliseconds; RCODE NOERROR, SERVFAIL, ... or TIMEOUT after 2 s, AD 0/1).
Runs until SIGTERM or --duration seconds.  Standard library only.

usage: roll_prober.py --out FILE [--interval 1] [--duration S]
                      --resolver NAME=ADDR ... --zone ZONE ...
"""
import argparse
import os
import random
import select
import signal
import socket
import struct
import sys
import time

RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}


def query(qid, name):
    """A DNS query (RFC 1035 4.1) for name A, RD set, with an OPT RR (RFC 6891) setting DO."""
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 1)
    for label in name.rstrip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\x00" + struct.pack(">HH", 1, 1)
    q += b"\x00" + struct.pack(">HHIH", 41, 1232, 0x00008000, 0)
    return q


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--interval", type=float, default=1.0)
    ap.add_argument("--duration", type=float, default=3600.0)
    ap.add_argument("--resolver", action="append", default=[])
    ap.add_argument("--zone", action="append", default=[])
    a = ap.parse_args()
    stop = [False]
    signal.signal(signal.SIGTERM, lambda *_: stop.__setitem__(0, True))
    socks = {}
    for r in a.resolver:
        name, addr = r.split("=", 1)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.connect((addr, 53))
        s.setblocking(False)
        socks[s] = name
    pending = {}  # (sock, id) -> (sent, zone)
    out = open(a.out, "a", buffering=1)
    end = time.time() + a.duration
    tick = time.time()
    while not stop[0] and time.time() < end:
        now = time.time()
        if now >= tick:
            for s in socks:
                for z in a.zone:
                    qid = random.randrange(65536)
                    while (s, qid) in pending:
                        qid = random.randrange(65536)
                    try:
                        s.send(query(qid, "www." + z))
                        pending[(s, qid)] = (time.time(), z)
                    except OSError:
                        out.write("%.3f %.3f %s %s SENDFAIL 0\n" % (now, now, socks[s], z))
            tick += a.interval
        for key, (sent, z) in list(pending.items()):
            if now - sent > 2.0:
                del pending[key]
                out.write("%.3f %.3f %s %s TIMEOUT 0\n" % (sent, now, socks[key[0]], z))
        ready, _, _ = select.select(list(socks), [], [], max(0.0, min(0.05, tick - time.time())))
        for s in ready:
            try:
                data = s.recv(65535)
            except OSError:
                continue
            if len(data) < 12:
                continue
            qid, flags = struct.unpack(">HH", data[:4])
            p = pending.pop((s, qid), None)
            if p is None:
                continue
            rcode = RCODES.get(flags & 0xF, str(flags & 0xF))
            ad = 1 if flags & 0x0020 else 0
            out.write("%.3f %.3f %s %s %s %d\n" % (p[0], time.time(), socks[s], p[1], rcode, ad))
    out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
