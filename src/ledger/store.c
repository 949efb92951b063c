/* The ledger's SQLite storage: schema, tree state, stored hashes. */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "ledger/ledger_int.h"

/*
 * leaf: the entries (canonical JSON) and their leaf hashes.
 * node: perfect-subtree hashes at levels 4, 8, 12, … (derived; for proofs).
 * tree: one row, the compact range of the whole log, written in the same
 *       transaction as the leaves it covers.
 * checkpoint: every signed note the log made.  cosig: witness cosignatures.
 * witness: the size each configured witness last cosigned.
 * The triggers only stop accidents (an UPDATE typed by hand): anyone who
 * can write the file can drop them.  Tampering is caught by the hashes,
 * the signatures and the witnesses (doc/ledger.md).
 */
static const char schema[] =
    "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS leaf(idx INTEGER PRIMARY KEY, body BLOB NOT NULL,"
    " lh BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS node(level INTEGER NOT NULL, idx INTEGER NOT NULL,"
    " hash BLOB NOT NULL, PRIMARY KEY(level, idx)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS tree(id INTEGER PRIMARY KEY CHECK(id = 0),"
    " frontier BLOB NOT NULL, last_time INTEGER NOT NULL, pending_since INTEGER NOT NULL,"
    " cp_size INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS checkpoint(size INTEGER PRIMARY KEY, time INTEGER NOT NULL,"
    " note TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS cosig(size INTEGER NOT NULL, witness TEXT NOT NULL,"
    " time INTEGER NOT NULL, line TEXT NOT NULL, PRIMARY KEY(size, witness));"
    "CREATE TABLE IF NOT EXISTS witness(vkey TEXT PRIMARY KEY, url TEXT NOT NULL,"
    " size INTEGER NOT NULL DEFAULT 0);"
    "CREATE TRIGGER IF NOT EXISTS leaf_no_update BEFORE UPDATE ON leaf"
    " BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;"
    "CREATE TRIGGER IF NOT EXISTS leaf_no_delete BEFORE DELETE ON leaf"
    " BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;"
    "CREATE TRIGGER IF NOT EXISTS node_no_update BEFORE UPDATE ON node"
    " BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;"
    "CREATE TRIGGER IF NOT EXISTS node_no_delete BEFORE DELETE ON node"
    " BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;"
    "CREATE TRIGGER IF NOT EXISTS checkpoint_no_update BEFORE UPDATE ON checkpoint"
    " BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;"
    "CREATE TRIGGER IF NOT EXISTS checkpoint_no_delete BEFORE DELETE ON checkpoint"
    " BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;"
    "CREATE TRIGGER IF NOT EXISTS cosig_no_delete BEFORE DELETE ON cosig"
    " BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;";

int ledger_db_exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? DV_OK : DV_EIO;
}

int ledger_db_open(const char *path, bool read_only, sqlite3 **out, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	int flags = read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	*out = NULL;
	if (sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, db ? sqlite3_errmsg(db) : "cannot open");
		sqlite3_close(db);
		return DV_EIO;
	}
	sqlite3_busy_timeout(db, 10000);
	/* WAL: readers never block the writer; synchronous=FULL: a commit
	 * that returned is on disk, so an acknowledged entry survives a crash
	 * or power loss (https://sqlite.org/pragma.html#pragma_synchronous). */
	const char *pragmas = read_only ? "PRAGMA query_only=1;"
	                                : "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;";
	if (ledger_db_exec(db, pragmas) != DV_OK) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return DV_EIO;
	}
	*out = db;
	return DV_OK;
}

int ledger_db_schema(sqlite3 *db)
{
	return ledger_db_exec(db, schema);
}

int ledger_meta_get(sqlite3 *db, const char *k, char *out, size_t cap)
{
	sqlite3_stmt *st = NULL;
	int ret = DV_EPARSE;
	if (sqlite3_prepare_v2(db, "SELECT v FROM meta WHERE k = ?", -1, &st, NULL) != SQLITE_OK)
		return DV_EIO;
	sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);
		if (v != NULL && strlen(v) < cap) {
			memcpy(out, v, strlen(v) + 1);
			ret = DV_OK;
		}
	} else if (r == SQLITE_DONE) {
		ret = DV_EINVAL; /* no such key */
	} else {
		ret = DV_EIO;
	}
	sqlite3_finalize(st);
	return ret;
}

int ledger_meta_set(sqlite3 *db, const char *k, const char *v)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO meta(k, v) VALUES(?, ?)", -1, &st,
	                       NULL) != SQLITE_OK)
		return DV_EIO;
	sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, v, -1, SQLITE_STATIC);
	int r = sqlite3_step(st);
	sqlite3_finalize(st);
	return r == SQLITE_DONE ? DV_OK : DV_EIO;
}

