/* Internals shared by the ledger's files (not for other modules). */
#pragma once

#include <sqlite3.h>
#include <stdio.h>

#include "ledger/ledger.h"

/* Tree nodes kept in the database: every fourth level above the leaves
 * (4, 8, 12, …), so any perfect subtree is at most 8 reads and 7 hashes
 * away, at the cost of one stored node per 15 leaves. */
#define LEDGER_NODE_STRIDE 4

struct ledger {
	sqlite3 *db;
	char origin[TLOG_NAME_MAX + 1];
	char vkey[512];
	ledger_key_t key;
	bool have_key, read_only;
	size_t nwitnesses;
	tlog_vkey_t wkey[LEDGER_WITNESSES_MAX];
	char *wurl[LEDGER_WITNESSES_MAX];
	char *export_file;
	bool export_syslog;
	unsigned cp_entries, cp_secs, timeout_ms;
	sqlite3_stmt *ins_leaf, *ins_node, *get_leaf, *get_node;
	ledger_status_t st; /* alarms and the last error */
};

/* The tree state row. */
typedef struct {
	tlog_range_t range;
	int64_t last_time;     /* time of the newest entry */
	int64_t pending_since; /* time of the first entry after the last checkpoint (0: none) */
	uint64_t cp_size;      /* size of the latest checkpoint */
} ledger_tree_t;

/* store.c */
int ledger_db_open(const char *path, bool read_only, sqlite3 **out, char *err, size_t errlen);
int ledger_db_schema(sqlite3 *db);
int ledger_db_exec(sqlite3 *db, const char *sql);
int ledger_tree_read(sqlite3 *db, ledger_tree_t *t);
int ledger_tree_write(sqlite3 *db, const ledger_tree_t *t);
int ledger_meta_get(sqlite3 *db, const char *k, char *out, size_t cap);
int ledger_meta_set(sqlite3 *db, const char *k, const char *v);
/* tlog_subtree_fn over the stored leaves and nodes: ctx is the ledger_t. */
int ledger_subtree(void *ctx, unsigned level, uint64_t index, tlog_hash_t out);
/* The signed note stored for the checkpoint of `size` (malloc'd), and its
 * cosignature lines appended when cosigs is true. */
int ledger_checkpoint_note(sqlite3 *db, uint64_t size, bool cosigs, char **out, size_t *len);

/* verify.c: the next line of s (without its '\n') from *off; false at
 * the end or when no '\n' ends it. */
bool ledger_next_line(const char *s, size_t len, size_t *off, const char **line, size_t *llen);

/* verify.c: add a problem to a verify result (bounded; counts what it drops). */
void ledger_problem_add(ledger_verify_result_t *res, ledger_severity_t sev, const char *code,
                        uint64_t entry, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* decode.c: the entry checks of a verify (canonical JSON, fields, times
 * never going back, the time of the first unanchored entry), on a worker
 * thread fed in order by the reader. */
typedef struct ledger_decoder ledger_decoder_t;
int ledger_decoder_start(ledger_decoder_t **out, uint64_t anchored_size);
/* Queue one entry (copied): its position in the tree and its stored number. */
int ledger_decoder_push(ledger_decoder_t *d, uint64_t pos, uint64_t idx, const char *body,
                        size_t len);
/* Wait for the worker, merge its problems into res, free.  Safe on NULL. */
void ledger_decoder_finish(ledger_decoder_t *d, ledger_verify_result_t *res);

/* entry.c */
int ledger_entry_encode(const ledger_entry_t *e, int64_t time, char **out, size_t *len);
/* Parse and check one stored body: canonical, the required fields; *time
 * gets its time.  0, or DV_EPARSE with a reason in why. */
int ledger_entry_decode(const char *body, size_t len, json_t **out, int64_t *time, char *why,
                        size_t whylen);
int ledger_time_parse(const char *s, int64_t *out);
