#!/usr/bin/env python3
"""tests/lab/xfrproxy.py - a relay in front of a real server that can damage
zone transfers (stdlib only).

No real server cuts an AXFR partway, sends an IXFR that does not apply to
the copy it started from, or refuses IXFR while it serves AXFR, so this one
does that to the transfers of a real server (knotd) and nothing else: every
UDP query and every TCP query that is not a transfer goes to the backend
and its answer comes back unchanged, byte for byte.  Used for xfrfault.lab.
(tests/lab/lib/xfrfault.sh; tests/func/test_xfr_faults.sh).

  xfrproxy.py --listen ADDR --backend ADDR --mode-file FILE [--lab DIR]

The mode is read from FILE at each TCP connection and UDP query (no file:
pass); but for `backend` it affects only the first query of a connection,
and only a transfer:

  pass           every transfer relayed unchanged
  axfr-cut       AXFR: message 1 with the first half of its records only
                 (no closing SOA), then the connection closes (IXFR
                 relayed)
  axfr-stall     AXFR: as axfr-cut, but the connection then stays open and
                 silent until the client closes it (or HOLD seconds)
  ixfr-mismatch  IXFR: the last RDATA octet of the first record the
                 difference removes is changed, so it removes a record the
                 client's copy does not hold (AXFR relayed)
  ixfr-full      IXFR: the backend is asked AXFR and its answer sent as the
                 IXFR answer (RFC 1995 §4 allows the whole zone)
  ixfr-refuse    IXFR: REFUSED (AXFR relayed)
  ixfr-drop      IXFR: the connection closes without an answer
  zonemd-bad     AXFR: the last digest octet of the ZONEMD record changed
  ixfr-zonemd    IXFR: the last digest octet of the last ZONEMD record in
                 message 1 (the one the difference adds) changed
  xfr-cut        IXFR as ixfr-drop, AXFR as axfr-cut: no transfer completes
  backend ADDR   every query, UDP and TCP, relayed unchanged to ADDR:53
                 instead: another real server stands at this address (a
                 test's NSD serving an older copy: a server that lags)

Every loop is bounded in time: sockets carry timeouts and a TCP connection
lives at most HOLD seconds.
"""
import argparse
import os
import select
import socket
import struct
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from faultd import listen, recv_exact, udp_forward  # noqa: E402  (the lab's other small server)

HOLD = 60.0      # seconds a TCP connection lives at most
TIMEOUT = 5.0    # backend connect and read timeout
MAXMSG = 65535
T_SOA, T_ZONEMD, T_IXFR, T_AXFR = 6, 63, 251, 252


def log(msg):
    sys.stderr.write("%s xfrproxy: %s\n" % (time.strftime("%H:%M:%S"), msg))
    sys.stderr.flush()


def recv_msg(sock):
    ln = recv_exact(sock, 2)
    if ln is None:
        return None
    return recv_exact(sock, struct.unpack("!H", ln)[0])


def framed(msg):
    return struct.pack("!H", len(msg)) + msg


def skip_name(m, off):
    for _ in range(128):
        n = m[off]
        if n == 0:
            return off + 1
        if n & 0xC0 == 0xC0:
            return off + 2
        off += 1 + n
    raise ValueError("name too long")


def question(m):
    """(offset of QTYPE, offset past the question) of the first question."""
    end = skip_name(m, 12)
    return end, end + 4


def answers(m):
    """[(type, rdata offset, rdlen)] of the answer section (a record ends
    at rdata offset + rdlen)."""
    qd, an = struct.unpack("!HH", m[4:8])
    off = 12
    for _ in range(qd):
        off = skip_name(m, off) + 4
    out = []
    for _ in range(an):
        off = skip_name(m, off)
        rtype, _cls, _ttl, rdlen = struct.unpack("!HHIH", m[off:off + 10])
        out.append((rtype, off + 10, rdlen))
        off += 10 + rdlen
    return out


def flip_last(m, rr):
    _t, rd, rdlen = rr
    m[rd + rdlen - 1] ^= 0x01


def pump(a, b, deadline):
    """Bytes both ways until either side closes or the deadline."""
    socks = [a, b]
    while time.monotonic() < deadline:
        r, _, _ = select.select(socks, [], [], 1.0)
        for s in r:
            data = s.recv(MAXMSG)
            if not data:
                return
            (b if s is a else a).sendall(data)


def read_mode(path):
    try:
        with open(path) as f:
            return f.read().strip() or "pass"
    except OSError:
        return "pass"


