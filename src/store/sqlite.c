/*
 * The SQLite backend of the store (store.h).  WAL journal with
 * synchronous=FULL: a committed cycle survives kill -9 and power loss; a
 * cycle interrupted before its commit leaves nothing (SQLite atomic commit).
 * The schema is in doc/watch.md ("The store").
 */
#include <errno.h>
#include <stdarg.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error.h"
#include "store/store.h"

/* 2: event.ledger (the ledger entry index) and meta.store_id */
#define SCHEMA_VERSION 2

struct dv_store {
	sqlite3 *db;
	char errmsg[256];
	bool readonly;
	char id[40];
	bool seen_until; /* the snapshot table has seen_until (a store of this version) */
	/* Statements of every zone's every cycle, prepared once (kept_prep). */
	sqlite3_stmt *kept[2];
};

enum { KEPT_TOUCH, KEPT_TOUCH_FINDINGS };

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS zone_latest(zone TEXT PRIMARY KEY, time INTEGER NOT NULL,"
    " status TEXT NOT NULL, obs TEXT NOT NULL, last_attempt INTEGER NOT NULL DEFAULT 0,"
    " last_success INTEGER NOT NULL DEFAULT 0, probe_ok INTEGER NOT NULL DEFAULT 0,"
    " error TEXT NOT NULL DEFAULT '');"
    "CREATE TABLE IF NOT EXISTS server_latest(zone TEXT NOT NULL, addr TEXT NOT NULL,"
    " answering INTEGER NOT NULL, serial INTEGER, earliest_expiry INTEGER NOT NULL,"
    " newest_inception INTEGER NOT NULL, dnskey TEXT, cds TEXT, cdnskey TEXT,"
    " PRIMARY KEY(zone, addr));"
    "CREATE TABLE IF NOT EXISTS parent_latest(zone TEXT NOT NULL, parent_server TEXT NOT NULL,"
    " answering INTEGER NOT NULL, ds TEXT, PRIMARY KEY(zone, parent_server));"
    "CREATE TABLE IF NOT EXISTS history(id INTEGER PRIMARY KEY, zone TEXT NOT NULL,"
    " time INTEGER NOT NULL, status TEXT NOT NULL, serial INTEGER,"
    " earliest_expiry INTEGER NOT NULL, newest_inception INTEGER NOT NULL,"
    " snapshot_id INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS history_zone ON history(zone, id);"
    "CREATE TABLE IF NOT EXISTS finding_open(zone TEXT NOT NULL, code TEXT NOT NULL,"
    " owner TEXT NOT NULL, type INTEGER NOT NULL, server TEXT NOT NULL,"
    " keytag INTEGER NOT NULL, severity TEXT NOT NULL, detail TEXT NOT NULL,"
    " first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
    " PRIMARY KEY(zone, code, owner, type, server, keytag));"
    "CREATE TABLE IF NOT EXISTS event(id INTEGER PRIMARY KEY, time INTEGER NOT NULL,"
    " zone TEXT NOT NULL, kind TEXT NOT NULL, server TEXT NOT NULL, subject TEXT NOT NULL,"
    " old TEXT NOT NULL, new TEXT NOT NULL, ledger INTEGER);"
    "CREATE INDEX IF NOT EXISTS event_zone ON event(zone, id);"
    "CREATE INDEX IF NOT EXISTS event_time ON event(time);"
    "CREATE TABLE IF NOT EXISTS snapshot(id INTEGER PRIMARY KEY, zone TEXT NOT NULL,"
    " time INTEGER NOT NULL, encoding TEXT NOT NULL, data BLOB NOT NULL,"
    " seen_until INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS snapshot_zone ON snapshot(zone, id);"
    "CREATE TABLE IF NOT EXISTS resolver_latest(resolver TEXT PRIMARY KEY,"
    " address TEXT NOT NULL, verdict TEXT NOT NULL, time INTEGER NOT NULL);";

static int fail(dv_store_t *st, int rc)
{
	int x = sqlite3_extended_errcode(st->db);
	/* a reader of a WAL database must create its index (-shm) first */
	snprintf(st->errmsg, sizeof(st->errmsg), "%s%s", sqlite3_errmsg(st->db),
	         x == SQLITE_IOERR_SHMSIZE || x == SQLITE_IOERR_SHMOPEN
	             ? " (no room for the WAL index: is the disk full?)"
	             : "");
	/* A full disk or an I/O error is "could not write"; the caller reports it. */
	return rc;
}

const char *dv_store_errmsg(const dv_store_t *st)
{
	return st->errmsg;
}

static int exec(dv_store_t *st, const char *sql)
{
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return fail(st, DV_EIO);
	return DV_OK;
}

/* meta[key] into buf ("" and DV_EINVAL when absent). */
static int meta_get(dv_store_t *st, const char *key, char *buf, size_t len)
{
	sqlite3_stmt *q = NULL;
	buf[0] = '\0';
	if (sqlite3_prepare_v2(st->db, "SELECT value FROM meta WHERE key=?", -1, &q, NULL) !=
	    SQLITE_OK)
		return fail(st, DV_EIO);
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	int r = sqlite3_step(q), rc = DV_EINVAL;
	if (r == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(q, 0);
		snprintf(buf, len, "%s", t ? (const char *)t : "");
		rc = DV_OK;
	} else if (r != SQLITE_DONE) {
		rc = fail(st, DV_EIO);
	}
	sqlite3_finalize(q);
	return rc;
}

/* A store of an earlier schema is brought to this one (inside the opening
 * transaction): 1 -> 2 adds event.ledger; store_id is added by the caller. */
static int migrate(dv_store_t *st)
{
	char v[16];
	int rc = meta_get(st, "schema", v, sizeof(v));
	if (rc == DV_EINVAL)
		return DV_OK; /* a new store */
	if (rc != DV_OK)
		return rc;
	if (strcmp(v, "1") == 0 && (exec(st, "ALTER TABLE event ADD COLUMN ledger INTEGER") ||
	                            exec(st, "UPDATE meta SET value='2' WHERE key='schema'")))
		return DV_EIO;
	return DV_OK;
}

int dv_store_open(const char *where, bool readonly, dv_store_t **out, char *err, size_t errlen)
{
	char path[4096];
	*out = NULL;
	if (strncmp(where, "sqlite:", 7) == 0) {
		snprintf(path, sizeof(path), "%s", where + 7);
	} else if (strstr(where, "://") != NULL) {
		snprintf(err, errlen, "%s: no such store backend (sqlite: or a directory)", where);
		return DV_ENOTSUP;
	} else {
		if (!readonly && mkdir(where, 0750) != 0 && errno != EEXIST) {
			snprintf(err, errlen, "%s: cannot create: %s", where, strerror(errno));
			return DV_EIO;
		}
		if ((size_t)snprintf(path, sizeof(path), "%s/watch.db", where) >= sizeof(path)) {
			snprintf(err, errlen, "%s: path too long", where);
			return DV_EINVAL;
		}
	}
	dv_store_t *st = calloc(1, sizeof(*st));
	if (st == NULL)
		return DV_ENOMEM;
	st->readonly = readonly;
	int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, &st->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path,
		         st->db ? sqlite3_errmsg(st->db) : "no memory");
		dv_store_close(st);
		return DV_EIO;
	}
	sqlite3_busy_timeout(st->db, 5000);
	if (!readonly) {
		/* WAL: readers (dnsvigil status) never block the daemon (sqlite.org/wal.html). */
		if (exec(st, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;") ||
		    exec(st, "BEGIN IMMEDIATE") || exec(st, schema) || migrate(st))
			goto fail;
		char sql[256];
		snprintf(sql, sizeof(sql),
		         "INSERT OR IGNORE INTO meta(key, value) VALUES('schema', '%d');"
		         "INSERT OR IGNORE INTO meta(key, value)"
		         " VALUES('store_id', lower(hex(randomblob(16))));"
		         "COMMIT;",
		         SCHEMA_VERSION);
		if (exec(st, sql))
			goto fail;
	}
	/* a read that failed keeps SQLite's message (a full disk leaves a reader
	 * no room for the WAL index): only a missing or other schema is "not". */
	int mr = meta_get(st, "schema", st->id, sizeof(st->id));
	if (mr == DV_EIO)
		goto fail;
	if (mr != DV_OK || strtol(st->id, NULL, 10) != SCHEMA_VERSION) {
		snprintf(st->errmsg, sizeof(st->errmsg), "not a dnsvigil store of schema %d",
		         SCHEMA_VERSION);
		goto fail;
	}
	mr = meta_get(st, "store_id", st->id, sizeof(st->id));
	if (mr == DV_EIO)
		goto fail;
	if (mr != DV_OK || strlen(st->id) != 32) {
		snprintf(st->errmsg, sizeof(st->errmsg), "the store has no identity (store_id)");
		goto fail;
	}
	/* seen_until came after schema 1's first stores: added when missing
	 * (an added column with a default is the one change SQLite makes in
	 * place); a read-only reader of an older store does without. */
	sqlite3_stmt *q = NULL;
	st->seen_until = sqlite3_prepare_v2(st->db, "SELECT seen_until FROM snapshot LIMIT 0", -1,
	                                    &q, NULL) == SQLITE_OK;
	sqlite3_finalize(q);
	if (!st->seen_until && !readonly) {
		if (exec(st,
		         "ALTER TABLE snapshot ADD COLUMN seen_until INTEGER NOT NULL DEFAULT 0"))
			goto fail;
		st->seen_until = true;
	}
	*out = st;
	return DV_OK;
fail:
	snprintf(err, errlen, "%s: %s", path, st->errmsg);
	dv_store_close(st);
	return DV_EIO;
}

