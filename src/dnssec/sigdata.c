/*
 * Canonical form (RFC 4034 §6) and the data an RRSIG covers (§3.1.8.1).
 */
#include <stdlib.h>
#include <string.h>

#include <libknot/descriptor.h>
#include <libknot/dname.h>

#include "core/error.h"
#include "dnssec/dnssec.h"

/* Size of an uncompressed wire name within [p, end), or 0 if malformed. */
static size_t name_size(const uint8_t *p, const uint8_t *end)
{
	int r = knot_dname_wire_check(p, end, NULL);
	return r > 0 ? (size_t)r : 0;
}

long dv_rrsig_sig_offset(const uint8_t *rrsig, size_t len)
{
	if (len <= DV_RRSIG_FIXED_LEN)
		return -1;
	size_t sz = name_size(rrsig + DV_RRSIG_FIXED_LEN, rrsig + len);
	if (sz == 0)
		return -1;
	return (long)(DV_RRSIG_FIXED_LEN + sz);
}

typedef struct {
	const uint8_t *rd;
	uint16_t len;
} rdref_t;

static int rdref_cmp(const void *pa, const void *pb)
{
	const rdref_t *a = pa, *b = pb;
	int c = memcmp(a->rd, b->rd, a->len < b->len ? a->len : b->len);
	if (c != 0)
		return c;
	return a->len < b->len ? -1 : (a->len > b->len ? 1 : 0);
}

int dv_sigdata_build(dv_buf_t *buf, const uint8_t *rrsig, size_t rrsig_len, const uint8_t *owner,
                     uint16_t type, const uint8_t *const *rdatas, const uint16_t *rdlens, size_t n,
                     bool sorted)
{
	buf->len = 0;
	long soff = dv_rrsig_sig_offset(rrsig, rrsig_len);
	if (soff < 0)
		return DV_EPARSE;
	uint8_t labels = rrsig[3];
	const uint8_t *ottl = rrsig + 4;

	/* The owner as it was signed: lowercase, and for a wildcard expansion
	 * reduced to "*." plus its rightmost `labels` labels (RFC 4035 §5.3.2). */
	uint8_t own[KNOT_DNAME_MAXLEN + 2];
	size_t osz = knot_dname_size(owner);
	if (osz == 0 || osz > KNOT_DNAME_MAXLEN)
		return DV_EPARSE;
	size_t olabels = knot_dname_labels(owner, NULL);
	const uint8_t *src = owner;
	size_t pos = 0;
	if (labels < olabels) {
		for (size_t i = 0; i < olabels - labels; i++)
			src += 1 + src[0];
		own[0] = 1;
		own[1] = '*';
		pos = 2;
	} else if (labels > olabels) {
		return DV_EPARSE;
	}
	size_t rest = knot_dname_size(src);
	memcpy(own + pos, src, rest);
	knot_dname_to_lower(own);
	osz = pos + rest;

	int ret;
	if ((ret = dv_buf_append(buf, rrsig, (size_t)soff)) != DV_OK)
		return ret;
	/* The signer name in the RRSIG RDATA is lowercased too (RFC 6840 §5.1). */
	knot_dname_to_lower(buf->data + DV_RRSIG_FIXED_LEN);

	rdref_t stackv[64], *v = stackv;
	if (n > 64) {
		v = malloc(n * sizeof(*v));
		if (v == NULL)
			return DV_ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = (rdref_t){rdatas[i], rdlens[i]};
	if (!sorted && n > 1)
		qsort(v, n, sizeof(*v), rdref_cmp);

	uint8_t hdr[10];
	hdr[0] = (uint8_t)(type >> 8);
	hdr[1] = (uint8_t)type;
	hdr[2] = 0;
	hdr[3] = 1; /* class IN */
	memcpy(hdr + 4, ottl, 4);
	for (size_t i = 0; i < n; i++) {
		/* RFC 4034 §6.3: duplicate RRs are removed. */
		if (i > 0 && rdref_cmp(&v[i - 1], &v[i]) == 0)
			continue;
		hdr[8] = (uint8_t)(v[i].len >> 8);
		hdr[9] = (uint8_t)v[i].len;
		if ((ret = dv_buf_append(buf, own, osz)) != DV_OK ||
		    (ret = dv_buf_append(buf, hdr, sizeof(hdr))) != DV_OK ||
		    (ret = dv_buf_append(buf, v[i].rd, v[i].len)) != DV_OK)
			break;
	}
	if (v != stackv)
		free(v);
	return ret;
}
