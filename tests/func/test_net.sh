#!/usr/bin/env bash
# tests/func/test_net.sh - the query engine (src/net) against real servers on
# loopback, through the tests/func/net_probe driver:
#   knotd on 127.0.0.201 and [::1]:53201 (UDP, TC->TCP, TCP only, 200 queries),
#   a python3 sink that never answers (127.0.0.202), a server whose UDP is
#   dead but TCP answers (127.0.0.205), an address where nothing listens
#   (127.0.0.204), and a responder that sends wrong IDs, spoofed sources and
#   unparsable answers before (or instead of) the right one (127.0.0.203).
# shellcheck source=tests/func/lib.sh
. "$(dirname "$0")/lib.sh"

PROBE=${NET_PROBE:-$(dirname "${DNSVIGIL_BIN:-$DNSVIGIL}")/tests/func/net_probe}
KNOT4=127.0.0.201
KNOT6_PORT=53201
SINK=127.0.0.202
FAKE=127.0.0.203
DEAD=127.0.0.204
TCPONLY=127.0.0.205
PIDS=()

cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2> /dev/null; done
}
trap 'cleanup; dv_schema_report' EXIT

if [ ! -x "$PROBE" ]; then
	not_ok "net_probe built" "missing $PROBE"
	cat "$WORK"/*.err > "$WORK/all.err" 2> /dev/null
t_nogrep "no sanitizer report from any net_probe run" 'Sanitizer|runtime error|leak' "$WORK/all.err"

exit 0
fi
if ! command -v knotd > /dev/null; then
	not_ok "knotd available" "knotd not installed"
	cat "$WORK"/*.err > "$WORK/all.err" 2> /dev/null
t_nogrep "no sanitizer report from any net_probe run" 'Sanitizer|runtime error|leak' "$WORK/all.err"

exit 0
fi

# The addresses below are fixed, so two suites running at once (several
# engineers share this machine) take turns instead of failing to bind.
exec 8> /tmp/dnsvigil-test_net.lock
if ! flock -w 300 8; then
	not_ok "test_net lock" "another test_net.sh held /tmp/dnsvigil-test_net.lock for 300 s"
	exit 0
fi

# probe NAME ARGS... - run net_probe (bounded), output in $WORK/NAME.out
probe() {
	local name=$1
	shift
	timeout 30 "$PROBE" "$@" > "$WORK/$name.out" 2> "$WORK/$name.err"
	echo $? > "$WORK/$name.rc"
}
# field NAME KEY - value of KEY=... in $WORK/NAME.out (first occurrence)
field() {
	grep -o "\\b$2=[^ ]*" "$WORK/$1.out" | head -1 | cut -d= -f2
}

# --- knotd with a small zone --------------------------------------------------
K=$WORK/knot
mkdir -p "$K/run" "$K/db"
{
	echo '$ORIGIN example.test.'
	echo '$TTL 300'
	echo '@ SOA ns.example.test. host.example.test. 1 3600 900 604800 300'
	echo '@ NS ns'
	echo "ns A $KNOT4"
	echo 'www A 192.0.2.1'
	echo 'www AAAA 2001:db8::1'
	# Twelve 150-byte strings: about 2000 bytes, more than the 1232 we offer.
	for c in a b c d e f g h i j k l; do
		printf 'big TXT "%s"\n' "$(printf "%150s" "" | tr ' ' "$c")"
	done
} > "$K/example.test.zone"
cat > "$K/knot.conf" << EOF
server:
    rundir: "$K/run"
    listen: [ $KNOT4@53, ::1@$KNOT6_PORT ]
    udp-workers: 2
    tcp-workers: 2
    background-workers: 1
database:
    storage: "$K/db"
log:
  - target: stderr
    any: warning
template:
  - id: default
    storage: "$K"
    file: "%s.zone"
    zonefile-sync: -1
    journal-content: none
zone:
  - domain: example.test
EOF
knotd -c "$K/knot.conf" > "$K/knotd.log" 2>&1 &
PIDS+=($!)

# --- python3 stdlib fake servers ----------------------------------------------
cat > "$WORK/fake.py" << 'EOF'
# Fake DNS servers for test_net.sh; exits by itself after 300 s.
import socket, struct, sys, threading, time

sink, fake, tcponly, ready, counts = sys.argv[1:6]
lock = threading.Lock()
count = {"sink_udp": 0, "sink_tcp": 0, "tcponly_udp": 0, "tcponly_tcp": 0}
ports = {}

def bump(key, port=None):
    with lock:
        count[key] += 1
        if port is not None:
            ports.setdefault(key, set()).add(port)
            count[key + "_ports"] = len(ports[key])
        with open(counts, "w") as f:
            for k, v in sorted(count.items()):
                f.write(f"{k}={v}\n")

def question(q):
    i = 12
    while q[i] != 0:
        i += 1 + q[i]
    return q[12:i + 5], q[12:i + 1].lower()

def answer(q, ident=None, ancount=1, rdata=True):
    qsec, _ = question(q)
    ident = q[0:2] if ident is None else ident
    hdr = ident + struct.pack(">HHHHH", 0x8400, 1, ancount, 0, 0)
    rr = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + bytes([192, 0, 2, 99])
    return hdr + qsec + (rr if rdata else b"")

def udp_silent(addr, key):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, 53))
    while True:
        _, peer = s.recvfrom(4096)
        bump(key, peer[1])

def tcp_server(addr, respond, key=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, 53))
    s.listen(64)
    held = []
    while True:
        c, _ = s.accept()
        if key:
            bump(key)
        if not respond:
            held.append(c)   # keep it open, say nothing
            continue
        try:
            c.settimeout(5)
            buf = b""
            while len(buf) < 2 or len(buf) < 2 + struct.unpack(">H", buf[:2])[0]:
                d = c.recv(4096)
                if not d:
                    break
                buf += d
            q = buf[2:]
            a = answer(q)
            # Two writes, so the client sees the length and the message apart.
            c.sendall(struct.pack(">H", len(a)))
            time.sleep(0.05)
            c.sendall(a)
            time.sleep(0.2)
        except OSError:
            pass
        c.close()

def fake_udp(addr):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, 53))
    other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    other.bind((addr, 5353))          # same address, wrong port
    while True:
        q, peer = s.recvfrom(4096)
        _, qname = question(q)
        wrong = bytes([q[0] ^ 0x55, q[1] ^ 0xaa])
        if qname.startswith(b"\x05wrong"):
            s.sendto(answer(q, ident=wrong), peer)
            time.sleep(0.05)
            s.sendto(answer(q), peer)
        elif qname.startswith(b"\x03bad"):
            # Right ID and question, ANCOUNT=1 but no record: does not parse.
            s.sendto(answer(q, rdata=False), peer)
        elif qname.startswith(b"\x05spoof"):
            other.sendto(answer(q), peer)
        elif qname.startswith(b"\x05mixed"):
            other.sendto(answer(q), peer)
            s.sendto(answer(q, rdata=False), peer)
            s.sendto(answer(q, ident=wrong), peer)
            time.sleep(0.05)
            s.sendto(answer(q), peer)

for target, args in ((udp_silent, (sink, "sink_udp")), (tcp_server, (sink, False, "sink_tcp")),
                     (fake_udp, (fake,)), (udp_silent, (tcponly, "tcponly_udp")),
                     (tcp_server, (tcponly, True, "tcponly_tcp"))):
    threading.Thread(target=target, args=args, daemon=True).start()
time.sleep(0.5)
open(ready, "w").write("ready\n")
time.sleep(300)
EOF
python3 "$WORK/fake.py" "$SINK" "$FAKE" "$TCPONLY" "$WORK/fake.ready" "$WORK/counts" \
	> "$WORK/fake.log" 2>&1 &
PIDS+=($!)

# Wait (bounded) for both.
for _ in $(seq 1 50); do
	[ -f "$WORK/fake.ready" ] && break
	sleep 0.1
done
for _ in $(seq 1 50); do
	timeout 5 "$PROBE" "$KNOT4" www.example.test A timeout=200 retries=0 > /dev/null 2>&1 && break
	sleep 0.1
done
t_grep "fake servers started" '^ready' "$WORK/fake.ready"
probe up "$KNOT4" www.example.test A timeout=500 retries=0
t_grep "knotd started" 'status=ok' "$WORK/up.out"

# --- knotd: UDP, TC -> TCP, TCP only, IPv6 --------------------------------------
probe udp "$KNOT4" www.example.test A do
t_eq "udp: answered" "$(cat "$WORK/udp.rc")" 0
t_grep "udp: NOERROR, AA, one answer over UDP in one attempt" \
	'status=ok rcode=NOERROR flags=qr,aa, ancount=1 .* proto=udp attempts=1 .*udp_truncated=0 udp_failed=0' \
	"$WORK/udp.out"
t_grep "udp: stats" 'stats sent=1 answered=1 timeouts=0 tcp_fallbacks=0 dropped_mismatch=0' "$WORK/udp.out"

probe tc "$KNOT4" big.example.test TXT do
t_grep "TC=1 answer retried over TCP, 12 TXT records" \
	'status=ok .*flags=qr,aa, ancount=12 .* proto=tcp attempts=2 .*udp_truncated=1 udp_failed=0' \
	"$WORK/tc.out"
t_eq "TC: answer is larger than the UDP buffer" "$([ "$(field tc len)" -gt 1232 ] && echo yes)" yes
t_grep "TC: one TCP fallback counted" 'tcp_fallbacks=1 ' "$WORK/tc.out"

probe notc "$KNOT4" big.example.test TXT do notc
t_grep "NO_TCP_FALLBACK keeps the truncated UDP answer" \
	'status=ok .*flags=qr,aa,tc, ancount=0 .* proto=udp attempts=1 .*udp_truncated=1' \
	"$WORK/notc.out"

probe tcp "$KNOT4" www.example.test A tcp
t_grep "DV_Q_TCP: TCP only, one attempt" \
	'status=ok rcode=NOERROR .*ancount=1 .* proto=tcp attempts=1 .*udp_truncated=0 udp_failed=0' \
	"$WORK/tcp.out"

probe nx "$KNOT4" nope.example.test A
t_grep "NXDOMAIN is an answer, not an error" 'status=ok rcode=NXDOMAIN' "$WORK/nx.out"

probe v6udp "::1@$KNOT6_PORT" www.example.test AAAA do
t_grep "IPv6 ::1: UDP answer" "server=::1@$KNOT6_PORT status=ok .*ancount=1 .* proto=udp attempts=1" \
	"$WORK/v6udp.out"
probe v6tc "[::1]:$KNOT6_PORT" big.example.test TXT
t_grep "IPv6 ::1: TC=1 then TCP" 'status=ok .*ancount=12 .* proto=tcp attempts=2 .*udp_truncated=1' \
	"$WORK/v6tc.out"
probe v6tcp "::1@$KNOT6_PORT" www.example.test AAAA tcp
t_grep "IPv6 ::1: TCP only" 'status=ok .*ancount=1 .* proto=tcp attempts=1' "$WORK/v6tcp.out"

# --- concurrency ------------------------------------------------------------------
probe conc "$KNOT4" www.example.test A count=200 per_server=8
t_grep "200 concurrent queries all answered" 'summary ok=200 fail=0 run=success' "$WORK/conc.out"
t_eq "per-server limit 8 held (max seen)" "$(field conc max_server_inflight_seen)" 8
t_eq "no more than 8 in flight overall" "$(field conc max_inflight_seen)" 8
t_eq "every query sent exactly once" "$(field conc sent)" 200

probe conc2 "$KNOT4,::1@$KNOT6_PORT" www.example.test A count=100 per_server=8
t_grep "two servers in parallel: 200 answered" 'summary ok=200 fail=0' "$WORK/conc2.out"
t_eq "two servers: 8 each, 16 overall in flight" \
	"$(field conc2 max_server_inflight_seen)/$(field conc2 max_inflight_seen)" 8/16

probe conc3 "$KNOT4,::1@$KNOT6_PORT" www.example.test A count=50 per_server=8 max_inflight=5
t_grep "overall limit below the per-server one: all answered" 'summary ok=100 fail=0' \
	"$WORK/conc3.out"
t_eq "overall limit 5 held" "$(field conc3 max_inflight_seen)" 5

# --- per-server rate limit (the daemon's probe.per_server_qps) -----------------
# 40 queries at 50/s with a burst of 5: the last one cannot start before
# 35 / 50 s; a second address has a bucket of its own.
probe rate "$KNOT4" www.example.test A count=40 per_server=8 qps=50 burst=5
t_grep "rate limit: every query answered" 'summary ok=40 fail=0 run=success' "$WORK/rate.out"
el=$(field rate elapsed_ms)
if [ -n "$el" ] && [ "$el" -ge 690 ]; then ok "rate limit: 40 queries at 50/s burst 5 took ${el} ms (>= 700)"; else
	not_ok "rate limit held" "took '${el}' ms, under 700"
fi
probe rate2 "$KNOT4,::1@$KNOT6_PORT" www.example.test A count=20 per_server=8 qps=50 burst=5
t_grep "rate limit per address: 2 x 20 answered" 'summary ok=40 fail=0 run=success' "$WORK/rate2.out"
el=$(field rate2 elapsed_ms)
if [ -n "$el" ] && [ "$el" -ge 290 ]; then ok "rate limit per address: 20 each took ${el} ms (>= 300)"; else
	not_ok "rate limit per address held" "took '${el}' ms, under 300"
fi

probe chain "$KNOT4" www.example.test A count=3 chain=30
t_grep "queries submitted from callbacks run in the same dv_net_run" \
	'summary ok=33 fail=0 run=success' "$WORK/chain.out"

# --- no answer at all -------------------------------------------------------------
# 3 UDP attempts of 300 ms, then one TCP attempt of 300 ms: about 1200 ms.
probe sink "$SINK" www.example.test A timeout=300 retries=2
t_grep "silent server: DV_ETIMEOUT after 3 UDP + 1 TCP attempts" \
	'status=timeout proto=tcp attempts=4 .*udp_failed=1' "$WORK/sink.out"
el=$(field sink elapsed_ms)
t_eq "silent server: took between 1150 and 2500 ms (got ${el}ms)" \
	"$([ "${el:-0}" -ge 1150 ] && [ "${el:-0}" -le 2500 ] && echo bounded)" bounded
t_grep "silent server: 4 attempt timeouts counted" 'timeouts=4 ' "$WORK/sink.out"
t_grep "sink saw 3 UDP queries" '^sink_udp=3$' "$WORK/counts"
t_grep "a socket (a source port) per UDP attempt" '^sink_udp_ports=3$' "$WORK/counts"
t_grep "sink saw 1 TCP connection" '^sink_tcp=1$' "$WORK/counts"

probe sink0 "$SINK" www.example.test A timeout=200 retries=0
t_grep "retries=0: one UDP and one TCP attempt" 'status=timeout .*attempts=2 ' "$WORK/sink0.out"

probe tcponly "$TCPONLY" www.example.test A timeout=300 retries=1
t_grep "UDP dead, TCP alive: answered over TCP with udp_failed" \
	'status=ok .*ancount=1 .* proto=tcp attempts=3 .*udp_failed=1' "$WORK/tcponly.out"
t_grep "UDP dead, TCP alive: prefix and message sent in two segments still read" \
	'answered=1 ' "$WORK/tcponly.out"

# Nothing listens: ICMP port unreachable on the connected UDP socket, then a
# refused TCP connect: DV_ENET at once, no timeout waited.
probe dead "$DEAD" www.example.test A timeout=2000 retries=2
t_grep "nothing listens: DV_ENET after UDP refused and TCP refused" \
	'status=net proto=tcp attempts=2 .*udp_failed=1' "$WORK/dead.out"
el=$(field dead elapsed_ms)
t_eq "nothing listens: fails fast (got ${el}ms)" "$([ "${el:-9999}" -lt 500 ] && echo fast)" fast

probe dead6 "::1@53299" www.example.test A timeout=2000 retries=2
t_grep "IPv6: nothing listens on ::1@53299: DV_ENET" 'status=net proto=tcp attempts=2 .*udp_failed=1' \
	"$WORK/dead6.out"
el=$(field dead6 elapsed_ms)
t_eq "IPv6: nothing listens: fails fast (got ${el}ms)" "$([ "${el:-9999}" -lt 500 ] && echo fast)" fast

# --- matching -----------------------------------------------------------------------
probe wrong "$FAKE" wrong.example.test A timeout=1000 retries=0
t_grep "wrong ID first, then the right answer: accepted over UDP" \
	'status=ok rcode=NOERROR .*ancount=1 .* proto=udp attempts=1' "$WORK/wrong.out"
t_grep "wrong ID counted in dropped_mismatch" 'dropped_mismatch=1 bad_answers=0' "$WORK/wrong.out"

probe spoof "$FAKE" spoof.example.test A timeout=300 retries=0
# (.203 has no TCP listener, so after the UDP timeout the TCP try is refused.)
t_grep "answer from the wrong source port is never accepted" \
	'status=net .*attempts=2 .*udp_failed=1' "$WORK/spoof.out"
t_grep "wrong source port: UDP attempt timed out, nothing counted" \
	'answered=0 timeouts=1 tcp_fallbacks=1 dropped_mismatch=0' "$WORK/spoof.out"

probe bad "$FAKE" bad.example.test A timeout=300 retries=1
t_grep "only unparsable answers: DV_EPARSE" 'status=parse ' "$WORK/bad.out"
t_grep "unparsable answers counted (one per UDP attempt)" 'bad_answers=2 ' "$WORK/bad.out"

probe mixed "$FAKE" mixed.example.test A timeout=1000 retries=0
t_grep "spoofed, unparsable and wrong-ID datagrams, then the answer: accepted" \
	'status=ok .*ancount=1 .* proto=udp attempts=1' "$WORK/mixed.out"
t_grep "mixed: one mismatch, one bad answer counted" 'dropped_mismatch=1 bad_answers=1 ' \
	"$WORK/mixed.out"

# --- shared UDP sockets (udp_reuse, the watch daemon) ------------------------------
probe rconc "$KNOT4" www.example.test A count=200 per_server=8 reuse=16
t_grep "shared sockets: 200 concurrent queries all answered" 'summary ok=200 fail=0 run=success' \
	"$WORK/rconc.out"
t_grep "shared sockets: each sent once, none mismatched" \
	'stats sent=200 answered=200 timeouts=0 tcp_fallbacks=0 dropped_mismatch=0' "$WORK/rconc.out"
probe rtc "$KNOT4" big.example.test TXT do reuse=16
t_grep "shared sockets: TC=1 answer retried over TCP" \
	'status=ok .*ancount=12 .* proto=tcp attempts=2 .*udp_truncated=1' "$WORK/rtc.out"
# 4 queries x 3 UDP attempts to the silent server on one socket: one more
# source port seen (a socket per attempt would show 12 more; 3 + 1 before)
probe rsink "$SINK" www.example.test A count=4 timeout=300 retries=2 reuse=16
t_grep "shared sockets: silent server, each query 3 UDP + 1 TCP attempts" \
	'status=timeout proto=tcp attempts=4 .*udp_failed=1' "$WORK/rsink.out"
t_grep "shared sockets: sink saw 12 more UDP queries" '^sink_udp=16$' "$WORK/counts"
t_grep "shared sockets: ... from one source port" '^sink_udp_ports=5$' "$WORK/counts"
probe rwrong "$FAKE" wrong.example.test A timeout=1000 retries=0 reuse=16
t_grep "shared sockets: wrong ID dropped, then the right answer accepted" \
	'status=ok rcode=NOERROR .*ancount=1 .* proto=udp attempts=1' "$WORK/rwrong.out"
t_grep "shared sockets: wrong ID counted" 'dropped_mismatch=1 bad_answers=0' "$WORK/rwrong.out"
probe rspoof "$FAKE" spoof.example.test A timeout=300 retries=0 reuse=16
t_grep "shared sockets: an answer from the wrong source port is never accepted" \
	'status=net .*attempts=2 .*udp_failed=1' "$WORK/rspoof.out"
probe rmixed "$FAKE" mixed.example.test A timeout=1000 retries=0 reuse=16
t_grep "shared sockets: spoofed, unparsable and wrong-ID datagrams, then the answer" \
	'status=ok .*ancount=1 .* proto=udp attempts=1' "$WORK/rmixed.out"
probe rdead "$DEAD" www.example.test A count=3 timeout=2000 retries=2 reuse=16
t_grep "shared sockets: nothing listens: every query DV_ENET" \
	'summary ok=0 fail=3 ' "$WORK/rdead.out"
el=$(field rdead elapsed_ms)
t_eq "shared sockets: nothing listens: fails fast (got ${el}ms)" \
	"$([ "${el:-9999}" -lt 500 ] && echo fast)" fast

# --- shared TCP connections (tcp_reuse, the watch daemon) ----------------------------
probe tconc "$KNOT4" www.example.test A tcp count=50 per_server=8 tcpreuse=16
t_grep "shared TCP: 50 pipelined queries all answered" 'summary ok=50 fail=0 run=success' \
	"$WORK/tconc.out"
t_grep "shared TCP: each sent once, over 4 connections of at most 16 queries" \
	'stats sent=50 answered=50 timeouts=0 .* tcp_connects=4$' "$WORK/tconc.out"
probe tsep "$KNOT4" www.example.test A tcp count=50 per_server=8
t_grep "without tcp_reuse: a connection per query" 'summary ok=50 .*' "$WORK/tsep.out"
t_grep "without tcp_reuse: 50 connections" 'tcp_connects=50$' "$WORK/tsep.out"
# The TCP-only fake answers one query per connection, then closes it (a
# server that takes no pipelining): the first query is answered on the
# shared connection, the three others are asked again each on its own.
before=$(sed -n 's/^tcponly_tcp=//p' "$WORK/counts")
probe tone "$TCPONLY" www.example.test A tcp count=4 timeout=3000 tcpreuse=16
t_grep "shared TCP, one answer per connection: all 4 answered" 'summary ok=4 fail=0 ' \
	"$WORK/tone.out"
t_grep "shared TCP, one answer per connection: three of them asked twice (7 sends)" \
	'stats sent=7 answered=4 timeouts=0 ' "$WORK/tone.out"
t_eq "shared TCP, one answer per connection: the server saw 4 connections" \
	"$(($(sed -n 's/^tcponly_tcp=//p' "$WORK/counts") - ${before:-0}))" 4
t_grep "shared TCP, one answer per connection: 4 connections opened" 'tcp_connects=4$' \
	"$WORK/tone.out"

# An idle server keeps its shared socket and connection: queries asked one
# after another, 50 ms apart (the server idle in between, as when a daemon's
# batch moves on to the next zone on the same servers), go on the same ones.
probe tgap "$KNOT4" www.example.test A tcp chain=9 gap=50 tcpreuse=16
t_grep "idle server: 10 TCP queries 50 ms apart all answered" 'summary ok=10 fail=0 ' \
	"$WORK/tgap.out"
t_grep "idle server: they share one TCP connection" 'tcp_connects=1$' "$WORK/tgap.out"
probe ugap "$KNOT4" www.example.test A chain=9 gap=50 reuse=16
t_grep "idle server: 10 UDP queries 50 ms apart all answered" 'summary ok=10 fail=0 ' \
	"$WORK/ugap.out"
t_grep "idle server: they share one UDP socket" 'udp_sockets=1 ' "$WORK/ugap.out"
probe ugap1 "$KNOT4" www.example.test A chain=9 gap=50
t_grep "without reuse: a UDP socket per query" 'udp_sockets=10 ' "$WORK/ugap1.out"

# A server's UDP socket that has carried its share is replaced; its TCP
# connection goes on (it once was retired with it, so a daemon's TCP
# queries got a connection for every two).
probe tmix "$KNOT4" www.example.test A count=8 mixed reuse=2 tcpreuse=16
t_grep "UDP and TCP to one server: all 8 answered" 'summary ok=8 fail=0 ' "$WORK/tmix.out"
t_grep "UDP and TCP to one server: 2 UDP sockets, 1 TCP connection" \
	'udp_sockets=2 tcp_connects=1$' "$WORK/tmix.out"

probe badaddr "not-an-address" www.example.test A
t_eq "bad address rejected with usage status" "$(cat "$WORK/badaddr.rc")" 2

cat "$WORK"/*.err > "$WORK/all.err" 2> /dev/null
t_nogrep "no sanitizer report from any net_probe run" 'Sanitizer|runtime error|leak' "$WORK/all.err"

exit 0