void dv_store_close(dv_store_t *st)
{
	if (st == NULL)
		return;
	for (size_t i = 0; i < sizeof(st->kept) / sizeof(st->kept[0]); i++)
		sqlite3_finalize(st->kept[i]);
	sqlite3_close(st->db);
	free(st);
}

const char *dv_store_id(const dv_store_t *st)
{
	return st->id;
}

int dv_store_begin(dv_store_t *st)
{
	return exec(st, "BEGIN IMMEDIATE");
}

int dv_store_commit(dv_store_t *st)
{
	if (exec(st, "COMMIT") != DV_OK) {
		dv_store_rollback(st);
		return DV_EIO;
	}
	return DV_OK;
}

void dv_store_rollback(dv_store_t *st)
{
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

/* ---- statements ------------------------------------------------------------- */

static int prep(dv_store_t *st, const char *sql, sqlite3_stmt **q)
{
	if (sqlite3_prepare_v2(st->db, sql, -1, q, NULL) != SQLITE_OK)
		return fail(st, DV_EIO);
	return DV_OK;
}

static int step(dv_store_t *st, sqlite3_stmt *q)
{
	int r = sqlite3_step(q);
	return r == SQLITE_DONE || r == SQLITE_ROW ? DV_OK : fail(st, DV_EIO);
}

static int run(dv_store_t *st, sqlite3_stmt *q)
{
	int rc = step(st, q);
	sqlite3_finalize(q);
	return rc;
}

/* A statement run for every zone at every cycle: parsed once, kept in
 * st->kept[slot] until the store is closed; run it with kept_run. */
static int kept_prep(dv_store_t *st, int slot, const char *sql, sqlite3_stmt **q)
{
	if (st->kept[slot] == NULL && sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
	                                                 &st->kept[slot], NULL) != SQLITE_OK)
		return fail(st, DV_EIO);
	*q = st->kept[slot];
	return DV_OK;
}

