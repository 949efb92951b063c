/* Verifying a ledger, and proofs handed to a third party. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "ledger/ledger_int.h"

#define problem ledger_problem_add

void ledger_problem_add(ledger_verify_result_t *res, ledger_severity_t sev, const char *code,
                        uint64_t entry, const char *fmt, ...)
{
	if (sev > res->worst)
		res->worst = sev;
	if (res->nproblems == LEDGER_PROBLEMS_MAX) {
		res->dropped++;
		return;
	}
	ledger_problem_t *p = &res->problems[res->nproblems++];
	p->severity = sev;
	p->code = code;
	p->entry = entry;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->message, sizeof(p->message), fmt, ap);
	va_end(ap);
}

/* A checkpoint to compare with the recomputed tree. */
typedef struct {
	uint64_t size;
	tlog_hash_t root;
	int64_t time;
	bool valid;        /* signed by the log key, well formed */
	const char *label; /* NULL: stored; else the external file */
	char *text;        /* note text (stored ones), for cosignatures */
	size_t text_len;
	bool seen; /* its size was reached by the recomputation */
	tlog_hash_t computed;
} cp_t;

typedef struct {
	cp_t *v;
	size_t n, cap;
} cp_list_t;

static cp_t *cp_add(cp_list_t *l)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		cp_t *v = realloc(l->v, cap * sizeof(*v));
		if (v == NULL)
			return NULL;
		l->v = v;
		l->cap = cap;
	}
	cp_t *c = &l->v[l->n++];
	memset(c, 0, sizeof(*c));
	return c;
}

static int cp_cmp(const void *a, const void *b)
{
	const cp_t *x = a, *y = b;
	return x->size < y->size ? -1 : x->size > y->size;
}

/* Check one signed note as a checkpoint of this log.  Returns true when
 * it is well formed and signed by the log key; fills c. */
static bool check_note(ledger_verify_result_t *res, const char *origin, const tlog_vkey_t *key,
                       const char *note, size_t len, const char *where, uint64_t row_size, cp_t *c,
                       tlog_note_t *n)
{
	tlog_checkpoint_t cp;
	if (tlog_note_parse(note, len, n) != DV_OK ||
	    tlog_checkpoint_parse(n->text, n->text_len, &cp) != DV_OK) {
		problem(res, LEDGER_ERROR, "checkpoint_malformed", row_size,
		        "%s: not a well-formed signed checkpoint", where);
		return false;
	}
	if (strcmp(cp.origin, origin) != 0) {
		problem(res, LEDGER_ERROR, "checkpoint_origin", row_size,
		        "%s: origin '%.60s' is not this log's '%.60s'", where, cp.origin, origin);
		return false;
	}
	if (cp.extensions > 0) {
		problem(res, LEDGER_ERROR, "checkpoint_malformed", row_size,
		        "%s: %zu extra lines after the root (this log writes none)", where,
		        cp.extensions);
		return false;
	}
	if (row_size != UINT64_MAX && cp.size != row_size) {
		problem(res, LEDGER_ERROR, "checkpoint_size_mismatch", row_size,
		        "%s: the note says size %llu", where, (unsigned long long)cp.size);
		return false;
	}
	switch (tlog_note_verify(n, key, 1, NULL, NULL)) {
	case TLOG_NOTE_VERIFIED:
		break;
	case TLOG_NOTE_NO_KEY:
		problem(res, LEDGER_ERROR, "checkpoint_unknown_key", cp.size,
		        "%s: not signed by the log key %s", where, key->name);
		return false;
	default:
		problem(res, LEDGER_ERROR, "checkpoint_bad_signature", cp.size,
		        "%s: the log key's signature does not verify", where);
		return false;
	}
	c->size = cp.size;
	memcpy(c->root, cp.root, TLOG_HASH_LEN);
	c->valid = true;
	return true;
}

