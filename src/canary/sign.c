/* The canary signer: OpenSSL keys, DNSKEY RDATA, raw DNSSEC signatures. */
#include "canary/sign.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "core/error.h"
#include "core/file.h"
#include "dnssec/dnssec.h"

#define P256_COORD 32 /*!< RFC 6605 §4: r and s, and x and y, 32 octets each */

/* RFC 3110 §2 (alg 8 via RFC 5702 §2): exponent length, exponent, modulus. */
static int rsa_rdata_key(EVP_PKEY *pkey, uint8_t *out, size_t cap, size_t *len)
{
	BIGNUM *n = NULL, *e = NULL;
	int ret = DV_ECRYPTO;
	if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n) != 1 ||
	    EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e) != 1)
		goto fail;
	size_t elen = (size_t)BN_num_bytes(e), nlen = (size_t)BN_num_bytes(n);
	size_t pos = 0;
	if (elen == 0 || elen > 0xffff || 3 + elen + nlen > cap)
		goto fail;
	if (elen <= 255) {
		out[pos++] = (uint8_t)elen;
	} else {
		out[pos++] = 0;
		out[pos++] = (uint8_t)(elen >> 8);
		out[pos++] = (uint8_t)elen;
	}
	BN_bn2bin(e, out + pos);
	pos += elen;
	BN_bn2bin(n, out + pos);
	pos += nlen;
	*len = pos;
	ret = 0;
fail:
	BN_free(n);
	BN_free(e);
	return ret;
}

/* RFC 6605 §4: the public key is x||y, without the uncompressed-point prefix. */
static int ec_rdata_key(EVP_PKEY *pkey, uint8_t *out, size_t cap, size_t *len)
{
	uint8_t pt[1 + 2 * P256_COORD + 8];
	size_t ptlen = 0;
	if (EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt),
	                                    &ptlen) != 1)
		return DV_ECRYPTO;
	if (ptlen != 1 + 2 * P256_COORD || pt[0] != 0x04 || cap < 2 * P256_COORD)
		return DV_ECRYPTO;
	memcpy(out, pt + 1, 2 * P256_COORD);
	*len = 2 * P256_COORD;
	return 0;
}

int dv_signkey_set_flags(dv_signkey_t *key, uint16_t flags)
{
	size_t klen = 0;
	int ret;
	/* RFC 4034 §2.1: flags, protocol 3, algorithm, public key. */
	key->rdata[0] = (uint8_t)(flags >> 8);
	key->rdata[1] = (uint8_t)flags;
	key->rdata[2] = 3;
	key->rdata[3] = key->alg;
	if (key->alg == DV_ALG_RSASHA256)
		ret = rsa_rdata_key(key->pkey, key->rdata + 4, sizeof(key->rdata) - 4, &klen);
	else
		ret = ec_rdata_key(key->pkey, key->rdata + 4, sizeof(key->rdata) - 4, &klen);
	if (ret != 0)
		return ret;
	key->flags = flags;
	key->rdlen = 4 + klen;
	key->tag = dv_keytag(key->rdata, key->rdlen);
	return 0;
}

static EVP_PKEY *key_generate(uint8_t alg, unsigned bits)
{
	if (alg == DV_ALG_RSASHA256)
		return EVP_RSA_gen(bits);
	return EVP_EC_gen("P-256");
}

/* A new key file: a fresh name in the directory (O_EXCL|O_NOFOLLOW), mode
 * 0600 from the start, fsync'ed and renamed (core/file.h): nothing is
 * written through a planted link, and no run sees half a key. */
static int key_save(int dirfd, const char *shown, const char *file, EVP_PKEY *pkey)
{
	char err[512];
	dv_afile_t af;
	if (dv_afile_openat(&af, dirfd, shown, file, 0600, err, sizeof(err)) != DV_OK)
		return DV_EIO;
	if (PEM_write_PrivateKey(af.f, pkey, NULL, NULL, 0, NULL, NULL) != 1) {
		dv_afile_abort(&af);
		return DV_EIO;
	}
	return dv_afile_commit(&af, err, sizeof(err));
}