/* run() for a kept statement: reset for its next use instead of finalized. */
static int kept_run(dv_store_t *st, sqlite3_stmt *q)
{
	int rc = step(st, q);
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	return rc;
}

static void bind_text(sqlite3_stmt *q, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(q, i);
	else
		sqlite3_bind_text(q, i, s, -1, SQLITE_STATIC);
}

/*
 * Prepare `sql`, bind ?1, ?2, ... one argument each by the letters of
 * `types`, and run it: 't' text (const char *, NULL binds NULL), 'i' an
 * int64_t, 'b' an int (a boolean), 'o' an optional int64_t (an int saying
 * whether it is there, then the value; NULL when it is not).
 */
static void bind_args(sqlite3_stmt *q, const char *types, va_list ap)
{
	for (int i = 1; types[i - 1] != '\0'; i++) {
		switch (types[i - 1]) {
		case 't':
			bind_text(q, i, va_arg(ap, const char *));
			break;
		case 'i':
			sqlite3_bind_int64(q, i, va_arg(ap, int64_t));
			break;
		case 'b':
			sqlite3_bind_int(q, i, va_arg(ap, int));
			break;
		case 'o': {
			int have = va_arg(ap, int);
			int64_t v = va_arg(ap, int64_t);
			if (have)
				sqlite3_bind_int64(q, i, v);
			break;
		}
		}
	}
}

static int exec_bound(dv_store_t *st, const char *sql, const char *types, ...)
{
	sqlite3_stmt *q;
	int rc = prep(st, sql, &q);
	if (rc != DV_OK)
		return rc;
	va_list ap;
	va_start(ap, types);
	bind_args(q, types, ap);
	va_end(ap);
	return run(st, q);
}

/* The first column of the first row of sql (bound as exec_bound binds) in
 * *out; 0 when there is no row. */
static int query_int64(dv_store_t *st, int64_t *out, const char *sql, const char *types, ...)
{
	sqlite3_stmt *q;
	*out = 0;
	int rc = prep(st, sql, &q);
	if (rc != DV_OK)
		return rc;
	va_list ap;
	va_start(ap, types);
	bind_args(q, types, ap);
	va_end(ap);
	if (sqlite3_step(q) == SQLITE_ROW)
		*out = sqlite3_column_int64(q, 0);
	return run(st, q);
}

static const char *col_text(sqlite3_stmt *q, int i)
{
	const unsigned char *t = sqlite3_column_text(q, i);
	return t ? (const char *)t : "";
}

/* ---- zones ---------------------------------------------------------------------- */

int dv_store_zone_get(dv_store_t *st, const char *zone, dv_obs_t *obs, bool *found)
{
	sqlite3_stmt *q;
	*found = false;
	memset(obs, 0, sizeof(*obs));
	if (prep(st, "SELECT obs FROM zone_latest WHERE zone=?", &q))
		return DV_EIO;
	bind_text(q, 1, zone);
	int r = sqlite3_step(q), rc = DV_OK;
	if (r == SQLITE_ROW) {
		rc = dv_obs_from_json(col_text(q, 0), obs);
		if (rc != DV_OK)
			snprintf(st->errmsg, sizeof(st->errmsg),
			         "zone %s: stored observation unreadable", zone);
		*found = rc == DV_OK;
	} else if (r != SQLITE_DONE) {
		rc = fail(st, DV_EIO);
	}
	sqlite3_finalize(q);
	return rc;
}

static bool moved(sqlite3_stmt *q, const dv_obs_t *obs)
{
	/* the last history row against the observation */
	if (strcmp(col_text(q, 0), obs->status) != 0)
		return true;
	bool had = sqlite3_column_type(q, 1) != SQLITE_NULL;
	if (had != obs->have_serial || (had && (uint32_t)sqlite3_column_int64(q, 1) != obs->serial))
		return true;
	return sqlite3_column_int64(q, 2) != obs->earliest_expiry ||
	       sqlite3_column_int64(q, 3) != obs->newest_inception;
}

