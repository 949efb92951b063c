/*
 * DNSSEC primitives: key tags, DS digests, public keys and signature
 * verification (OpenSSL libcrypto; libsodium for Ed25519), the data a
 * signature covers, NSEC3 hashing, and the RFC 8624 algorithm policy.
 * Pure functions: no I/O, no findings.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <string.h>

#include <libknot/rdata.h>

#include "core/buf.h"
#include "core/canon.h"

/* DNSSEC algorithm numbers (IANA "DNS Security Algorithm Numbers"). */
enum dv_alg {
	DV_ALG_RSAMD5 = 1,             /*!< RFC 4034, MUST NOT (RFC 8624) */
	DV_ALG_DSA = 3,                /*!< RFC 2536, MUST NOT */
	DV_ALG_RSASHA1 = 5,            /*!< RFC 4034, NOT RECOMMENDED */
	DV_ALG_DSA_NSEC3_SHA1 = 6,     /*!< RFC 5155, MUST NOT */
	DV_ALG_RSASHA1_NSEC3_SHA1 = 7, /*!< RFC 5155, NOT RECOMMENDED */
	DV_ALG_RSASHA256 = 8,          /*!< RFC 5702, MUST */
	DV_ALG_RSASHA512 = 10,         /*!< RFC 5702, NOT RECOMMENDED */
	DV_ALG_ECC_GOST = 12,          /*!< RFC 5933, MUST NOT */
	DV_ALG_ECDSAP256SHA256 = 13,   /*!< RFC 6605, MUST */
	DV_ALG_ECDSAP384SHA384 = 14,   /*!< RFC 6605, MAY */
	DV_ALG_ED25519 = 15,           /*!< RFC 8080, RECOMMENDED */
	DV_ALG_ED448 = 16,             /*!< RFC 8080, MAY */
};

/* DS digest types (IANA "Delegation Signer Digest Algorithms"). */
enum dv_digest {
	DV_DIGEST_SHA1 = 1,   /*!< RFC 4034, MUST NOT create (RFC 8624 §3.3) */
	DV_DIGEST_SHA256 = 2, /*!< RFC 4509 */
	DV_DIGEST_GOST = 3,   /*!< RFC 5933, MUST NOT */
	DV_DIGEST_SHA384 = 4, /*!< RFC 6605 */
};

/* RFC 8624 §3.1 (signing) / §3.3 (DS) recommendation levels. */
typedef enum {
	DV_POLICY_UNKNOWN = 0,
	DV_POLICY_MUST_NOT,
	DV_POLICY_NOT_RECOMMENDED,
	DV_POLICY_MAY,
	DV_POLICY_RECOMMENDED,
	DV_POLICY_MUST,
} dv_policy_t;

#define DV_DNSKEY_FLAG_ZONE   0x0100 /*!< RFC 4034 §2.1.1 */
#define DV_DNSKEY_FLAG_REVOKE 0x0080 /*!< RFC 5011 §3 */
#define DV_DNSKEY_FLAG_SEP    0x0001 /*!< RFC 4034 §2.1.1 */
#define DV_RRSIG_FIXED_LEN    18     /*!< RRSIG RDATA before the signer name */
#define DV_NSEC3_HASH_LEN     20     /*!< SHA-1, RFC 5155 §5 */
#define DV_DIGEST_MAXLEN      64

dv_policy_t dv_alg_policy(uint8_t alg);
dv_policy_t dv_digest_policy(uint8_t digest_type);
/*! Whether this build verifies signatures of the algorithm. */
bool dv_alg_supported(uint8_t alg);
/*! Mnemonic ("ECDSAP256SHA256") or "ALG<n>" into a static or caller buffer. */
const char *dv_alg_name(uint8_t alg);

/*! RFC 4034 Appendix B key tag of a DNSKEY RDATA. */
uint16_t dv_keytag(const uint8_t *rdata, size_t rdlen);

/*!
 * DS digest (RFC 4034 §5.1.4) of DNSKEY RDATA at `owner` (wire, lowercase).
 * Writes the digest into out (DV_DIGEST_MAXLEN bytes) and its length into
 * *outlen.  DV_ENOTSUP for an unknown digest type.
 */
int dv_ds_digest(const uint8_t *owner, const uint8_t *rdata, size_t rdlen, uint8_t digest_type,
                 uint8_t *out, size_t *outlen);

/*! Whether DS RDATA matches DNSKEY RDATA at owner: tag, algorithm and digest. */
bool dv_ds_matches(const uint8_t *owner, const uint8_t *ds, size_t dslen, const uint8_t *dnskey,
                   size_t keylen);

/*! A public key ready to verify signatures (built once per DNSKEY). */
typedef struct dv_key dv_key_t;