static int load_checkpoints(ledger_t *l, ledger_verify_result_t *res, const tlog_vkey_t *key,
                            cp_list_t *cps)
{
	sqlite3_stmt *st = NULL;
	static _Thread_local tlog_note_t n;
	int64_t last_time = INT64_MIN;
	if (sqlite3_prepare_v2(l->db, "SELECT size, time, note FROM checkpoint ORDER BY size", -1,
	                       &st, NULL) != SQLITE_OK)
		return DV_EIO;
	int s;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		uint64_t size = (uint64_t)sqlite3_column_int64(st, 0);
		int64_t t = sqlite3_column_int64(st, 1);
		const char *note = (const char *)sqlite3_column_text(st, 2);
		size_t len = (size_t)sqlite3_column_bytes(st, 2);
		char where[64];
		snprintf(where, sizeof(where), "checkpoint %llu", (unsigned long long)size);
		res->checkpoints++;
		cp_t *c = cp_add(cps);
		if (c == NULL) {
			sqlite3_finalize(st);
			return DV_ENOMEM;
		}
		c->size = size;
		c->time = t;
		if (t < last_time)
			problem(res, LEDGER_WARNING, "checkpoint_time_backwards", size,
			        "checkpoint %llu was made before the one of a smaller size",
			        (unsigned long long)size);
		last_time = t;
		if (note == NULL || !check_note(res, l->origin, key, note, len, where, size, c, &n))
			continue;
		if ((c->text = malloc(n.text_len)) == NULL) {
			sqlite3_finalize(st);
			return DV_ENOMEM;
		}
		memcpy(c->text, n.text, n.text_len);
		c->text_len = n.text_len;
	}
	sqlite3_finalize(st);
	return s == SQLITE_DONE ? DV_OK : DV_EIO;
}

/* Stream state: compares stored nodes with recomputed ones. */
typedef struct {
	ledger_t *l;
	ledger_verify_result_t *res;
} node_check_t;

static int node_check(void *ctx, unsigned level, uint64_t index, const tlog_hash_t hash)
{
	node_check_t *nc = ctx;
	if (level == 0 || level % LEDGER_NODE_STRIDE != 0)
		return 0;
	tlog_hash_t stored;
	sqlite3_bind_int(nc->l->get_node, 1, (int)level);
	sqlite3_bind_int64(nc->l->get_node, 2, (sqlite3_int64)index);
	int s = sqlite3_step(nc->l->get_node);
	bool have = s == SQLITE_ROW && sqlite3_column_bytes(nc->l->get_node, 0) == TLOG_HASH_LEN;
	if (have)
		memcpy(stored, sqlite3_column_blob(nc->l->get_node, 0), TLOG_HASH_LEN);
	sqlite3_reset(nc->l->get_node);
	if (!have || memcmp(stored, hash, TLOG_HASH_LEN) != 0)
		problem(nc->res, LEDGER_ERROR, "node_mismatch", index << level,
		        "stored tree node (level %u, index %llu) %s", level,
		        (unsigned long long)index,
		        have ? "differs from the entries" : "is missing");
	return 0;
}

/* Recompute every leaf hash and the tree; note the root at every size a
 * checkpoint (stored or external) names. */
