/*
 * The in-memory zone store.
 *
 * A zone is built once (src/zone/ reads the text and hands each record to a
 * builder, below) into an arena of wire-format records, then ordered
 * canonically (RFC 4034 §6.1 names via knot_dname_lf, then type, then
 * canonical RDATA, RFC 4034 §6.3).  Duplicate RRs are dropped (RFC 2181
 * §5).  Everything the checks read is an index into these flat arrays: no
 * per-record allocation, no pointers to chase.
 *
 * Names: every owner, plus every empty non-terminal between an owner and the
 * apex (flag DV_NAME_ENT), in canonical order; the apex is always names[0].
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"

#define DV_DNAME_MAXLEN 255
/*! Records a zone may have unless the builder is given another ceiling
 *  (doc/limits.md; `verify --max-records`). */
#define DV_ZONE_MAX_RRS (64u * 1024 * 1024)
/*! The store counts in 32 bits: no ceiling may go above this. */
#define DV_ZONE_MAX_RRS_CEILING ((size_t)1 << 31)
/*! Parts a zone may be built from side by side (dv_zone_builder_join). */
#define DV_ZONE_PARTS_MAX 8

enum dv_name_flags {
	DV_NAME_APEX = 1 << 0,        /*!< the zone apex */
	DV_NAME_DELEG = 1 << 1,       /*!< a delegation point (NS, not apex) */
	DV_NAME_NONAUTH = 1 << 2,     /*!< strictly below a delegation: glue or occluded */
	DV_NAME_ENT = 1 << 3,         /*!< empty non-terminal: owns no RR, has descendants */
	DV_NAME_WILDCARD = 1 << 4,    /*!< leftmost label is '*' */
	DV_NAME_DNAME_BELOW = 1 << 5, /*!< below a DNAME (occluded, RFC 6672 §2.4) */
	DV_NAME_SPLIT = 1 << 6,       /*!< its records were not consecutive in the input */
};

/*! One resource record.  Its RDATA is in canonical form: embedded names of the
 *  types listed in RFC 4034 §6.2 (as amended by RFC 6840 §5.1) are lowercased. */
typedef struct {
	uint32_t name; /*!< index into dv_zone_t.names */
	uint16_t type;
	uint16_t rdlen;
	uint32_t ttl;
	uint32_t line; /*!< line in the zone file (of the last $INCLUDEd file if any) */
	const uint8_t *rdata;
} dv_rr_t;

typedef struct {
	const uint8_t *dname; /*!< wire form, lowercase */
	uint32_t rrset_first; /*!< index into dv_zone_t.rrsets (non-RRSIG RRsets) */
	uint32_t rrset_count;
	uint32_t sig_first; /*!< index into dv_zone_t.rrs: the RRSIGs at this name */
	uint32_t sig_count; /*!< (sorted by type covered: it leads the RDATA) */
	uint16_t flags;     /*!< enum dv_name_flags */
	uint8_t labels;     /*!< label count, root = 0 */
} dv_name_t;

typedef struct {
	uint32_t name;
	uint16_t type;
	bool ttl_differs;  /*!< RRs of the set have different TTLs (RFC 2181 §5.2) */
	uint32_t ttl;      /*!< TTL of the set (the smallest, when they differ) */
	uint32_t rr_first; /*!< index into dv_zone_t.rrs, canonical RDATA order */
	uint32_t rr_count;
	uint32_t sig_first; /*!< index into dv_zone_t.rrs: RRSIGs covering this type here */
	uint32_t sig_count;
} dv_rrset_t;

/*! Record data (owner names, RDATA) that versions of a zone share: a zone
 *  made by dv_zone_patch points into its base's data and keeps it alive
 *  (counted references, released by dv_zone_free).  Opaque. */
typedef struct dv_zone_data dv_zone_data_t;

typedef struct {
	dv_arena_t arena;     /*!< record data while the zone is built (then in `data`) */
	dv_zone_data_t *data; /*!< the record data of this version and those before it */
	uint16_t rclass;      /*!< the class of every record */
	uint8_t origin[DV_DNAME_MAXLEN];
	char origin_str[1025];
	char file[1024];
	dv_rr_t *rrs;
	size_t rr_count;
	dv_name_t *names;
	size_t name_count;
	dv_rrset_t *rrsets;
	size_t rrset_count;
	unsigned parts; /*!< parts the file was read in, side by side (1: one thread) */
} dv_zone_t;

/*! Release a zone (its record data goes with the last version that uses it). */
void dv_zone_free(dv_zone_t *zone);

