/* A C2SP tlog-witness server (add-checkpoint) over libmicrohttpd. */
#include <microhttpd.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "core/buf.h"
#include "core/error.h"
#include "net/net.h"
#include "ledger/ledger_int.h"

/* An add-checkpoint body: "old N", ≤ 63 proof lines, a blank line, a note. */
#define BODY_MAX        (32 + 63 * 45 + 1 + TLOG_NOTE_MAX)
#define TRUST_MAX       256
#define PER_IP_MAX      16
#define CONN_TIMEOUT_S  10
#define CONN_MEMORY_MAX (32 * 1024)

struct ledger_witness_server {
	struct MHD_Daemon *mhd;
	sqlite3 *db;
	pthread_mutex_t lock; /* the check and the update are one step */
	ledger_key_t key;
	char vkey[512];
	ledger_trust_t trust[TRUST_MAX];
	size_t ntrust;
	unsigned port;
	bool log_requests;
};

typedef struct {
	dv_buf_t body;
	bool too_big;
} request_t;

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type,
                             const char *text)
{
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* The outcome of one add-checkpoint: HTTP status and body. */
typedef struct {
	unsigned status;
	const char *type;
	char text[512];
	char origin[TLOG_NAME_MAX + 1]; /* for the log line, once parsed */
	uint64_t size;
} outcome_t;

static void fail(outcome_t *o, unsigned status, const char *msg)
{
	o->status = status;
	o->type = "text/plain; charset=utf-8";
	snprintf(o->text, sizeof(o->text), "%s\n", msg);
}

/* Look the stored state up, check, persist: all under one lock and one
 * transaction (C2SP tlog-witness: "checking the old size … and persisting
 * the new checkpoint must be performed atomically"). */
static void check_and_store(struct ledger_witness_server *w, const tlog_checkpoint_t *cp,
                            uint64_t old, const tlog_hash_t *proof, size_t np, const char *note,
                            size_t note_len, outcome_t *o)
{
	sqlite3_stmt *st = NULL;
	uint64_t have = 0;
	tlog_hash_t have_root, empty;
	tlog_empty_root(empty);
	memcpy(have_root, empty, TLOG_HASH_LEN);
	pthread_mutex_lock(&w->lock);
	if (ledger_db_exec(w->db, "BEGIN IMMEDIATE") != DV_OK) {
		fail(o, 503, "state unavailable");
		goto out;
	}
	if (sqlite3_prepare_v2(w->db, "SELECT size, root FROM witness_state WHERE origin = ?", -1,
	                       &st, NULL) != SQLITE_OK)
		goto io;
	sqlite3_bind_text(st, 1, cp->origin, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		have = (uint64_t)sqlite3_column_int64(st, 0);
		if (sqlite3_column_bytes(st, 1) == TLOG_HASH_LEN)
			memcpy(have_root, sqlite3_column_blob(st, 1), TLOG_HASH_LEN);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (old != have) {
		o->status = 409;
		o->type = "text/x.tlog.size";
		snprintf(o->text, sizeof(o->text), "%llu\n", (unsigned long long)have);
		goto rollback;
	}
	if (cp->size == 0 && memcmp(cp->root, empty, TLOG_HASH_LEN) != 0) {
		fail(o, 422, "a tree of size 0 has the empty root");
		goto rollback;
	}
	if (old == 0 ? np != 0
	             : !tlog_consistency_verify(old, cp->size, have_root, cp->root, proof, np)) {
		fail(o, 422,
		     old == cp->size ? "same size, another root"
		                     : "the consistency proof does not verify");
		goto rollback;
	}
	if (sqlite3_prepare_v2(
	        w->db,
	        "INSERT OR REPLACE INTO witness_state(origin, size, root, note, time)"
	        " VALUES(?, ?, ?, ?, ?)",
	        -1, &st, NULL) != SQLITE_OK)
		goto io;
	sqlite3_bind_text(st, 1, cp->origin, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)cp->size);
	sqlite3_bind_blob(st, 3, cp->root, TLOG_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, note, (int)note_len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)time(NULL));
	if (sqlite3_step(st) != SQLITE_DONE)
		goto io;
	sqlite3_finalize(st);
	st = NULL;
	/* Persisted (synchronous=FULL) before the cosignature leaves. */
	if (ledger_db_exec(w->db, "COMMIT") != DV_OK)
		goto io;
	o->status = 200;
	goto out;
io:
	sqlite3_finalize(st);
	fail(o, 503, "state unavailable");
rollback:
	ledger_db_exec(w->db, "ROLLBACK");
out:
	pthread_mutex_unlock(&w->lock);
}

