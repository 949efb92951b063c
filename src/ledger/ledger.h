/*
 * The ledger: a tamper-evident, append-only log of what dnsvigil saw
 * change (zone serials, DNSKEY/DS sets, findings raised and cleared,
 * resolver verdicts, operator notes).  doc/ledger.md describes the formats
 * and what is and is not protected.
 *
 *  - Storage: SQLite in a state directory (WAL, synchronous=FULL); one
 *    transaction per append or batch holds the entries, the tree state and
 *    any checkpoint, so a crash at any instant leaves a consistent log.
 *  - Entries: canonical JSON (sorted keys, compact) {kind, zone, time,
 *    evidence}, leaves of an RFC 9162 Merkle tree (tlog.h).
 *  - Checkpoints: C2SP tlog-checkpoint notes signed with the log's Ed25519
 *    key, every `checkpoint_entries` entries or `checkpoint_secs` seconds
 *    and on ledger_close().
 *  - Anchoring: each checkpoint is pushed to the configured witnesses (C2SP
 *    tlog-witness) and their cosignatures kept.  Entries after the last
 *    witnessed checkpoint are "unanchored": reported, never called OK.
 *
 * Use from the daemon:
 *     ledger_open(dir, &opts, &l, err, sizeof err);
 *     per cycle: ledger_append_batch(l, entries, n, now, &first); ledger_tick(l, now);
 *     metrics:   ledger_status(l, &st) → st.size, st.unanchored
 *     SIGTERM:   ledger_close(l, now)   (final checkpoint, pushed)
 * A ledger_t is not thread-safe; several processes may share one directory
 * (appends serialise on the database lock).
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledger/tlog.h"

#define LEDGER_DB_FILE   "ledger.db"
#define LEDGER_KEY_FILE  "ledger.key" /*!< private, mode 0600, never printed */
#define LEDGER_VKEY_FILE "ledger.pub" /*!< the C2SP vkey verifiers get */

#define LEDGER_ENTRY_MAX          65536 /*!< canonical JSON bytes of one entry */
#define LEDGER_KIND_MAX           64
#define LEDGER_EVIDENCE_MAX       32 /*!< nesting depth of the evidence */
#define LEDGER_WITNESSES_MAX      16
#define LEDGER_PROBLEMS_MAX       100 /*!< problems kept by a verify; more are counted */
#define LEDGER_CHECKPOINT_ENTRIES 64
#define LEDGER_CHECKPOINT_SECS    300

typedef struct ledger ledger_t;

/*! A witness the log pushes its checkpoints to. */
typedef struct {
	const char *vkey; /*!< the witness's cosignature vkey (type 0x04) */
	const char *url;  /*!< submission prefix; "/add-checkpoint" is appended */
} ledger_witness_t;

typedef struct {
	/*! Checkpoint origin, also the key name.  Required when the directory
	 *  holds no ledger yet; must then equal the stored one (NULL: as stored). */
	const char *origin;
	/*! Signing key file (default DIR/ledger.key, created on first open
	 *  with DIR/ledger.pub beside it). */
	const char *key_file;
	const ledger_witness_t *witnesses;
	size_t nwitnesses;
	const char *export_file;     /*!< append every new checkpoint note here (NULL: no) */
	bool export_syslog;          /*!< and/or log it to syslog (LOG_INFO, one line) */
	unsigned checkpoint_entries; /*!< 0: LEDGER_CHECKPOINT_ENTRIES */
	unsigned checkpoint_secs;    /*!< 0: LEDGER_CHECKPOINT_SECS */
	unsigned witness_timeout_ms; /*!< 0: 5000 */
	bool read_only;              /*!< no key needed; appends and checkpoints refused */
} ledger_opts_t;

/*! One entry to append.  kind: [a-z0-9._-]{1,64} (zone.serial,
 *  dnskey.added, dnskey.removed, dnskey.revoked, ds.changed, cds.changed,
 *  finding.raised, finding.cleared, resolver.verdict, operator.note, …). */
typedef struct {
	const char *kind;
	const char *zone;       /*!< presentation form, or NULL */
	const json_t *evidence; /*!< object or NULL: no reals, ≤ LEDGER_EVIDENCE_MAX deep */
} ledger_entry_t;

/*! Open (creating when absent) the ledger in `dir`.  On failure returns a
 *  dv_error and writes a message to err; *out is NULL. */
int ledger_open(const char *dir, const ledger_opts_t *opts, ledger_t **out, char *err,
                size_t errlen);

/*! Append n entries in one transaction at time `now` (UNIX seconds; an
 *  earlier time than the last entry's is raised to it, so entry times never
 *  go backwards).  *first (may be NULL) gets the index of the first.  When
 *  this returns 0 the entries are durable (fsync'd).  A checkpoint is made
 *  in the same transaction when one is due; witnesses are not contacted
 *  (ledger_tick does that). */
int ledger_append_batch(ledger_t *l, const ledger_entry_t *e, size_t n, int64_t now,
                        uint64_t *first);
/*! ledger_append_batch of one entry. */
int ledger_append(ledger_t *l, const ledger_entry_t *e, int64_t now, uint64_t *index);

