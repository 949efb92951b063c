/*
 * DNSKEY parsing, key tags, DS digests and signature verification.
 * OpenSSL libcrypto for RSA, ECDSA and Ed448; libsodium for Ed25519 (measured
 * faster than OpenSSL 3.0 here, see DESIGN.md).
 */
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

struct dv_key {
	uint8_t alg;
	unsigned bits;
	EVP_PKEY *pkey;        /* RSA, ECDSA, Ed448 */
	const EVP_MD *md;      /* digest for RSA/ECDSA */
	size_t ec_half;        /* ECDSA: length of r and of s */
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

static const EVP_MD *digest_md(uint8_t digest_type)
{
	switch (digest_type) {
	case DV_DIGEST_SHA1: return EVP_sha1();
	case DV_DIGEST_SHA256: return EVP_sha256();
	case DV_DIGEST_SHA384: return EVP_sha384();
	default: return NULL;
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
	k->alg = alg;
	const uint8_t *pk = rdata + 4;
	size_t len = rdlen - 4;
	int ret;
	switch (alg) {
	case DV_ALG_RSASHA1:
	case DV_ALG_RSASHA1_NSEC3_SHA1:
		k->md = EVP_sha1();
		ret = rsa_key(k, pk, len);
		break;
	case DV_ALG_RSASHA256:
		k->md = EVP_sha256();
		ret = rsa_key(k, pk, len);
		break;
	case DV_ALG_RSASHA512:
		k->md = EVP_sha512();
		ret = rsa_key(k, pk, len);
		break;
	case DV_ALG_ECDSAP256SHA256:
		k->md = EVP_sha256();
		ret = ec_key(k, pk, len, "prime256v1", 32);
		break;
	case DV_ALG_ECDSAP384SHA384:
		k->md = EVP_sha384();
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
		k->pkey = len == 57 ? EVP_PKEY_new_raw_public_key(EVP_PKEY_ED448, NULL, pk, len)
				    : NULL;
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

void dv_key_free(dv_key_t *k)
{
	if (k == NULL)
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
static int pkey_verify(const dv_key_t *k, const uint8_t *sig, size_t siglen, const uint8_t *data,
		       size_t len, bool rsa)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	if (EVP_Digest(data, len, md, &mdlen, k->md, NULL) != 1)
		return DV_ECRYPTO;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(k->pkey, NULL);
	int ok = ctx != NULL && EVP_PKEY_verify_init(ctx) == 1;
	if (ok && rsa)
		ok = EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 &&
		     EVP_PKEY_CTX_set_signature_md(ctx, k->md) == 1;
	ok = ok && EVP_PKEY_verify(ctx, sig, siglen, md, mdlen) == 1;
	EVP_PKEY_CTX_free(ctx);
	return ok ? DV_OK : DV_ECRYPTO;
}

int dv_key_verify(const dv_key_t *k, const uint8_t *data, size_t len, const uint8_t *sig,
		  size_t siglen)
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
		ECDSA_SIG *es = ECDSA_SIG_new();
		BIGNUM *r = BN_bin2bn(sig, (int)k->ec_half, NULL);
		BIGNUM *s = BN_bin2bn(sig + k->ec_half, (int)k->ec_half, NULL);
		if (es == NULL || r == NULL || s == NULL || ECDSA_SIG_set0(es, r, s) != 1) {
			BN_free(r);
			BN_free(s);
			ECDSA_SIG_free(es);
			return DV_ENOMEM;
		}
		uint8_t der[160], *p = der;
		int dlen = i2d_ECDSA_SIG(es, NULL);
		int ret = DV_ECRYPTO;
		if (dlen > 0 && (size_t)dlen <= sizeof(der) && i2d_ECDSA_SIG(es, &p) == dlen)
			ret = pkey_verify(k, der, (size_t)dlen, data, len, false);
		ECDSA_SIG_free(es);
		return ret;
	}
	default:
		return pkey_verify(k, sig, siglen, data, len, true);
	}
}
