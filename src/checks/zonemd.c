/*
 * ZONEMD verification (RFC 8976): the SIMPLE scheme with SHA-384 and
 * SHA-512, the serial against the SOA, unsupported and duplicate records.
 */
#include <stdlib.h>
#include <string.h>

#include <libknot/rrtype/zonemd.h>
#include <openssl/evp.h>

#include "checks/checks.h"
#include "checks/denial.h"

#define ZONEMD_SCHEME_SIMPLE 1 /* RFC 8976 §5.2 */
#define ZONEMD_HASH_SHA384   1 /* RFC 8976 §5.3 */
#define ZONEMD_HASH_SHA512   2 /* RFC 8976 §5.3 */
#define ZONEMD_FIXED_LEN     6 /* serial, scheme, hash algorithm */
#define CLASS_IN             1
#define DIGEST_BUF           (128 * 1024) /* batch RRs into few EVP updates */

enum { ST_OK = 0, ST_SKIP = 1, ST_BAD = 2 };

typedef struct {
	uint8_t *buf;
	size_t len;
} feed_t;

static int feed_flush(feed_t *f, EVP_MD_CTX *const *ctx, size_t nctx)
{
	for (size_t i = 0; i < nctx; i++)
		if (ctx[i] != NULL && EVP_DigestUpdate(ctx[i], f->buf, f->len) != 1)
			return DV_ECRYPTO;
	f->len = 0;
	return DV_OK;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * RFC 8976 §3.3.1: every RR of the zone in canonical form and order (RFC
 * 4034 §6), glue and occluded data included, duplicates once, except the
 * apex ZONEMD RRset and the RRSIGs that cover it.  The store's rrs are
 * already canonical (owner, type, then RDATA; RDATA canonical; duplicates
 * dropped), each with the TTL it has in the zone.
 */
static int zone_digest(const dv_zone_t *z, EVP_MD_CTX *const *ctx, size_t nctx)
{
	feed_t f = {.buf = malloc(DIGEST_BUF)};
	if (f.buf == NULL)
		return DV_ENOMEM;
	int ret = DV_OK;
	for (size_t i = 0; i < z->rr_count && ret == DV_OK; i++) {
		const dv_rr_t *rr = &z->rrs[i];
		if (rr->name == 0 && rr->type == KNOT_RRTYPE_ZONEMD)
			continue;
		if (rr->name == 0 && rr->type == KNOT_RRTYPE_RRSIG &&
		    dv_rrsig_type_covered(rr->rdata, rr->rdlen) == KNOT_RRTYPE_ZONEMD)
			continue;
		const uint8_t *owner = z->names[rr->name].dname;
		size_t olen = denial_dname_len(owner);
		size_t need = olen + 10 + rr->rdlen;
		if (f.len + need > DIGEST_BUF && (ret = feed_flush(&f, ctx, nctx)) != DV_OK)
			break;
		uint8_t *p = f.buf + f.len;
		memcpy(p, owner, olen);
		p += olen;
		put16(p, rr->type);
		/* The store keeps one class per zone and does not expose it: IN. */
		put16(p + 2, CLASS_IN);
		p[4] = (uint8_t)(rr->ttl >> 24);
		p[5] = (uint8_t)(rr->ttl >> 16);
		p[6] = (uint8_t)(rr->ttl >> 8);
		p[7] = (uint8_t)rr->ttl;
		put16(p + 8, rr->rdlen);
		memcpy(p + 10, rr->rdata, rr->rdlen);
		f.len += need;
	}
	if (ret == DV_OK)
		ret = feed_flush(&f, ctx, nctx);
	free(f.buf);
	return ret;
}

/* The fields of ZONEMD RDATA of at least ZONEMD_FIXED_LEN octets (RFC 8976 §2.2). */
typedef struct {
	uint32_t serial;
	uint8_t scheme, hash;
	const uint8_t *digest;
	size_t len;
} zonemd_t;

static zonemd_t zonemd_read(const dv_rr_t *rr)
{
	dv_rdata_head_t h;
	const knot_rdata_t *rd = dv_rdata_head(&h, rr->rdata, rr->rdlen, ZONEMD_FIXED_LEN);
	return (zonemd_t){.serial = knot_zonemd_soa_serial(rd),
	                  .scheme = knot_zonemd_scheme(rd),
	                  .hash = knot_zonemd_algorithm(rd),
	                  .digest = rr->rdata + ZONEMD_FIXED_LEN,
	                  .len = rr->rdlen - ZONEMD_FIXED_LEN};
}

static void hex_str(const uint8_t *d, size_t len, char *buf, size_t buflen)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (size_t i = 0; i < len && o + 2 < buflen; i++) {
		buf[o++] = hex[d[i] >> 4];
		buf[o++] = hex[d[i] & 15];
	}
	buf[o] = '\0';
}

