/*
 * bench/step-bench.c - what incremental verification costs beside a full
 * one (issue 13 §4): load a signed zone file, verify it keeping the state a
 * step starts from, make a difference of N changed RRsets (DS RRsets of
 * delegations given TTL+1, so each keeps a signature that must be verified
 * again, plus the SOA with serial+1: what an IXFR of N changes carries),
 * apply it (dv_zone_patch) and verify the new version by a step
 * (dv_verify_zone_step), then verify the new version from nothing
 * (dv_verify_zone) and check that both give the same findings and counts.
 * ROUNDS such changes follow one another, each patched from the version
 * before, as a daemon's IXFRs do: each reuses the arrays of the version
 * freed before it (dv_mem_spare_take), the first those made ready after
 * the full verification (dv_zone_spare_ready), as the daemon's do.
 * Not a test: it prints numbers.  Built and run by bench/replica-bench.sh.
 *
 *   step-bench ZONEFILE ORIGIN N NOW THREADS [ROUNDS (default 3)]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <libknot/descriptor.h>
#include <libknot/dname.h>

#include "checks/checks.h"
#include "core/zone.h"
#include "findings/findings.h"
#include "zone/loader.h"

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static long maxrss_mib(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss / 1024;
}

static dv_zone_rec_t rec_of(const dv_zone_t *z, const dv_rr_t *rr)
{
	return (dv_zone_rec_t){.owner = z->names[rr->name].dname,
	                       .rdata = rr->rdata,
	                       .rclass = KNOT_CLASS_IN,
	                       .type = rr->type,
	                       .rdlen = rr->rdlen,
	                       .ttl = rr->ttl};
}

/* The difference of one round: N signed DS RRsets spread over the zone
 * (starting at the round-th, so rounds touch different delegations) get
 * TTL+1, and the SOA serial+1.  rm/ad point into z and soa_new. */
