/*
 * Inside the zone builder: what build.c (taking records) and index.c
 * (ordering and indexing them) share.  Not for other modules.
 */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/zone.h"

/* Record data shared by versions (zone.h): a counted reference to an arena,
 * and to the data of the version this one was patched from. */
struct dv_zone_data {
	_Atomic long refs;
	dv_arena_t arena;
	dv_zone_data_t *older;
	uint64_t held;   /* bytes of this arena and the older ones */
	uint64_t unused; /* of those, bytes no record of the newest version using them needs */
};

/* A data node holding `arena`'s chunks (moved there), on top of `older`
 * (a reference is taken); NULL when out of memory. */
dv_zone_data_t *zone_data_new(dv_arena_t *arena, dv_zone_data_t *older);
/* Drop a reference; the last one frees the node and drops its older one. */
void zone_data_release(dv_zone_data_t *d);

/* An owner as read: its lowercased wire name and lookup key, shared by the
 * records that follow it directly in the input. */
typedef struct {
	const uint8_t *dname;
	const uint8_t *lf;
	uint32_t ord; /* final name index, after sorting and merging */
	uint32_t line;
	bool split; /* the name has records in more than one run */
} owner_t;

typedef struct {
	owner_t *owner;
	uint16_t type;
	uint16_t rdlen;
	uint32_t ttl;
	uint32_t line;
	const uint8_t *rdata;
} rec_t;

struct dv_zone_builder {
	dv_zone_t *zone;     /* origin, file and (when not a part) the record data */
	bool is_part;        /* zone belongs to the parent: data lives in own_data */
	dv_arena_t own_data; /* a part's record data, until joined */
	dv_arena_t *data;    /* where record data goes */
	dv_arena_t scratch;  /* owner_t and sort keys, freed after indexing */
	dv_zone_build_opts_t opts;
	void *run_ctx;
	rec_t *recs;
	size_t nrecs, caprecs;
	owner_t **owners; /* every owner_t allocated, in input order */
	size_t nowners, capowners;
	owner_t *last;
	uint16_t rclass;
	size_t run_start; /* first record of the current owner's run */
	dv_rr_t *runbuf;  /* the run handed to on_run */
	size_t runcap;
	unsigned parts;
};

/* Order and index the records into b->zone (index.c); the builder's record
 * list goes to the zone.  0, or DV_ENOMEM. */
int zone_index_build(dv_zone_builder_t *b);
/* The RRset of the `count` records of one owner and type from rrs[first]
 * on: its TTL the lowest of theirs (RFC 2181 §5.2), ttl_differs when they
 * disagree.  Shared by the index and a patch (patch.c). */
dv_rrset_t zone_rrset_of_run(const dv_rr_t *rrs, uint32_t first, uint32_t count, uint32_t name);

/* One SOA, at the apex, and the apex is the first name: DV_ENOTZONE with
 * "file:line: message" in err otherwise (index.c). */
int zone_check_soa(const dv_zone_t *z, char *err, size_t errlen);

/* A new owner (name in the zone's data, key in scratch), or NULL (no memory). */
owner_t *zone_owner_new(dv_zone_builder_t *b, const uint8_t *dname, size_t len, uint32_t line);

int zone_lf_cmp(const uint8_t *a, const uint8_t *b);