/*! Ready the arrays a patched next version of the zone needs
 *  (dv_mem_spare_ready): for a zone that will receive differences (the
 *  daemon's IXFRs), so that the first of them does not pay for fresh
 *  memory either.  Small zones: nothing. */
void dv_zone_spare_ready(const dv_zone_t *zone);

/* ---- Building a zone --------------------------------------------------------
 *
 * A builder takes records one at a time, in file order (dv_zone_builder_add),
 * and turns them into the indexed store (dv_zone_builder_finish).  Records of
 * one owner that follow each other form a run; a run handed to on_run when
 * it ends lets work start while the rest is still being read.  A file read in
 * parts side by side gets a builder per part (dv_zone_builder_part), joined
 * in file order before finishing.
 */
typedef struct dv_zone_builder dv_zone_builder_t;

/*! A record as read: pointers are borrowed for the call only. */
typedef struct {
	const uint8_t *owner; /*!< wire form, any case */
	const uint8_t *rdata; /*!< wire form, any case */
	uint16_t rclass;
	uint16_t type;
	uint16_t rdlen;
	uint32_t ttl;
	uint32_t line; /*!< line in the file it came from */
} dv_zone_rec_t;

typedef struct {
	const uint8_t *origin; /*!< the apex, wire form, any case */
	const char *file;      /*!< names the input in messages (kept as dv_zone_t.file) */
	size_t max_records;    /*!< 0: DV_ZONE_MAX_RRS; at most DV_ZONE_MAX_RRS_CEILING */
	size_t expect_records; /*!< first allocation (a guess from the input size); 0: small */
	/*! Records are put in order by copying when no record lands further
	 *  than this many places ahead of where it was read (the extra memory
	 *  the copy takes), else in place.  0: the larger of 1Mi and 1/16 of
	 *  the records.  Tests set it to 1 to take the in-place path. */
	size_t sort_ahead_max;
	/*! Called when a run of records of one owner ends, from the thread that
	 *  adds them.  `rrs[i].name` is 0; RDATA pointers stay valid for the
	 *  zone's life, or until the builder is freed unfinished.  May be NULL. */
	void (*on_run)(void *ctx, const uint8_t *owner, const dv_rr_t *rrs, size_t n);
	void *run_ctx;
} dv_zone_build_opts_t;

/*! A builder for one zone; the options are copied (file and origin too). */
int dv_zone_builder_new(const dv_zone_build_opts_t *opts, dv_zone_builder_t **out);

/*! A builder for one part of the same zone, with its own memory, for use on
 *  another thread; its runs go to on_run with `run_ctx`.  Join it into the
 *  parent, or free it. */
int dv_zone_builder_part(dv_zone_builder_t *parent, size_t expect_records, void *run_ctx,
                         dv_zone_builder_t **out);

/*!
 * Add one record.  Refuses (and writes a message without a file:line
 * prefix into err) a record of another class than the first (DV_ENOTZONE),
 * an owner outside the origin (DV_ENOTZONE), malformed RDATA (DV_EPARSE),
 * more records than the ceiling (DV_ELIMIT), DV_ENOMEM.  The RDATA is
 * stored in canonical form (RFC 4034 §6.2), the owner lowercase.
 */
int dv_zone_builder_add(dv_zone_builder_t *b, const dv_zone_rec_t *rec, char *err, size_t errlen);

/*! End the current run (the input ended): on_run sees it now. */
void dv_zone_builder_end_run(dv_zone_builder_t *b);

/*! Records added so far. */
size_t dv_zone_builder_count(const dv_zone_builder_t *b);

/*! Append the records of `n` parts, in order, to an empty builder `b`; the
 *  parts are emptied (free them after).  DV_ELIMIT past the ceiling,
 *  DV_ENOTZONE if the parts hold different classes, DV_ENOMEM; on failure
 *  `b` is unchanged. */
int dv_zone_builder_join(dv_zone_builder_t *b, dv_zone_builder_t *const *parts, unsigned n);

/*!
 * Order and index the records (duplicates dropped, RFC 2181 §5) and check
 * that the result is a zone: records, one SOA, at the apex.  On success the
 * builder is gone and *out is the caller's (dv_zone_free).  Else
 * DV_ENOTZONE/DV_ENOMEM with "file:line: message" in err, and the builder
 * is left for dv_zone_builder_free (once on_run's work on its records is
 * over).
 */
int dv_zone_builder_finish(dv_zone_builder_t *b, dv_zone_t **out, char *err, size_t errlen);

