/* Internal to src/dnssec: the per-key verification contexts of a sigcache. */
#pragma once

#include "dnssec/dnssec.h"

/* One ready EVP_PKEY_CTX per key (keys.c), so the hot loop does no OpenSSL
 * provider look-ups or context set-up.  Not thread-safe. */
typedef struct dv_keyctx dv_keyctx_t;

int dv_keyctx_new(dv_keyctx_t **out);
void dv_keyctx_free(dv_keyctx_t *ctx);
/* dv_key_verify through the contexts (ctx may be NULL: set up each time). */
int dv_key_verify_ctx(dv_keyctx_t *ctx, const dv_key_t *key, const uint8_t *data, size_t len,
                      const uint8_t *sig, size_t siglen);

/* The shared memo of sigmemo.c: digests of (key, signed data, signature)
 * that verified. */
#define DV_SIGMEMO_DIGEST_LEN 16
bool dv_sigmemo_lookup(dv_sigmemo_t *memo, const uint8_t digest[DV_SIGMEMO_DIGEST_LEN]);
int dv_sigmemo_add(dv_sigmemo_t *memo, const uint8_t digest[DV_SIGMEMO_DIGEST_LEN]);
/* Its parsed keys by digest of DNSKEY RDATA: true and a new reference in
 * *key (NULL with *ret the parse error for a key that does not parse) when
 * known. */
bool dv_sigmemo_key_get(dv_sigmemo_t *memo, const uint8_t digest[DV_SIGMEMO_DIGEST_LEN],
                        dv_key_t **key, int *ret);
/* Remember a parsed key (the memo takes its own reference) or a parse error. */
void dv_sigmemo_key_put(dv_sigmemo_t *memo, const uint8_t digest[DV_SIGMEMO_DIGEST_LEN],
                        dv_key_t *key, int ret);