static int stream_leaves(ledger_t *l, ledger_verify_result_t *res, cp_list_t *cps,
                         tlog_range_t *range)
{
	sqlite3_stmt *st = NULL;
	node_check_t nc = {l, res};
	ledger_decoder_t *dec = NULL;
	size_t next = 0;
	tlog_range_init(range);
	if (ledger_decoder_start(&dec, res->anchored_size) != DV_OK)
		return DV_ENOMEM;
	if (sqlite3_prepare_v2(l->db, "SELECT idx, body, lh FROM leaf ORDER BY idx", -1, &st,
	                       NULL) != SQLITE_OK) {
		ledger_decoder_finish(dec, NULL);
		return DV_EIO;
	}
	while (next < cps->n && cps->v[next].size == 0) {
		cps->v[next].seen = true;
		tlog_empty_root(cps->v[next++].computed);
	}
	int s;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		uint64_t idx = (uint64_t)sqlite3_column_int64(st, 0);
		const char *body = (const char *)sqlite3_column_blob(st, 1);
		size_t blen = (size_t)sqlite3_column_bytes(st, 1);
		tlog_hash_t lh;
		if (idx != range->size)
			problem(res, LEDGER_ERROR, "entry_missing", range->size,
			        "entry %llu is missing (the next stored is %llu)",
			        (unsigned long long)range->size, (unsigned long long)idx);
		tlog_leaf_hash(body ? body : "", blen, lh);
		if (sqlite3_column_bytes(st, 2) != TLOG_HASH_LEN ||
		    memcmp(sqlite3_column_blob(st, 2), lh, TLOG_HASH_LEN) != 0)
			problem(res, LEDGER_ERROR, "leaf_hash_mismatch", idx,
			        "entry %llu does not match its stored leaf hash",
			        (unsigned long long)idx);
		if (blen > LEDGER_ENTRY_MAX)
			problem(res, LEDGER_ERROR, "entry_malformed", idx,
			        "entry %llu: longer than an entry can be", (unsigned long long)idx);
		else if (ledger_decoder_push(dec, range->size, idx, body, blen) != DV_OK)
			break;
		tlog_range_append(range, lh, node_check, &nc);
		while (next < cps->n && cps->v[next].size == range->size) {
			cps->v[next].seen = true;
			tlog_range_root(range, cps->v[next++].computed);
		}
		while (next < cps->n && cps->v[next].size < range->size)
			next++;
	}
	sqlite3_finalize(st);
	ledger_decoder_finish(dec, res);
	return s == SQLITE_DONE ? DV_OK : s == SQLITE_ROW ? DV_ENOMEM : DV_EIO;
}

static void load_external(ledger_t *l, ledger_verify_result_t *res, const tlog_vkey_t *key,
                          const ledger_verify_opts_t *o, cp_list_t *cps)
{
	static _Thread_local tlog_note_t n;
	static _Thread_local char buf[TLOG_NOTE_MAX + 1];
	for (size_t i = 0; i < o->ncheckpoint_files; i++) {
		const char *f = o->checkpoint_files[i];
		FILE *fp = fopen(f, "rb");
		size_t len = fp ? fread(buf, 1, sizeof(buf), fp) : 0;
		if (fp == NULL || ferror(fp) || len == sizeof(buf)) {
			problem(res, LEDGER_ERROR, "external_checkpoint_unreadable", 0,
			        "%.120s: unreadable or larger than a note", f);
			if (fp)
				fclose(fp);
			continue;
		}
		fclose(fp);
		/* An exported file may hold several notes one after another
		 * (--export appends, blank line between): the last one counts. */
		size_t start = 0;
		for (size_t j = 0; j + 1 < len; j++)
			if (buf[j] == '\n' && buf[j + 1] == '\n' && j + 2 < len &&
			    memcmp(buf + j + 2, "\xe2\x80\x94", 3) != 0)
				start = j + 2;
		while (len > start + 1 && buf[len - 1] == '\n' && buf[len - 2] == '\n')
			len--;
		cp_t *c = cp_add(cps);
		if (c == NULL)
			return;
		c->label = f;
		if (check_note(res, l->origin, key, buf + start, len - start, f, UINT64_MAX, c,
		               &n) &&
		    o->nwitness_keys > 0) {
			bool ok[LEDGER_WITNESSES_MAX] = {false};
			size_t nk = o->nwitness_keys < LEDGER_WITNESSES_MAX ? o->nwitness_keys
			                                                    : LEDGER_WITNESSES_MAX;
			if (tlog_note_verify(&n, o->witness_keys, nk, ok, NULL) ==
			        TLOG_NOTE_VERIFIED &&
			    c->size > res->anchored_size)
				res->anchored_size = c->size;
		}
	}
}

