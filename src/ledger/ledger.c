/* The ledger: open, append, checkpoint, anchor, status, read, prove. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "ledger/ledger_int.h"

static void set_error(ledger_t *l, const char *msg)
{
	snprintf(l->st.last_error, sizeof(l->st.last_error), "%s", msg);
}

static int prepare(ledger_t *l)
{
	static const char *sql[] = {
	    "INSERT INTO leaf(idx, body, lh) VALUES(?, ?, ?)",
	    "INSERT INTO node(level, idx, hash) VALUES(?, ?, ?)",
	    "SELECT lh FROM leaf WHERE idx = ?",
	    "SELECT hash FROM node WHERE level = ? AND idx = ?",
	};
	sqlite3_stmt **st[] = {&l->ins_leaf, &l->ins_node, &l->get_leaf, &l->get_node};
	for (size_t i = 0; i < sizeof(st) / sizeof(st[0]); i++) {
		/* Read-only users never insert. */
		if (l->read_only && i < 2)
			continue;
		if (sqlite3_prepare_v3(l->db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, st[i], NULL) !=
		    SQLITE_OK)
			return DV_EIO;
	}
	return DV_OK;
}

void ledger_free(ledger_t *l)
{
	if (l == NULL)
		return;
	sqlite3_finalize(l->ins_leaf);
	sqlite3_finalize(l->ins_node);
	sqlite3_finalize(l->get_leaf);
	sqlite3_finalize(l->get_node);
	sqlite3_close(l->db);
	for (size_t i = 0; i < l->nwitnesses; i++)
		free(l->wurl[i]);
	free(l->export_file);
	ledger_key_clear(&l->key);
	free(l);
}

/* The key: load it, or create it with the first ledger of a directory. */
static int open_key(ledger_t *l, const char *dir, const ledger_opts_t *o, bool fresh, char *err,
                    size_t errlen)
{
	char kpath[4096], vpath[4096];
	snprintf(vpath, sizeof(vpath), "%s/%s", dir, LEDGER_VKEY_FILE);
	if (o->key_file != NULL)
		snprintf(kpath, sizeof(kpath), "%s", o->key_file);
	else
		snprintf(kpath, sizeof(kpath), "%s/%s", dir, LEDGER_KEY_FILE);
	int r;
	if (fresh && access(kpath, F_OK) != 0)
		r = ledger_key_generate(kpath, vpath, l->origin, TLOG_SIGTYPE_ED25519, &l->key, err,
		                        errlen);
	else
		r = ledger_key_load(kpath, &l->key, err, errlen);
	if (r != DV_OK)
		return r;
	if (l->key.vkey.type != TLOG_SIGTYPE_ED25519 || strcmp(l->key.vkey.name, l->origin) != 0) {
		snprintf(err, errlen, "%s: the key is named '%s', the log's origin is '%s'", kpath,
		         l->key.vkey.name, l->origin);
		return DV_EINVAL;
	}
	/* The public key file: written again when a crash came between the
	 * two files; one that names another key is not replaced. */
	tlog_vkey_t pub;
	char e2[256];
	if (access(vpath, F_OK) != 0) {
		if ((r = ledger_vkey_write(vpath, &l->key.vkey, err, errlen)) != DV_OK)
			return r;
	} else if (ledger_vkey_load(vpath, &pub, e2, sizeof(e2)) != DV_OK ||
	           memcmp(pub.pub, l->key.vkey.pub, 32) != 0 || pub.type != l->key.vkey.type) {
		snprintf(err, errlen, "%s: does not hold the public half of %s", vpath, kpath);
		return DV_EINVAL;
	}
	l->have_key = true;
	return DV_OK;
}

/* Record the configured witnesses (so a later `log append` pushes to them
 * too) and keep their parsed keys. */
