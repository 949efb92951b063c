/*
 * DNSKEY parsing, key tags, DS digests and signature verification.
 * OpenSSL libcrypto for RSA, ECDSA and Ed448; libsodium for Ed25519 (measured
 * faster than OpenSSL 3.0 here, see DESIGN.md).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <sodium.h>

#include <libknot/dname.h>

#include "core/error.h"
#include "dnssec/dnssec.h"
#include "dnssec/dnssec_int.h"

struct dv_key {
	uint64_t id;           /* unique per process: the verification-cache key */
	_Atomic unsigned refs; /* dv_key_ref / dv_key_free (a key shared by caches) */
	uint8_t alg;
	unsigned bits;
	EVP_PKEY *pkey;   /* RSA, ECDSA, Ed448 */
	const EVP_MD *md; /* digest for RSA/ECDSA */
	size_t ec_half;   /* ECDSA: length of r and of s */
	uint8_t ed25519[32];
};

uint16_t dv_keytag(const uint8_t *rdata, size_t rdlen)
{
	/* RFC 4034 Appendix B (algorithm 1 uses another formula, Appendix B.1). */
	if (rdlen >= 4 && rdata[3] == DV_ALG_RSAMD5) {
		if (rdlen < 3)
			return 0;
		return (uint16_t)((rdata[rdlen - 3] << 8) | rdata[rdlen - 2]);
	}
	uint32_t ac = 0;
	for (size_t i = 0; i < rdlen; i++)
		ac += (i & 1) ? rdata[i] : (uint32_t)rdata[i] << 8;
	ac += (ac >> 16) & 0xFFFF;
	return (uint16_t)(ac & 0xFFFF);
}

/* Explicitly fetched digests: the legacy EVP_sha256() style makes OpenSSL 3
 * look the implementation up again on every use. */
static EVP_MD *md_sha1, *md_sha256, *md_sha384, *md_sha512;
static pthread_once_t md_once = PTHREAD_ONCE_INIT;

static void md_fetch_all(void)
{
	md_sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
	md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	md_sha384 = EVP_MD_fetch(NULL, "SHA384", NULL);
	md_sha512 = EVP_MD_fetch(NULL, "SHA512", NULL);
}

static const EVP_MD *md_get(int bits)
{
	pthread_once(&md_once, md_fetch_all);
	switch (bits) {
	case 1:
		return md_sha1;
	case 256:
		return md_sha256;
	case 384:
		return md_sha384;
	default:
		return md_sha512;
	}
}

static const EVP_MD *digest_md(uint8_t digest_type)
{
	switch (digest_type) {
	case DV_DIGEST_SHA1:
		return md_get(1);
	case DV_DIGEST_SHA256:
		return md_get(256);
	case DV_DIGEST_SHA384:
		return md_get(384);
	default:
		return NULL;
	}
}

int dv_ds_digest(const uint8_t *owner, const uint8_t *rdata, size_t rdlen, uint8_t digest_type,
                 uint8_t *out, size_t *outlen)
{
	const EVP_MD *md = digest_md(digest_type);
	if (md == NULL)
		return DV_ENOTSUP;
	uint8_t low[KNOT_DNAME_MAXLEN];
	size_t osz = knot_dname_size(owner);
	if (osz == 0 || osz > sizeof(low))
		return DV_EINVAL;
	memcpy(low, owner, osz);
	knot_dname_to_lower(low);
	/* RFC 4034 §5.1.4: digest = hash(canonical owner | DNSKEY RDATA). */
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int len = 0;
	int ok = ctx != NULL && EVP_DigestInit_ex(ctx, md, NULL) == 1 &&
	         EVP_DigestUpdate(ctx, low, osz) == 1 && EVP_DigestUpdate(ctx, rdata, rdlen) == 1 &&
	         EVP_DigestFinal_ex(ctx, out, &len) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return DV_ENOMEM;
	*outlen = len;
	return DV_OK;
}

bool dv_ds_matches(const uint8_t *owner, const uint8_t *ds, size_t dslen, const uint8_t *dnskey,
                   size_t keylen)
{
	if (dslen < 4 || keylen < 4)
		return false;
	uint16_t tag = (uint16_t)((ds[0] << 8) | ds[1]);
	if (tag != dv_keytag(dnskey, keylen) || ds[2] != dnskey[3])
		return false;
	uint8_t dig[DV_DIGEST_MAXLEN];
	size_t dlen = 0;
	if (dv_ds_digest(owner, dnskey, keylen, ds[3], dig, &dlen) != DV_OK)
		return false;
	return dslen - 4 == dlen && CRYPTO_memcmp(ds + 4, dig, dlen) == 0;
}