int dv_signkey_load_or_new_at(int dirfd, const char *shown, const char *file, uint8_t alg,
                              unsigned bits, uint16_t flags, dv_signkey_t *out)
{
	memset(out, 0, sizeof(*out));
	if (alg != DV_ALG_RSASHA256 && alg != DV_ALG_ECDSAP256SHA256)
		return DV_ENOTSUP;
	if (file[0] == '\0' || strchr(file, '/') != NULL)
		return DV_EINVAL;
	/* Never through a symbolic link, never another user's file. */
	FILE *f = dv_file_open_owned(dirfd, file);
	if (f != NULL) {
		out->pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
		if (out->pkey == NULL)
			return DV_ECRYPTO;
		int want = alg == DV_ALG_RSASHA256 ? EVP_PKEY_RSA : EVP_PKEY_EC;
		if (EVP_PKEY_get_base_id(out->pkey) != want) {
			dv_signkey_clear(out);
			return DV_EINVAL;
		}
	} else if (errno == ENOENT) {
		out->pkey = key_generate(alg, bits);
		if (out->pkey == NULL)
			return DV_ECRYPTO;
		int ret = key_save(dirfd, shown, file, out->pkey);
		if (ret != 0) {
			dv_signkey_clear(out);
			return ret;
		}
	} else {
		return DV_EIO; /* ELOOP: a link; EPERM: another owner; EINVAL: not a file */
	}
	out->alg = alg;
	int ret = dv_signkey_set_flags(out, flags);
	if (ret != 0)
		dv_signkey_clear(out);
	return ret;
}

int dv_signkey_load_or_new(const char *dir, const char *file, uint8_t alg, unsigned bits,
                           uint16_t flags, dv_signkey_t *out)
{
	char err[512];
	memset(out, 0, sizeof(*out));
	int fd = dv_dir_open_safe(dir, DV_DIR_CREATE | DV_DIR_NO_GROUP_W, 0700, err, sizeof(err));
	if (fd < 0)
		return DV_EIO;
	int ret = dv_signkey_load_or_new_at(fd, dir, file, alg, bits, flags, out);
	close(fd);
	return ret;
}

/* RFC 6605 §4: the signature is r||s as two 32-octet big-endian integers,
 * not the DER SEQUENCE that OpenSSL produces. */
static int ecdsa_der_to_raw(const uint8_t *der, size_t derlen, uint8_t *sig, size_t *siglen)
{
	const unsigned char *p = der;
	ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)derlen);
	if (es == NULL)
		return DV_ECRYPTO;
	const BIGNUM *r = NULL, *s = NULL;
	ECDSA_SIG_get0(es, &r, &s);
	int ret = DV_ECRYPTO;
	if (BN_bn2binpad(r, sig, P256_COORD) == P256_COORD &&
	    BN_bn2binpad(s, sig + P256_COORD, P256_COORD) == P256_COORD) {
		*siglen = 2 * P256_COORD;
		ret = 0;
	}
	ECDSA_SIG_free(es);
	return ret;
}

int dv_signkey_sign(const dv_signkey_t *key, const uint8_t *data, size_t len, uint8_t *sig,
                    size_t *siglen)
{
	uint8_t raw[DV_SIG_MAXLEN + 16];
	size_t rawlen = sizeof(raw);
	int ret = DV_ECRYPTO;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (ctx == NULL)
		return DV_ENOMEM;
	/* Both algorithms hash with SHA-256 (RFC 5702 §3, RFC 6605 §4). */
	if (EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key->pkey) != 1)
		goto fail;
	if (EVP_DigestSign(ctx, NULL, &rawlen, data, len) != 1 || rawlen > sizeof(raw))
		goto fail;
	if (EVP_DigestSign(ctx, raw, &rawlen, data, len) != 1)
		goto fail;
	if (key->alg == DV_ALG_ECDSAP256SHA256) {
		ret = ecdsa_der_to_raw(raw, rawlen, sig, siglen);
	} else {
		if (rawlen > DV_SIG_MAXLEN)
			goto fail;
		memcpy(sig, raw, rawlen);
		*siglen = rawlen;
		ret = 0;
	}
fail:
	EVP_MD_CTX_free(ctx);
	return ret;
}

void dv_signkey_clear(dv_signkey_t *key)
{
	if (key == NULL)
		return;
	EVP_PKEY_free(key->pkey);
	key->pkey = NULL;
}