/*! Parse DNSKEY RDATA into a key.  DV_ENOTSUP for an unsupported algorithm,
 *  DV_ECRYPTO for a malformed key.  *out is owned by the caller (dv_key_free). */
int dv_key_new(const uint8_t *rdata, size_t rdlen, dv_key_t **out);
void dv_key_free(dv_key_t *key);
/*! Key size in bits (RSA modulus; curve size otherwise). */
unsigned dv_key_bits(const dv_key_t *key);

/*! Verify sig over data.  0 when valid, DV_ECRYPTO when not.  Thread-safe. */
int dv_key_verify(const dv_key_t *key, const uint8_t *data, size_t len, const uint8_t *sig,
                  size_t siglen);

/* ---- RDATA views: the fields of a record, read once through libknot's
 * accessors (knot_rrsig_*, knot_dnskey_*, knot_ds_*) ------------------------ */

#define DV_RDATA_HEAD_MAX 24 /*!< the longest fixed part read (RRSIG: 18) */

/*! libknot's accessors read a knot_rdata_t (length, then the octets); the
 *  zone store and parsed messages keep RDATA as a pointer and a length.  A
 *  head holds a copy of the leading octets, enough for the fixed fields. */
typedef union {
	knot_rdata_t rd;
	uint8_t raw[sizeof(knot_rdata_t) + DV_RDATA_HEAD_MAX];
} dv_rdata_head_t;

/*! The first `fixed` octets of RDATA (fixed <= DV_RDATA_HEAD_MAX, and
 *  <= rdlen) as a knot_rdata_t of length rdlen, for the accessors of fixed
 *  fields only. */
static inline const knot_rdata_t *dv_rdata_head(dv_rdata_head_t *h, const uint8_t *rdata,
                                                size_t rdlen, size_t fixed)
{
	h->rd.len = (uint16_t)rdlen;
	memcpy(h->rd.data, rdata, fixed);
	return &h->rd;
}

/*! NSEC3 and NSEC3PARAM parameters (RFC 5155 §3.2, §4.2). */
typedef struct {
	uint8_t algorithm;
	uint8_t flags;
	uint16_t iterations;
	uint8_t salt_len;
	const uint8_t *salt;
	uint16_t len; /*!< octets of RDATA the parameters take */
} dv_nsec3_params_t;

/*! Read the parameters NSEC3 and NSEC3PARAM RDATA share.  DV_EPARSE when
 *  the RDATA is too short for them. */
int dv_nsec3_params_parse(const uint8_t *rdata, size_t rdlen, dv_nsec3_params_t *out);

/*! RRSIG RDATA (RFC 4034 §3.1).  Pointers point into the RDATA. */
typedef struct {
	const uint8_t *rdata; /*!< the whole RDATA */
	uint16_t rdlen;
	uint16_t type_covered;
	uint8_t algorithm;
	uint8_t labels;
	uint32_t original_ttl;
	uint32_t expiration; /*!< RFC 1982 serial time (dv_rrsig_time) */
	uint32_t inception;
	uint16_t key_tag;
	const uint8_t *signer; /*!< wire name, as written (any case) */
	const uint8_t *signature;
	uint16_t signature_len;
} dv_rrsig_t;

/*! Read RRSIG RDATA.  DV_EPARSE when it is not longer than its fixed part or
 *  its signer name is malformed (an empty signature parses, and fails). */
int dv_rrsig_parse(const uint8_t *rdata, size_t rdlen, dv_rrsig_t *out);
/*! The type an RRSIG covers (0 when the RDATA is too short): the store's
 *  order of RRSIGs, without reading the rest. */
uint16_t dv_rrsig_type_covered(const uint8_t *rdata, size_t rdlen);

/*! DNSKEY RDATA (RFC 4034 §2.1). */
typedef struct {
	const uint8_t *rdata;
	uint16_t rdlen;
	uint16_t flags;
	uint8_t protocol;
	uint8_t algorithm;
	uint16_t key_tag; /*!< RFC 4034 Appendix B */
} dv_dnskey_t;

/*! Read DNSKEY (or CDNSKEY) RDATA.  DV_EPARSE when shorter than 4 octets. */
int dv_dnskey_parse(const uint8_t *rdata, size_t rdlen, dv_dnskey_t *out);

/*! DS RDATA (RFC 4034 §5.1). */
typedef struct {
	uint16_t key_tag;
	uint8_t algorithm;
	uint8_t digest_type;
	const uint8_t *digest;
	uint16_t digest_len;
} dv_ds_t;

/*! Read DS (or CDS) RDATA.  DV_EPARSE when shorter than 4 octets. */
int dv_ds_parse(const uint8_t *rdata, size_t rdlen, dv_ds_t *out);

