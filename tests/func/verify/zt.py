#!/usr/bin/env python3
"""zt.py - zone-text tools for the `dnsvigil verify` functional tests.

Works on the one-RR-per-line output of ldns-signzone, dnssec-signzone -O full
and kzonesign (absolute owners, optional TTL/class, ';' comments).

  zt.py edit IN OUT OP...      apply edit operations (each OP one shell word):
      "del OWNER TYPE [COVERED [KEYTAG]]"   delete records (RRSIG: by covered type)
      "rdata OWNER TYPE OLD NEW"            replace the RDATA text OLD (whitespace
                                            normalised) of one record by NEW
      "ttl OWNER TYPE TTL"                  set the TTL of an RRset (not RRSIGs)
      "corrupt OWNER COVERED"               flip one base64 char of a signature
      "rrsigfield OWNER COVERED IDX VALUE"  set RRSIG RDATA field IDX (0=type
                                            covered 1=alg 2=labels 3=orig TTL
                                            4=expiration 5=inception 6=key tag
                                            7=signer) of every matching RRSIG
      "copyrrsig OWNER COVERED NEWOWNER [LABELS]"  copy an RRSIG to another owner
      "nsecbitmap OWNER TYPES..."           replace an NSEC type bitmap
      "delnsec3 NAME"                       delete the NSEC3 of NAME and its RRSIG
      "delrdata OWNER TYPE TOKENS..."       delete records whose RDATA starts so
      "field OWNER TYPE IDX VALUE [WIDX WVAL]"  set RDATA token IDX (of records
                                            whose token WIDX is WVAL)
      "flip OWNER TYPE IDX [WIDX WVAL]"     change one char of RDATA token IDX
      "splice ZONE OWNER COVERED"           replace the RRSIGs covering OWNER/
                                            COVERED by those of another zone
      "add RR-LINE"                         append a record line
      "delapex-all TYPE"                    delete every TYPE record and the RRSIGs
                                            covering TYPE, zone-wide
    Every operation must change something, or zt.py fails (exit 1): a fault
    that silently does not apply would make a test pass for the wrong reason.
  zt.py rrsigs ZONE            "owner covered" for every RRSIG'd RRset (lowercase)
  zt.py count ZONE [TYPE]      number of records (of TYPE)
  zt.py field ZONE OWNER TYPE IDX   RDATA token IDX of the first OWNER/TYPE record
  zt.py nsec3hash ZONE NAME    NSEC3 owner label of NAME (zone's NSEC3PARAM)
  zt.py nsec3prev ZONE NAME    owner of the NSEC3 whose next hash is NAME's hash
  zt.py nsecprev ZONE NAME     owner of the NSEC whose next name is NAME
  zt.py keytag ZONE FLAGS ALG  key tag of the (first) DNSKEY with FLAGS and ALG
  zt.py ew JSON                "CODE OWNER TYPE" of error+warning findings, sorted
  zt.py sev JSON CODE          severities reported for CODE (one per line)
  zt.py get JSON PATH...       value at each dotted path (e.g. summary.errors),
                               one per line ("null" when absent)
  zt.py match JSON EXPECT      compare error+warning findings with EXPECT lines
      "CODE OWNER TYPE"; OWNER may list alternatives a|b or be "*" (any);
      TYPE "*" = any or
      absent, "-" = absent/empty.  Prefix "?" = may appear (any number of
      times), "+" = must appear one or more times; otherwise exactly once.
      Prints the differences; exit 0 when they agree.
"""
import base64
import hashlib
import json
import shlex
import sys


def tokens(text):
    """Split a zone line into tokens, honouring quotes; drop a ';' comment."""
    out, cur, inq, esc, had = [], [], False, False, False
    for ch in text:
        if esc:
            cur.append(ch)
            esc = False
            continue
        if ch == "\\":
            cur.append(ch)
            esc = True
            continue
        if ch == '"':
            cur.append(ch)
            inq = not inq
            had = True
            continue
        if not inq and ch == ";":
            break
        if not inq and ch in " \t\r\n":
            if cur or had:
                out.append("".join(cur))
            cur, had = [], False
            continue
        cur.append(ch)
    if cur or had:
        out.append("".join(cur))
    return out