/* Cosignatures stored with the log, checked against the trusted keys. */
static int check_cosigs(ledger_t *l, ledger_verify_result_t *res, const cp_list_t *cps,
                        const tlog_vkey_t *wk, size_t nwk)
{
	sqlite3_stmt *st = NULL;
	static _Thread_local tlog_note_t n;
	if (sqlite3_prepare_v2(l->db, "SELECT size, witness, line FROM cosig ORDER BY size", -1,
	                       &st, NULL) != SQLITE_OK)
		return DV_EIO;
	uint64_t last_t[LEDGER_WITNESSES_MAX] = {0};
	while (sqlite3_step(st) == SQLITE_ROW) {
		uint64_t size = (uint64_t)sqlite3_column_int64(st, 0);
		const char *line = (const char *)sqlite3_column_text(st, 2);
		size_t len = (size_t)sqlite3_column_bytes(st, 2);
		res->cosignatures++;
		const cp_t *c = NULL;
		for (size_t i = 0; i < cps->n; i++)
			if (cps->v[i].label == NULL && cps->v[i].size == size && cps->v[i].valid)
				c = &cps->v[i];
		if (c == NULL || line == NULL)
			continue; /* its checkpoint is already reported */
		bool ok[LEDGER_WITNESSES_MAX] = {false};
		uint64_t times[LEDGER_WITNESSES_MAX] = {0};
		if (tlog_sigs_parse(line, len, c->text, c->text_len, &n) != DV_OK) {
			problem(res, LEDGER_ERROR, "cosignature_bad", size,
			        "a stored cosignature of checkpoint %llu is malformed",
			        (unsigned long long)size);
			continue;
		}
		switch (tlog_note_verify(&n, wk, nwk, ok, times)) {
		case TLOG_NOTE_VERIFIED:
			if (size > res->anchored_size)
				res->anchored_size = size;
			for (size_t k = 0; k < nwk; k++) {
				if (!ok[k])
					continue;
				if (times[k] < last_t[k])
					problem(
					    res, LEDGER_WARNING, "cosignature_time_backwards", size,
					    "witness %.60s cosigned checkpoint %llu earlier than a"
					    " smaller one",
					    wk[k].name, (unsigned long long)size);
				last_t[k] = times[k];
				if ((int64_t)times[k] > res->anchored_time &&
				    size == res->anchored_size)
					res->anchored_time = (int64_t)times[k];
			}
			break;
		case TLOG_NOTE_BAD_SIG:
			problem(res, LEDGER_ERROR, "cosignature_bad", size,
			        "a witness cosignature of checkpoint %llu does not verify: the"
			        " checkpoint was rewritten",
			        (unsigned long long)size);
			break;
		default:
			break; /* a witness this verifier does not trust */
		}
	}
	sqlite3_finalize(st);
	return DV_OK;
}

/* Ask live witnesses: push the latest checkpoint as a log would. */
static void ask_witnesses(ledger_t *l, ledger_verify_result_t *res, const ledger_verify_opts_t *o,
                          const cp_t *latest)
{
	char *note = NULL;
	size_t note_len = 0;
	if (latest == NULL ||
	    ledger_checkpoint_note(l->db, latest->size, false, &note, &note_len) != DV_OK) {
		if (o->nwitnesses > 0)
			problem(res, LEDGER_WARNING, "witness_not_asked", 0,
			        "no valid checkpoint to show the witnesses");
		return;
	}
	for (size_t i = 0; i < o->nwitnesses; i++) {
		tlog_vkey_t wk;
		ledger_push_result_t pr = {0};
		const ledger_witness_t *w = &o->witnesses[i];
		if (tlog_vkey_parse(w->vkey, strlen(w->vkey), &wk) != DV_OK)
			continue;
		uint64_t old = 0;
		for (int attempt = 0; attempt < 2; attempt++) {
			tlog_hash_t proof[TLOG_PROOF_MAX];
			size_t np = 0;
			if (old > latest->size)
				break;
			if (tlog_consistency_prove(old, latest->size, ledger_subtree, l, proof,
			                           &np) != 0)
				break;
			ledger_witness_push(w->url, &wk, old, proof, np, note, note_len,
			                    o->witness_timeout_ms ? o->witness_timeout_ms : 5000,
			                    &pr);
			if (pr.result != LEDGER_PUSH_CONFLICT)
				break;
			old = pr.witness_size;
		}
		switch (pr.result) {
		case LEDGER_PUSH_COSIGNED:
			if (latest->size > res->anchored_size) {
				res->anchored_size = latest->size;
				res->anchored_time = (int64_t)pr.cosig_time;
			}
			break;
		case LEDGER_PUSH_CONFLICT:
			problem(res, LEDGER_ERROR, "rollback", pr.witness_size,
			        "witness %.60s has seen this log at size %llu; it has %llu: rolled"
			        " back or truncated",
			        wk.name, (unsigned long long)pr.witness_size,
			        (unsigned long long)latest->size);
			break;
		case LEDGER_PUSH_REFUSED:
			problem(res, LEDGER_ERROR, "fork", latest->size,
			        "witness %.60s refuses checkpoint %llu as inconsistent with what it"
			        " saw: the log was rewritten",
			        wk.name, (unsigned long long)latest->size);
			break;
		default:
			problem(res, LEDGER_WARNING, "witness_unreachable", 0,
			        "witness %.60s: %.120s", wk.name, pr.message);
			break;
		}
	}
	free(note);
}