static int open_witnesses(ledger_t *l, const ledger_opts_t *o, char *err, size_t errlen)
{
	if (o->nwitnesses > LEDGER_WITNESSES_MAX) {
		snprintf(err, errlen, "at most %d witnesses", LEDGER_WITNESSES_MAX);
		return DV_ELIMIT;
	}
	/* A list given replaces the stored one (a daemon's reloaded
	 * configuration); what each kept witness last cosigned is kept. */
	if (o->nwitnesses > 0 && !l->read_only) {
		sqlite3_stmt *st = NULL;
		int ok =
		    ledger_db_exec(l->db, "BEGIN IMMEDIATE; UPDATE witness SET url = ''") == DV_OK;
		ok = ok && sqlite3_prepare_v2(l->db,
		                              "INSERT INTO witness(vkey, url) VALUES(?, ?)"
		                              " ON CONFLICT(vkey) DO UPDATE SET url = excluded.url",
		                              -1, &st, NULL) == SQLITE_OK;
		for (size_t i = 0; ok && i < o->nwitnesses; i++) {
			sqlite3_bind_text(st, 1, o->witnesses[i].vkey, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, o->witnesses[i].url, -1, SQLITE_STATIC);
			ok = sqlite3_step(st) == SQLITE_DONE;
			sqlite3_reset(st);
		}
		sqlite3_finalize(st);
		ok = ok &&
		     ledger_db_exec(l->db, "DELETE FROM witness WHERE url = ''; COMMIT") == DV_OK;
		if (!ok) {
			ledger_db_exec(l->db, "ROLLBACK");
			snprintf(err, errlen, "cannot record the witnesses: %s",
			         sqlite3_errmsg(l->db));
			return DV_EIO;
		}
	}
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(l->db, "SELECT vkey, url FROM witness ORDER BY vkey", -1, &st,
	                       NULL) != SQLITE_OK)
		return DV_EIO;
	int ret = DV_OK;
	while (sqlite3_step(st) == SQLITE_ROW && l->nwitnesses < LEDGER_WITNESSES_MAX) {
		const char *vk = (const char *)sqlite3_column_text(st, 0);
		const char *url = (const char *)sqlite3_column_text(st, 1);
		size_t i = l->nwitnesses;
		if (vk == NULL || url == NULL ||
		    tlog_vkey_parse(vk, strlen(vk), &l->wkey[i]) != DV_OK ||
		    l->wkey[i].type != TLOG_SIGTYPE_COSIGNATURE) {
			snprintf(err, errlen, "witness key '%.200s': not a cosignature vkey",
			         vk ? vk : "");
			ret = DV_EPARSE;
			break;
		}
		if ((l->wurl[i] = strdup(url)) == NULL) {
			ret = DV_ENOMEM;
			break;
		}
		l->nwitnesses++;
	}
	sqlite3_finalize(st);
	return ret;
}

