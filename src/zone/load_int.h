/*
 * Inside the zone loader: what zonefile.c (one thread) and parts.c (a file
 * read in parts side by side) share.
 */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/zone.h"
#include "zone/loader.h"
#include "zone/scan.h"

/* One load of a zone. */
typedef struct {
	const dv_zone_opts_t *opts;
	dv_load_limits_t limits; /* defaults filled in */
	const char *label;       /* the input in messages */
	uint32_t dttl;
	dv_input_t *in;
	uint64_t total_bytes;
	bool have_origin;
	uint8_t origin[DV_DNAME_MAXLEN]; /* wire form */
	char origin_str[1025];
	atomic_bool hook_used; /* opts->on_run was handed records */
	bool hook_off;         /* ... and told to let go of them */
} zone_load_t;

typedef struct zone_parts_shared zone_parts_shared_t;

/* What one reader feeds: a builder, for one part of the input. */
typedef struct {
	zone_load_t *zl;
	dv_zone_builder_t *b;
	unsigned part;
	zone_parts_shared_t *sh; /* parts: what they share; NULL: one thread */
	uint64_t reported;       /* progress: bytes of this part reported */
	bool stop_at_soa;        /* the first pass, which finds the origin */
	bool found_soa;
	uint8_t soa_owner[DV_DNAME_MAXLEN];
} zone_reader_t;

/* The reader callbacks (zonefile.c). */
int zone_reader_record(void *ctx, dv_scan_t *sc, const dv_zone_rec_t *rec, const char *file);
void zone_reader_run(void *ctx, const uint8_t *owner, const dv_rr_t *rrs, size_t n);
void zone_reader_progress(void *ctx, uint64_t done);
/* Reader options for a load. */
dv_scan_opts_t zone_scan_opts(zone_load_t *zl, zone_reader_t *r);

/* The origin: the owner of the first SOA of the text (zonefile.c). */
int zone_find_origin(zone_load_t *zl, char *err, size_t errlen);
/* A builder for the zone (its runs go to opts->on_run as part 0, unless
 * the hook is off). */
int zone_builder_new(zone_load_t *zl, zone_reader_t *r0, dv_zone_builder_t **out);

/* Tell opts->on_run to let go of the records it was given, before they go;
 * it is not called again (zonefile.c). */
void zone_hook_release(zone_load_t *zl);

/* Read the file in parts side by side into *out, a builder whose runs name
 * r0 (parts.c).  DV_OK: *out holds the records as one thread would have
 * left them.  Otherwise nothing is reported, the hook has let go of what
 * it was given, and the caller reads the file on one thread. */
int zone_load_parts(zone_load_t *zl, zone_reader_t *r0, dv_zone_builder_t **out);
/* Parts: progress of one part, added to every part's (parts.c). */
void zone_parts_progress(zone_parts_shared_t *sh, zone_reader_t *r, uint64_t done);
bool zone_parts_aborted(const zone_parts_shared_t *sh);
