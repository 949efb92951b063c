/*
 * Inside src/replica: one transfer into a zone builder (fetch.c), content
 * digests (digest.c) and the comparison of two versions (compare.c).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "net/net.h"
#include "replica/replica.h"

/* One transfer: its request, the builder its records go into (full
 * answers), and how it ended. */
typedef struct fetch {
	dv_replica_fetch_t req;
	enum dv_xfr_type type;
	uint32_t serial; /* IXFR: from this serial */
	char label[96];  /* "AXFR from ADDR" */
	dv_zone_builder_t *b;
	int build_ret; /* the builder refused a record */
	char build_err[640];
	bool done;
	dv_xfr_result_t res; /* res.ixfr: taken (the caller frees it) */
	void (*on_done)(void *ctx, struct fetch *f);
	void *ctx;
} fetch_t;

/* Submit the transfer on `net` (it runs in dv_net_run); on_done (may be
 * NULL) is called on the loop thread when it ends. */
int fetch_start(dv_net_t *net, fetch_t *f);
/* The zone of a full answer (DV_OK, *out the caller's), or why there is
 * none (the transfer's failure or the builder's), in err. */
int fetch_zone(fetch_t *f, dv_zone_t **out, char *err, size_t errlen);
/* Release the builder and the difference sequence. */
void fetch_clear(fetch_t *f);

/* A content digest: a sum (mod 2^256) of a keyed BLAKE2b hash of each
 * name's records in canonical form, so that a patch updates it name by
 * name.  The key is secret to the process (RFC 4086 randomness), so no
 * server can make two contents sum alike. */
typedef struct {
	uint64_t w[4];
} digest_t;

void digest_zone(const dv_zone_t *z, unsigned threads, digest_t *out);
/* d += names of z listed (new version) or d -= (old version). */
void digest_names(const dv_zone_t *z, const dv_zone_delta_t *delta, bool new_version, digest_t *d);
bool digest_equal(const digest_t *a, const digest_t *b);
void digest_hex(const digest_t *d, char out[17]);

/* The RRsets that differ between two versions (owner, type; RRSIGs by the
 * type they cover), at most `max`, with the number of records only in a
 * and only in b for each.  *more counts those past max; count (may be
 * NULL) gets them all by kind. */
typedef struct {
	const uint8_t *owner; /* in a's or b's data */
	uint16_t type;
	uint32_t only_a, only_b;
} rrset_diff_t;

typedef struct {
	size_t added, removed, changed; /* RRsets only in b, only in a, in both but not alike */
} rrset_count_t;

int compare_versions(const dv_zone_t *a, const dv_zone_t *b, rrset_diff_t *out, size_t max,
                     size_t *n, size_t *more, rrset_count_t *count);