CLASSES = {"IN", "CH", "HS", "CS"}


class RR:
    def __init__(self, line, prev_owner):
        self.line = line
        self.parsed = False
        t = tokens(line)
        if not t or line.startswith("$"):
            return
        if line[0] in " \t":
            owner = prev_owner
        else:
            owner, t = t[0], t[1:]
        ttl, cls = None, None
        while t and (t[0].isdigit() or t[0].upper() in CLASSES):
            if t[0].isdigit():
                ttl = t[0]
            else:
                cls = t[0]
            t = t[1:]
        if not t or owner is None:
            return
        self.owner, self.ttl, self.cls = owner, ttl, cls or "IN"
        self.type = t[0].upper()
        self.rdata = t[1:]
        self.parsed = True

    def key(self):
        return self.owner.lower()

    def covered(self):
        return self.rdata[0].upper() if self.type == "RRSIG" else None

    def render(self):
        return "%s\t%s\t%s\t%s\t%s" % (self.owner, self.ttl or "3600", self.cls, self.type,
                                        " ".join(self.rdata))


def load(path):
    rrs, owner = [], None
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            rr = RR(line.rstrip("\n"), owner)
            if rr.parsed:
                owner = rr.owner
            rrs.append(rr)
    return rrs


def save(rrs, path):
    with open(path, "w", encoding="utf-8", errors="surrogateescape") as f:
        for rr in rrs:
            f.write(rr.line + "\n")


def fqdn(n):
    n = n.lower()
    return n if n.endswith(".") else n + "."


def match(rr, owner, rtype, covered=None, keytag=None):
    if not rr.parsed or rr.key() != fqdn(owner) or rr.type != rtype.upper():
        return False
    if covered is not None and rr.covered() != covered.upper():
        return False
    if keytag is not None and rr.rdata[6] != keytag:
        return False
    return True


def nsec3params(rrs):
    for rr in rrs:
        if rr.parsed and rr.type == "NSEC3PARAM":
            return int(rr.rdata[2]), rr.rdata[3]
    sys.exit("zt: zone has no NSEC3PARAM")


def wire(name):
    out = b""
    for label in fqdn(name).rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def nsec3hash(name, iterations, salt):
    s = b"" if salt == "-" else bytes.fromhex(salt)
    h = hashlib.sha1(wire(name) + s).digest()
    for _ in range(iterations):
        h = hashlib.sha1(h + s).digest()
    return base64.b32hexencode(h).decode().lower()


def apex(rrs):
    for rr in rrs:
        if rr.parsed and rr.type == "SOA":
            return rr.key()
    sys.exit("zt: zone has no SOA")