int dv_store_zone_put(dv_store_t *st, const dv_obs_t *obs, int64_t snapshot_id)
{
	char *json = NULL;
	sqlite3_stmt *q = NULL;
	int rc = dv_obs_to_json(obs, &json);
	if (rc != DV_OK)
		return rc;
	if ((rc = exec_bound(
	         st,
	         "INSERT INTO zone_latest(zone, time, status, obs, last_attempt, last_success,"
	         " probe_ok) VALUES(?1, ?2, ?3, ?4, ?2, CASE WHEN ?5 THEN ?2 ELSE 0 END, ?5)"
	         " ON CONFLICT(zone) DO UPDATE SET time=?2, status=?3, obs=?4,"
	         " last_attempt=?2, last_success=CASE WHEN ?5 THEN ?2 ELSE last_success END,"
	         " probe_ok=?5, error=''",
	         "tittb", obs->zone, (int64_t)obs->time, obs->status, json, (int)obs->probe_ok)))
		goto out;
	if ((rc = exec_bound(st, "DELETE FROM server_latest WHERE zone=?", "t", obs->zone)))
		goto out;
	for (size_t i = 0; i < obs->nsrv; i++) {
		const dv_obs_server_t *s = &obs->srv[i];
		if ((rc = exec_bound(st,
		                     "INSERT INTO server_latest(zone, addr, answering, serial,"
		                     " earliest_expiry, newest_inception, dnskey, cds, cdnskey)"
		                     " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)",
		                     "ttboiittt", obs->zone, s->addr, (int)s->answering,
		                     (int)s->have_serial, (int64_t)s->serial,
		                     (int64_t)s->earliest_expiry, (int64_t)s->newest_inception,
		                     s->dnskey, s->cds, s->cdnskey)))
			goto out;
	}
	if ((rc = exec_bound(st, "DELETE FROM parent_latest WHERE zone=?", "t", obs->zone)))
		goto out;
	for (size_t i = 0; i < obs->npar; i++)
		if ((rc = exec_bound(st,
		                     "INSERT INTO parent_latest(zone, parent_server, answering, ds)"
		                     " VALUES(?, ?, ?, ?)",
		                     "ttbt", obs->zone, obs->par[i].addr,
		                     (int)obs->par[i].answering, obs->par[i].ds)))
			goto out;
	/* History: a row when something an operator plots moved. */
	if ((rc = prep(st,
	               "SELECT status, serial, earliest_expiry, newest_inception FROM history"
	               " WHERE zone=? ORDER BY id DESC LIMIT 1",
	               &q)))
		goto out;
	bind_text(q, 1, obs->zone);
	int r = sqlite3_step(q);
	bool add = r == SQLITE_DONE || (r == SQLITE_ROW && moved(q, obs));
	if (r != SQLITE_DONE && r != SQLITE_ROW)
		rc = fail(st, DV_EIO);
	sqlite3_finalize(q);
	q = NULL;
	if (rc != DV_OK || !add || !obs->probe_ok)
		goto out;
	rc = exec_bound(st,
	                "INSERT INTO history(zone, time, status, serial, earliest_expiry,"
	                " newest_inception, snapshot_id) VALUES(?, ?, ?, ?, ?, ?, ?)",
	                "titoiii", obs->zone, (int64_t)obs->time, obs->status,
	                (int)obs->have_serial, (int64_t)obs->serial, (int64_t)obs->earliest_expiry,
	                (int64_t)obs->newest_inception, (int64_t)snapshot_id);
out:
	free(json);
	return rc;
}

int dv_store_zone_touch(dv_store_t *st, const char *zone, int64_t time, bool probe_ok,
                        const char *error)
{
	sqlite3_stmt *q;
	if (kept_prep(st, KEPT_TOUCH,
	              "UPDATE zone_latest SET last_attempt=?2, probe_ok=?3, error=?4,"
	              " last_success=CASE WHEN ?3 THEN ?2 ELSE last_success END WHERE zone=?1",
	              &q))
		return DV_EIO;
	bind_text(q, 1, zone);
	sqlite3_bind_int64(q, 2, time);
	sqlite3_bind_int(q, 3, probe_ok);
	bind_text(q, 4, error ? error : "");
	int rc = kept_run(st, q);
	if (rc == DV_OK && probe_ok &&
	    kept_prep(st, KEPT_TOUCH_FINDINGS, "UPDATE finding_open SET last_seen=? WHERE zone=?",
	              &q) == DV_OK) {
		sqlite3_bind_int64(q, 1, time);
		bind_text(q, 2, zone);
		rc = kept_run(st, q);
	}
	return rc;
}

/* ---- findings ------------------------------------------------------------------------ */

static void copy_col(char *dst, size_t len, sqlite3_stmt *q, int i)
{
	snprintf(dst, len, "%s", col_text(q, i));
}