int ledger_verify(const char *dir, const ledger_verify_opts_t *o, ledger_verify_result_t *res,
                  char *err, size_t errlen)
{
	ledger_opts_t lo = {.read_only = true};
	ledger_t *l = NULL;
	cp_list_t cps = {0};
	tlog_vkey_t key, wk[LEDGER_WITNESSES_MAX];
	size_t nwk = 0;
	ledger_tree_t t;
	tlog_range_t range;
	int r;
	memset(res, 0, sizeof(*res));
	if ((r = ledger_open(dir, &lo, &l, err, errlen)) != DV_OK)
		return r;
	snprintf(res->origin, sizeof(res->origin), "%s", l->origin);
	if (o->log_key != NULL) {
		key = *o->log_key;
	} else {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, LEDGER_VKEY_FILE);
		if ((r = ledger_vkey_load(path, &key, err, errlen)) != DV_OK)
			goto out;
	}
	if (key.type != TLOG_SIGTYPE_ED25519 || strcmp(key.name, l->origin) != 0)
		problem(res, LEDGER_ERROR, "checkpoint_unknown_key", 0,
		        "the key %.60s is not an Ed25519 key named after the origin %.60s",
		        key.name, l->origin);
	if (o->nwitness_keys > 0) {
		nwk = o->nwitness_keys < LEDGER_WITNESSES_MAX ? o->nwitness_keys
		                                              : LEDGER_WITNESSES_MAX;
		memcpy(wk, o->witness_keys, nwk * sizeof(wk[0]));
	} else {
		nwk = l->nwitnesses;
		memcpy(wk, l->wkey, nwk * sizeof(wk[0]));
	}
	if ((r = load_checkpoints(l, res, &key, &cps)) != DV_OK)
		goto io;
	load_external(l, res, &key, o, &cps);
	/* Anchors from cosignatures must be known before the stream, which
	 * notes the time of the first unanchored entry. */
	if ((r = check_cosigs(l, res, &cps, wk, nwk)) != DV_OK)
		goto io;
	if (cps.n > 1)
		qsort(cps.v, cps.n, sizeof(cps.v[0]), cp_cmp);
	/* Live witnesses need the latest valid stored checkpoint. */
	const cp_t *latest = NULL;
	for (size_t i = 0; i < cps.n; i++)
		if (cps.v[i].label == NULL && cps.v[i].valid)
			latest = &cps.v[i];
	ask_witnesses(l, res, o, latest);
	if ((r = stream_leaves(l, res, &cps, &range)) != DV_OK)
		goto io;
	res->size = range.size;
	tlog_range_root(&range, res->root);
	for (size_t i = 0; i < cps.n; i++) {
		cp_t *c = &cps.v[i];
		if (!c->valid)
			continue;
		const char *what = c->label ? c->label : "a stored checkpoint";
		if (!c->seen) {
			problem(res, c->label ? LEDGER_ERROR : LEDGER_ERROR,
			        c->label ? "rollback" : "log_truncated", c->size,
			        "%.120s covers %llu entries; the log has only %llu: truncated or"
			        " rolled back",
			        what, (unsigned long long)c->size, (unsigned long long)range.size);
		} else if (memcmp(c->computed, c->root, TLOG_HASH_LEN) != 0) {
			problem(res, LEDGER_ERROR, c->label ? "fork" : "root_mismatch", c->size,
			        "the entries before %llu do not give the root signed in %.120s:"
			        " entries were changed, removed, inserted or reordered",
			        (unsigned long long)c->size, what);
		}
	}
	if (ledger_tree_read(l->db, &t) != DV_OK) {
		problem(res, LEDGER_ERROR, "tree_state_mismatch", range.size,
		        "the stored tree state is unreadable or names a checkpoint"
		        " beyond the entries");
	} else {
		tlog_hash_t a, b;
		tlog_range_root(&t.range, a);
		tlog_range_root(&range, b);
		if (t.range.size != range.size || memcmp(a, b, TLOG_HASH_LEN) != 0)
			problem(res, LEDGER_ERROR, "tree_state_mismatch", range.size,
			        "the stored tree state (%llu entries) does not match the entries"
			        " (%llu)",
			        (unsigned long long)t.range.size, (unsigned long long)range.size);
	}
	if (res->anchored_size > range.size)
		res->anchored_size = range.size;
	if (res->anchored_size < range.size) {
		char since[32] = "?";
		if (res->unanchored_since != 0)
			ledger_time_format(res->unanchored_since, since, sizeof(since));
		problem(res, LEDGER_WARNING, "unanchored", res->anchored_size,
		        "%llu entries unanchored since entry %llu (%s)%s",
		        (unsigned long long)(range.size - res->anchored_size),
		        (unsigned long long)res->anchored_size, since,
		        nwk == 0 && o->nwitnesses == 0 ? ": no witness configured" : "");
	}
	r = DV_OK;
	goto out;