def op_edit(rrs, op):
    a = shlex.split(op)
    cmd, a = a[0], a[1:]
    hit = 0
    if cmd == "del":
        keep = []
        for rr in rrs:
            if match(rr, a[0], a[1], *(a[2:4])):
                hit += 1
            else:
                keep.append(rr)
        rrs[:] = keep
    elif cmd == "delapex-all":
        keep = []
        for rr in rrs:
            if rr.parsed and (rr.type == a[0].upper() or rr.covered() == a[0].upper()):
                hit += 1
            else:
                keep.append(rr)
        rrs[:] = keep
    elif cmd == "rdata":
        for rr in rrs:
            if match(rr, a[0], a[1]) and " ".join(rr.rdata) == " ".join(a[2].split()):
                rr.rdata = a[3].split()
                rr.line = rr.render()
                hit += 1
                break
    elif cmd == "ttl":
        for rr in rrs:
            if match(rr, a[0], a[1]):
                rr.ttl = a[2]
                rr.line = rr.render()
                hit += 1
    elif cmd == "corrupt":
        for rr in rrs:
            if match(rr, a[0], "RRSIG", a[1]):
                sig = list("".join(rr.rdata[8:]))
                i = 10  # inside the first bytes of the signature value
                sig[i] = "1" if sig[i] == "0" else "0"  # a new value in hex and base64
                rr.rdata = rr.rdata[:8] + ["".join(sig)]
                rr.line = rr.render()
                hit += 1
                break
    elif cmd == "rrsigfield":
        for rr in rrs:
            if match(rr, a[0], "RRSIG", a[1]):
                rr.rdata[int(a[2])] = a[3]
                rr.line = rr.render()
                hit += 1
    elif cmd == "copyrrsig":
        for rr in list(rrs):
            if match(rr, a[0], "RRSIG", a[1]):
                new = RR(rr.line, None)
                new.owner = fqdn(a[2])
                if len(a) > 3:
                    new.rdata[2] = a[3]
                new.line = new.render()
                rrs.append(new)
                hit += 1
                break
    elif cmd == "nsecbitmap":
        for rr in rrs:
            if match(rr, a[0], "NSEC"):
                rr.rdata = rr.rdata[:1] + a[1:]
                rr.line = rr.render()
                hit += 1
    elif cmd == "delnsec3":
        it, salt = nsec3params(rrs)
        owner = nsec3hash(a[0], it, salt) + "." + apex(rrs)
        keep = []
        for rr in rrs:
            if match(rr, owner, "NSEC3") or match(rr, owner, "RRSIG", "NSEC3"):
                hit += 1
            else:
                keep.append(rr)
        rrs[:] = keep
    elif cmd == "delrdata":
        keep = []
        for rr in rrs:
            if match(rr, a[0], a[1]) and rr.rdata[:len(a) - 2] == a[2:]:
                hit += 1
            else:
                keep.append(rr)
        rrs[:] = keep
    elif cmd in ("field", "flip"):
        for rr in rrs:
            if not match(rr, a[0], a[1]):
                continue
            idx = int(a[2])
            rest = a[3:] if cmd == "flip" else a[4:]
            if rest and rr.rdata[int(rest[0])] != rest[1]:
                continue
            if cmd == "field":
                rr.rdata[idx] = a[3]
            else:
                v = list(rr.rdata[idx])
                v[10] = "1" if v[10] == "0" else "0"  # a new value in hex and base64
                rr.rdata[idx] = "".join(v)
            rr.line = rr.render()
            hit += 1
    elif cmd == "splice":
        src = [rr for rr in load(a[0]) if match(rr, a[1], "RRSIG", a[2])]
        keep = [rr for rr in rrs if not match(rr, a[1], "RRSIG", a[2])]
        if src and len(keep) < len(rrs):
            rrs[:] = keep + src
            hit += 1
    elif cmd == "add":
        rr = RR(" ".join(a), None)
        if rr.parsed:
            rrs.append(rr)
            hit += 1
    else:
        sys.exit("zt: unknown edit operation %r" % cmd)
    if hit == 0:
        sys.exit("zt: edit %r matched nothing" % op)


def findings(path):
    with open(path, encoding="utf-8") as f:
        d = json.load(f)
    return d.get("findings", [])


def ew(path):
    out = []
    for f in findings(path):
        if f.get("severity") in ("error", "warning"):
            out.append("%s %s %s" % (f.get("code", "?"), f.get("owner", ""), f.get("type", "") or ""))
    return sorted(out)


