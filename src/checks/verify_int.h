/*
 * Internal to the offline checks (verify): RRsets of the zone store as the
 * signature check reads them, the apex key set, and the marks the presign
 * pass leaves for the signature pass.
 */
#pragma once

#include <stdbool.h>

#include "checks/checks.h"
#include "core/arena.h"
#include "dnssec/dnssec.h"

/* A reusable view of one RRset of the store (grows to the largest RRset). */
typedef struct {
	const uint8_t **rdata;
	uint16_t *rdlen;
	size_t cap;
	dv_rrset_view_t view;
} verify_view_t;

/* The view of the records of `type` among rrs, at owner. */
int verify_view_build(verify_view_t *v, const uint8_t *owner, uint16_t type, const dv_rr_t *rrs,
                      size_t n, bool sorted);
void verify_view_clear(verify_view_t *v);

/* The key set of the DNSKEY records among rrs (others skipped); the set owns its keys. */
int verify_keyset_build(const dv_rr_t *rrs, size_t n, dv_keyset_t *ks);
/* The key set of the apex DNSKEY RRset (empty when there is none). */
int verify_zone_keyset(const dv_zone_t *zone, dv_keyset_t *ks);

/* A set of RRSIGs (by the address of their RDATA, which lives as long as
 * the zone and the versions patched from it) found to verify against the
 * RRset they cover with the apex key set. */
typedef struct verify_marks verify_marks_t;
int verify_marks_new(size_t hint, verify_marks_t **out);
int verify_marks_copy(const verify_marks_t *src, verify_marks_t **out);
int verify_marks_add(verify_marks_t *m, const uint8_t *rdata);
void verify_marks_del(verify_marks_t *m, const uint8_t *rdata);
bool verify_marks_has(const verify_marks_t *m, const uint8_t *rdata); /* m may be NULL */
size_t verify_marks_count(const verify_marks_t *m);
void verify_marks_free(verify_marks_t *m);
size_t verify_marks_bytes(const verify_marks_t *m); /* of its table (m may be NULL) */

/* The signature pass (signatures.c): every signature finding but the
 * validity windows, for `names` (n name indexes, ascending) or every name
 * (names NULL).  RRSIGs in `known` are taken as verifying; those found to
 * verify go into `found` (both may be NULL).  Adds to the counts of st. */
int verify_sig_names(const dv_zone_t *z, const dv_verify_opts_t *o, const dv_keyset_t *ks,
                     const uint32_t *names, size_t n, const verify_marks_t *known,
                     verify_marks_t *found, dv_verify_stats_t *st, dv_findings_t *out);
/* The window pass: every RRSIG the signature pass judges, against o->now
 * (expired, not yet valid, inverted, expiring soon), and the earliest
 * expiry in st; with `verified` (a step) also the window counts of the
 * RRSIGs in it (the full pass counts them as it verifies). */
int verify_sig_times(const dv_zone_t *z, const dv_verify_opts_t *o, const verify_marks_t *verified,
                     dv_verify_stats_t *st, dv_findings_t *out);

/* Keys (keys.c): the apex DNSKEY RRset and the link to --ds; the DS
 * RRsets of the names listed. */
int verify_keys_apex(const dv_zone_t *z, const dv_verify_opts_t *o, dv_findings_t *out);
int verify_ds_names(const dv_zone_t *z, const uint32_t *names, size_t n, dv_findings_t *out);

/* NSEC (nsec.c): the findings of the names listed (indexes), exactly as
 * dv_check_nsec gives them for those names; and the names whose findings
 * may change when ni's records or flags change, besides ni itself (into
 * out, at most cap; cap + 1 means more). */
int verify_nsec_names(const dv_zone_t *z, const uint32_t *names, size_t n, dv_findings_t *out);
size_t verify_nsec_prev(const dv_zone_t *z, uint32_t ni, uint32_t *out, size_t cap);

/* NSEC3 (nsec3.c): the whole check; with `keep`, the chain by hash for
 * incremental steps (*keep NULL when the zone's chain cannot be carried:
 * no usable NSEC3PARAM, no chain, too many iterations). */
typedef struct verify_nsec3 verify_nsec3_t;
int verify_nsec3_full(const dv_zone_t *z, unsigned threads, dv_findings_t *out,
                      verify_nsec3_t **keep);
/* The bytes of its two sorted arrays (st may be NULL: 0). */
void verify_nsec3_bytes(const verify_nsec3_t *st, size_t *recs, size_t *cands);
/* One step: the chain of `nz` from that of `oz` and the patch's delta; the
 * findings of every item (owner of NSEC3 records, name that may own one)
 * the delta can have changed, as they were in oz (to remove) and are in nz
 * (to add).  *out NULL (and DV_OK) when the step cannot be taken. */
int verify_nsec3_step(const verify_nsec3_t *old, const dv_zone_t *oz, const dv_zone_t *nz,
                      const dv_zone_delta_t *delta, verify_nsec3_t **out, dv_findings_t *removed,
                      dv_findings_t *added);
/* The findings of the chain's parameters (kept from the full check). */
const dv_findings_t *verify_nsec3_param_findings(const verify_nsec3_t *st);
void verify_nsec3_free(verify_nsec3_t *st);

/* ---- the state an incremental step carries (verify.c, incremental.c) ---- */

/* Findings of one code a state keeps per family; a zone with more is
 * verified whole at each step. */
#define VERIFY_KEEP_MAX ((size_t)1 << 20)

/* A multiset of findings (incremental.c). */
typedef struct {
	dv_finding_t *v;
	size_t len, cap;
	uint32_t *slots; /* open addressing: 0 empty, UINT32_MAX deleted, else index + 1 */
	size_t mask, used;
	dv_arena_t arena;
	size_t live, dead; /* bytes of the strings of kept and of removed findings */
} verify_fset_t;

struct dv_verify_state {
	const dv_zone_t *zone;                  /* the version it was made for */
	bool carry;                             /* a step can start from it */
	bool nsec, nsec3;                       /* the denial kind */
	size_t nsec_sets, nsec3_sets;           /* RRsets of NSEC, and of NSEC3 and NSEC3PARAM */
	verify_marks_t *marks;                  /* RRSIGs found to verify */
	verify_fset_t sig, ds, nsec_f, nsec3_f; /* the per-name families */
	verify_nsec3_t *n3;
	size_t rrsigs, rrsigs_checked, rrsigs_verified;
};

/* The whole run (verify.c); with keep, the state for later steps. */
int verify_zone_run(const dv_zone_t *z, const dv_verify_opts_t *o, dv_verify_stats_t *st,
                    dv_findings_t *out, dv_verify_state_t **keep);
void verify_denial_kind(const dv_zone_t *z, bool *nsec, bool *nsec3);
void verify_stats_base(const dv_zone_t *z, bool nsec, bool nsec3, dv_verify_stats_t *st);
/* Copy the per-name families into the state (when it carries) and take n3. */
int verify_state_fill(dv_verify_state_t *state, const dv_zone_t *z, const dv_verify_stats_t *st,
                      const dv_findings_t *sig, const dv_findings_t *ds, const dv_findings_t *nsec,
                      const dv_findings_t *nsec3, verify_nsec3_t *n3);

/* Whether the presign pass found this RRSIG to verify (presign may be NULL).
 * Trusted only for names whose records were all in one run of the input. */
bool dv_presign_marked(const dv_presign_t *presign, const dv_rr_t *sig);