int ledger_open(const char *dir, const ledger_opts_t *o, ledger_t **out, char *err, size_t errlen)
{
	static const ledger_opts_t none = {0};
	char path[4096], stored[TLOG_NAME_MAX + 1];
	int r;
	*out = NULL;
	if (o == NULL)
		o = &none;
	ledger_t *l = calloc(1, sizeof(*l));
	if (l == NULL)
		return DV_ENOMEM;
	l->read_only = o->read_only;
	l->cp_entries = o->checkpoint_entries ? o->checkpoint_entries : LEDGER_CHECKPOINT_ENTRIES;
	l->cp_secs = o->checkpoint_secs ? o->checkpoint_secs : LEDGER_CHECKPOINT_SECS;
	l->timeout_ms = o->witness_timeout_ms ? o->witness_timeout_ms : 5000;
	l->export_syslog = o->export_syslog;
	if (o->export_file != NULL && (l->export_file = strdup(o->export_file)) == NULL) {
		r = DV_ENOMEM;
		goto fail;
	}
	if (!l->read_only && mkdir(dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		r = DV_EIO;
		goto fail;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, LEDGER_DB_FILE);
	if (l->read_only && access(path, R_OK) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		r = DV_EIO;
		goto fail;
	}
	if ((r = ledger_db_open(path, l->read_only, &l->db, err, errlen)) != DV_OK)
		goto fail;
	if (!l->read_only && (r = ledger_db_schema(l->db)) != DV_OK) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(l->db));
		goto fail;
	}
	/* "no ledger here" only when the table says so: a read that failed (a
	 * full disk leaves a reader no room for the WAL index) is an error. */
	r = ledger_meta_get(l->db, "origin", stored, sizeof(stored));
	if (r == DV_EIO || r == DV_EPARSE) {
		int x = sqlite3_extended_errcode(l->db);
		snprintf(err, errlen, "%s: %s%s", path,
		         r == DV_EIO ? sqlite3_errmsg(l->db) : "the stored origin is malformed",
		         x == SQLITE_IOERR_SHMSIZE || x == SQLITE_IOERR_SHMOPEN
		             ? " (no room for the WAL index: is the disk full?)"
		             : "");
		goto fail;
	}
	bool fresh = r != DV_OK;
	if (fresh) {
		if (l->read_only || o->origin == NULL) {
			snprintf(err, errlen, "%s: no ledger here%s", dir,
			         l->read_only ? "" : " (an origin is needed to create one)");
			r = DV_EINVAL;
			goto fail;
		}
		if (!tlog_name_valid(o->origin, strlen(o->origin))) {
			snprintf(err, errlen, "origin '%s': non-empty, no spaces or '+'",
			         o->origin);
			r = DV_EINVAL;
			goto fail;
		}
		snprintf(l->origin, sizeof(l->origin), "%s", o->origin);
	} else {
		if (o->origin != NULL && strcmp(o->origin, stored) != 0) {
			snprintf(err, errlen, "%s: the ledger's origin is '%s', not '%s'", dir,
			         stored, o->origin);
			r = DV_EINVAL;
			goto fail;
		}
		memcpy(l->origin, stored, sizeof(stored));
	}
	if (!l->read_only) {
		if ((r = open_key(l, dir, o, fresh, err, errlen)) != DV_OK)
			goto fail;
		tlog_vkey_format(&l->key.vkey, l->vkey, sizeof(l->vkey));
		if (fresh && (r = ledger_meta_set(l->db, "origin", l->origin)) != DV_OK)
			goto fail;
	}
	if ((r = open_witnesses(l, o, err, errlen)) != DV_OK)
		goto fail;
	if ((r = prepare(l)) != DV_OK) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(l->db));
		goto fail;
	}
	*out = l;
	return DV_OK;
fail:
	if (err[0] == '\0')
		snprintf(err, errlen, "%s: %s", dir, dv_strerror(r));
	ledger_free(l);
	return r;
}

const char *ledger_origin(const ledger_t *l)
{
	return l->origin;
}

const char *ledger_vkey(const ledger_t *l)
{
	return l->vkey;
}

/* ---- appending ------------------------------------------------------------ */

static int store_node(void *ctx, unsigned level, uint64_t index, const tlog_hash_t hash)
{
	ledger_t *l = ctx;
	if (level == 0 || level % LEDGER_NODE_STRIDE != 0)
		return 0;
	sqlite3_bind_int(l->ins_node, 1, (int)level);
	sqlite3_bind_int64(l->ins_node, 2, (sqlite3_int64)index);
	sqlite3_bind_blob(l->ins_node, 3, hash, TLOG_HASH_LEN, SQLITE_STATIC);
	int r = sqlite3_step(l->ins_node);
	sqlite3_reset(l->ins_node);
	return r == SQLITE_DONE ? 0 : DV_EIO;
}