/* ---- the one RRSIG check ---------------------------------------------------- */

/*!
 * The signature check's state for one thread: a ready EVP_PKEY_CTX per key
 * (no OpenSSL look-ups in the hot loop), the keys parsed from DNSKEY RDATA
 * (each once), the buffer the signed data is built in and, with
 * DV_SIGCACHE_MEMO, the verdict of every (key, signed data, signature)
 * already verified, so an RRset served alike by many servers is verified
 * once.  Not thread-safe: one per thread.
 */
typedef struct dv_sigcache dv_sigcache_t;

enum { DV_SIGCACHE_MEMO = 1 << 0 };

/*! `flags`: DV_SIGCACHE_MEMO or 0.  Free with dv_sigcache_free. */
int dv_sigcache_new(unsigned flags, dv_sigcache_t **out);
void dv_sigcache_free(dv_sigcache_t *cache);
/*! Cryptographic verifications the cache has run (memo hits not counted). */
uint64_t dv_sigcache_verifications(const dv_sigcache_t *cache);

/*! One key of a key set. */
typedef struct {
	dv_dnskey_t dnskey;
	dv_key_t *key; /*!< NULL when it cannot verify zone data: not a zone key,
	                    protocol not 3 (RFC 4034 §2.1.1-2), malformed,
	                    unsupported */
	int parse_ret; /*!< dv_key_new's result (DV_EPARSE: RDATA too short) */
	unsigned bits; /*!< key size when it parsed, else 0 */
	bool revoked;  /*!< the REVOKE flag (RFC 5011 §3) */
} dv_keyset_key_t;

/*! The DNSKEYs a signature is checked against. */
typedef struct {
	dv_keyset_key_t *v;
	size_t n;
	uint8_t algs[256]; /*!< algs[a]: a key of algorithm a, not revoked, can verify zone data */
	bool borrowed;     /*!< the parsed keys belong to a cache */
} dv_keyset_t;

/*!
 * Build a key set from DNSKEY RDATAs.  With a cache, each distinct RDATA is
 * parsed once for the cache's life and the keys belong to the cache (which
 * must outlive the set); without, the set owns them.  Clear with
 * dv_keyset_clear.  DV_ENOMEM.
 */
int dv_keyset_build(dv_keyset_t *ks, dv_sigcache_t *cache, const uint8_t *const *rdata,
                    const uint16_t *rdlen, size_t n);
/*! Release what the set holds; it is empty afterwards. */
void dv_keyset_clear(dv_keyset_t *ks);

/*! An RRset as the signature check reads it. */
typedef struct {
	const uint8_t *owner; /*!< wire form, lowercase */
	uint16_t type;
	const uint8_t *const *rdata; /*!< canonical (dv_rdata_canonicalize) */
	const uint16_t *rdlen;
	size_t n;
	bool sorted; /*!< already in canonical order (RFC 4034 §6.3), as in the zone store */
} dv_rrset_view_t;

/*! What one RRSIG proves about one RRset. */
typedef enum {
	DV_SIG_VALID = 0,       /*!< verifies with a key of the set; now is inside its window */
	DV_SIG_EXPIRED,         /*!< verifies; now is after its expiration */
	DV_SIG_NOT_YET_VALID,   /*!< verifies; now is before its inception */
	DV_SIG_WINDOW_INVERTED, /*!< verifies; expires before its inception (RFC 4034 §3.1.5) */
	DV_SIG_REVOKED_KEY,     /*!< verifies only with a revoked key, over an RRset other than
	                             DNSKEY: it does not count (RFC 5011 §2.1) */
	DV_SIG_BAD,             /*!< keys with its tag and algorithm exist; none verifies it */
	DV_SIG_NO_KEY,          /*!< no usable key with its tag and algorithm */
	DV_SIG_UNSUPPORTED,     /*!< its algorithm is not implemented by this build */
	DV_SIG_MALFORMED,       /*!< signer is not the zone, Labels exceed the owner's, no data */
	DV_SIG_ERROR,           /*!< no verdict: out of memory (an error, not a finding) */
} dv_sig_verdict_t;

/*!
 * Judge one RRSIG over one RRset with a key set at time `now` (RFC 4035
 * §5.3): the signer must be `zone` (wire, lowercase; NULL: not checked) and
 * the Labels field at most the owner's, then the signature must verify
 * with a usable key of its tag and algorithm — a revoked key only over the
 * DNSKEY RRset (RFC 5011 §2.1) — then its window must hold `now`.  *signer
 * (may be NULL) gets the key that verified it.
 */
