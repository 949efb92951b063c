#!/usr/bin/env python3
"""xfr_faultd.py - a zone transfer server that breaks the stream on purpose.

No real server can be made to cut an AXFR in the middle, reset the
connection, change the message ID halfway or stall, so this one does (the
same rule as tests/lab/faultd.py: a purpose-written server only where a real
one cannot misbehave the way needed).  Used by tests/func/test_xfr.sh.

    xfr_faultd.py ADDR PORT

Answers AXFR for any zone; the first label of the zone picks the fault:

    ok        50 A records in 5 messages, sent in 7-byte pieces (partial reads)
    eof       message 1, then the connection closes (no closing SOA)
    reset     message 1, then a TCP reset
    badid     message 2 carries another ID
    stall     message 1, then silence (the connection stays open)
    slow      one message every 0.3 s
    outside   message 2 holds a record of another zone
    noquestion message 1 has no question section
    tc        message 1 has TC set
    refused   REFUSED

Runs until killed, or 300 s at most.
"""
import socket
import struct
import sys
import threading
import time


def wire_name(name):
    out = b""
    for label in name.strip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def rr(owner, rtype, rdata, ttl=300):
    return wire_name(owner) + struct.pack(">HHIH", rtype, 1, ttl, len(rdata)) + rdata


def soa(zone):
    rdata = wire_name("ns." + zone) + wire_name("host." + zone) + struct.pack(">IIIII", 7, 600, 60, 86400, 30)
    return rr(zone, 6, rdata)


def message(qid, zone, records, question=True, flags=0x8400):
    head = struct.pack(">HHHHHH", qid, flags, 1 if question else 0, len(records), 0, 0)
    q = wire_name(zone) + struct.pack(">HH", 252, 1) if question else b""
    return head + q + b"".join(records)


def framed(msg):
    return struct.pack(">H", len(msg)) + msg


def messages(qid, zone, mode):
    recs = [rr("h%d.%s" % (i, zone), 1, bytes([192, 0, 2, i % 256])) for i in range(50)]
    chunks = [recs[i:i + 10] for i in range(0, 50, 10)]
    chunks[0] = [soa(zone)] + chunks[0]
    chunks[-1] = chunks[-1] + [soa(zone)]
    out = []
    for i, c in enumerate(chunks):
        msg_id = qid
        question = i == 0
        flags = 0x8400
        if mode == "badid" and i == 1:
            msg_id = (qid + 1) & 0xFFFF
        if mode == "outside" and i == 1:
            c = c + [rr("www.elsewhere.", 1, b"\xc0\x00\x02\x01")]
        if mode == "noquestion" and i == 0:
            question = False
        if mode == "tc" and i == 0:
            flags |= 0x0200
        out.append(message(msg_id, zone, c, question, flags))
    return out


def read_query(conn):
    data = b""
    while len(data) < 2:
        d = conn.recv(2 - len(data))
        if not d:
            return None
        data += d
    (n,) = struct.unpack(">H", data)
    body = b""
    while len(body) < n:
        d = conn.recv(n - len(body))
        if not d:
            return None
        body += d
    return body


def qname(msg):
    pos, labels = 12, []
    while pos < len(msg) and msg[pos] != 0:
        n = msg[pos]
        labels.append(msg[pos + 1:pos + 1 + n].decode("ascii", "replace"))
        pos += 1 + n
    return ".".join(labels) + "."


def serve(conn):
    try:
        conn.settimeout(30)
        q = read_query(conn)
        if q is None or len(q) < 12:
            return
        (qid,) = struct.unpack(">H", q[:2])
        zone = qname(q)
        mode = zone.split(".")[0]
        if mode == "refused":
            conn.sendall(framed(message(qid, zone, [], True, 0x8405)))
            time.sleep(1)
            return
        msgs = messages(qid, zone, mode)
        if mode in ("eof", "reset", "stall"):
            conn.sendall(framed(msgs[0]))
            if mode == "reset":
                # let message 1 arrive first, then close with a reset (linger 0)
                time.sleep(0.2)
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            elif mode == "stall":
                time.sleep(20)
            return
        if mode == "slow":
            for m in msgs:
                conn.sendall(framed(m))
                time.sleep(0.3)
            return
        stream = b"".join(framed(m) for m in msgs)
        if mode == "ok":
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for i in range(0, len(stream), 7):
                conn.sendall(stream[i:i + 7])
                if i % 700 == 0:
                    time.sleep(0.001)
        else:
            conn.sendall(stream)
        time.sleep(1)
    except OSError:
        pass
    finally:
        conn.close()


def main():
    addr, port = sys.argv[1], int(sys.argv[2])
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, port))
    srv.listen(16)
    srv.settimeout(1)
    end = time.time() + 300
    while time.time() < end:
        try:
            conn, _ = srv.accept()
        except socket.timeout:
            continue
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
