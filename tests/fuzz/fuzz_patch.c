/*
 * libFuzzer target: an IXFR difference applied to a zone and verified by a
 * step, against the same version verified from nothing (a differential
 * target for src/core/patch.c and src/checks/incremental.c).
 *
 * The input is zone-file text in sections cut by lines "%%": the base zone,
 * then per version step the records it removes and the records it adds
 * (each section a zone of its own: an IXFR step removes the old SOA and
 * adds the new one, RFC 1995 §4).  The base is verified keeping its state
 * (dv_verify_zone_state); the steps are applied (dv_zone_patch, which must
 * refuse what does not apply without crashing); the new version is
 * verified by a step (dv_verify_zone_step) and from nothing
 * (dv_verify_zone).  Beyond memory errors (ASan/UBSan), a step whose
 * findings or counts differ from the full verification's traps.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libknot/libknot.h>

#include "checks/checks.h"
#include "core/error.h"
#include "core/zone.h"
#include "findings/findings.h"
#include "zone/loader.h"

#define FUZZ_MAX   (32 * 1024)
#define STEPS_MAX  4
#define RECORDS    4096
#define FUZZ_NOW   1893456000 /* 2030-01-01 */
#define FUZZ_STEPS (2 * STEPS_MAX)

/* The records of a loaded section, as a step lists them. */
static dv_zone_rec_t *section_records(const dv_zone_t *z, size_t *n)
{
	dv_zone_rec_t *v = calloc(z->rr_count ? z->rr_count : 1, sizeof(*v));
	if (v == NULL)
		return NULL;
	for (size_t i = 0; i < z->rr_count; i++) {
		const dv_rr_t *rr = &z->rrs[i];
		v[i] = (dv_zone_rec_t){.owner = z->names[rr->name].dname,
		                       .rdata = rr->rdata,
		                       .rclass = KNOT_CLASS_IN,
		                       .type = rr->type,
		                       .rdlen = rr->rdlen,
		                       .ttl = rr->ttl};
	}
	*n = z->rr_count;
	return v;
}

static void same_or_trap(const dv_findings_t *a, const dv_verify_stats_t *sa,
                         const dv_findings_t *b, const dv_verify_stats_t *sb)
{
	if (a->len != b->len || sa->records != sb->records || sa->rrsets != sb->rrsets ||
	    sa->rrsigs != sb->rrsigs || sa->rrsigs_checked != sb->rrsigs_checked ||
	    sa->rrsigs_verified != sb->rrsigs_verified || sa->rrsigs_valid != sb->rrsigs_valid ||
	    sa->have_expiry != sb->have_expiry ||
	    (sa->have_expiry && sa->earliest_expiry != sb->earliest_expiry))
		__builtin_trap();
	for (size_t i = 0; i < a->len; i++) {
		const dv_finding_t *x = &a->v[i], *y = &b->v[i];
		if (x->code != y->code || x->type != y->type || x->keytag != y->keytag ||
		    x->time != y->time || dv_finding_name_cmp(x->owner, y->owner) != 0 ||
		    strcmp(x->detail, y->detail) != 0)
			__builtin_trap();
	}
	for (int c = 0; c < DV_F_COUNT; c++)
		if (a->dropped[c] != b->dropped[c])
			__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > FUZZ_MAX)
		return 0;
	char *text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	/* Sections: base, then removed/added pairs. */
	const char *sec[1 + FUZZ_STEPS];
	size_t len[1 + FUZZ_STEPS], nsec = 0;
	const char *p = text;
	while (nsec < 1 + FUZZ_STEPS) {
		const char *cut = strstr(p, "\n%%\n");
		sec[nsec] = p;
		len[nsec++] = cut ? (size_t)(cut - p + 1) : strlen(p);
		if (cut == NULL)
			break;
		p = cut + 4;
	}
	dv_zone_t *zones[1 + FUZZ_STEPS] = {NULL};
	dv_zone_rec_t *recs[FUZZ_STEPS] = {NULL};
	dv_zone_step_t steps[STEPS_MAX];
	size_t nsteps = (nsec - 1) / 2;
	dv_zone_opts_t zo = {.limits = {.no_include = true, .max_records = RECORDS}};
	char err[512];
	dv_verify_opts_t o = {.now = FUZZ_NOW, .warn_expiry = 7 * 86400, .threads = 1};
	dv_verify_state_t *state = NULL, *ns = NULL;
	dv_zone_t *nz = NULL;
	dv_zone_delta_t delta = {0};
	dv_findings_t f0 = {0}, f1 = {0}, f2 = {0};
	dv_verify_stats_t st0, st1, st2;
	if (nsteps == 0)
		goto out;
	for (size_t i = 0; i < 1 + 2 * nsteps; i++)
		if (dv_zone_load_mem(sec[i], len[i], "fuzz", &zo, &zones[i], err, sizeof(err)) !=
		    DV_OK)
			goto out;
	for (size_t s = 0; s < nsteps; s++) {
		size_t nrm = 0, nad = 0;
		recs[2 * s] = section_records(zones[1 + 2 * s], &nrm);
		recs[2 * s + 1] = section_records(zones[2 + 2 * s], &nad);
		if (recs[2 * s] == NULL || recs[2 * s + 1] == NULL)
			goto out;
		steps[s] = (dv_zone_step_t){recs[2 * s], nrm, recs[2 * s + 1], nad};
	}
	if (dv_verify_zone_state(zones[0], &o, &st0, &f0, &state) != DV_OK)
		goto out;
	if (dv_zone_patch(zones[0], steps, nsteps, RECORDS, &nz, &delta, err, sizeof(err)) != DV_OK)
		goto out;
	/* Time moves between versions: windows are judged again. */
	o.now += 3 * 86400;
	if (dv_verify_zone_step(state, zones[0], nz, &delta, &o, &st1, &f1, &ns, NULL) != DV_OK ||
	    dv_verify_zone(nz, &o, &st2, &f2) != DV_OK)
		goto out;
	same_or_trap(&f1, &st1, &f2, &st2);
out:
	dv_findings_clear(&f0);
	dv_findings_clear(&f1);
	dv_findings_clear(&f2);
	dv_verify_state_free(state);
	dv_verify_state_free(ns);
	dv_zone_delta_clear(&delta);
	dv_zone_free(nz);
	for (size_t i = 0; i < FUZZ_STEPS; i++)
		free(recs[i]);
	for (size_t i = 0; i < 1 + FUZZ_STEPS; i++)
		dv_zone_free(zones[i]);
	free(text);
	return 0;
}