int dv_store_findings_get(dv_store_t *st, const char *zone, dv_store_findings_t *out)
{
	sqlite3_stmt *q;
	memset(out, 0, sizeof(*out));
	if (prep(st,
	         "SELECT code, owner, type, server, keytag, severity, detail, first_seen,"
	         " last_seen FROM finding_open WHERE zone=? ORDER BY rowid",
	         &q))
		return DV_EIO;
	bind_text(q, 1, zone);
	int r, rc = DV_OK;
	while ((r = sqlite3_step(q)) == SQLITE_ROW) {
		dv_store_finding_t f;
		memset(&f, 0, sizeof(f));
		copy_col(f.code, sizeof(f.code), q, 0);
		copy_col(f.owner, sizeof(f.owner), q, 1);
		f.type = (uint16_t)sqlite3_column_int(q, 2);
		copy_col(f.server, sizeof(f.server), q, 3);
		f.keytag = sqlite3_column_int(q, 4);
		copy_col(f.severity, sizeof(f.severity), q, 5);
		copy_col(f.detail, sizeof(f.detail), q, 6);
		f.first_seen = sqlite3_column_int64(q, 7);
		f.last_seen = sqlite3_column_int64(q, 8);
		if ((rc = dv_store_findings_add(out, &f)) != DV_OK)
			break;
	}
	if (rc == DV_OK && r != SQLITE_DONE)
		rc = fail(st, DV_EIO);
	sqlite3_finalize(q);
	if (rc != DV_OK)
		dv_store_findings_free(out);
	return rc;
}

int dv_store_findings_put(dv_store_t *st, const char *zone, const dv_store_findings_t *open)
{
	sqlite3_stmt *q;
	int rc;
	if (prep(st, "DELETE FROM finding_open WHERE zone=?", &q))
		return DV_EIO;
	bind_text(q, 1, zone);
	if ((rc = run(st, q)))
		return rc;
	for (size_t i = 0; i < open->len; i++) {
		const dv_store_finding_t *f = &open->v[i];
		if (prep(st,
		         "INSERT OR REPLACE INTO finding_open(zone, code, owner, type, server, "
		         "keytag,"
		         " severity, detail, first_seen, last_seen) VALUES(?,?,?,?,?,?,?,?,?,?)",
		         &q))
			return DV_EIO;
		bind_text(q, 1, zone);
		bind_text(q, 2, f->code);
		bind_text(q, 3, f->owner);
		sqlite3_bind_int(q, 4, f->type);
		bind_text(q, 5, f->server);
		sqlite3_bind_int(q, 6, f->keytag);
		bind_text(q, 7, f->severity);
		bind_text(q, 8, f->detail);
		sqlite3_bind_int64(q, 9, f->first_seen);
		sqlite3_bind_int64(q, 10, f->last_seen);
		if ((rc = run(st, q)))
			return rc;
	}
	return DV_OK;
}

/* ---- events, snapshots, resolvers --------------------------------------------------------- */

int dv_store_event_count(dv_store_t *st, int64_t *n)
{
	return query_int64(st, n, "SELECT count(*) FROM event", "");
}

int dv_store_event_add(dv_store_t *st, dv_event_t *ev)
{
	sqlite3_stmt *q;
	if (prep(st,
	         "INSERT INTO event(time, zone, kind, server, subject, old, new)"
	         " VALUES(?,?,?,?,?,?,?)",
	         &q))
		return DV_EIO;
	sqlite3_bind_int64(q, 1, ev->time);
	bind_text(q, 2, ev->zone);
	bind_text(q, 3, ev->kind);
	bind_text(q, 4, ev->server);
	bind_text(q, 5, ev->subject);
	bind_text(q, 6, ev->old_value ? ev->old_value : "");
	bind_text(q, 7, ev->new_value ? ev->new_value : "");
	int rc = run(st, q);
	if (rc == DV_OK)
		ev->id = sqlite3_last_insert_rowid(st->db);
	return rc;
}

int dv_store_snapshot_add(dv_store_t *st, const char *zone, int64_t time, const char *encoding,
                          const void *data, size_t len, int64_t *id)
{
	sqlite3_stmt *q;
	if (len > 1024u * 1024 * 1024)
		return DV_ELIMIT;
	if (prep(st,
	         "INSERT INTO snapshot(zone, time, encoding, data, seen_until) "
	         "VALUES(?1,?2,?3,?4,?2)",
	         &q))
		return DV_EIO;
	bind_text(q, 1, zone);
	sqlite3_bind_int64(q, 2, time);
	bind_text(q, 3, encoding);
	sqlite3_bind_blob64(q, 4, data, len, SQLITE_STATIC);
	int rc = run(st, q);
	if (rc == DV_OK)
		*id = sqlite3_last_insert_rowid(st->db);
	return rc;
}

int dv_store_snapshot_get(dv_store_t *st, int64_t id, char **data, size_t *len)
{
	sqlite3_stmt *q;
	*data = NULL;
	*len = 0;
	if (prep(st, "SELECT data FROM snapshot WHERE id=?", &q))
		return DV_EIO;
	sqlite3_bind_int64(q, 1, id);
	int r = sqlite3_step(q), rc = DV_OK;
	if (r == SQLITE_ROW) {
		size_t n = (size_t)sqlite3_column_bytes(q, 0);
		const void *p = sqlite3_column_blob(q, 0);
		*data = malloc(n + 1);
		if (*data == NULL) {
			rc = DV_ENOMEM;
		} else {
			if (n)
				memcpy(*data, p, n);
			(*data)[n] = '\0';
			*len = n;
		}
	} else {
		rc = r == SQLITE_DONE ? DV_EINVAL : fail(st, DV_EIO);
	}
	sqlite3_finalize(q);
	return rc;
}

