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

/*!
 * A per-thread verification cache: one ready EVP_PKEY_CTX per key, so the
 * hot loop does no OpenSSL provider look-ups or context set-up.  Not
 * thread-safe: one per thread.  Keys must outlive the cache.
 */
typedef struct dv_vcache dv_vcache_t;

int dv_vcache_new(dv_vcache_t **out);
void dv_vcache_free(dv_vcache_t *cache);
/*! dv_key_verify through a cache (cache may be NULL: uncached). */
int dv_key_verify_cached(dv_vcache_t *cache, const dv_key_t *key, const uint8_t *data, size_t len,
                         const uint8_t *sig, size_t siglen);

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

/*! Parse an RRSIG timestamp "YYYYMMDDHHmmSS" (UTC) or "@SECONDS" or plain
 *  seconds into *out.  Returns 0 or DV_EINVAL. */
int dv_time_parse(const char *s, int64_t *out);
/*! Format a time as "YYYY-MM-DDTHH:MM:SSZ". */
void dv_time_format(int64_t t, char *buf, size_t len);
/*! RFC 4034 §3.1.5 serial-number arithmetic (RFC 1982): map a 32-bit RRSIG
 *  timestamp to the absolute time closest to `now`. */
int64_t dv_rrsig_time(uint32_t ts, int64_t now);
