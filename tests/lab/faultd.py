#!/usr/bin/env python3
"""tests/lab/faultd.py - misbehaving DNS servers for the lab (stdlib only).

  --drop ADDR      accept UDP and TCP on ADDR:53 and never answer (every
                   datagram is read and discarded; TCP connections are accepted,
                   read and held open without a reply until the peer gives up).
  --tc ADDR        relay to --backend: every UDP answer comes back truncated
                   (TC=1, header + question only, as RFC 1035 4.2.1 allows);
                   TCP queries are relayed and answered in full.
  --backend ADDR   the real server behind --tc.

Every loop is bounded in time: sockets carry timeouts and a TCP connection
lives at most HOLD seconds.
"""
import argparse
import socket
import struct
import sys
import threading
import time

HOLD = 30.0      # seconds a dropped TCP connection is held open
TIMEOUT = 3.0    # backend timeout
MAXMSG = 65535


def log(msg):
    sys.stderr.write("%s faultd: %s\n" % (time.strftime("%H:%M:%S"), msg))
    sys.stderr.flush()


def question_end(msg):
    """Offset just past the first question, or None if malformed."""
    if len(msg) < 12:
        return None
    qd = struct.unpack("!H", msg[4:6])[0]
    off = 12
    if qd == 0:
        return off
    for _ in range(128):  # at most 127 labels
        if off >= len(msg):
            return None
        n = msg[off]
        if n == 0:
            off += 1
            break
        if n & 0xC0:
            return None  # no compression pointer expected in a question
        off += 1 + n
    else:
        return None
    off += 4
    return off if off <= len(msg) else None


def truncate(resp):
    end = question_end(resp)
    if end is None:
        return None
    hdr = bytearray(resp[:12])
    hdr[2] |= 0x02                                   # TC
    qd = 1 if struct.unpack("!H", resp[4:6])[0] else 0
    hdr[4:12] = struct.pack("!HHHH", qd, 0, 0, 0)    # drop all sections
    return bytes(hdr) + resp[12:end]


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def udp_loop(sock, backend):
    while True:
        try:
            msg, peer = sock.recvfrom(MAXMSG)
        except OSError:
            continue
        if backend is None:
            continue  # drop
        threading.Thread(target=udp_relay, args=(sock, msg, peer, backend),
                         daemon=True).start()


def udp_forward(sock, msg, peer, backend, transform=None):
    """Ask backend:53 msg over UDP and send peer its answer, through
    transform (bytes -> bytes, or None: nothing is sent) when given."""
    b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    b.settimeout(TIMEOUT)
    try:
        b.sendto(msg, (backend, 53))
        resp, _ = b.recvfrom(MAXMSG)
        t = transform(resp) if transform is not None else resp
        if t is not None:
            sock.sendto(t, peer)
    except OSError as e:
        log("udp relay: %s" % e)
    finally:
        b.close()


def udp_relay(sock, msg, peer, backend):
    udp_forward(sock, msg, peer, backend, truncate)


def tcp_loop(lsock, backend):
    while True:
        try:
            conn, _ = lsock.accept()
        except OSError:
            continue
        target = tcp_hold if backend is None else tcp_relay
        threading.Thread(target=target, args=(conn, backend), daemon=True).start()


def tcp_hold(conn, _backend):
    deadline = time.monotonic() + HOLD
    conn.settimeout(1.0)
    try:
        while time.monotonic() < deadline:
            try:
                if not conn.recv(4096):
                    break
            except socket.timeout:
                pass
    except OSError:
        pass
    finally:
        conn.close()


def tcp_relay(conn, backend):
    conn.settimeout(10.0)
    try:
        for _ in range(100):  # bounded number of queries per connection
            ln = recv_exact(conn, 2)
            if ln is None:
                break
            q = recv_exact(conn, struct.unpack("!H", ln)[0])
            if q is None:
                break
            with socket.create_connection((backend, 53), timeout=TIMEOUT) as b:
                b.sendall(ln + q)
                rl = recv_exact(b, 2)
                if rl is None:
                    break
                r = recv_exact(b, struct.unpack("!H", rl)[0])
                if r is None:
                    break
            conn.sendall(rl + r)
    except OSError as e:
        log("tcp relay: %s" % e)
    finally:
        conn.close()


def listen(addr, udp_target, tcp_target, arg):
    """Bind UDP and TCP port 53 on addr; one thread each runs
    target(socket, arg).  Shared with hostiled.py."""
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    u.bind((addr, 53))
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind((addr, 53))
    t.listen(64)
    threading.Thread(target=udp_target, args=(u, arg), daemon=True).start()
    threading.Thread(target=tcp_target, args=(t, arg), daemon=True).start()


def serve(addr, backend):
    listen(addr, udp_loop, tcp_loop, backend)
    log("%s on %s:53%s" % ("truncating relay" if backend else "dropping",
                            addr, " -> %s" % backend if backend else ""))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--drop")
    ap.add_argument("--tc")
    ap.add_argument("--backend")
    ap.add_argument("--lab", help="lab directory (only to tag the process)")
    a = ap.parse_args()
    if a.tc and not a.backend:
        ap.error("--tc needs --backend")
    if a.drop:
        serve(a.drop, None)
    if a.tc:
        serve(a.tc, a.backend)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