io:
	snprintf(err, errlen, "%s: %s", dir,
	         r == DV_ENOMEM ? "out of memory" : sqlite3_errmsg(l->db));
out:
	for (size_t i = 0; i < cps.n; i++)
		free(cps.v[i].text);
	free(cps.v);
	ledger_free(l);
	return r;
}

/* ---- offline proof checking ----------------------------------------------- */

bool ledger_next_line(const char *s, size_t len, size_t *off, const char **line, size_t *llen)
{
	if (*off >= len)
		return false;
	const char *nl = memchr(s + *off, '\n', len - *off);
	if (nl == NULL)
		return false;
	*line = s + *off;
	*llen = (size_t)(nl - *line);
	*off += *llen + 1;
	return true;
}

static bool parse_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	if (n == 0 || n > 19 || (s[0] == '0' && n > 1))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return v <= TLOG_SIZE_MAX;
}

/* Proof lines until the blank line. */
static bool parse_proof(const char *s, size_t len, size_t *off, tlog_hash_t *p, size_t *np)
{
	const char *line;
	size_t ll, n = 0;
	*np = 0;
	while (ledger_next_line(s, len, off, &line, &ll)) {
		if (ll == 0) {
			*np = n;
			return true;
		}
		if (n == TLOG_PROOF_MAX ||
		    tlog_b64_decode(line, ll, p[n], TLOG_HASH_LEN, &(size_t){0}) != DV_OK)
			return false;
		n++;
	}
	return false;
}