static void add_checkpoint(struct ledger_witness_server *w, const char *body, size_t len,
                           outcome_t *o)
{
	static _Thread_local tlog_note_t note;
	static _Thread_local tlog_hash_t proof[64];
	tlog_checkpoint_t cp;
	const char *line;
	size_t ll, off = 0, np = 0;
	uint64_t old = 0;

	/* "old N": decimal, no leading zeroes. */
	if (!ledger_next_line(body, len, &off, &line, &ll) || ll < 5 || ll > 23 ||
	    memcmp(line, "old ", 4) != 0 || (line[4] == '0' && ll > 5)) {
		fail(o, 400, "expected 'old SIZE'");
		return;
	}
	for (size_t i = 4; i < ll; i++) {
		if (line[i] < '0' || line[i] > '9' || old > TLOG_SIZE_MAX / 10) {
			fail(o, 400, "bad old size");
			return;
		}
		old = old * 10 + (uint64_t)(line[i] - '0');
	}
	for (;;) {
		if (!ledger_next_line(body, len, &off, &line, &ll)) {
			fail(o, 400, "no blank line before the checkpoint");
			return;
		}
		if (ll == 0)
			break;
		size_t got = 0;
		if (np == 63 ||
		    tlog_b64_decode(line, ll, proof[np], TLOG_HASH_LEN, &got) != DV_OK ||
		    got != TLOG_HASH_LEN) {
			fail(o, 400, "bad consistency proof line");
			return;
		}
		np++;
	}
	if (tlog_note_parse(body + off, len - off, &note) != DV_OK ||
	    tlog_checkpoint_parse(note.text, note.text_len, &cp) != DV_OK) {
		fail(o, 400, "not a signed checkpoint");
		return;
	}
	snprintf(o->origin, sizeof(o->origin), "%s", cp.origin);
	o->size = cp.size;
	tlog_vkey_t keys[TRUST_MAX];
	size_t nk = 0;
	for (size_t i = 0; i < w->ntrust; i++)
		if (strcmp(w->trust[i].origin, cp.origin) == 0)
			keys[nk++] = w->trust[i].key;
	if (nk == 0) {
		fail(o, 404, "unknown origin");
		return;
	}
	if (tlog_note_verify(&note, keys, nk, NULL, NULL) != TLOG_NOTE_VERIFIED) {
		fail(o, 403, "no valid signature by a trusted key");
		return;
	}
	if (old > cp.size) {
		fail(o, 400, "old size above the checkpoint size");
		return;
	}
	check_and_store(w, &cp, old, proof, np, body + off, len - off, o);
	if (o->status != 200)
		return;
	size_t n = tlog_cosign(note.text, note.text_len, (uint64_t)time(NULL), w->key.vkey.name,
	                       w->key.vkey.id, w->key.sk, o->text, sizeof(o->text));
	if (n == 0)
		fail(o, 500, "cannot cosign");
	o->type = "text/plain; charset=utf-8";
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_size, void **con_cls)
{
	struct ledger_witness_server *w = cls;
	request_t *req = *con_cls;
	if (req == NULL) {
		size_t ul = strlen(url);
		static const char path[] = "/add-checkpoint";
		if (ul < sizeof(path) - 1 || strcmp(url + ul - (sizeof(path) - 1), path) != 0)
			return reply(c, 404, "text/plain", "not found\n");
		if (strcmp(method, "POST") != 0)
			return reply(c, 405, "text/plain", "POST only\n");
		if ((req = calloc(1, sizeof(*req))) == NULL)
			return MHD_NO;
		dv_buf_init(&req->body, BODY_MAX);
		*con_cls = req;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (!req->too_big && dv_buf_append(&req->body, upload_data, *upload_size) != DV_OK)
			req->too_big = true;
		*upload_size = 0;
		return MHD_YES;
	}
	if (req->too_big)
		return reply(c, 413, "text/plain", "request too large\n");
	outcome_t o = {0};
	add_checkpoint(w, req->body.data ? (const char *)req->body.data : "", req->body.len, &o);
	/* One line per request for the service's log (journald keeps it). */
	if (w->log_requests)
		fprintf(stderr, "add-checkpoint %s size %llu: %u%s%.*s\n",
		        o.origin[0] ? o.origin : "-", (unsigned long long)o.size, o.status,
		        o.status == 200 ? "" : " ",
		        o.status == 200 ? 0 : (int)strcspn(o.text, "\n"), o.text);
	return reply(c, o.status, o.type, o.text);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	request_t *req = *con_cls;
	if (req != NULL) {
		dv_buf_clear(&req->body);
		free(req);
	}
	*con_cls = NULL;
}

