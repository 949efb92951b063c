/*
 * The in-memory zone store.
 *
 * A zone is parsed once (libzscanner) into an arena of wire-format records,
 * then ordered canonically (RFC 4034 §6.1 names via knot_dname_lf, then type,
 * then canonical RDATA, RFC 4034 §6.3).  Duplicate RRs are dropped (RFC 2181
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
/* Wire-format ceilings for untrusted zone data. */
#define DV_ZONE_MAX_RRS (64u * 1024 * 1024)

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

typedef struct {
	dv_arena_t arena;
	uint8_t origin[DV_DNAME_MAXLEN];
	char origin_str[1025];
	char file[1024];
	dv_rr_t *rrs;
	size_t rr_count;
	dv_name_t *names;
	size_t name_count;
	dv_rrset_t *rrsets;
	size_t rrset_count;
	unsigned parts; /*!< parts the file was parsed in, side by side (1: one thread) */
} dv_zone_t;

/*! Loader options. */
typedef struct {
	const char *origin;   /*!< NULL: taken from the SOA owner */
	uint32_t default_ttl; /*!< TTL before any $TTL or SOA (default 3600) */
	/*! Called once per 1 MiB of input parsed (progress); may be NULL. */
	void (*progress)(void *ctx, uint64_t bytes_done, uint64_t bytes_total);
	void *progress_ctx;
	/*! Called for each run of consecutive records with one owner, when the
	 *  run ends: lets checks start while the rest of the input is parsed.
	 *  `part` is the part of the input the run comes from (0 when parsed on
	 *  one thread); calls for one part come from one thread, in file order,
	 *  and calls for different parts may come at the same time.  The first
	 *  records of the file are in part 0.  `rrs[i].name` is 0 and
	 *  `rrs[i].line` may not be final; RDATA pointers stay valid for the
	 *  zone's life.  A name whose records come in several runs is flagged
	 *  DV_NAME_SPLIT once loaded.  When a load fails it is called once more
	 *  (part 0, owner NULL, n 0) from the loading thread, before any memory
	 *  is released: from then on it must not touch the records.  After a
	 *  successful load it is not called again: the records live as long as
	 *  the zone, and the caller ends the hook's work before freeing it.
	 *  May be NULL. */
	void (*on_run)(void *ctx, unsigned part, const uint8_t *origin, const uint8_t *owner,
	               const dv_rr_t *rrs, size_t n);
	void *run_ctx;
	/*! Threads that parse a zone file (not a string): the file is cut at
	 *  record boundaries into up to this many parts, parsed side by side.
	 *  0 or 1: one.  The result is the same either way; input the parts
	 *  cannot be cut cleanly for (CR line ends, a record open across a cut,
	 *  any error) is parsed again on one thread, whose messages are kept. */
	unsigned threads;
	/*! Smallest part worth a thread, in bytes (0: DV_ZONE_PART_MIN).  Tests
	 *  set it low to cut small files. */
	size_t part_min;
	/*! Records are put in order by copying when no record lands further
	 *  than this many places ahead of where it was read (the extra memory
	 *  the copy takes), else in place.  0: the larger of 1Mi and 1/16 of
	 *  the records.  Tests set it to 1 to take the in-place path. */
	size_t sort_ahead_max;
} dv_zone_opts_t;

#define DV_ZONE_PART_MIN  ((size_t)4 << 20)
#define DV_ZONE_PARTS_MAX 8

/*!
 * Load and index a zone file.
 *
 * On a syntax error, or input that is not a zone (no SOA, several SOAs, a
 * record outside the origin), returns DV_EPARSE or DV_ENOTZONE and writes
 * "file:line: message" into errbuf.  On success *out is owned by the caller
 * (dv_zone_free).
 */
int dv_zone_load(const char *path, const dv_zone_opts_t *opts, dv_zone_t **out, char *errbuf,
                 size_t errlen);

/*! Turn CRLF line ends into LF in place (libzscanner refuses CRs); returns
 *  the new length.  A CR not followed by LF stays. */
size_t dv_crlf_strip(char *buf, size_t len);

/*! Read a whole file, CRLF turned into LF.  *out is malloc()ed; DV_EIO or
 *  DV_ENOMEM on failure. */
int dv_file_read_lf(const char *path, char **out, size_t *len);

/*! Load from a string in memory (tests, fuzzing); same contract as dv_zone_load.
 *  `label` names the input in error messages. */
int dv_zone_load_mem(const char *data, size_t len, const char *label, const dv_zone_opts_t *opts,
                     dv_zone_t **out, char *errbuf, size_t errlen);

void dv_zone_free(dv_zone_t *zone);

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