int dv_store_snapshot_seen(dv_store_t *st, const char *zone, int64_t until)
{
	sqlite3_stmt *q;
	if (!st->seen_until)
		return DV_OK;
	if (prep(st,
	         "UPDATE snapshot SET seen_until=?2 WHERE id=(SELECT max(id) FROM snapshot"
	         " WHERE zone=?1) AND seen_until < ?2 AND time <= ?2",
	         &q))
		return DV_EIO;
	bind_text(q, 1, zone);
	sqlite3_bind_int64(q, 2, until);
	return run(st, q);
}

int dv_store_snapshots_each(dv_store_t *st, const char *zone, int64_t since, size_t max,
                            int (*cb)(const dv_store_snapshot_row_t *, void *), void *ctx)
{
	sqlite3_stmt *q;
	/* The newest `max` at or after since, and the last one before it; ids
	 * grow with time (one daemon writes them in cycle order). */
	char sql[640];
	snprintf(sql, sizeof(sql),
	         "SELECT id, time, %s, encoding, data FROM snapshot WHERE id IN ("
	         " SELECT id FROM (SELECT id FROM snapshot WHERE zone=?1 AND time >= ?2"
	         " ORDER BY id DESC LIMIT ?3)"
	         " UNION SELECT max(id) FROM snapshot WHERE zone=?1 AND time < ?2) ORDER BY id",
	         st->seen_until ? "max(time, seen_until)" : "time");
	if (prep(st, sql, &q))
		return DV_EIO;
	bind_text(q, 1, zone);
	sqlite3_bind_int64(q, 2, since);
	sqlite3_bind_int64(q, 3, max == 0 ? -1 : (sqlite3_int64)max);
	int r, rc = DV_OK;
	while ((r = sqlite3_step(q)) == SQLITE_ROW) {
		dv_store_snapshot_row_t row = {
		    .id = sqlite3_column_int64(q, 0),
		    .time = sqlite3_column_int64(q, 1),
		    .seen_until = sqlite3_column_int64(q, 2),
		    .encoding = col_text(q, 3),
		    .data = sqlite3_column_blob(q, 4),
		    .len = (size_t)sqlite3_column_bytes(q, 4),
		};
		if (row.data == NULL)
			row.data = "";
		if ((rc = cb(&row, ctx)) != 0)
			break;
	}
	if (rc == DV_OK && r != SQLITE_DONE)
		rc = fail(st, DV_EIO);
	sqlite3_finalize(q);
	return rc;
}

int dv_store_zone_last_success(dv_store_t *st, const char *zone, int64_t *t)
{
	return query_int64(st, t, "SELECT last_success FROM zone_latest WHERE zone=?", "t", zone);
}

int dv_store_event_last(dv_store_t *st, const char *zone, const char *kind, char *value, size_t len,
                        bool *found)
{
	sqlite3_stmt *q;
	*found = false;
	if (len > 0)
		value[0] = '\0';
	if (prep(st, "SELECT new FROM event WHERE zone=? AND kind=? ORDER BY id DESC LIMIT 1", &q))
		return DV_EIO;
	bind_text(q, 1, zone);
	bind_text(q, 2, kind);
	int r = sqlite3_step(q);
	if (r == SQLITE_ROW) {
		*found = true;
		if (len > 0)
			snprintf(value, len, "%s", col_text(q, 0));
	}
	int rc = r == SQLITE_ROW || r == SQLITE_DONE ? DV_OK : fail(st, DV_EIO);
	sqlite3_finalize(q);
	return rc;
}

int dv_store_resolver_get(dv_store_t *st, const char *resolver, char *verdict, size_t len)
{
	sqlite3_stmt *q;
	verdict[0] = '\0';
	if (prep(st, "SELECT verdict FROM resolver_latest WHERE resolver=?", &q))
		return DV_EIO;
	bind_text(q, 1, resolver);
	int r = sqlite3_step(q);
	if (r == SQLITE_ROW)
		snprintf(verdict, len, "%s", col_text(q, 0));
	sqlite3_finalize(q);
	return r == SQLITE_ROW || r == SQLITE_DONE ? DV_OK : fail(st, DV_EIO);
}

int dv_store_resolver_put(dv_store_t *st, const char *resolver, const char *address,
                          const char *verdict, int64_t time)
{
	sqlite3_stmt *q;
	if (prep(st,
	         "INSERT INTO resolver_latest(resolver, address, verdict, time) VALUES(?,?,?,?)"
	         " ON CONFLICT(resolver) DO UPDATE SET address=excluded.address,"
	         " verdict=excluded.verdict, time=excluded.time",
	         &q))
		return DV_EIO;
	bind_text(q, 1, resolver);
	bind_text(q, 2, address);
	bind_text(q, 3, verdict);
	sqlite3_bind_int64(q, 4, time);
	return run(st, q);
}

/* ---- retention ---------------------------------------------------------------------------- */

