/*
 * The candidate of a preflight: a signed zone file about to be published,
 * added to the series as the next version of everything the zone serves.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libknot/libknot.h>

#include "core/error.h"
#include "core/zone.h"
#include "zone/loader.h"
#include "rollover/rollover_int.h"

#define MAX_PATTERNS 10000 /* signing patterns of one candidate zone */

/* What signs an RRset: its RRSIGs' (key tag, algorithm) pairs, sorted, and
 * whether one expires before the horizon. */
typedef struct {
	uint64_t hash;
	uint32_t rrset; /* representative */
} pattern_t;

static uint32_t u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static uint64_t pattern_of(const dv_zone_t *z, const dv_rrset_t *rs, int64_t deadline)
{
	uint32_t v[64];
	size_t n = 0;
	bool expiring = false;
	for (uint32_t i = 0; i < rs->sig_count && n < 64; i++) {
		const dv_rr_t *g = &z->rrs[rs->sig_first + i];
		if (g->rdlen < DV_RRSIG_FIXED_LEN)
			continue;
		v[n++] = (uint32_t)g->rdata[2] << 16 | (uint32_t)(g->rdata[16] << 8 | g->rdata[17]);
		expiring |= dv_rrsig_time(u32(g->rdata + 8), deadline) < deadline;
	}
	if (n > 1)
		qsort(v, n, sizeof(v[0]), cmp_u32);
	v[n++] = expiring;
	return roll_hash(v, n * sizeof(v[0]), 0x63616e64);
}

static bool wanted(dv_roll_series_t *s, const dv_zone_t *z, const dv_rrset_t *rs, pattern_t *pat,
                   size_t *npat, int64_t deadline, int *err)
{
	const dv_name_t *nm = &z->names[rs->name];
	if (nm->flags & (DV_NAME_NONAUTH | DV_NAME_DNAME_BELOW))
		return false; /* glue and occluded data are not signed (RFC 4035 §2.2) */
	if ((nm->flags & DV_NAME_DELEG) && rs->type != KNOT_RRTYPE_DS &&
	    rs->type != KNOT_RRTYPE_NSEC && rs->type != KNOT_RRTYPE_NSEC3)
		return false;
	uint32_t rk;
	if ((nm->flags & DV_NAME_APEX) ||
	    roll_rrkey_get(s, nm->dname, rs->type, false, &rk) == DV_OK)
		return true;
	uint64_t h = pattern_of(z, rs, deadline);
	for (size_t i = 0; i < *npat; i++)
		if (pat[i].hash == h)
			return false;
	if (*npat >= MAX_PATTERNS) {
		*err = DV_ELIMIT;
		return false;
	}
	pat[(*npat)++] = (pattern_t){h, (uint32_t)(rs - z->rrsets)};
	return true;
}

static int rrset_view(dv_arena_t *a, const dv_zone_t *z, const dv_rrset_t *rs, dv_roll_rrset_t *out)
{
	const uint8_t **rd = dv_arena_alloc(a, (rs->rr_count + 1) * sizeof(*rd));
	uint16_t *rdlen = dv_arena_alloc(a, (rs->rr_count + 1) * sizeof(*rdlen));
	const uint8_t **sig = dv_arena_alloc(a, (rs->sig_count + 1) * sizeof(*sig));
	uint16_t *siglen = dv_arena_alloc(a, (rs->sig_count + 1) * sizeof(*siglen));
	if (!rd || !rdlen || !sig || !siglen || rs->rr_count > UINT16_MAX ||
	    rs->sig_count > UINT16_MAX)
		return rs->rr_count > UINT16_MAX || rs->sig_count > UINT16_MAX ? DV_ELIMIT
		                                                               : DV_ENOMEM;
	for (uint32_t i = 0; i < rs->rr_count; i++) {
		rd[i] = z->rrs[rs->rr_first + i].rdata;
		rdlen[i] = z->rrs[rs->rr_first + i].rdlen;
	}
	for (uint32_t i = 0; i < rs->sig_count; i++) {
		sig[i] = z->rrs[rs->sig_first + i].rdata;
		siglen[i] = z->rrs[rs->sig_first + i].rdlen;
	}
	*out = (dv_roll_rrset_t){.owner = z->names[rs->name].dname,
	                         .type = rs->type,
	                         .ttl = rs->ttl,
	                         .n = (uint16_t)rs->rr_count,
	                         .rd = rd,
	                         .rdlen = rdlen,
	                         .nsig = (uint16_t)rs->sig_count,
	                         .sig = sig,
	                         .siglen = siglen};
	return DV_OK;
}