/* Sign a checkpoint of the whole tree, inside the caller's transaction. */
static int make_checkpoint(ledger_t *l, ledger_tree_t *t, int64_t now, char *note, size_t cap,
                           size_t *len)
{
	tlog_hash_t root;
	tlog_range_root(&t->range, root);
	size_t n = tlog_checkpoint_format(l->origin, t->range.size, root, note, cap);
	if (n == 0)
		return DV_ELIMIT;
	note[n++] = '\n'; /* the blank line before the signatures */
	size_t s =
	    tlog_note_sign(note, n - 1, l->origin, l->key.vkey.id, l->key.sk, note + n, cap - n);
	if (s == 0)
		return DV_ELIMIT;
	n += s;
	note[n] = '\0';
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(l->db, "INSERT INTO checkpoint(size, time, note) VALUES(?, ?, ?)",
	                       -1, &st, NULL) != SQLITE_OK)
		return DV_EIO;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)t->range.size);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_text(st, 3, note, (int)n, SQLITE_STATIC);
	int r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return DV_EIO;
	t->cp_size = t->range.size;
	t->pending_since = 0;
	*len = n;
	return DV_OK;
}

static bool checkpoint_due(const ledger_t *l, const ledger_tree_t *t, int64_t now)
{
	if (t->range.size == t->cp_size)
		return false;
	return t->range.size - t->cp_size >= l->cp_entries ||
	       now - t->pending_since >= (int64_t)l->cp_secs;
}