int ledger_witness_start(const ledger_witness_opts_t *o, ledger_witness_server_t **out, char *err,
                         size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sslen = 0;
	int r;
	*out = NULL;
	if (o->ntrust == 0 || o->ntrust > TRUST_MAX) {
		snprintf(err, errlen, "1 to %d trusted log keys (--trust)", TRUST_MAX);
		return DV_EINVAL;
	}
	if (dv_net_listen_parse(o->listen, &ss, &sslen) != DV_OK) {
		snprintf(err, errlen, "--listen '%s': expected ADDR:PORT or [ADDR]:PORT",
		         o->listen);
		return DV_EINVAL;
	}
	struct ledger_witness_server *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return DV_ENOMEM;
	pthread_mutex_init(&w->lock, NULL);
	if ((r = ledger_key_load(o->key_file, &w->key, err, errlen)) != DV_OK)
		goto fail;
	if (w->key.vkey.type != TLOG_SIGTYPE_COSIGNATURE) {
		snprintf(err, errlen, "%s: not a cosignature key (type 0x04)", o->key_file);
		r = DV_EINVAL;
		goto fail;
	}
	tlog_vkey_format(&w->key.vkey, w->vkey, sizeof(w->vkey));
	for (size_t i = 0; i < o->ntrust; i++) {
		if (o->trust[i].key.type != TLOG_SIGTYPE_ED25519) {
			snprintf(err, errlen, "trusted key for %s: not an Ed25519 log key",
			         o->trust[i].origin);
			r = DV_EINVAL;
			goto fail;
		}
		w->trust[i] = o->trust[i];
	}
	w->ntrust = o->ntrust;
	w->log_requests = o->log_requests;
	if ((r = ledger_db_open(o->state_file, false, &w->db, err, errlen)) != DV_OK)
		goto fail;
	if (ledger_db_exec(w->db,
	                   "CREATE TABLE IF NOT EXISTS witness_state(origin TEXT PRIMARY KEY,"
	                   " size INTEGER NOT NULL, root BLOB NOT NULL, note TEXT NOT NULL,"
	                   " time INTEGER NOT NULL)") != DV_OK) {
		snprintf(err, errlen, "%s: %s", o->state_file, sqlite3_errmsg(w->db));
		r = DV_EIO;
		goto fail;
	}
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* One polling thread: requests are small and the state update is
	 * serialised anyway; bounded connections, per-IP share, memory, time. */
	w->mhd = MHD_start_daemon(
	    flags, 0, NULL, NULL, on_request, w, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)(o->max_connections ? o->max_connections : 64),
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)PER_IP_MAX, MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned)CONN_TIMEOUT_S, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY_MAX,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, w, MHD_OPTION_END);
	if (w->mhd == NULL) {
		snprintf(err, errlen, "%s: cannot listen", o->listen);
		r = DV_ENET;
		goto fail;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(w->mhd, MHD_DAEMON_INFO_BIND_PORT);
	w->port = info ? info->port : 0;
	*out = w;
	return DV_OK;
fail:
	ledger_witness_stop(w);
	return r;
}

unsigned ledger_witness_port(const ledger_witness_server_t *w)
{
	return w->port;
}

const char *ledger_witness_vkey(const ledger_witness_server_t *w)
{
	return w->vkey;
}

void ledger_witness_stop(ledger_witness_server_t *w)
{
	if (w == NULL)
		return;
	if (w->mhd != NULL)
		MHD_stop_daemon(w->mhd);
	sqlite3_close(w->db);
	ledger_key_clear(&w->key);
	pthread_mutex_destroy(&w->lock);
	free(w);
}