dv_sig_verdict_t dv_sig_judge(dv_sigcache_t *cache, const dv_rrset_view_t *set,
                              const dv_rrsig_t *sig, const dv_keyset_t *keys, const uint8_t *zone,
                              int64_t now, const dv_keyset_key_t **signer);

/*! Whether a verdict says the signature verifies with a key that counts,
 *  whatever the time. */
static inline bool dv_sig_verifies(dv_sig_verdict_t v)
{
	return v == DV_SIG_VALID || v == DV_SIG_EXPIRED || v == DV_SIG_NOT_YET_VALID ||
	       v == DV_SIG_WINDOW_INVERTED;
}

/*! Where `now` lies in an RRSIG's validity window (RFC 4034 §3.1.5), with
 *  the absolute inception and expiration times. */
typedef enum {
	DV_SIG_WINDOW_OPEN = 0,
	DV_SIG_WINDOW_EXPIRED,
	DV_SIG_WINDOW_NOT_YET,
	DV_SIG_WINDOW_NEVER, /*!< expiration before inception */
} dv_sig_window_t;

dv_sig_window_t dv_rrsig_window(const dv_rrsig_t *sig, int64_t now, int64_t *inception,
                                int64_t *expiration);

/*!
 * Build the data an RRSIG signs (RFC 4034 §3.1.8.1): the RRSIG RDATA without
 * its signature, then each RR in canonical form and order (§6.2, §6.3) with
 * the owner reduced to `labels` labels (wildcard expansion, §3.1.3) and the
 * TTL set to the Original TTL.
 *
 * `owner` is wire form; rdatas[i] must already be canonical
 * (dv_rdata_canonicalize) and, for the zone store, already sorted —
 * pass sorted=false to sort them here.  Appends to buf (cleared first).
 */
int dv_sigdata_build(dv_buf_t *buf, const uint8_t *rrsig, size_t rrsig_len, const uint8_t *owner,
                     uint16_t type, const uint8_t *const *rdatas, const uint16_t *rdlens, size_t n,
                     bool sorted);

/*! Offset of the signature within RRSIG RDATA (after the signer name), or -1. */
long dv_rrsig_sig_offset(const uint8_t *rrsig, size_t len);

/*! RFC 5155 §5 hash of a wire name (lowercased here).  out gets 20 bytes. */
int dv_nsec3_hash(uint8_t hash_alg, uint16_t iterations, const uint8_t *salt, size_t saltlen,
                  const uint8_t *dname, uint8_t out[DV_NSEC3_HASH_LEN]);

/*! Base32hex (RFC 4648 §7) lowercase encoding, NUL-terminated; returns length. */
size_t dv_base32hex_encode(const uint8_t *in, size_t len, char *out, size_t outlen);
/*! Decode; returns decoded length or -1. */
long dv_base32hex_decode(const char *in, size_t len, uint8_t *out, size_t outlen);

/*! Type bitmap (RFC 4034 §4.1.2) test: whether `type` is set. */
bool dv_bitmap_has(const uint8_t *bitmap, size_t len, uint16_t type);
/*! Validate a type bitmap's window structure; false when malformed. */
bool dv_bitmap_valid(const uint8_t *bitmap, size_t len);
/*! Encode a sorted, de-duplicated list of types into a bitmap; returns length or -1. */
long dv_bitmap_encode(const uint16_t *types, size_t n, uint8_t *out, size_t outlen);

/*! Parse a time: an RRSIG timestamp "YYYYMMDDHHmmSS" (UTC), "@SECONDS" or
 *  plain Unix seconds, or "YYYY-MM-DDTHH:MM:SSZ" (what dv_time_format
 *  writes) into *out.  Returns 0 or DV_EINVAL. */
int dv_time_parse(const char *s, int64_t *out);

#define DV_DURATION_MAX ((int64_t)100 * 365 * 86400) /*!< 100 years, in seconds */
/*!
 * Parse a duration, the one syntax of every option and configuration key
 * (doc/dnsvigil.1 "DURATIONS"): a whole number with a unit s, m, h, d or w
 * ("30s", "90m", "14d", "2w"), or a bare number counting `bare_unit`
 * seconds (86400 in thresholds: days; 1 in TTLs and delays).  At most
 * DV_DURATION_MAX.  Returns 0 or DV_EINVAL.
 */
int dv_duration_parse(const char *s, int64_t bare_unit, int64_t *out);
/*! Format a time as "YYYY-MM-DDTHH:MM:SSZ". */
void dv_time_format(int64_t t, char *buf, size_t len);
/*! RFC 4034 §3.1.5 serial-number arithmetic (RFC 1982): map a 32-bit RRSIG
 *  timestamp to the absolute time closest to `now`. */
int64_t dv_rrsig_time(uint32_t ts, int64_t now);