def expect_match(path, exp_path):
    got = [l.split(" ", 2) + [""] * (3 - len(l.split(" ", 2))) for l in ew(path)]
    rules = []
    with open(exp_path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            mode = "1"
            if line[0] in "?+":
                mode, line = line[0], line[1:].strip()
            p = line.split()
            while len(p) < 3:
                p.append("*")
            rules.append([mode, p[0], p[1].split("|"), p[2], 0])

    def fits(r, g):
        code, owner, typ = g[0], g[1], g[2].strip()
        if r[1] != code or (owner not in r[2] and "*" not in r[2]):
            return False
        if r[3] == "*":
            return True
        if r[3] == "-":
            return typ == ""
        return typ == r[3]

    unexpected = []
    # required single rules first, then "+", then "?"
    order = sorted(range(len(rules)), key=lambda i: "1+?".index(rules[i][0]))
    for g in got:
        for i in order:
            r = rules[i]
            if fits(r, g) and not (r[0] == "1" and r[4] >= 1):
                r[4] += 1
                break
        else:
            unexpected.append(" ".join(g).strip())
    missing = ["%s %s %s" % (r[1], "|".join(r[2]), r[3]) for r in rules
               if r[0] in "1+" and r[4] == 0]
    for m in missing:
        print("missing:    " + m)
    for u in unexpected:
        print("unexpected: " + u)
    return 0 if not missing and not unexpected else 1


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    cmd = argv[1]
    if cmd == "edit":
        rrs = load(argv[2])
        for op in argv[4:]:
            op_edit(rrs, op)
        save(rrs, argv[3])
    elif cmd == "rrsigs":
        seen = set()
        for rr in load(argv[2]):
            if rr.parsed and rr.type == "RRSIG":
                seen.add("%s %s" % (rr.key(), rr.covered()))
        print("\n".join(sorted(seen)))
    elif cmd == "count":
        n = sum(1 for rr in load(argv[2]) if rr.parsed and
                (len(argv) < 4 or rr.type == argv[3].upper()))
        print(n)
    elif cmd == "field":
        for rr in load(argv[2]):
            if match(rr, argv[3], argv[4]):
                print(rr.rdata[int(argv[5])])
                return 0
        sys.exit("zt: no %s %s" % (argv[3], argv[4]))
    elif cmd == "nsec3hash":
        rrs = load(argv[2])
        it, salt = nsec3params(rrs)
        print(nsec3hash(argv[3], it, salt) + "." + apex(rrs))
    elif cmd == "nsec3prev":
        rrs = load(argv[2])
        it, salt = nsec3params(rrs)
        h = nsec3hash(argv[3], it, salt)
        for rr in rrs:
            if rr.parsed and rr.type == "NSEC3" and rr.rdata[4].lower() == h:
                print(rr.key())
                return 0
        sys.exit("zt: no NSEC3 points to %s" % h)
    elif cmd == "nsecprev":
        for rr in load(argv[2]):
            if rr.parsed and rr.type == "NSEC" and fqdn(rr.rdata[0]) == fqdn(argv[3]):
                print(rr.key())
                return 0
        sys.exit("zt: no NSEC points to %s" % argv[3])
    elif cmd == "keytag":
        for rr in load(argv[2]):
            if rr.parsed and rr.type == "DNSKEY" and rr.rdata[0] == argv[3] and rr.rdata[2] == argv[4]:
                key = base64.b64decode("".join(rr.rdata[3:]))
                rd = int(rr.rdata[0]).to_bytes(2, "big") + bytes([3, int(rr.rdata[2])]) + key
                ac = sum(b << 8 if i % 2 == 0 else b for i, b in enumerate(rd))
                print((ac + (ac >> 16)) & 0xFFFF)
                return 0
        sys.exit("zt: no such DNSKEY")
    elif cmd == "ew":
        print("\n".join(ew(argv[2])))
    elif cmd == "sev":
        for f in findings(argv[2]):
            if f.get("code") == argv[3]:
                print(f.get("severity"))
    elif cmd == "get":
        try:
            with open(argv[2], encoding="utf-8") as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            doc = None
            print("zt: %s: %s" % (argv[2], e), file=sys.stderr)
        for path in argv[3:]:
            v = doc
            for k in path.split("."):
                if isinstance(v, list):
                    v = v[int(k)] if k.isdigit() and int(k) < len(v) else None
                else:
                    v = v.get(k) if isinstance(v, dict) else None
            print("null" if v is None else json.dumps(v) if isinstance(v, (dict, list)) else
                  str(v).lower() if isinstance(v, bool) else v)
    elif cmd == "match":
        return expect_match(argv[2], argv[3])
    else:
        sys.exit("zt: unknown command %r" % cmd)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
