/*
 * The canary's own signer (internal to src/canary): private keys kept as PEM
 * files, their DNSKEY RDATA, and raw DNSSEC signatures made with OpenSSL.
 * It signs whatever it is given, which is the point: ordinary signers refuse
 * to emit the broken data the canary needs.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#define DV_SIGNKEY_RDMAX 1024 /*!< DNSKEY RDATA of up to RSA-4096 */
#define DV_SIG_MAXLEN    512  /*!< RSA-4096 signature */

typedef struct {
	EVP_PKEY *pkey;
	uint8_t alg;                     /*!< 8 (RSASHA256) or 13 (ECDSAP256SHA256) */
	uint16_t flags;                  /*!< DNSKEY flags published with the key */
	uint8_t rdata[DV_SIGNKEY_RDMAX]; /*!< DNSKEY RDATA for these flags */
	size_t rdlen;
	uint16_t tag; /*!< RFC 4034 Appendix B key tag of rdata */
} dv_signkey_t;

/*!
 * Load the private key `dir`/`file` (PEM), or generate one of algorithm `alg`
 * (RSA of `bits` bits for alg 8, P-256 for alg 13) and save it there (mode
 * 0600), so that re-runs keep the same keys and hence the same DS records.
 * The directory must be safe for private keys (core/file.h
 * dv_dir_open_safe: created 0700 when missing, owned by the user, writable
 * by nobody else); a key is never read through a symbolic link nor from a
 * file of another owner, and is written under a fresh name and renamed.
 * DV_EINVAL when the stored key is not of algorithm `alg`; DV_EIO for an
 * unsafe directory or key file.  Clear with dv_signkey_clear.
 */
int dv_signkey_load_or_new(const char *dir, const char *file, uint8_t alg, unsigned bits,
                           uint16_t flags, dv_signkey_t *out);
/*! The same in the directory open as `dirfd` (checked by the caller;
 *  `shown` names it in messages). */
int dv_signkey_load_or_new_at(int dirfd, const char *shown, const char *file, uint8_t alg,
                              unsigned bits, uint16_t flags, dv_signkey_t *out);

/*! Publish the key with other DNSKEY flags (recomputes rdata and tag). */
int dv_signkey_set_flags(dv_signkey_t *key, uint16_t flags);

/*!
 * Sign `data` (the RFC 4034 §3.1.8.1 signed data) into sig (DV_SIG_MAXLEN
 * bytes), in the DNSSEC wire form of the algorithm: RSASSA-PKCS1-v1_5 bytes
 * (RFC 5702 §3) or r||s, 32 bytes each (RFC 6605 §4).
 */
int dv_signkey_sign(const dv_signkey_t *key, const uint8_t *data, size_t len, uint8_t *sig,
                    size_t *siglen);

void dv_signkey_clear(dv_signkey_t *key);