static int prune_one(dv_store_t *st, const char *sql, int64_t before, int64_t *deleted)
{
	sqlite3_stmt *q;
	if (prep(st, sql, &q))
		return DV_EIO;
	sqlite3_bind_int64(q, 1, before);
	int rc = run(st, q);
	if (rc == DV_OK)
		*deleted += sqlite3_changes(st->db);
	return rc;
}

int dv_store_prune(dv_store_t *st, const dv_store_retention_t *keep, int64_t now, int64_t *deleted)
{
	int rc;
	*deleted = 0;
	if ((rc = dv_store_begin(st)))
		return rc;
	/* Never an event the ledger has not taken yet, nor the newest (its id
	 * keeps the next one from reusing an id, see dv_store_event_add). */
	if ((rc = prune_one(st,
	                    "DELETE FROM event WHERE time < ? AND ledger IS NOT NULL"
	                    " AND id < (SELECT max(id) FROM event)",
	                    now - keep->events, deleted)) ||
	    (rc = prune_one(st, "DELETE FROM snapshot WHERE time < ?", now - keep->snapshots,
	                    deleted)) ||
	    (rc = prune_one(st, "DELETE FROM history WHERE time < ?", now - keep->observations,
	                    deleted)))
		goto fail;
	/* At most snapshots_per_zone per zone: the newest. */
	sqlite3_stmt *q;
	if (prep(st,
	         "DELETE FROM snapshot WHERE id IN (SELECT id FROM (SELECT id, ROW_NUMBER() OVER"
	         " (PARTITION BY zone ORDER BY id DESC) AS n FROM snapshot) WHERE n > ?)",
	         &q)) {
		rc = DV_EIO;
		goto fail;
	}
	sqlite3_bind_int64(q, 1, keep->snapshots_per_zone);
	if ((rc = run(st, q)))
		goto fail;
	*deleted += sqlite3_changes(st->db);
	if ((rc = dv_store_commit(st)))
		return rc;
	/* Give the pages back to the WAL checkpoint so the file stays bounded. */
	sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	return DV_OK;
fail:
	dv_store_rollback(st);
	return rc;
}

/* ---- readers ---------------------------------------------------------------------------- */

int dv_store_zones_each(dv_store_t *st, int (*cb)(const dv_store_zone_row_t *, void *), void *ctx)
{
	sqlite3_stmt *q;
	if (prep(st,
	         "SELECT z.zone, z.time, z.status, z.obs, z.last_attempt, z.last_success, "
	         "z.probe_ok,"
	         " z.error, (SELECT count(*) FROM finding_open f WHERE f.zone=z.zone),"
	         " COALESCE((SELECT CASE max(CASE severity WHEN 'error' THEN 2 WHEN 'warning'"
	         " THEN 1 ELSE 0 END) WHEN 2 THEN 'error' WHEN 1 THEN 'warning' ELSE 'info' END"
	         " FROM finding_open f WHERE f.zone=z.zone), '')"
	         " FROM zone_latest z ORDER BY z.zone",
	         &q))
		return DV_EIO;
	int r, rc = DV_OK;
	while ((r = sqlite3_step(q)) == SQLITE_ROW) {
		dv_obs_t obs;
		if (dv_obs_from_json(col_text(q, 3), &obs) != DV_OK)
			memset(&obs, 0, sizeof(obs));
		dv_store_zone_row_t row = {
		    .zone = col_text(q, 0),
		    .time = sqlite3_column_int64(q, 1),
		    .status = col_text(q, 2),
		    .obs = &obs,
		    .last_attempt = sqlite3_column_int64(q, 4),
		    .last_success = sqlite3_column_int64(q, 5),
		    .probe_ok = sqlite3_column_int(q, 6) != 0,
		    .error = col_text(q, 7),
		    .nfindings = (size_t)sqlite3_column_int64(q, 8),
		    .worst = col_text(q, 9),
		};
		int stop = cb(&row, ctx);
		dv_obs_clear(&obs);
		if (stop)
			break;
	}
	if (r != SQLITE_DONE && r != SQLITE_ROW)
		rc = fail(st, DV_EIO);
	sqlite3_finalize(q);
	return rc;
}

int dv_store_resolvers_each(dv_store_t *st, int (*cb)(const dv_store_resolver_row_t *, void *),
                            void *ctx)
{
	sqlite3_stmt *q;
	if (prep(st,
	         "SELECT resolver, address, verdict, time FROM resolver_latest ORDER BY resolver",
	         &q))
		return DV_EIO;
	int r, rc = DV_OK;
	while ((r = sqlite3_step(q)) == SQLITE_ROW) {
		dv_store_resolver_row_t row = {col_text(q, 0), col_text(q, 1), col_text(q, 2),
		                               sqlite3_column_int64(q, 3)};
		if (cb(&row, ctx))
			break;
	}
	if (r != SQLITE_DONE && r != SQLITE_ROW)
		rc = fail(st, DV_EIO);
	sqlite3_finalize(q);
	return rc;
}