int ledger_tree_read(sqlite3 *db, ledger_tree_t *t)
{
	sqlite3_stmt *st = NULL;
	int ret = DV_EPARSE;
	memset(t, 0, sizeof(*t));
	if (sqlite3_prepare_v2(db,
	                       "SELECT frontier, last_time, pending_since, cp_size FROM tree"
	                       " WHERE id = 0",
	                       -1, &st, NULL) != SQLITE_OK)
		return DV_EIO;
	int r = sqlite3_step(st);
	if (r == SQLITE_DONE) {
		tlog_range_init(&t->range);
		ret = DV_OK;
	} else if (r == SQLITE_ROW) {
		const uint8_t *f = sqlite3_column_blob(st, 0);
		int n = sqlite3_column_bytes(st, 0);
		if (f != NULL && tlog_range_decode(f, (size_t)n, &t->range) == DV_OK) {
			t->last_time = sqlite3_column_int64(st, 1);
			t->pending_since = sqlite3_column_int64(st, 2);
			t->cp_size = (uint64_t)sqlite3_column_int64(st, 3);
			ret = t->cp_size <= t->range.size ? DV_OK : DV_EPARSE;
		}
	} else {
		ret = DV_EIO;
	}
	sqlite3_finalize(st);
	return ret;
}

int ledger_tree_write(sqlite3 *db, const ledger_tree_t *t)
{
	uint8_t buf[8 + 64 * TLOG_HASH_LEN];
	size_t n = tlog_range_encode(&t->range, buf, sizeof(buf));
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db,
	                       "INSERT OR REPLACE INTO tree(id, frontier, last_time, pending_since,"
	                       " cp_size) VALUES(0, ?, ?, ?, ?)",
	                       -1, &st, NULL) != SQLITE_OK)
		return DV_EIO;
	sqlite3_bind_blob(st, 1, buf, (int)n, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, t->last_time);
	sqlite3_bind_int64(st, 3, t->pending_since);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)t->cp_size);
	int r = sqlite3_step(st);
	sqlite3_finalize(st);
	return r == SQLITE_DONE ? DV_OK : DV_EIO;
}

/* One 32-byte hash from a prepared statement with its parameters bound. */
static int step_hash(sqlite3_stmt *st, tlog_hash_t out)
{
	int ret = DV_EPARSE;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == TLOG_HASH_LEN) {
		memcpy(out, sqlite3_column_blob(st, 0), TLOG_HASH_LEN);
		ret = DV_OK;
	}
	sqlite3_reset(st);
	return ret;
}

int ledger_subtree(void *ctx, unsigned level, uint64_t index, tlog_hash_t out)
{
	ledger_t *l = ctx;
	if (level == 0) {
		sqlite3_bind_int64(l->get_leaf, 1, (sqlite3_int64)index);
		return step_hash(l->get_leaf, out);
	}
	if (level % LEDGER_NODE_STRIDE == 0) {
		sqlite3_bind_int(l->get_node, 1, (int)level);
		sqlite3_bind_int64(l->get_node, 2, (sqlite3_int64)index);
		return step_hash(l->get_node, out);
	}
	tlog_hash_t left, right;
	int r = ledger_subtree(ctx, level - 1, 2 * index, left);
	if (r == 0)
		r = ledger_subtree(ctx, level - 1, 2 * index + 1, right);
	if (r == 0)
		tlog_node_hash(left, right, out);
	return r;
}

int ledger_checkpoint_note(sqlite3 *db, uint64_t size, bool cosigs, char **out, size_t *len)
{
	sqlite3_stmt *st = NULL;
	*out = NULL;
	if (sqlite3_prepare_v2(db, "SELECT note FROM checkpoint WHERE size = ?", -1, &st, NULL) !=
	    SQLITE_OK)
		return DV_EIO;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return DV_EINVAL;
	}
	size_t n = (size_t)sqlite3_column_bytes(st, 0);
	size_t cap = n + 1 + (cosigs ? LEDGER_WITNESSES_MAX * 256 : 0);
	char *s = malloc(cap);
	if (s == NULL) {
		sqlite3_finalize(st);
		return DV_ENOMEM;
	}
	memcpy(s, sqlite3_column_text(st, 0), n);
	sqlite3_finalize(st);
	if (cosigs && sqlite3_prepare_v2(db,
	                                 "SELECT line FROM cosig WHERE size = ? ORDER BY witness"
	                                 " LIMIT 16",
	                                 -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
		while (sqlite3_step(st) == SQLITE_ROW) {
			size_t ln = (size_t)sqlite3_column_bytes(st, 0);
			if (ln < 256 && n + ln < cap) {
				memcpy(s + n, sqlite3_column_text(st, 0), ln);
				n += ln;
			}
		}
		sqlite3_finalize(st);
	}
	s[n] = '\0';
	*out = s;
	*len = n;
	return DV_OK;
}