static int rsa_key(dv_key_t *k, const uint8_t *pk, size_t len)
{
	/* RFC 3110 §2: exponent length (1 or 3 octets), exponent, modulus. */
	size_t elen, off;
	if (len < 1)
		return DV_ECRYPTO;
	if (pk[0] != 0) {
		elen = pk[0];
		off = 1;
	} else {
		if (len < 3)
			return DV_ECRYPTO;
		elen = ((size_t)pk[1] << 8) | pk[2];
		off = 3;
	}
	if (elen == 0 || off + elen >= len || len - off - elen > 4096 / 8 * 4)
		return DV_ECRYPTO;
	/* The exponent's size before any big-number work: a key with a huge
	 * exponent costs every verification ~180 times the normal. */
	const uint8_t *e0 = pk + off;
	size_t ez = elen;
	while (ez > 0 && *e0 == 0) {
		e0++;
		ez--;
	}
	if (ez > 0 && (ez - 1) * 8 + (unsigned)(32 - __builtin_clz(*e0)) > DV_RSA_MAX_EXPONENT_BITS)
		return DV_ELIMIT;
	int ret = DV_ECRYPTO;
	BIGNUM *e = BN_bin2bn(pk + off, (int)elen, NULL);
	BIGNUM *n = BN_bin2bn(pk + off + elen, (int)(len - off - elen), NULL);
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	if (e == NULL || n == NULL || bld == NULL || ctx == NULL)
		goto fail;
	if (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e))
		goto fail;
	params = OSSL_PARAM_BLD_to_param(bld);
	if (params == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &k->pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		goto fail;
	k->bits = (unsigned)BN_num_bits(n);
	ret = DV_OK;
fail:
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	BN_free(e);
	BN_free(n);
	return ret;
}

static int ec_key(dv_key_t *k, const uint8_t *pk, size_t len, const char *group, size_t half)
{
	/* RFC 6605 §4: the public key is Q = x | y, uncompressed, without the 0x04 prefix. */
	if (len != 2 * half)
		return DV_ECRYPTO;
	uint8_t point[1 + 96];
	point[0] = 0x04;
	memcpy(point + 1, pk, len);
	int ret = DV_ECRYPTO;
	OSSL_PARAM params[3];
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)group, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, len + 1);
	params[2] = OSSL_PARAM_construct_end();
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (ctx != NULL && EVP_PKEY_fromdata_init(ctx) == 1 &&
	    EVP_PKEY_fromdata(ctx, &k->pkey, EVP_PKEY_PUBLIC_KEY, params) == 1) {
		/* fromdata does not check that the point is on the curve. */
		EVP_PKEY_CTX *chk = EVP_PKEY_CTX_new(k->pkey, NULL);
		if (chk != NULL && EVP_PKEY_public_check(chk) == 1)
			ret = DV_OK;
		EVP_PKEY_CTX_free(chk);
	}
	EVP_PKEY_CTX_free(ctx);
	k->ec_half = half;
	k->bits = (unsigned)(half * 8);
	return ret;
}

unsigned dv_rsa_exponent_bits(const uint8_t *rdata, size_t rdlen)
{
	if (rdlen < 5 || !(rdata[3] == DV_ALG_RSASHA1 || rdata[3] == DV_ALG_RSASHA1_NSEC3_SHA1 ||
	                   rdata[3] == DV_ALG_RSASHA256 || rdata[3] == DV_ALG_RSASHA512))
		return 0;
	const uint8_t *pk = rdata + 4;
	size_t len = rdlen - 4, elen, off;
	if (pk[0] != 0) {
		elen = pk[0];
		off = 1;
	} else {
		if (len < 3)
			return 0;
		elen = ((size_t)pk[1] << 8) | pk[2];
		off = 3;
	}
	if (elen == 0 || off + elen > len)
		return 0;
	const uint8_t *e = pk + off;
	while (elen > 0 && *e == 0) {
		e++;
		elen--;
	}
	if (elen == 0)
		return 0;
	return (unsigned)((elen - 1) * 8) + (unsigned)(32 - __builtin_clz(*e));
}