/* Rows of (id, time, zone, kind, server, subject, old, new, ledger) to cb; finalizes q. */
static int events_rows(dv_store_t *st, sqlite3_stmt *q, int (*cb)(const dv_event_t *, void *),
                       void *ctx)
{
	int r, rc = DV_OK;
	while ((r = sqlite3_step(q)) == SQLITE_ROW) {
		dv_event_t ev;
		memset(&ev, 0, sizeof(ev));
		ev.id = sqlite3_column_int64(q, 0);
		ev.time = sqlite3_column_int64(q, 1);
		copy_col(ev.zone, sizeof(ev.zone), q, 2);
		copy_col(ev.kind, sizeof(ev.kind), q, 3);
		copy_col(ev.server, sizeof(ev.server), q, 4);
		copy_col(ev.subject, sizeof(ev.subject), q, 5);
		ev.old_value = (char *)col_text(q, 6);
		ev.new_value = (char *)col_text(q, 7);
		ev.ledger =
		    sqlite3_column_type(q, 8) == SQLITE_NULL ? -1 : sqlite3_column_int64(q, 8);
		if (cb(&ev, ctx))
			break;
	}
	if (r != SQLITE_DONE && r != SQLITE_ROW)
		rc = fail(st, DV_EIO);
	sqlite3_finalize(q);
	return rc;
}

int dv_store_events_each(dv_store_t *st, const char *zone, int64_t since,
                         int (*cb)(const dv_event_t *, void *), void *ctx)
{
	sqlite3_stmt *q;
	if (prep(st,
	         zone ? "SELECT id, time, zone, kind, server, subject, old, new, ledger FROM event"
	                " WHERE zone=?2 AND time >= ?1 ORDER BY id"
	              : "SELECT id, time, zone, kind, server, subject, old, new, ledger FROM event"
	                " WHERE time >= ?1 ORDER BY id",
	         &q))
		return DV_EIO;
	sqlite3_bind_int64(q, 1, since);
	if (zone)
		bind_text(q, 2, zone);
	return events_rows(st, q, cb, ctx);
}

int dv_store_events_after(dv_store_t *st, int64_t after, size_t limit,
                          int (*cb)(const dv_event_t *, void *), void *ctx)
{
	sqlite3_stmt *q;
	if (prep(st,
	         "SELECT id, time, zone, kind, server, subject, old, new, ledger FROM event"
	         " WHERE id > ?1 ORDER BY id LIMIT ?2",
	         &q))
		return DV_EIO;
	sqlite3_bind_int64(q, 1, after);
	sqlite3_bind_int64(q, 2, limit ? (int64_t)limit : -1);
	return events_rows(st, q, cb, ctx);
}

int dv_store_events_ledgered(dv_store_t *st, const int64_t *ids, const uint64_t *index, size_t n)
{
	sqlite3_stmt *q;
	if (prep(st, "UPDATE event SET ledger=?2 WHERE id=?1", &q))
		return DV_EIO;
	/* one statement for the batch, bound again for each event */
	int rc = DV_OK;
	for (size_t i = 0; i < n && rc == DV_OK; i++) {
		sqlite3_bind_int64(q, 1, ids[i]);
		sqlite3_bind_int64(q, 2, (int64_t)index[i]);
		if (sqlite3_step(q) != SQLITE_DONE)
			rc = fail(st, DV_EIO);
		sqlite3_reset(q);
	}
	sqlite3_finalize(q);
	return rc;
}

int dv_store_ledger_mark(dv_store_t *st, int64_t *event, int64_t *index)
{
	sqlite3_stmt *q;
	*event = *index = -1;
	if (prep(st,
	         "SELECT id, ledger FROM event WHERE ledger IS NOT NULL ORDER BY id DESC LIMIT 1",
	         &q))
		return DV_EIO;
	if (sqlite3_step(q) == SQLITE_ROW) {
		*event = sqlite3_column_int64(q, 0);
		*index = sqlite3_column_int64(q, 1);
	}
	return run(st, q);
}

int dv_store_events_count_after(dv_store_t *st, int64_t after, int64_t *n)
{
	return query_int64(st, n, "SELECT count(*) FROM event WHERE id > ?", "i", after);
}

int dv_store_history_each(dv_store_t *st, const char *zone,
                          int (*cb)(const dv_store_hist_row_t *, void *), void *ctx)
{
	sqlite3_stmt *q;
	if (prep(st,
	         "SELECT time, snapshot_id, status, serial, earliest_expiry, newest_inception"
	         " FROM history WHERE zone=? ORDER BY id",
	         &q))
		return DV_EIO;
	bind_text(q, 1, zone);
	int r, rc = DV_OK;
	while ((r = sqlite3_step(q)) == SQLITE_ROW) {
		dv_store_hist_row_t row = {
		    .time = sqlite3_column_int64(q, 0),
		    .snapshot_id = sqlite3_column_int64(q, 1),
		    .status = col_text(q, 2),
		    .have_serial = sqlite3_column_type(q, 3) != SQLITE_NULL,
		    .serial = (uint32_t)sqlite3_column_int64(q, 3),
		    .earliest_expiry = sqlite3_column_int64(q, 4),
		    .newest_inception = sqlite3_column_int64(q, 5),
		};
		if (cb(&row, ctx))
			break;
	}
	if (r != SQLITE_DONE && r != SQLITE_ROW)
		rc = fail(st, DV_EIO);
	sqlite3_finalize(q);
	return rc;
}