/*! Make a checkpoint if one is due (entries or seconds since the last),
 *  then push the latest checkpoint to every witness that has not cosigned
 *  it.  Network errors are kept for ledger_status, not returned. */
int ledger_tick(ledger_t *l, int64_t now);
/*! Make a checkpoint now if any entry follows the last one, and push it. */
int ledger_checkpoint(ledger_t *l, int64_t now);
/*! Final checkpoint and push (as ledger_checkpoint), then free.  Safe on NULL. */
int ledger_close(ledger_t *l, int64_t now);
/*! Free without a checkpoint (read-only users, error paths). */
void ledger_free(ledger_t *l);

typedef struct {
	uint64_t size;            /*!< entries */
	uint64_t checkpoint_size; /*!< size of the latest checkpoint (0: none) */
	int64_t checkpoint_time;
	uint64_t anchored_size;   /*!< size of the latest witnessed checkpoint */
	int64_t anchored_time;    /*!< its newest cosignature's time (0: none) */
	uint64_t unanchored;      /*!< size - anchored_size */
	int64_t unanchored_since; /*!< time of entry anchored_size (0: none) */
	unsigned witness_alarms;  /*!< witnesses that answered rollback or fork */
	char last_error[256];     /*!< the latest witness or export problem */
} ledger_status_t;

/*! Counts for metrics (dnsvigil_ledger_entries, dnsvigil_ledger_unanchored_entries). */
int ledger_status(ledger_t *l, ledger_status_t *st);
/*! An entry time as the entries write it: YYYY-MM-DDTHH:MM:SSZ. */
void ledger_time_format(int64_t t, char *buf, size_t len);
/*! The origin of the log (valid until ledger_free). */
const char *ledger_origin(const ledger_t *l);
/*! The log's verifier key (vkey string). */
const char *ledger_vkey(const ledger_t *l);

/*! Called per entry by ledger_foreach: index, the canonical JSON and it parsed. */
typedef int (*ledger_entry_fn)(void *ctx, uint64_t index, const char *body, size_t len,
                               const json_t *entry);
typedef struct {
	const char *zone; /*!< only entries of this zone (NULL: all) */
	const char *kind; /*!< only this kind, or a prefix ending in '.' ("dnskey.") */
	int64_t since;    /*!< only entries at or after this time */
	uint64_t from;    /*!< only entries with this index or a later one */
} ledger_filter_t;
/*! Visit entries in order; a non-zero return from fn stops and is returned. */
int ledger_foreach(ledger_t *l, const ledger_filter_t *f, ledger_entry_fn fn, void *ctx);

/* ---- proofs -------------------------------------------------------------- */

/*! A C2SP tlog-proof (c2sp.org/tlog-proof@v1) of entry `index`: the
 *  "extra" line carries the entry's canonical JSON, the checkpoint is the
 *  latest one (with its cosignatures).  *out is malloc'd, caller frees. */
int ledger_prove_inclusion(ledger_t *l, uint64_t index, char **out, size_t *len);
/*! A consistency proof between the checkpoints of sizes old_size and
 *  new_size (new_size 0: the latest), written as a tlog-witness
 *  add-checkpoint body ("old N", proof lines, blank line, new checkpoint).
 *  *out is malloc'd. */
int ledger_prove_consistency(ledger_t *l, uint64_t old_size, uint64_t new_size, char **out,
                             size_t *len);

/* ---- verification --------------------------------------------------------- */

typedef enum {
	LEDGER_OK = 0,
	LEDGER_WARNING = 1, /*!< e.g. entries not anchored by a witness */
	LEDGER_ERROR = 2,   /*!< tampering or corruption found */
} ledger_severity_t;

typedef struct {
	ledger_severity_t severity;
	const char *code; /*!< stable identifier (doc/ledger.md "Problems") */
	uint64_t entry;   /*!< entry index or tree size it concerns */
	char message[240];
} ledger_problem_t;

typedef struct {
	/*! The log's key; NULL: DIR/ledger.pub (held on the same host, so
	 *  only as trustworthy as the host: pass one kept elsewhere). */
	const tlog_vkey_t *log_key;
	/*! Witness keys whose cosignatures count as anchors; none given: the
	 *  witnesses stored with the ledger. */
	const tlog_vkey_t *witness_keys;
	size_t nwitness_keys;
	/*! Checkpoints kept elsewhere (files with a signed note each): the log
	 *  must contain them (neither shorter: rollback, nor different: fork). */
	const char *const *checkpoint_files;
	size_t ncheckpoint_files;
	/*! Witnesses asked live (the latest checkpoint is pushed to them). */
	const ledger_witness_t *witnesses;
	size_t nwitnesses;
	unsigned witness_timeout_ms;
} ledger_verify_opts_t;

typedef struct {
	char origin[TLOG_NAME_MAX + 1];
	uint64_t size, checkpoints, cosignatures;
	uint64_t anchored_size;
	int64_t anchored_time;
	int64_t unanchored_since; /*!< time of the first unanchored entry */
	tlog_hash_t root;
	ledger_severity_t worst;
	size_t nproblems, dropped;
	ledger_problem_t problems[LEDGER_PROBLEMS_MAX];
} ledger_verify_result_t;