int dv_check_zonemd(const dv_zone_t *z, dv_findings_t *out)
{
	if (z->name_count == 0)
		return DV_OK;
	const dv_rrset_t *rs = dv_zone_rrset_find(z, 0, KNOT_RRTYPE_ZONEMD);
	if (rs == NULL)
		return DV_OK;

	int ret = DV_ENOMEM;
	uint32_t serial = dv_zone_serial(z);
	uint8_t *st = calloc(rs->rr_count, 1);
	uint8_t *seen = calloc(256 * 256, 1); /* per (scheme, hash): 0, 1, 2+ records; 3 reported */
	EVP_MD_CTX *ctx[3] = {NULL, NULL, NULL};
	uint8_t digest[3][EVP_MAX_MD_SIZE];
	unsigned dlen[3] = {0, 0, 0};
	if (st == NULL || seen == NULL)
		goto fail;

	/* RFC 8976 §2.4: at most one ZONEMD per scheme and hash algorithm; with
	 * two, which one to trust is unknowable, so neither is verified. */
	for (uint32_t k = 0; k < rs->rr_count; k++) {
		const dv_rr_t *rr = &z->rrs[rs->rr_first + k];
		if (rr->rdlen < ZONEMD_FIXED_LEN) {
			st[k] = ST_BAD;
			ret = dv_findings_add(
			    out, DV_F_ZONEMD_MISMATCH, DENIAL_AT(z, 0, KNOT_RRTYPE_ZONEMD),
			    "malformed ZONEMD RDATA (%u octets, line %u)", rr->rdlen, rr->line);
			if (ret != DV_OK)
				goto fail;
			continue;
		}
		zonemd_t m = zonemd_read(rr);
		size_t key = (size_t)m.scheme * 256 + m.hash;
		if (seen[key] < 2)
			seen[key]++;
	}
	for (uint32_t k = 0; k < rs->rr_count; k++) {
		const dv_rr_t *rr = &z->rrs[rs->rr_first + k];
		if (st[k] == ST_BAD)
			continue;
		zonemd_t m = zonemd_read(rr);
		size_t key = (size_t)m.scheme * 256 + m.hash;
		if (seen[key] < 2)
			continue;
		st[k] = ST_SKIP;
		if (seen[key] == 2) {
			seen[key] = 3; /* reported */
			ret = dv_findings_add(out, DV_F_ZONEMD_DUPLICATE,
			                      DENIAL_AT(z, 0, KNOT_RRTYPE_ZONEMD),
			                      "several ZONEMD with scheme %u, hash algorithm %u "
			                      "(RFC 8976 §2.4)",
			                      m.scheme, m.hash);
			if (ret != DV_OK)
				goto fail;
		}
	}

	bool want[3] = {false, false, false};
	for (uint32_t k = 0; k < rs->rr_count; k++) {
		const dv_rr_t *rr = &z->rrs[rs->rr_first + k];
		if (st[k] != ST_OK)
			continue;
		zonemd_t m = zonemd_read(rr);
		ret = DV_OK;
		if (m.serial != serial) {
			/* RFC 8976 §4 step 4: the serial must match before anything else. */
			st[k] = ST_SKIP;
			ret = dv_findings_add(out, DV_F_ZONEMD_SERIAL_MISMATCH,
			                      DENIAL_AT(z, 0, KNOT_RRTYPE_ZONEMD),
			                      "ZONEMD serial %u, SOA serial %u", m.serial, serial);
		} else if (m.scheme != ZONEMD_SCHEME_SIMPLE ||
		           (m.hash != ZONEMD_HASH_SHA384 && m.hash != ZONEMD_HASH_SHA512)) {
			st[k] = ST_SKIP;
			ret = dv_findings_add(
			    out, DV_F_ZONEMD_UNSUPPORTED, DENIAL_AT(z, 0, KNOT_RRTYPE_ZONEMD),
			    "scheme %u, hash algorithm %u (RFC 8976 §5.2, §5.3)", m.scheme, m.hash);
		} else {
			want[m.hash] = true;
		}
		if (ret != DV_OK)
			goto fail;
	}
	if (!want[ZONEMD_HASH_SHA384] && !want[ZONEMD_HASH_SHA512]) {
		ret = DV_OK;
		goto fail;
	}

	ret = DV_ECRYPTO;
	for (int a = ZONEMD_HASH_SHA384; a <= ZONEMD_HASH_SHA512; a++) {
		if (!want[a])
			continue;
		ctx[a] = EVP_MD_CTX_new();
		if (ctx[a] == NULL) {
			ret = DV_ENOMEM;
			goto fail;
		}
		const EVP_MD *md = a == ZONEMD_HASH_SHA384 ? EVP_sha384() : EVP_sha512();
		if (EVP_DigestInit_ex(ctx[a], md, NULL) != 1)
			goto fail;
	}
	if ((ret = zone_digest(z, ctx, 3)) != DV_OK)
		goto fail;
	ret = DV_ECRYPTO;
	for (int a = ZONEMD_HASH_SHA384; a <= ZONEMD_HASH_SHA512; a++)
		if (want[a] && EVP_DigestFinal_ex(ctx[a], digest[a], &dlen[a]) != 1)
			goto fail;

	for (uint32_t k = 0; k < rs->rr_count; k++) {
		const dv_rr_t *rr = &z->rrs[rs->rr_first + k];
		if (st[k] != ST_OK)
			continue;
		zonemd_t m = zonemd_read(rr);
		uint8_t a = m.hash;
		const uint8_t *d = m.digest;
		size_t len = m.len;
		if (len == dlen[a] && memcmp(d, digest[a], len) == 0)
			continue;
		char have[2 * EVP_MAX_MD_SIZE + 1], calc[2 * EVP_MAX_MD_SIZE + 1];
		hex_str(d, len < EVP_MAX_MD_SIZE ? len : EVP_MAX_MD_SIZE, have, sizeof(have));
		hex_str(digest[a], dlen[a], calc, sizeof(calc));
		ret =
		    dv_findings_add(out, DV_F_ZONEMD_MISMATCH, DENIAL_AT(z, 0, KNOT_RRTYPE_ZONEMD),
		                    "%s of the zone is %s, ZONEMD has %s%s",
		                    a == ZONEMD_HASH_SHA384 ? "SHA-384" : "SHA-512", calc, have,
		                    len > EVP_MAX_MD_SIZE ? "..." : "");
		if (ret != DV_OK)
			goto fail;
	}
	ret = DV_OK;
fail:
	for (int a = 0; a < 3; a++)
		EVP_MD_CTX_free(ctx[a]);
	free(st);
	free(seen);
	return ret;
}
