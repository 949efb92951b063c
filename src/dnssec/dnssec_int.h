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
