/*
 * Reading zone-file text (RFC 1035 §5, with libzscanner): whole zones into
 * the store of src/core/zone.h, and files of loose records (DS/DNSKEY trust
 * anchors, root hints).  Both go through one reader, with $INCLUDE (loops
 * refused by file identity, a depth limit and a budget of files and bytes),
 * $GENERATE, CRLF line ends and ceilings on everything the input can grow
 * (doc/limits.md).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/zone.h"

/* Defaults of dv_load_limits_t (doc/limits.md). */
#define DV_INCLUDE_DEPTH_MAX 8                   /*!< $INCLUDE files open inside each other */
#define DV_INCLUDE_FILES_MAX 10000               /*!< $INCLUDEd files opened for one load */
#define DV_INCLUDE_BYTES_MAX ((uint64_t)4 << 30) /*!< bytes of $INCLUDEd files, all together */
#define DV_RRFILE_MAX_RRS    100000              /*!< records of a DS, trust-anchor or hints file */

/*! Ceilings for one load; a zero field takes its default. */
typedef struct {
	bool no_include;            /*!< refuse $INCLUDE altogether (untrusted input) */
	unsigned include_depth_max; /*!< DV_INCLUDE_DEPTH_MAX */
	unsigned include_files_max; /*!< DV_INCLUDE_FILES_MAX */
	uint64_t include_bytes_max; /*!< DV_INCLUDE_BYTES_MAX */
	/*! Records, counting those $GENERATE lines will make before they are
	 *  made: DV_ZONE_MAX_RRS for a zone, DV_RRFILE_MAX_RRS for a record file;
	 *  at most DV_ZONE_MAX_RRS_CEILING. */
	size_t max_records;
	/*! Included files must lie inside this directory (after symbolic links
	 *  are resolved); NULL: anywhere.  The fuzzers' sandbox. */
	const char *include_root;
} dv_load_limits_t;

/*! Zone loader options. */
typedef struct {
	const char *origin;   /*!< NULL: taken from the SOA owner */
	uint32_t default_ttl; /*!< TTL before any $TTL or SOA (default 3600) */
	dv_load_limits_t limits;
	/*! Called once per 1 MiB of input parsed (progress); may be NULL. */
	void (*progress)(void *ctx, uint64_t bytes_done, uint64_t bytes_total);
	void *progress_ctx;
	/*! Called for each run of consecutive records with one owner, when the
	 *  run ends: lets checks start while the rest of the input is parsed.
	 *  `part` is the part of the input the run comes from (0 when parsed on
	 *  one thread); calls for one part come from one thread, in file order,
	 *  and calls for different parts may come at the same time.  The first
	 *  records of the file are in part 0.  `rrs[i].name` is 0; RDATA
	 *  pointers stay valid for the zone's life.  A name whose records come
	 *  in several runs is flagged DV_NAME_SPLIT once loaded.  When the
	 *  loader is about to release records it handed over (the load fails,
	 *  or a parse in parts is given up and the file is parsed again on one
	 *  thread) it is called once more (part 0, owner NULL, n 0) from the
	 *  loading thread: from then on it must not touch the records, and it
	 *  is not called again.  After a successful load the records live as
	 *  long as the zone, and the caller ends the hook's work before freeing
	 *  it.  May be NULL. */
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
	/*! See dv_zone_build_opts_t.sort_ahead_max. */
	size_t sort_ahead_max;
} dv_zone_opts_t;

#define DV_ZONE_PART_MIN ((size_t)4 << 20)

/*!
 * Load and index a zone file.
 *
 * On a syntax error, input that is not a zone (no SOA, several SOAs, a
 * record outside the origin) or past a ceiling, returns DV_EPARSE,
 * DV_ENOTZONE, DV_ELIMIT or DV_EIO and writes "file:line: message" into
 * errbuf (line 0: the file as a whole).  On success *out is owned by the
 * caller (dv_zone_free).
 */
int dv_zone_load(const char *path, const dv_zone_opts_t *opts, dv_zone_t **out, char *errbuf,
                 size_t errlen);

/*! Load from a string in memory (tests, fuzzing); same contract as
 *  dv_zone_load.  `label` names the input in error messages, and its
 *  directory is where relative $INCLUDE names are looked for. */
int dv_zone_load_mem(const char *data, size_t len, const char *label, const dv_zone_opts_t *opts,
                     dv_zone_t **out, char *errbuf, size_t errlen);

/* ---- Files of loose records ------------------------------------------------ */

typedef struct {
	uint8_t owner[255]; /*!< wire form, lowercase */
	uint16_t type;
	uint32_t ttl;
	uint32_t line;
	uint16_t rdlen;
	uint8_t *rdata; /*!< canonical form */
} dv_rrfile_rr_t;

typedef struct {
	dv_rrfile_rr_t *v;
	size_t n;
} dv_rrfile_t;

/*!
 * Read every record of a zone-file-form file (no SOA needed): --ds and
 * trust-anchor files (Debian's root.ds, root.key) and root hints.  `origin`
 * (may be NULL: ".") completes relative names; `limits` may be NULL (the
 * defaults, DV_RRFILE_MAX_RRS records).  On error returns
 * DV_EPARSE/DV_EIO/DV_ELIMIT, writes "file:line: message" into err and
 * leaves *out empty.
 */
int dv_rrfile_load_limits(const char *path, const char *origin, const dv_load_limits_t *limits,
                          dv_rrfile_t *out, char *err, size_t errlen);
/*! dv_rrfile_load_limits with the default limits. */
int dv_rrfile_load(const char *path, const char *origin, dv_rrfile_t *out, char *err,
                   size_t errlen);
void dv_rrfile_clear(dv_rrfile_t *f);