bool dv_alg_supported(uint8_t alg)
{
	switch (alg) {
	case DV_ALG_RSASHA1:
	case DV_ALG_RSASHA1_NSEC3_SHA1:
	case DV_ALG_RSASHA256:
	case DV_ALG_RSASHA512:
	case DV_ALG_ECDSAP256SHA256:
	case DV_ALG_ECDSAP384SHA384:
	case DV_ALG_ED25519:
	case DV_ALG_ED448:
		return true;
	default:
		return false;
	}
}

int dv_key_new(const uint8_t *rdata, size_t rdlen, dv_key_t **out)
{
	if (rdlen < 5)
		return DV_ECRYPTO;
	uint8_t alg = rdata[3];
	if (!dv_alg_supported(alg))
		return DV_ENOTSUP;
	dv_key_t *k = calloc(1, sizeof(*k));
	if (k == NULL)
		return DV_ENOMEM;
	static _Atomic uint64_t next_id = 1;
	k->id = atomic_fetch_add(&next_id, 1);
	atomic_init(&k->refs, 1);
	k->alg = alg;
	const uint8_t *pk = rdata + 4;
	size_t len = rdlen - 4;
	int ret;
	switch (alg) {
	case DV_ALG_RSASHA1:
	case DV_ALG_RSASHA1_NSEC3_SHA1:
		k->md = md_get(1);
		ret = rsa_key(k, pk, len);
		break;
	case DV_ALG_RSASHA256:
		k->md = md_get(256);
		ret = rsa_key(k, pk, len);
		break;
	case DV_ALG_RSASHA512:
		k->md = md_get(512);
		ret = rsa_key(k, pk, len);
		break;
	case DV_ALG_ECDSAP256SHA256:
		k->md = md_get(256);
		ret = ec_key(k, pk, len, "prime256v1", 32);
		break;
	case DV_ALG_ECDSAP384SHA384:
		k->md = md_get(384);
		ret = ec_key(k, pk, len, "secp384r1", 48);
		break;
	case DV_ALG_ED25519:
		/* RFC 8080 §3: the 32-octet public key as is. */
		ret = len == crypto_sign_PUBLICKEYBYTES ? DV_OK : DV_ECRYPTO;
		if (ret == DV_OK)
			memcpy(k->ed25519, pk, len);
		k->bits = 256;
		break;
	case DV_ALG_ED448:
		k->pkey =
		    len == 57 ? EVP_PKEY_new_raw_public_key(EVP_PKEY_ED448, NULL, pk, len) : NULL;
		ret = k->pkey ? DV_OK : DV_ECRYPTO;
		k->bits = 456;
		break;
	default:
		ret = DV_ENOTSUP;
	}
	if (ret != DV_OK) {
		dv_key_free(k);
		return ret;
	}
	*out = k;
	return DV_OK;
}

dv_key_t *dv_key_ref(dv_key_t *k)
{
	if (k != NULL)
		atomic_fetch_add(&k->refs, 1);
	return k;
}

void dv_key_free(dv_key_t *k)
{
	if (k == NULL || atomic_fetch_sub(&k->refs, 1) != 1)
		return;
	EVP_PKEY_free(k->pkey);
	free(k);
}

unsigned dv_key_bits(const dv_key_t *k)
{
	return k->bits;
}

/* Verify with a pre-computed digest: hashing is done once, outside the
 * EVP_PKEY_CTX, which is the cheap part to set up. */
static bool is_rsa(uint8_t alg)
{
	return alg == DV_ALG_RSASHA1 || alg == DV_ALG_RSASHA1_NSEC3_SHA1 ||
	       alg == DV_ALG_RSASHA256 || alg == DV_ALG_RSASHA512;
}

/* One DER INTEGER (X.690 §8.3) from a big-endian unsigned value: leading
 * zeros dropped, a zero octet added when the high bit is set. */
static size_t der_int(const uint8_t *v, size_t n, uint8_t *out)
{
	while (n > 1 && v[0] == 0) {
		v++;
		n--;
	}
	size_t pad = v[0] & 0x80 ? 1 : 0;
	out[0] = 0x02;
	out[1] = (uint8_t)(n + pad);
	out[2] = 0;
	memcpy(out + 2 + pad, v, n);
	return 2 + pad + n;
}

/* ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } (RFC 3279 §2.2.3).
 * With P-384 the content stays below 128 octets: short-form lengths. */