def tcp_conn(conn, backend, mode_file):
    deadline = time.monotonic() + HOLD
    conn.settimeout(TIMEOUT)
    up = None
    try:
        q = recv_msg(conn)
        if q is None or len(q) < 12:
            return
        qt_off, q_end = question(q)
        qtype = struct.unpack("!H", q[qt_off:qt_off + 2])[0]
        mode = read_mode(mode_file)
        if mode.startswith("backend "):
            backend, mode = mode.split()[1], "pass"
        if mode == "xfr-cut":
            mode = "axfr-cut" if qtype == T_AXFR else "ixfr-drop"
        fault = (mode in ("axfr-cut", "axfr-stall") and qtype == T_AXFR) or \
                (mode == "zonemd-bad" and qtype == T_AXFR) or \
                (mode.startswith("ixfr-") and qtype == T_IXFR)
        if fault:
            log("%s: %s" % ("AXFR" if qtype == T_AXFR else "IXFR", mode))
        if fault and mode == "ixfr-drop":
            return
        if fault and mode == "ixfr-refuse":
            flags = struct.unpack("!H", q[2:4])[0]
            flags = 0x8000 | (flags & 0x7900) | 5      # QR, opcode, RD; REFUSED
            conn.sendall(framed(q[:2] + struct.pack("!HHHHH", flags, 1, 0, 0, 0) + q[12:q_end]))
            return
        if fault and mode == "ixfr-full":
            # the same question as AXFR, without the IXFR's authority SOA
            q = bytearray(q[:q_end])
            q[6:12] = struct.pack("!HHH", 0, 0, 0)
            q[qt_off:qt_off + 2] = struct.pack("!H", T_AXFR)
            q = bytes(q)
        up = socket.create_connection((backend, 53), timeout=TIMEOUT)
        up.sendall(framed(q))
        if not fault:
            pump(conn, up, deadline)
            return
        soas = 0
        for i in range(100000):
            m = recv_msg(up)
            if m is None:
                return
            m = bytearray(m)
            rrs = answers(m)
            soas += sum(1 for r in rrs if r[0] == T_SOA)
            if mode in ("axfr-cut", "axfr-stall"):
                # message 1 cut after half its records (at a record's end:
                # compression points only backwards), then the end
                keep = rrs[:max(1, len(rrs) // 2)]
                m = m[:keep[-1][1] + keep[-1][2]]
                m[6:12] = struct.pack("!HHH", len(keep), 0, 0)
                conn.sendall(framed(bytes(m)))
                time.sleep(0.2)
                while mode == "axfr-stall" and time.monotonic() < deadline:
                    r, _, _ = select.select([conn], [], [], 1.0)
                    if r and not conn.recv(MAXMSG):
                        break
                return
            if mode == "ixfr-full" and i == 0:
                m[qt_off:qt_off + 2] = struct.pack("!H", T_IXFR)
            if mode == "ixfr-mismatch" and i == 0:
                # new SOA, old SOA, then what the first step removes
                if len(rrs) > 2 and rrs[1][0] == T_SOA and rrs[2][0] != T_SOA:
                    flip_last(m, rrs[2])
                    log("ixfr-mismatch: changed the removed record of type %d" % rrs[2][0])
            if mode == "zonemd-bad":
                for r in rrs:
                    if r[0] == T_ZONEMD:
                        flip_last(m, r)
            if mode == "ixfr-zonemd" and i == 0:
                added = [r for r in rrs if r[0] == T_ZONEMD][-1:]
                if len(rrs) > 2 and rrs[1][0] == T_SOA and added:
                    flip_last(m, added[0])
                    log("ixfr-zonemd: changed the added ZONEMD")
            conn.sendall(framed(bytes(m)))
            # AXFR (and an AXFR-style IXFR) ends at its second SOA; an
            # incremental IXFR is relayed until either side closes
            if mode not in ("ixfr-mismatch", "ixfr-zonemd") and soas >= 2:
                break
            if mode in ("ixfr-mismatch", "ixfr-zonemd"):
                pump(conn, up, deadline)
                return
        pump(conn, up, deadline)
    except (OSError, ValueError, struct.error, IndexError) as e:
        log("tcp: %s" % e)
    finally:
        conn.close()
        if up is not None:
            up.close()


def tcp_loop(lsock, arg):
    backend, mode_file = arg
    while True:
        try:
            conn, _ = lsock.accept()
        except OSError:
            continue
        threading.Thread(target=tcp_conn, args=(conn, backend, mode_file), daemon=True).start()


def udp_loop(sock, arg):
    backend, mode_file = arg
    while True:
        try:
            msg, peer = sock.recvfrom(MAXMSG)
        except OSError:
            continue
        mode = read_mode(mode_file)
        to = mode.split()[1] if mode.startswith("backend ") else backend
        threading.Thread(target=udp_forward, args=(sock, msg, peer, to), daemon=True).start()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", required=True)
    ap.add_argument("--backend", required=True)
    ap.add_argument("--mode-file", required=True)
    ap.add_argument("--lab", help="lab directory (only to tag the process)")
    a = ap.parse_args()
    listen(a.listen, udp_loop, tcp_loop, (a.backend, a.mode_file))
    log("relay on %s:53 -> %s, mode in %s (now %s)" %
        (a.listen, a.backend, a.mode_file, read_mode(a.mode_file)))
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    os.umask(0o022)
    main()