/* Copies of each checkpoint for off-host keeping (doc/ledger.md "Export"). */
static void export_note(ledger_t *l, const char *note, size_t len)
{
	if (l->export_file != NULL) {
		int fd = open(l->export_file,
		              O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
		bool ok = fd >= 0 && write(fd, note, len) == (ssize_t)len &&
		          write(fd, "\n", 1) == 1 && fsync(fd) == 0;
		if (fd >= 0)
			close(fd);
		if (!ok)
			set_error(l, "cannot append the checkpoint to the export file");
	}
	if (l->export_syslog) {
		char line[1024];
		size_t j = 0;
		for (size_t i = 0; i < len && j + 4 < sizeof(line); i++)
			line[j++] = note[i] == '\n' ? '|' : note[i];
		line[j] = '\0';
		syslog(LOG_INFO, "dnsvigil ledger checkpoint: %s", line);
	}
}

/* Runs fn inside BEGIN IMMEDIATE … COMMIT; a checkpoint made inside is
 * exported after the commit. */
static int append_locked(ledger_t *l, const ledger_entry_t *e, size_t n, int64_t now,
                         uint64_t *first, bool force_cp)
{
	ledger_tree_t t;
	char note[2048];
	size_t note_len = 0;
	int r;
	if (l->read_only || !l->have_key)
		return DV_EINVAL;
	if (ledger_db_exec(l->db, "BEGIN IMMEDIATE") != DV_OK)
		return DV_EIO;
	if ((r = ledger_tree_read(l->db, &t)) != DV_OK)
		goto rollback;
	/* Entry times never go backwards (doc/ledger.md): a clock stepped
	 * back is raised to the newest entry's time. */
	int64_t when = now > t.last_time ? now : t.last_time;
	if (first != NULL)
		*first = t.range.size;
	for (size_t i = 0; i < n; i++) {
		char *body = NULL;
		size_t blen = 0;
		tlog_hash_t lh;
		if ((r = ledger_entry_encode(&e[i], when, &body, &blen)) != DV_OK)
			goto rollback;
		tlog_leaf_hash(body, blen, lh);
		sqlite3_bind_int64(l->ins_leaf, 1, (sqlite3_int64)t.range.size);
		sqlite3_bind_blob(l->ins_leaf, 2, body, (int)blen, SQLITE_STATIC);
		sqlite3_bind_blob(l->ins_leaf, 3, lh, TLOG_HASH_LEN, SQLITE_STATIC);
		int s = sqlite3_step(l->ins_leaf);
		sqlite3_reset(l->ins_leaf);
		free(body);
		if (s != SQLITE_DONE) {
			r = DV_EIO;
			goto rollback;
		}
		if ((r = tlog_range_append(&t.range, lh, store_node, l)) != 0)
			goto rollback;
	}
	if (n > 0) {
		t.last_time = when;
		if (t.pending_since == 0)
			t.pending_since = when;
	}
	if ((force_cp ? t.range.size != t.cp_size : checkpoint_due(l, &t, now)) &&
	    (r = make_checkpoint(l, &t, now, note, sizeof(note), &note_len)) != DV_OK)
		goto rollback;
	if ((r = ledger_tree_write(l->db, &t)) != DV_OK)
		goto rollback;
	if (ledger_db_exec(l->db, "COMMIT") != DV_OK) {
		r = DV_EIO;
		goto rollback;
	}
	if (note_len > 0)
		export_note(l, note, note_len);
	return DV_OK;
rollback:
	ledger_db_exec(l->db, "ROLLBACK");
	return r;
}

int ledger_append_batch(ledger_t *l, const ledger_entry_t *e, size_t n, int64_t now,
                        uint64_t *first)
{
	return append_locked(l, e, n, now, first, false);
}

int ledger_append(ledger_t *l, const ledger_entry_t *e, int64_t now, uint64_t *index)
{
	return append_locked(l, e, 1, now, index, false);
}

/* ---- anchoring ------------------------------------------------------------- */

/* Push the latest checkpoint to witness i.  A 409 tells the size the
 * witness holds: one retry from there (C2SP tlog-witness allows a client
 * without that knowledge to learn it this way). */
static void push_one(ledger_t *l, size_t i, uint64_t cp_size, const char *note, size_t note_len)
{
	sqlite3_stmt *st = NULL;
	uint64_t old = 0;
	char vk[512];
	tlog_vkey_format(&l->wkey[i], vk, sizeof(vk));
	if (sqlite3_prepare_v2(l->db, "SELECT size FROM witness WHERE vkey = ?", -1, &st, NULL) ==
	    SQLITE_OK) {
		sqlite3_bind_text(st, 1, vk, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			old = (uint64_t)sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	if (old == cp_size)
		return;
	ledger_push_result_t res;
	for (int attempt = 0; attempt < 2; attempt++) {
		tlog_hash_t proof[TLOG_PROOF_MAX];
		size_t np = 0;
		if (old > cp_size) {
			res.result = LEDGER_PUSH_CONFLICT;
			res.witness_size = old;
			break;
		}
		if (tlog_consistency_prove(old, cp_size, ledger_subtree, l, proof, &np) != 0) {
			set_error(l, "cannot build a consistency proof");
			return;
		}
		ledger_witness_push(l->wurl[i], &l->wkey[i], old, proof, np, note, note_len,
		                    l->timeout_ms, &res);
		if (res.result != LEDGER_PUSH_CONFLICT || res.witness_size == old)
			break;
		old = res.witness_size;
	}
	char msg[256];
	switch (res.result) {
	case LEDGER_PUSH_COSIGNED:
		if (ledger_db_exec(l->db, "BEGIN IMMEDIATE") != DV_OK)
			return;
		if (sqlite3_prepare_v2(l->db,
		                       "INSERT OR REPLACE INTO cosig(size, witness, time, line)"
		                       " VALUES(?, ?, ?, ?)",
		                       -1, &st, NULL) == SQLITE_OK) {
			sqlite3_bind_int64(st, 1, (sqlite3_int64)cp_size);
			sqlite3_bind_text(st, 2, vk, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 3, (sqlite3_int64)res.cosig_time);
			sqlite3_bind_text(st, 4, res.cosig_line, -1, SQLITE_STATIC);
			sqlite3_step(st);
			sqlite3_finalize(st);
		}
		if (sqlite3_prepare_v2(l->db, "UPDATE witness SET size = ? WHERE vkey = ?", -1, &st,
		                       NULL) == SQLITE_OK) {
			sqlite3_bind_int64(st, 1, (sqlite3_int64)cp_size);
			sqlite3_bind_text(st, 2, vk, -1, SQLITE_STATIC);
			sqlite3_step(st);
			sqlite3_finalize(st);
		}
		if (ledger_db_exec(l->db, "COMMIT") != DV_OK)
			ledger_db_exec(l->db, "ROLLBACK");
		return;
	case LEDGER_PUSH_CONFLICT:
		/* The witness holds a larger tree than this log: rolled back. */
		l->st.witness_alarms++;
		snprintf(msg, sizeof(msg),
		         "witness %s holds size %llu, this log has %llu: rollback or fork",
		         l->wkey[i].name, (unsigned long long)res.witness_size,
		         (unsigned long long)cp_size);
		break;
	case LEDGER_PUSH_REFUSED:
		l->st.witness_alarms++;
		snprintf(msg, sizeof(msg),
		         "witness %s refused size %llu as inconsistent: fork (%s)", l->wkey[i].name,
		         (unsigned long long)cp_size, res.message);
		break;
	default:
		snprintf(msg, sizeof(msg), "witness %s: %s", l->wkey[i].name, res.message);
		break;
	}
	set_error(l, msg);
}

static int anchor(ledger_t *l)
{
	ledger_tree_t t;
	if (l->nwitnesses == 0)
		return DV_OK;
	int r = ledger_tree_read(l->db, &t);
	if (r != DV_OK || t.cp_size == 0)
		return r;
	char *note = NULL;
	size_t len = 0;
	if ((r = ledger_checkpoint_note(l->db, t.cp_size, false, &note, &len)) != DV_OK)
		return r;
	for (size_t i = 0; i < l->nwitnesses; i++)
		push_one(l, i, t.cp_size, note, len);
	free(note);
	return DV_OK;
}

int ledger_tick(ledger_t *l, int64_t now)
{
	ledger_tree_t t;
	int r = ledger_tree_read(l->db, &t);
	if (r != DV_OK)
		return r;
	if (checkpoint_due(l, &t, now) && (r = append_locked(l, NULL, 0, now, NULL, false)) != 0)
		return r;
	return anchor(l);
}

int ledger_checkpoint(ledger_t *l, int64_t now)
{
	int r = append_locked(l, NULL, 0, now, NULL, true);
	if (r != DV_OK)
		return r;
	return anchor(l);
}

int ledger_close(ledger_t *l, int64_t now)
{
	if (l == NULL)
		return DV_OK;
	int r = l->read_only ? DV_OK : ledger_checkpoint(l, now);
	ledger_free(l);
	return r;
}

int ledger_status(ledger_t *l, ledger_status_t *st)
{
	ledger_tree_t t;
	sqlite3_stmt *q = NULL;
	int r = ledger_tree_read(l->db, &t);
	if (r != DV_OK)
		return r;
	*st = l->st;
	st->size = t.range.size;
	st->checkpoint_size = t.cp_size;
	st->anchored_size = 0;
	st->anchored_time = 0;
	if (sqlite3_prepare_v2(l->db, "SELECT time FROM checkpoint WHERE size = ?", -1, &q, NULL) ==
	    SQLITE_OK) {
		sqlite3_bind_int64(q, 1, (sqlite3_int64)t.cp_size);
		if (sqlite3_step(q) == SQLITE_ROW)
			st->checkpoint_time = sqlite3_column_int64(q, 0);
		sqlite3_finalize(q);
	}
	/* Anchored: the largest checkpoint a configured witness cosigned
	 * (each line was verified with the witness key when it arrived). */
	for (size_t i = 0; i < l->nwitnesses; i++) {
		char vk[512];
		tlog_vkey_format(&l->wkey[i], vk, sizeof(vk));
		if (sqlite3_prepare_v2(l->db,
		                       "SELECT size, time FROM cosig WHERE witness = ?"
		                       " ORDER BY size DESC LIMIT 1",
		                       -1, &q, NULL) != SQLITE_OK)
			return DV_EIO;
		sqlite3_bind_text(q, 1, vk, -1, SQLITE_STATIC);
		if (sqlite3_step(q) == SQLITE_ROW &&
		    (uint64_t)sqlite3_column_int64(q, 0) > st->anchored_size) {
			st->anchored_size = (uint64_t)sqlite3_column_int64(q, 0);
			st->anchored_time = sqlite3_column_int64(q, 1);
		}
		sqlite3_finalize(q);
	}
	st->unanchored = st->size - st->anchored_size;
	st->unanchored_since = 0;
	if (st->unanchored > 0 && sqlite3_prepare_v2(l->db, "SELECT body FROM leaf WHERE idx = ?",
	                                             -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(q, 1, (sqlite3_int64)st->anchored_size);
		if (sqlite3_step(q) == SQLITE_ROW) {
			json_t *e = json_loadb((const char *)sqlite3_column_blob(q, 0),
			                       (size_t)sqlite3_column_bytes(q, 0), 0, NULL);
			const char *ts = json_string_value(json_object_get(e, "time"));
			if (ts != NULL)
				ledger_time_parse(ts, &st->unanchored_since);
			json_decref(e);
		}
		sqlite3_finalize(q);
	}
	return DV_OK;
}

/* ---- reading ------------------------------------------------------------------ */

static bool filter_match(const ledger_filter_t *f, const json_t *e, int64_t t)
{
	if (f == NULL)
		return true;
	if (f->zone != NULL) {
		const char *z = json_string_value(json_object_get(e, "zone"));
		if (z == NULL || strcasecmp(z, f->zone) != 0)
			return false;
	}
	if (f->kind != NULL) {
		const char *k = json_string_value(json_object_get(e, "kind"));
		size_t n = strlen(f->kind);
		bool prefix = n > 0 && f->kind[n - 1] == '.';
		if (k == NULL || (prefix ? strncmp(k, f->kind, n) : strcmp(k, f->kind)) != 0)
			return false;
	}
	return t >= f->since;
}

int ledger_foreach(ledger_t *l, const ledger_filter_t *f, ledger_entry_fn fn, void *ctx)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(l->db, "SELECT idx, body FROM leaf WHERE idx >= ? ORDER BY idx", -1,
	                       &st, NULL) != SQLITE_OK)
		return DV_EIO;
	sqlite3_bind_int64(st, 1, f != NULL ? (sqlite3_int64)f->from : 0);
	int ret = DV_OK, s;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		const char *body = (const char *)sqlite3_column_blob(st, 1);
		size_t len = (size_t)sqlite3_column_bytes(st, 1);
		json_t *e = NULL;
		int64_t t = 0;
		char why[128];
		/* A damaged entry is shown as it is; `log verify` judges it. */
		if (ledger_entry_decode(body, len, &e, &t, why, sizeof(why)) != DV_OK)
			e = NULL;
		if (e == NULL ? f == NULL || (f->zone == NULL && f->kind == NULL && f->since == 0)
		              : filter_match(f, e, t))
			ret = fn(ctx, (uint64_t)sqlite3_column_int64(st, 0), body, len, e);
		json_decref(e);
		if (ret != 0)
			break;
	}
	if (ret == 0 && s != SQLITE_DONE && s != SQLITE_ROW)
		ret = DV_EIO;
	sqlite3_finalize(st);
	return ret;
}

/* ---- proofs ----------------------------------------------------------------------- */

/* A proof as text: head, one base64 hash per line, a blank line, the
 * signed checkpoint.  *out is malloc'd. */
static int proof_text(const char *head, const tlog_hash_t *p, size_t n, const char *note,
                      size_t note_len, char **out, size_t *len)
{
	size_t hl = strlen(head), cap = hl + n * 46 + note_len + 2, off = hl;
	char *buf = malloc(cap);
	if (buf == NULL)
		return DV_ENOMEM;
	memcpy(buf, head, hl);
	for (size_t i = 0; i < n; i++) {
		off += tlog_b64_encode(p[i], TLOG_HASH_LEN, buf + off, cap - off);
		buf[off++] = '\n';
	}
	buf[off++] = '\n';
	memcpy(buf + off, note, note_len);
	off += note_len;
	buf[off] = '\0';
	*out = buf;
	*len = off;
	return DV_OK;
}

int ledger_prove_inclusion(ledger_t *l, uint64_t index, char **out, size_t *len)
{
	ledger_tree_t t;
	sqlite3_stmt *st = NULL;
	char *note = NULL, *buf = NULL, *extra = NULL;
	size_t note_len = 0;
	tlog_hash_t proof[TLOG_PROOF_MAX];
	size_t np = 0;
	int r;
	*out = NULL;
	if ((r = ledger_tree_read(l->db, &t)) != DV_OK)
		return r;
	if (index >= t.cp_size)
		return DV_EINVAL; /* not yet covered by a checkpoint */
	if ((r = ledger_checkpoint_note(l->db, t.cp_size, true, &note, &note_len)) != DV_OK)
		return r;
	if ((r = tlog_inclusion_prove(index, t.cp_size, ledger_subtree, l, proof, &np)) != DV_OK)
		goto out;
	r = DV_EIO;
	if (sqlite3_prepare_v2(l->db, "SELECT body FROM leaf WHERE idx = ?", -1, &st, NULL) !=
	    SQLITE_OK)
		goto out;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)index);
	if (sqlite3_step(st) != SQLITE_ROW)
		goto out;
	size_t blen = (size_t)sqlite3_column_bytes(st, 0);
	size_t hcap = blen / 3 * 4 + 96;
	r = DV_ENOMEM;
	if ((extra = malloc(hcap)) == NULL || (buf = malloc(hcap)) == NULL)
		goto out;
	if (tlog_b64_encode(sqlite3_column_blob(st, 0), blen, extra, hcap) == 0) {
		r = DV_ELIMIT;
		goto out;
	}
	/* c2sp.org/tlog-proof@v1: the entry rides in the "extra" line. */
	snprintf(buf, hcap, "c2sp.org/tlog-proof@v1\nextra %s\nindex %llu\n", extra,
	         (unsigned long long)index);
	r = proof_text(buf, proof, np, note, note_len, out, len);
out:
	sqlite3_finalize(st);
	free(extra);
	free(buf);
	free(note);
	return r;
}

int ledger_prove_consistency(ledger_t *l, uint64_t old_size, uint64_t new_size, char **out,
                             size_t *len)
{
	ledger_tree_t t;
	char *note = NULL;
	size_t note_len = 0;
	tlog_hash_t proof[TLOG_PROOF_MAX];
	size_t np = 0;
	int r;
	*out = NULL;
	if ((r = ledger_tree_read(l->db, &t)) != DV_OK)
		return r;
	if (new_size == 0)
		new_size = t.cp_size;
	if (old_size > new_size || new_size > t.cp_size)
		return DV_EINVAL;
	if ((r = ledger_checkpoint_note(l->db, new_size, true, &note, &note_len)) != DV_OK)
		return r;
	if ((r = tlog_consistency_prove(old_size, new_size, ledger_subtree, l, proof, &np)) != 0)
		goto out;
	/* The tlog-witness add-checkpoint body: what a witness checks. */
	char head[32];
	snprintf(head, sizeof(head), "old %llu\n", (unsigned long long)old_size);
	r = proof_text(head, proof, np, note, note_len, out, len);
out:
	free(note);
	return r;
}