int dv_roll_candidate_load(dv_roll_series_t *s, const char *path, int64_t time, int64_t propagation,
                           int64_t horizon, char *err, size_t errlen)
{
	dv_zone_opts_t zopts = {.origin = s->zone_str};
	dv_zone_t *z = NULL;
	int ret = dv_zone_load(path, &zopts, &z, err, errlen);
	if (ret != DV_OK)
		return ret;
	dv_arena_t a;
	dv_arena_init(&a, 0);
	pattern_t *pat = malloc(MAX_PATTERNS * sizeof(*pat));
	dv_roll_rrset_t *sets = NULL;
	size_t nsets = 0, capsets = 0, npat = 0;
	if (pat == NULL) {
		ret = DV_ENOMEM;
		goto out;
	}
	int64_t deadline = time + horizon;
	for (size_t i = 0; i < z->rrset_count && ret == DV_OK; i++) {
		const dv_rrset_t *rs = &z->rrsets[i];
		if (!wanted(s, z, rs, pat, &npat, deadline, &ret))
			continue;
		if (dv_array_grow(&sets, &capsets, nsets, sizeof(*sets), 64) != DV_OK)
			ret = DV_ENOMEM;
		else
			ret = rrset_view(&a, z, rs, &sets[nsets++]);
	}
	/* What the apex used to serve and the candidate does not have is now
	 * answered with NODATA: an absent DNSKEY RRset is how an unsigned
	 * candidate shows. */
	static const uint16_t apex[] = {KNOT_RRTYPE_SOA, KNOT_RRTYPE_NS, KNOT_RRTYPE_DNSKEY,
	                                KNOT_RRTYPE_CDS, KNOT_RRTYPE_CDNSKEY};
	uint32_t neg = 0; /* RFC 2308 §5: min(SOA TTL, SOA MINIMUM) */
	const dv_rrset_t *soa = dv_zone_rrset_find(z, 0, KNOT_RRTYPE_SOA);
	if (soa != NULL && z->rrs[soa->rr_first].rdlen >= 22) {
		const dv_rr_t *rr = &z->rrs[soa->rr_first];
		uint32_t min = u32(rr->rdata + rr->rdlen - 4);
		neg = soa->ttl < min ? soa->ttl : min;
	}
	for (size_t i = 0; i < sizeof(apex) / sizeof(apex[0]) && ret == DV_OK; i++) {
		if (dv_zone_rrset_find(z, 0, apex[i]) != NULL)
			continue;
		if (dv_array_grow(&sets, &capsets, nsets, sizeof(*sets), 64) != DV_OK) {
			ret = DV_ENOMEM;
			break;
		}
		sets[nsets++] = (dv_roll_rrset_t){
		    .owner = s->zone, .type = apex[i], .ttl = neg, .absent = true};
	}
	if (ret == DV_ELIMIT)
		snprintf(err, errlen, "%s: more than %u signing patterns", path, MAX_PATTERNS);
	else if (ret != DV_OK)
		snprintf(err, errlen, "%s: %s", path, dv_strerror(ret));
	if (ret == DV_OK &&
	    (ret = dv_roll_series_candidate(s, time, propagation, sets, nsets)) != DV_OK)
		snprintf(err, errlen, "%s: %s", path,
		         ret == DV_EINVAL ? "the candidate cannot be added (no child server "
		                            "observed, or --now before the last snapshot)"
		                          : dv_strerror(ret));
out:
	free(sets);
	free(pat);
	dv_arena_clear(&a);
	dv_zone_free(z);
	return ret;
}

int dv_roll_candidate_ds_load(dv_roll_series_t *s, const char *path, int64_t time,
                              int64_t propagation, char *err, size_t errlen)
{
	dv_rrfile_t f = {0};
	int ret = dv_rrfile_load(path, s->zone_str, &f, err, errlen);
	if (ret != DV_OK)
		return ret;
	const uint8_t **rd = calloc(f.n + 1, sizeof(*rd));
	uint16_t *rdlen = calloc(f.n + 1, sizeof(*rdlen));
	uint32_t ttl = UINT32_MAX;
	if (rd == NULL || rdlen == NULL) {
		ret = DV_ENOMEM;
		snprintf(err, errlen, "%s: %s", path, dv_strerror(ret));
		goto out;
	}
	if (f.n > UINT16_MAX) {
		ret = DV_ELIMIT;
		snprintf(err, errlen, "%s: too many DS records", path);
		goto out;
	}
	for (size_t i = 0; i < f.n; i++) {
		const dv_rrfile_rr_t *rr = &f.v[i];
		if (rr->type != KNOT_RRTYPE_DS || !knot_dname_is_equal(rr->owner, s->zone)) {
			char o[1025];
			dv_snap_dname_str(rr->owner, o, sizeof(o));
			snprintf(err, errlen, "%s:%u: %s: only DS records of %s belong here", path,
			         rr->line, o, s->zone_str);
			ret = DV_EPARSE;
			goto out;
		}
		rd[i] = rr->rdata;
		rdlen[i] = rr->rdlen;
		if (rr->ttl < ttl)
			ttl = rr->ttl;
	}
	/* No record: the DS RRset withdrawn (the zone goes insecure).  How long
	 * its absence is cached does not matter: an absent DS fails no rule. */
	dv_roll_rrset_t ds = {.owner = s->zone,
	                      .type = KNOT_RRTYPE_DS,
	                      .ttl = f.n ? ttl : 0,
	                      .absent = f.n == 0,
	                      .n = (uint16_t)f.n,
	                      .rd = rd,
	                      .rdlen = rdlen};
	ret = dv_roll_series_candidate_ds(s, time, propagation, &ds);
	if (ret != DV_OK)
		snprintf(err, errlen, "%s: %s", path,
		         ret == DV_EINVAL ? "the DS candidate cannot be added (no parent server "
		                            "observed, or --now before the last snapshot)"
		                          : dv_strerror(ret));
out:
	free(rd);
	free(rdlen);
	dv_rrfile_clear(&f);
	return ret;
}
