#!/usr/bin/env python3
"""tests/lab/hostiled.py - the hostile tree's purpose-written servers (stdlib
only), for what no real server can be configured to do (tests/lab/hostile.sh).

  --relay ADDR=BACKEND:TYPES  relay UDP and TCP queries on ADDR:53 to the real
                              server BACKEND, except queries of the listed
                              types (comma-separated mnemonics or numbers),
                              which are read and never answered.
  --garbage ADDR              answer every query with a message whose header
                              and question match it but whose answer section
                              does not parse (UDP and TCP).
  --blackhole ADDR            accept UDP and TCP on ADDR:53, never answer.

Each option may be given several times.  Every loop is bounded in time:
sockets carry timeouts and a TCP connection lives at most HOLD seconds.
"""
import argparse
import os
import socket
import struct
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from faultd import listen, recv_exact  # noqa: E402  (the lab's other small server)

HOLD = 20.0    # seconds a silent TCP connection is held open
TIMEOUT = 3.0  # backend timeout
MAXMSG = 65535
TYPES = {"A": 1, "NS": 2, "SOA": 6, "NULL": 10, "AAAA": 28, "DS": 43, "DNSKEY": 48,
         "CDS": 59, "CDNSKEY": 60}


def log(msg):
    sys.stderr.write("%s hostiled: %s\n" % (time.strftime("%H:%M:%S"), msg))
    sys.stderr.flush()


def question(msg):
    """(end offset of the first question, its type) or (None, None)."""
    if len(msg) < 12 or struct.unpack("!H", msg[4:6])[0] != 1:
        return None, None
    off = 12
    for _ in range(128):
        if off >= len(msg):
            return None, None
        n = msg[off]
        if n & 0xC0:
            return None, None
        off += 1 + n
        if n == 0:
            break
    else:
        return None, None
    if off + 4 > len(msg):
        return None, None
    return off + 4, struct.unpack("!H", msg[off:off + 2])[0]


def garbage_for(msg):
    """A reply with the query's ID and question and an answer that does not
    parse: one RR whose RDLENGTH runs past the end of the message."""
    end, _ = question(msg)
    if end is None:
        return None
    flags = struct.unpack("!H", msg[2:4])[0]
    hdr = msg[:2] + struct.pack("!HHHHH", 0x8000 | (flags & 0x0110) | 0x0400, 1, 1, 0, 0)
    rr = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 300, 200) + b"\x7f\x00"
    return hdr + msg[12:end] + rr


def ask_backend(msg, backend, tcp):
    if tcp:
        with socket.create_connection((backend, 53), timeout=TIMEOUT) as b:
            b.sendall(struct.pack("!H", len(msg)) + msg)
            head = recv_exact(b, 2)
            return recv_exact(b, struct.unpack("!H", head)[0]) if head else None
    b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    b.settimeout(TIMEOUT)
    try:
        b.sendto(msg, (backend, 53))
        return b.recvfrom(MAXMSG)[0]
    finally:
        b.close()


def reply(mode, msg, tcp):
    """What to send back to one query (None: nothing)."""
    kind, arg = mode
    if kind == "blackhole":
        return None
    if kind == "garbage":
        return garbage_for(msg)
    backend, drop = arg
    _, qtype = question(msg)
    if qtype is None or qtype in drop:
        return None
    try:
        return ask_backend(msg, backend, tcp)
    except OSError as e:
        log("relay to %s: %s" % (backend, e))
        return None


def udp_loop(sock, mode):
    while True:
        try:
            msg, peer = sock.recvfrom(MAXMSG)
        except OSError:
            continue
        threading.Thread(target=udp_one, args=(sock, msg, peer, mode), daemon=True).start()


def udp_one(sock, msg, peer, mode):
    r = reply(mode, msg, False)
    if r is not None:
        try:
            sock.sendto(r, peer)
        except OSError:
            pass


def tcp_loop(lsock, mode):
    while True:
        try:
            conn, _ = lsock.accept()
        except OSError:
            continue
        threading.Thread(target=tcp_one, args=(conn, mode), daemon=True).start()


def tcp_one(conn, mode):
    deadline = time.monotonic() + HOLD
    conn.settimeout(1.0)
    try:
        while time.monotonic() < deadline:
            try:
                head = recv_exact(conn, 2)
            except socket.timeout:
                continue
            if head is None:
                return
            msg = recv_exact(conn, struct.unpack("!H", head)[0])
            if msg is None:
                return
            r = reply(mode, msg, True)
            if r is not None:
                conn.sendall(struct.pack("!H", len(r)) + r)
    except OSError:
        pass
    finally:
        conn.close()


def serve(addr, mode):
    listen(addr, udp_loop, tcp_loop, mode)
    log("%s: %s" % (addr, mode[0]))


def parse_relay(spec):
    addr, rest = spec.split("=", 1)
    backend, types = rest.split(":", 1)
    drop = set()
    for t in types.split(","):
        if t:
            drop.add(int(t) if t.isdigit() else TYPES[t.upper()])
    return addr, ("relay", (backend, drop))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--relay", action="append", default=[])
    ap.add_argument("--garbage", action="append", default=[])
    ap.add_argument("--blackhole", action="append", default=[])
    ap.add_argument("--lab", help="the lab's state directory (names the process as ours)")
    a = ap.parse_args()
    for spec in a.relay:
        serve(*parse_relay(spec))
    for addr in a.garbage:
        serve(addr, ("garbage", None))
    for addr in a.blackhole:
        serve(addr, ("blackhole", None))
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