/*! Verify the ledger in `dir` read-only: every leaf hash and the root
 *  recomputed, stored tree nodes compared, every checkpoint (signature,
 *  origin, form, size, root at its size), entry and checkpoint times
 *  monotonic, cosignatures, external checkpoints, live witnesses, and the
 *  anchoring of the tail.  Returns 0 when a verdict was reached (in res),
 *  a dv_error with a message in err when it could not judge. */
int ledger_verify(const char *dir, const ledger_verify_opts_t *o, ledger_verify_result_t *res,
                  char *err, size_t errlen);

/*! Check a proof offline, with only keys: a tlog-proof (inclusion) or an
 *  add-checkpoint body (consistency, against the signed `old_note`).
 *  Fills res like ledger_verify (problems, size, root). */
int ledger_proof_check(const char *proof, size_t len, const tlog_vkey_t *log_key,
                       const tlog_vkey_t *witness_keys, size_t nwitness_keys, const char *old_note,
                       size_t old_len, ledger_verify_result_t *res, char *err, size_t errlen);

/* ---- keys --------------------------------------------------------------- */

/*! A signing key: the vkey and libsodium's 64-byte secret key. */
typedef struct {
	tlog_vkey_t vkey;
	uint8_t sk[64];
} ledger_key_t;

/*! Create a new key file (mode 0600, O_EXCL|O_NOFOLLOW: never replaces a
 *  file) holding "PRIVATE+KEY+name+id+base64(type||seed)", and, when
 *  vkey_path is not NULL, the public vkey file.  type: TLOG_SIGTYPE_*. */
int ledger_key_generate(const char *path, const char *vkey_path, const char *name, uint8_t type,
                        ledger_key_t *out, char *err, size_t errlen);
/*! Load a key file; refuses one readable by group or others, or a symlink. */
int ledger_key_load(const char *path, ledger_key_t *out, char *err, size_t errlen);
/*! Wipe a key from memory. */
void ledger_key_clear(ledger_key_t *k);
/*! Write a vkey file (one line), atomically (temporary file, rename). */
int ledger_vkey_write(const char *path, const tlog_vkey_t *k, char *err, size_t errlen);
/*! A vkey from a string, or from the file it names. */
int ledger_vkey_load(const char *s, tlog_vkey_t *out, char *err, size_t errlen);

/* ---- the witness (C2SP tlog-witness server) ------------------------------ */

typedef struct {
	const char *origin;
	tlog_vkey_t key;
} ledger_trust_t;

typedef struct {
	const char *listen;     /*!< "ADDR:PORT" or "[ADDR]:PORT"; port 0: any */
	const char *key_file;   /*!< cosigner key (type TLOG_SIGTYPE_COSIGNATURE) */
	const char *state_file; /*!< SQLite: latest (size, root) per origin */
	const ledger_trust_t *trust;
	size_t ntrust;
	unsigned max_connections; /*!< 0: 64 */
	bool log_requests;        /*!< one line per add-checkpoint on stderr */
} ledger_witness_opts_t;

typedef struct ledger_witness_server ledger_witness_server_t;

/*! Start serving add-checkpoint on a background thread. */
int ledger_witness_start(const ledger_witness_opts_t *o, ledger_witness_server_t **out, char *err,
                         size_t errlen);
/*! The bound port (useful with port 0). */
unsigned ledger_witness_port(const ledger_witness_server_t *w);
/*! The cosigner vkey string. */
const char *ledger_witness_vkey(const ledger_witness_server_t *w);
/*! Stop and free.  Safe on NULL. */
void ledger_witness_stop(ledger_witness_server_t *w);

/* ---- the witness client ---------------------------------------------------- */

typedef enum {
	LEDGER_PUSH_COSIGNED = 0, /*!< 200 with a valid cosignature */
	LEDGER_PUSH_CONFLICT,     /*!< 409: the witness holds another size */
	LEDGER_PUSH_REFUSED,      /*!< 422: inconsistent (fork) or bad proof */
	LEDGER_PUSH_REJECTED,     /*!< 400/403/404: request or key not accepted */
	LEDGER_PUSH_FAILED,       /*!< network error, timeout, other status */
} ledger_push_t;

typedef struct {
	ledger_push_t result;
	long http_status;
	uint64_t witness_size; /*!< with CONFLICT: the size the witness holds */
	uint64_t cosig_time;   /*!< with COSIGNED */
	char cosig_line[256];  /*!< with COSIGNED: the verified signature line */
	char message[200];
} ledger_push_result_t;

/*! POST one add-checkpoint request (old size, proof, signed checkpoint) and
 *  check the answer's cosignature against the witness key. */
int ledger_witness_push(const char *url, const tlog_vkey_t *witness_key, uint64_t old_size,
                        const tlog_hash_t *proof, size_t nproof, const char *note, size_t note_len,
                        unsigned timeout_ms, ledger_push_result_t *res);