int ledger_proof_check(const char *proof, size_t len, const tlog_vkey_t *log_key,
                       const tlog_vkey_t *witness_keys, size_t nwk, const char *old_note,
                       size_t old_len, ledger_verify_result_t *res, char *err, size_t errlen)
{
	static _Thread_local tlog_note_t n, on;
	static _Thread_local cp_t c, oc;
	tlog_hash_t p[TLOG_PROOF_MAX];
	size_t np = 0, off = 0, ll;
	const char *line;
	uint64_t index = 0, old = 0;
	memset(res, 0, sizeof(*res));
	snprintf(res->origin, sizeof(res->origin), "%s", log_key->name);
	/* A note saved with a blank line after it (as --export writes). */
	while (old_note != NULL && old_len > 2 && old_note[old_len - 1] == '\n' &&
	       old_note[old_len - 2] == '\n')
		old_len--;
	bool inclusion = len > 23 && memcmp(proof, "c2sp.org/tlog-proof@v1\n", 23) == 0;
	uint8_t *entry = NULL;
	size_t elen = 0;
	if (inclusion) {
		off = 23;
		if (!ledger_next_line(proof, len, &off, &line, &ll))
			goto bad;
		if (ll > 6 && memcmp(line, "extra ", 6) == 0) {
			if ((entry = malloc(ll)) == NULL)
				return DV_ENOMEM;
			if (tlog_b64_decode(line + 6, ll - 6, entry, ll, &elen) != DV_OK)
				goto bad;
			if (!ledger_next_line(proof, len, &off, &line, &ll))
				goto bad;
		}
		if (ll < 7 || memcmp(line, "index ", 6) != 0 ||
		    !parse_u64(line + 6, ll - 6, &index))
			goto bad;
	} else {
		if (!ledger_next_line(proof, len, &off, &line, &ll) || ll < 5 ||
		    memcmp(line, "old ", 4) != 0 || !parse_u64(line + 4, ll - 4, &old))
			goto bad;
	}
	if (!parse_proof(proof, len, &off, p, &np))
		goto bad;
	if (!check_note(res, log_key->name, log_key, proof + off, len - off,
	                "the proof's checkpoint", UINT64_MAX, &c, &n)) {
		free(entry);
		return DV_OK;
	}
	res->size = c.size;
	memcpy(res->root, c.root, TLOG_HASH_LEN);
	res->checkpoints = 1;
	if (nwk > 0) {
		bool ok[LEDGER_WITNESSES_MAX] = {false};
		if (tlog_note_verify(&n, witness_keys, nwk < 16 ? nwk : 16, ok, NULL) ==
		    TLOG_NOTE_VERIFIED)
			res->anchored_size = c.size;
		else
			problem(res, LEDGER_WARNING, "unanchored", c.size,
			        "the checkpoint carries no cosignature of a trusted witness");
	}
	if (inclusion) {
		tlog_hash_t lh;
		if (entry == NULL) {
			problem(res, LEDGER_ERROR, "proof_invalid", index,
			        "the proof carries no entry (extra line)");
		} else {
			tlog_leaf_hash(entry, elen, lh);
			if (!tlog_inclusion_verify(index, c.size, lh, p, np, c.root))
				problem(res, LEDGER_ERROR, "proof_invalid", index,
				        "entry %llu is not proven included in the checkpoint of "
				        "size %llu",
				        (unsigned long long)index, (unsigned long long)c.size);
		}
	} else {
		tlog_hash_t old_root;
		if (old == 0) {
			tlog_empty_root(old_root);
		} else if (old_note == NULL) {
			snprintf(err, errlen, "a consistency proof needs the old checkpoint");
			free(entry);
			return DV_EINVAL;
		} else if (!check_note(res, log_key->name, log_key, old_note, old_len,
		                       "the old checkpoint", UINT64_MAX, &oc, &on)) {
			free(entry);
			return DV_OK;
		} else if (oc.size != old) {
			problem(res, LEDGER_ERROR, "proof_invalid", old,
			        "the old checkpoint has size %llu, the proof starts at %llu",
			        (unsigned long long)oc.size, (unsigned long long)old);
			free(entry);
			return DV_OK;
		} else {
			memcpy(old_root, oc.root, TLOG_HASH_LEN);
		}
		if (!tlog_consistency_verify(old, c.size, old_root, c.root, p, np))
			problem(
			    res, LEDGER_ERROR, "proof_invalid", c.size,
			    "the checkpoint of size %llu is not proven consistent with size %llu",
			    (unsigned long long)c.size, (unsigned long long)old);
	}
	free(entry);
	return DV_OK;
bad:
	free(entry);
	snprintf(err, errlen,
	         "not a proof: expected a c2sp.org/tlog-proof@v1 or an add-checkpoint"
	         " body");
	return DV_EPARSE;
}