static size_t ecdsa_der(const uint8_t *sig, size_t half, uint8_t *out)
{
	size_t n = der_int(sig, half, out + 2);
	n += der_int(sig + half, half, out + 2 + n);
	out[0] = 0x30;
	out[1] = (uint8_t)n;
	return n + 2;
}

/* A context ready for EVP_PKEY_verify with this key; NULL on failure. */
static EVP_PKEY_CTX *verify_ctx_new(const dv_key_t *k)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(k->pkey, NULL);
	int ok = ctx != NULL && EVP_PKEY_verify_init(ctx) == 1;
	if (ok && is_rsa(k->alg))
		ok = EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 &&
		     EVP_PKEY_CTX_set_signature_md(ctx, k->md) == 1;
	if (!ok) {
		EVP_PKEY_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* Verify with a digest computed here, through ctx (or a new context when
 * ctx is NULL).  EVP_PKEY_verify may be repeated on an initialised context. */
static int pkey_verify(const dv_key_t *k, EVP_PKEY_CTX *ctx, const uint8_t *sig, size_t siglen,
                       const uint8_t *data, size_t len)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	if (EVP_Digest(data, len, md, &mdlen, k->md, NULL) != 1)
		return DV_ECRYPTO;
	EVP_PKEY_CTX *own = ctx == NULL ? verify_ctx_new(k) : NULL;
	EVP_PKEY_CTX *use = ctx != NULL ? ctx : own;
	int ok = use != NULL && EVP_PKEY_verify(use, sig, siglen, md, mdlen) == 1;
	EVP_PKEY_CTX_free(own);
	return ok ? DV_OK : DV_ECRYPTO;
}

#define KEYCTX_MAX 64

struct dv_keyctx {
	size_t n;
	struct {
		uint64_t id;
		EVP_PKEY_CTX *ctx;
	} e[KEYCTX_MAX];
};

int dv_keyctx_new(dv_keyctx_t **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? DV_OK : DV_ENOMEM;
}

void dv_keyctx_free(dv_keyctx_t *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++)
		EVP_PKEY_CTX_free(c->e[i].ctx);
	free(c);
}

static EVP_PKEY_CTX *keyctx_get(dv_keyctx_t *c, const dv_key_t *k)
{
	if (c == NULL || k->pkey == NULL)
		return NULL;
	for (size_t i = 0; i < c->n; i++)
		if (c->e[i].id == k->id)
			return c->e[i].ctx;
	if (c->n == KEYCTX_MAX)
		return NULL; /* a zone with more keys than this verifies uncached */
	EVP_PKEY_CTX *ctx = verify_ctx_new(k);
	if (ctx != NULL) {
		c->e[c->n].id = k->id;
		c->e[c->n].ctx = ctx;
		c->n++;
	}
	return ctx;
}

int dv_key_verify(const dv_key_t *k, const uint8_t *data, size_t len, const uint8_t *sig,
                  size_t siglen)
{
	return dv_key_verify_ctx(NULL, k, data, len, sig, siglen);
}

int dv_key_verify_ctx(dv_keyctx_t *cache, const dv_key_t *k, const uint8_t *data, size_t len,
                      const uint8_t *sig, size_t siglen)
{
	switch (k->alg) {
	case DV_ALG_ED25519:
		if (siglen != crypto_sign_BYTES)
			return DV_ECRYPTO;
		return crypto_sign_verify_detached(sig, data, len, k->ed25519) == 0 ? DV_OK
		                                                                    : DV_ECRYPTO;
	case DV_ALG_ED448: {
		EVP_MD_CTX *ctx = EVP_MD_CTX_new();
		int ok = ctx != NULL && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
		         EVP_DigestVerify(ctx, sig, siglen, data, len) == 1;
		EVP_MD_CTX_free(ctx);
		return ok ? DV_OK : DV_ECRYPTO;
	}
	case DV_ALG_ECDSAP256SHA256:
	case DV_ALG_ECDSAP384SHA384: {
		/* RFC 6605 §4: the signature is r | s; OpenSSL wants DER. */
		if (siglen != 2 * k->ec_half)
			return DV_ECRYPTO;
		uint8_t der[2 * (2 + 1 + 48) + 2];
		size_t dlen = ecdsa_der(sig, k->ec_half, der);
		return pkey_verify(k, keyctx_get(cache, k), der, dlen, data, len);
	}
	default:
		return pkey_verify(k, keyctx_get(cache, k), sig, siglen, data, len);
	}
}