static int make_step(const dv_zone_t *z, size_t n, size_t round, dv_zone_rec_t *rm,
                     dv_zone_rec_t *ad, uint8_t *soa_new, dv_zone_step_t *step)
{
	size_t nds = 0;
	for (size_t i = 0; i < z->rrset_count; i++)
		nds += z->rrsets[i].type == KNOT_RRTYPE_DS && z->rrsets[i].sig_count > 0;
	if (nds < n + round) {
		fprintf(stderr, "only %zu signed DS RRsets\n", nds);
		return -1;
	}
	size_t nrm = 0, nad = 0, seen = 0, picked = 0, every = nds / n;
	for (size_t i = 0; i < z->rrset_count && picked < n; i++) {
		const dv_rrset_t *rs = &z->rrsets[i];
		if (rs->type != KNOT_RRTYPE_DS || rs->sig_count == 0 ||
		    seen++ % every != round % every)
			continue;
		for (uint32_t k = 0; k < rs->rr_count && nrm < 4 * n; k++) {
			const dv_rr_t *rr = &z->rrs[rs->rr_first + k];
			rm[nrm++] = rec_of(z, rr);
			ad[nad] = rec_of(z, rr);
			ad[nad++].ttl = rr->ttl + 1;
		}
		picked++;
	}
	const dv_rrset_t *soa = dv_zone_rrset_find(z, 0, KNOT_RRTYPE_SOA);
	const dv_rr_t *srr = &z->rrs[soa->rr_first];
	memcpy(soa_new, srr->rdata, srr->rdlen);
	size_t off = knot_dname_size(soa_new);
	off += knot_dname_size(soa_new + off);
	uint32_t serial = dv_zone_serial(z) + 1;
	soa_new[off] = (uint8_t)(serial >> 24);
	soa_new[off + 1] = (uint8_t)(serial >> 16);
	soa_new[off + 2] = (uint8_t)(serial >> 8);
	soa_new[off + 3] = (uint8_t)serial;
	rm[nrm++] = rec_of(z, srr);
	ad[nad] = rec_of(z, srr);
	ad[nad++].rdata = soa_new;
	*step = (dv_zone_step_t){rm, nrm, ad, nad};
	return 0;
}

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	if (argc != 6 && argc != 7) {
		fprintf(stderr, "usage: step-bench ZONEFILE ORIGIN N NOW THREADS [ROUNDS]\n");
		return 2;
	}
	size_t n = strtoul(argv[3], NULL, 10);
	size_t rounds = argc == 7 ? strtoul(argv[6], NULL, 10) : 3;
	if (n == 0 || rounds == 0 || rounds > 100)
		return 2;
	dv_verify_opts_t o = {.now = strtoll(argv[4], NULL, 10),
	                      .warn_expiry = 7 * 86400,
	                      .crit_expiry = 86400,
	                      .threads = (unsigned)strtoul(argv[5], NULL, 10)};
	char err[1024];
	dv_zone_t *z = NULL;
	dv_zone_opts_t zo = {.origin = argv[2]};
	double t0 = now_s();
	if (dv_zone_load(argv[1], &zo, &z, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	double t_load = now_s() - t0;
	printf("zone %s: %zu records, %zu RRsets; loaded in %.2f s\n", argv[1], z->rr_count,
	       z->rrset_count, t_load);

	dv_verify_stats_t st0, st1 = {0}, st2;
	dv_findings_t f0 = {0}, f1 = {0}, f2 = {0};
	dv_verify_state_t *state = NULL;
	t0 = now_s();
	if (dv_verify_zone_state(z, &o, &st0, &f0, &state) != 0)
		return 1;
	double t_state = now_s() - t0;
	printf("full verification keeping the state: %.2f s (%zu RRSIGs verified, %zu findings)\n",
	       t_state, st0.rrsigs_verified, f0.len);
	/* What the daemon's replica set does after a whole transfer it will
	 * follow by IXFR (replica.c take_zone): the next version's arrays made
	 * ready, so that the first change does not fault in fresh memory. */
	t0 = now_s();
	dv_zone_spare_ready(z);
	dv_verify_state_spare_ready(state);
	printf("arrays for the next version made ready (as the daemon does): %.2f s\n",
	       now_s() - t0);

	dv_zone_rec_t *rm = calloc(4 * n + 2, sizeof(*rm)), *ad = calloc(4 * n + 2, sizeof(*ad));
	double *cost = calloc(rounds, sizeof(*cost));
	uint8_t soa_new[1024];
	bool all_incremental = true;
	if (rm == NULL || ad == NULL || cost == NULL)
		return 1;
	for (size_t r = 0; r < rounds; r++) {
		dv_zone_step_t step;
		if (make_step(z, n, r, rm, ad, soa_new, &step) != 0)
			return 1;
		dv_zone_t *nz = NULL;
		dv_zone_delta_t delta;
		t0 = now_s();
		if (dv_zone_patch(z, &step, 1, 0, &nz, &delta, err, sizeof(err)) != 0) {
			fprintf(stderr, "patch: %s\n", err);
			return 1;
		}
		double t_patch = now_s() - t0;
		bool full = true;
		dv_verify_state_t *ns = NULL;
		dv_findings_clear(&f1);
		t0 = now_s();
		if (dv_verify_zone_step(state, z, nz, &delta, &o, &st1, &f1, &ns, &full) != 0)
			return 1;
		double t_step = now_s() - t0;
		all_incremental &= !full;
		cost[r] = t_patch + t_step;
		printf(
		    "change %zu: %zu RRsets changed (%zu records out, %zu in, the SOA included): "
		    "patch %.1f ms, step %.1f ms (%s)\n",
		    r + 1, delta.rrsets_changed, step.nremoved, step.nadded, t_patch * 1e3,
		    t_step * 1e3, full ? "verified everything" : "incremental");
		dv_zone_delta_clear(&delta);
		/* the old version goes, as the daemon lets it go */
		dv_verify_state_free(state);
		dv_zone_free(z);
		state = ns;
		z = nz;
	}

	t0 = now_s();
	if (dv_verify_zone(z, &o, &st2, &f2) != 0)
		return 1;
	double t_full = now_s() - t0;
	bool same = f1.len == f2.len && st1.rrsigs_verified == st2.rrsigs_verified &&
	            st1.rrsigs_checked == st2.rrsigs_checked && st1.records == st2.records;
	for (size_t i = 0; same && i < f1.len; i++)
		same = f1.v[i].code == f2.v[i].code && f1.v[i].type == f2.v[i].type &&
		       strcmp(f1.v[i].detail, f2.v[i].detail) == 0;
	printf(
	    "full verification of the last version: %.2f s (%zu findings, %zu RRSIGs verified)\n",
	    t_full, f2.len, st2.rrsigs_verified);
	printf("the last step's findings and counts equal the full verification's: %s\n",
	       same ? "yes" : "NO");
	printf("every step incremental: %s\n", all_incremental ? "yes" : "NO");
	double full_ref = t_state < t_full ? t_state : t_full; /* the less loaded full run */
	printf("ratio (patch + step) / full (%.2f s), first change: %.4f (%.2f %%)\n", full_ref,
	       cost[0] / full_ref, 100.0 * cost[0] / full_ref);
	if (rounds > 1) {
		double worst = 0;
		for (size_t r = 1; r < rounds; r++)
			worst = cost[r] > worst ? cost[r] : worst;
		printf("ratio (patch + step) / full, worst later change: %.4f (%.2f %%)\n",
		       worst / full_ref, 100.0 * worst / full_ref);
		double *later = malloc((rounds - 1) * sizeof(*later));
		if (later != NULL) {
			memcpy(later, cost + 1, (rounds - 1) * sizeof(*later));
			qsort(later, rounds - 1, sizeof(*later), dbl_cmp);
			double med =
			    (rounds - 1) % 2
			        ? later[(rounds - 1) / 2]
			        : (later[(rounds - 1) / 2 - 1] + later[(rounds - 1) / 2]) / 2;
			printf("ratio (patch + step) / full, median later change: %.4f (%.2f %%)\n",
			       med / full_ref, 100.0 * med / full_ref);
			free(later);
		}
	}
	printf("max RSS %ld MiB\n", maxrss_mib());
	dv_findings_clear(&f0);
	dv_findings_clear(&f1);
	dv_findings_clear(&f2);
	dv_verify_state_free(state);
	dv_zone_free(z);
	free(rm);
	free(ad);
	free(cost);
	return same && all_incremental ? 0 : 1;
}