/*! Release a builder and every record it holds. */
void dv_zone_builder_free(dv_zone_builder_t *b);

/*! Index of the name, or -1.  `dname` is wire form, any case. */
long dv_zone_name_find(const dv_zone_t *zone, const uint8_t *dname);

/*! The RRset of a type at a name index, or NULL.  (RRSIG is not an RRset here:
 *  use dv_rrset_t.sig_first / dv_name_t.sig_first.) */
const dv_rrset_t *dv_zone_rrset_find(const dv_zone_t *zone, uint32_t name, uint16_t type);

/*! The apex SOA serial (the loader guarantees exactly one SOA). */
uint32_t dv_zone_serial(const dv_zone_t *zone);

/*! Presentation form of a wire name into buf (always NUL-terminated). */
void dv_dname_to_str(const uint8_t *dname, char *buf, size_t buflen);

/*! Presentation form of an RR type ("A", "TYPE65534") into buf. */
void dv_type_to_str(uint16_t type, char *buf, size_t buflen);

/*! Compare two names in canonical DNS order (RFC 4034 §6.1); <0, 0, >0.  Any case. */
int dv_dname_cmp(const uint8_t *a, const uint8_t *b);

/* ---- A new version from an old one ----------------------------------------
 *
 * dv_zone_patch applies a difference (what an IXFR carries, RFC 1995 §4) to
 * a zone and gives a new, independent zone: it shares the old version's
 * record data (the old one stays valid and unchanged, and may be patched
 * again), adds the new records' data, and rebuilds only what the
 * difference touches: the names whose records changed, the empty
 * non-terminals above them and the zone cut flags below them.  The result
 * is the zone the builder would make from the new version's records.
 */

/*! One step of a difference: records removed, then records added (owners
 *  and RDATA in wire form, any case; borrowed for the call). */
typedef struct {
	const dv_zone_rec_t *removed;
	size_t nremoved;
	const dv_zone_rec_t *added;
	size_t nadded;
} dv_zone_step_t;

/*! No index: the name is not in that version. */
#define DV_ZONE_NONE UINT32_MAX

/*! A name the difference changed: its records, or its flags (a zone cut
 *  above it moved, it became or stopped being an empty non-terminal). */
typedef struct {
	const uint8_t *dname; /*!< wire form, lowercase; lives with the versions */
	uint32_t old_index;   /*!< in the old version, or DV_ZONE_NONE */
	uint32_t new_index;   /*!< in the new version, or DV_ZONE_NONE */
	bool records;         /*!< its records changed (else only its flags) */
} dv_zone_changed_t;

/*! What a patch changed, in canonical order of the names. */
typedef struct {
	dv_zone_changed_t *v;
	size_t n, cap;
	size_t rrs_removed, rrs_added;       /*!< records, the SOA included */
	size_t rrsets_removed, rrsets_added; /*!< RRsets gone or new (RRSIGs by type covered) */
	size_t rrsets_changed;               /*!< RRsets kept with other records or TTLs */
	uint64_t bytes_removed;              /*!< record data no version newer uses any more */
} dv_zone_delta_t;

/*! Release what a delta holds; it is empty afterwards. */
void dv_zone_delta_clear(dv_zone_delta_t *delta);

/*!
 * Apply `nsteps` steps in order to `base` and make the new version in *out
 * (the caller's, dv_zone_free; `base` is not changed).  A record is
 * identified by owner, type and RDATA (RFC 2181 §5; a TTL change is a
 * removal and an addition).  Refused, with the step and record named in
 * err: a removed record that is not there (DV_ENOTZONE, the copies differ),
 * an added record that already is (DV_ENOTZONE), an owner outside the zone
 * or another class (DV_ENOTZONE), malformed RDATA (DV_EPARSE), more records
 * than `max_records` (0: DV_ZONE_MAX_RRS; DV_ELIMIT), a result without
 * exactly one SOA at the apex (DV_ENOTZONE); DV_ENOMEM.  `delta` (may be
 * NULL) gets the names that changed; clear it with dv_zone_delta_clear.
 */
int dv_zone_patch(const dv_zone_t *base, const dv_zone_step_t *steps, size_t nsteps,
                  size_t max_records, dv_zone_t **out, dv_zone_delta_t *delta, char *err,
                  size_t errlen);

/*! Bytes of record data the zone's versions hold (its own and the older
 *  ones it shares), and of those the bytes no record of it uses. */
void dv_zone_data_usage(const dv_zone_t *zone, uint64_t *held, uint64_t *unused);
