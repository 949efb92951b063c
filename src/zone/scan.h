/*
 * Inside the zone module: the input files (input.c) and the one reader of
 * zone-file text (scan.c) that zone files and record files both go through.
 */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/zone.h"
#include "zone/loader.h"

/* ---- Input files (input.c) ------------------------------------------------- */

/* A file opened for reading, or text in memory. */
typedef struct {
	int fd;           /* -1: text in memory */
	dev_t dev;        /* identity of the file: include loops */
	ino_t ino;        /* are refused by it */
	uint64_t size;    /* of the file */
	const char *map;  /* private read-only mapping of the file, or NULL */
	char *text;       /* a copy with LF line ends, or NULL */
	const char *data; /* what to parse: map, text, or the caller's memory */
	size_t len;
} dv_input_t;

/*! Open a regular file and map it.  DV_EIO with the reason (strerror, "not a
 *  regular file") in why. */
int dv_input_open(dv_input_t *in, const char *path, char *why, size_t whylen);
/*! Text in memory (not copied). */
void dv_input_mem(dv_input_t *in, const char *data, size_t len);
void dv_input_close(dv_input_t *in);
/*! Parse a copy with CRLF turned into LF (libzscanner refuses CRs). */
int dv_input_use_lf(dv_input_t *in);
/*! Whether the text parsed is the file's own mapping, whose pages can be
 *  given back once parsed (they are read again from the file if touched). */
static inline bool dv_input_droppable(const dv_input_t *in)
{
	return in->map != NULL && in->data == in->map;
}

/* What a first pass over the bytes finds. */
typedef struct {
	bool has_cr;
	uint64_t newlines;    /* line feeds (when asked for) */
	uint64_t gen_records; /* records the $GENERATE lines will make */
	uint64_t gen_over_at; /* offset of the $GENERATE line that takes gen_records
	                       * past the budget given, or UINT64_MAX */
	char *dirs;           /* $ORIGIN and $TTL lines, each ending in LF (when asked for) */
	size_t dirs_len, dirs_cap;
} dv_prescan_t;

#define DV_PRESCAN_LINES 1u /* count line feeds */
#define DV_PRESCAN_DIRS  2u /* keep $ORIGIN and $TTL lines */

/*! Look at bytes [from, to) of the input (a line start): CRs, $GENERATE
 *  records (against `gen_budget`), and what `flags` ask for.  A file is
 *  read in blocks, not mapped, so that its pages do not stay resident.
 *  Free ps->dirs when done. */
int dv_input_prescan(const dv_input_t *in, uint64_t from, uint64_t to, unsigned flags,
                     uint64_t gen_budget, dv_prescan_t *ps);
/*! The line (from 1) that byte `off` of the parsed text is on. */
uint64_t dv_input_line_at(const dv_input_t *in, uint64_t off);
/*! Turn CRLF line ends into LF in place; returns the new length.  A CR not
 *  followed by LF stays. */
size_t dv_crlf_strip(char *buf, size_t len);
/*! Line feeds in a buffer. */
uint64_t dv_count_lf(const char *b, size_t n);

/* ---- The reader (scan.c) --------------------------------------------------- */

typedef struct dv_scan dv_scan_t;

/* Included files, counted across every reader of one load (the parts of a
 * file read side by side share one). */
typedef struct {
	atomic_uint files;
	atomic_uint_fast64_t bytes;
} dv_scan_budget_t;

typedef struct {
	dv_load_limits_t limits; /* defaults filled in (dv_scan_limits) */
	uint32_t default_ttl;
	/* Each record, with the file (label) it comes from.  Returns 0 to go
	 * on, DV_SCAN_STOP to stop without an error, or an error code after
	 * dv_scan_fail.  Pointers in rec are valid for the call only. */
	int (*on_record)(void *ctx, dv_scan_t *sc, const dv_zone_rec_t *rec, const char *file);
	void *ctx;
	/* Bytes of the top-level text parsed so far, about once per MiB. */
	void (*progress)(void *ctx, uint64_t done);
	void *progress_ctx;
	dv_scan_budget_t *budget; /* NULL: the reader's own */
} dv_scan_opts_t;

#define DV_SCAN_STOP 1

struct dv_scan {
	const dv_scan_opts_t *opts;
	dv_scan_budget_t own_budget;
	int ret;
	char *err;
	size_t errlen;
	uint64_t records;  /* records delivered */
	uint64_t promised; /* records $GENERATE lines of open files will still make */
	char root[4096];   /* limits.include_root, resolved */
	/* Where the top-level text ended: the state the text after it starts in. */
	bool ended;
	uint32_t end_ttl;
	uint8_t end_origin[DV_DNAME_MAXLEN];
};

/* Text to read. */
typedef struct {
	const char *label; /* names it in messages; its directory holds relative includes */
	const dv_input_t *in;
	size_t from, to;      /* the part of in->data to read */
	const char *origin;   /* presentation form */
	uint32_t ttl;         /* $TTL in force at the start */
	uint64_t line_base;   /* lines before `from` */
	uint64_t gen_records; /* records its $GENERATE lines make (a prescan found) */
} dv_scan_text_t;

/*! Fill in the defaults of a zone load's limits (max_records: `records`). */
dv_load_limits_t dv_scan_limits(const dv_load_limits_t *l, size_t records);
/*! Start a reader; err receives "file:line: message". */
void dv_scan_init(dv_scan_t *sc, const dv_scan_opts_t *opts, char *err, size_t errlen);
/*! Read text (with its $INCLUDEs and $GENERATEs). */
int dv_scan_text(dv_scan_t *sc, const dv_scan_text_t *t);
/*! Look over a file before it is read: the records its $GENERATE lines
 *  will make, against the ceiling (with those read and promised already),
 *  and CRs (a copy with LF line ends is read instead).  An error is reported
 *  at file:line with `what` before it; the ceiling at the $GENERATE line in
 *  `path`.  *gen_records: for dv_scan_text_t.gen_records. */
int dv_scan_prepare(dv_scan_t *sc, dv_input_t *in, const char *path, const char *file,
                    uint64_t line, const char *what, uint64_t *gen_records);
/*! Open, look over and read a file. */
int dv_scan_file(dv_scan_t *sc, const char *path, const char *origin);
/*! Record the first error: "file:line: message"; returns sc->ret. */
__attribute__((format(printf, 5, 6))) int dv_scan_fail(dv_scan_t *sc, int ret, const char *file,
                                                       uint64_t line, const char *fmt, ...);
