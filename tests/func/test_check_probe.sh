#!/usr/bin/env bash
# tests/func/test_check_probe.sh - the probe's walk where the lab has no case:
# a delegation whose NS name has no glue (it lies in another zone), so the
# probe must resolve the address itself, following a referral with glue.
#
# A tiny authoritative server (Python, dnspython) answers on two loopback
# addresses and a port of its own (dnsvigil check --port):
#   127.53.20.1  the root: x. -> NS ns.y. (no glue), y. -> NS ns.y. + glue
#   127.53.20.2  y. and x.: ns.y. A 127.53.20.2
. "$(dirname "$0")/lib.sh"

PORT=5399
ROOT=127.53.20.1
Y=127.53.20.2
cat > "$WORK/fakeauth.py" << 'EOF'
import selectors, socket, sys, time
import dns.flags, dns.message, dns.name, dns.rcode, dns.rrset

port, root_addr, y_addr = int(sys.argv[1]), sys.argv[2], sys.argv[3]
X, YN = dns.name.from_text("x."), dns.name.from_text("y.")
NSY = dns.name.from_text("ns.y.")

def soa(zone):
    return dns.rrset.from_text(zone, 300, "IN", "SOA", "ns.y. h.y. 1 600 60 86400 30")

def answer(server, q):
    r = dns.message.make_response(q)
    qn, qt = q.question[0].name, q.question[0].rdtype
    if server == root_addr:
        for child in (X, YN):
            if qn.is_subdomain(child):
                r.authority.append(dns.rrset.from_text(child, 300, "IN", "NS", "ns.y."))
                if child == YN:
                    r.additional.append(dns.rrset.from_text(NSY, 300, "IN", "A", y_addr))
                return r
        zone = dns.name.root
    else:
        zone = X if qn.is_subdomain(X) else YN
        if not qn.is_subdomain(zone):
            r.set_rcode(dns.rcode.REFUSED)
            return r
    r.flags |= dns.flags.AA
    data = {(zone, "NS"): "a.root." if zone == dns.name.root else "ns.y.",
            (NSY, "A"): y_addr}
    if qn == zone and qt == dns.rdatatype.SOA:
        r.answer.append(soa(zone))
    elif (qn, dns.rdatatype.to_text(qt)) in data:
        t = dns.rdatatype.to_text(qt)
        r.answer.append(dns.rrset.from_text(qn, 300, "IN", t, data[(qn, t)]))
    else:
        if qn != zone and qn != NSY:
            r.set_rcode(dns.rcode.NXDOMAIN)
        r.authority.append(soa(zone))
    return r

sel = selectors.DefaultSelector()
for a in (root_addr, y_addr):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((a, port))
    sel.register(s, selectors.EVENT_READ, a)
end = time.time() + 60
while time.time() < end:
    for key, _ in sel.select(timeout=1):
        data, peer = key.fileobj.recvfrom(4096)
        try:
            q = dns.message.from_wire(data)
            key.fileobj.sendto(answer(key.data, q).to_wire(), peer)
        except Exception as e:
            print("fakeauth:", e, file=sys.stderr)
EOF
/usr/bin/python3 "$WORK/fakeauth.py" "$PORT" "$ROOT" "$Y" 2> "$WORK/fakeauth.err" &
FAKE=$!
for _ in $(seq 1 50); do
	ss -Hlnu "src $Y:$PORT" 2> /dev/null | grep -q . && break
	sleep 0.1
done

printf '.\t3600000\tNS\ta.root.\na.root.\t3600000\tA\t%s\n' "$ROOT" > "$WORK/hints"
# any well-formed DS: the fake tree is unsigned, only the walk matters here
printf '. IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n' > "$WORK/ds"
t_cmd "check through the fake tree (root bogus: exit 2)" 2 "$DNSVIGIL" check --root-hints "$WORK/hints" \
	--trust-anchor "$WORK/ds" --port "$PORT" --timeout 500 --retries 0 -f json x.
cp "$WORK/last.out" "$WORK/x.json"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for z in d["zones"]:
    for s in z["servers"]:
        print(z["name"], s["name"], s["address"], "answering" if s.get("answering") else "silent")
' "$WORK/x.json" > "$WORK/servers"
t_grep "x. found below the root" '^x\. ' "$WORK/servers"
t_grep "x.'s glueless NS resolved through y.'s glue and asked" "^x\\. ns\\.y\\. $Y@$PORT answering\$" "$WORK/servers"
t_grep "the root asked on its port" "^\\. a\\.root\\. $ROOT@$PORT answering\$" "$WORK/servers"
t_grep "no DNSKEY at the fake root: the DS matches nothing" '"code": "DS_NO_MATCHING_DNSKEY"' "$WORK/x.json"
t_eq "x. is bogus below a bogus root" "$(python3 -c '
import json, sys
print(next(z["status"] for z in json.load(open(sys.argv[1]))["zones"] if z["name"] == "x."))
' "$WORK/x.json")" bogus

kill "$FAKE" 2> /dev/null
wait "$FAKE" 2> /dev/null
t_nogrep "the fake server saw no malformed query" 'fakeauth:' "$WORK/fakeauth.err"
