/*
 * Unit tests of the store (src/store): the pure diff between observations
 * (every event kind shown present on a change and absent without one), the
 * carry-over of servers that did not answer, the observation JSON form, and
 * the SQLite backend (round trip, open findings, history rows only on change,
 * rollback leaves nothing, retention bounds the store).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "core/error.h"
#include "store/store.h"

#define KSK  "257 13 11111 aaaaaaaaaaaaaaaa"
#define ZSK  "256 13 22222 bbbbbbbbbbbbbbbb"
#define ZSK2 "256 13 33333 cccccccccccccccc"
#define KSKR "385 13 11239 aaaaaaaaaaaaaaaa" /* the KSK with REVOKE set: other tag, same key */

static void set(char **p, const char *v)
{
	free(*p);
	*p = v ? strdup(v) : NULL;
}

/* A zone with two servers answering the same serial and keys, one parent server. */
static void mk(dv_obs_t *o, int64_t t, uint32_t serial, const char *keys)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->zone, sizeof(o->zone), "z.example.");
	o->time = t;
	o->probe_ok = true;
	snprintf(o->status, sizeof(o->status), "secure");
	o->have_serial = true;
	o->serial = serial;
	for (int i = 0; i < 2; i++) {
		dv_obs_server_t *s;
		assert_int_equal(dv_obs_server(o, i ? "192.0.2.2" : "192.0.2.1", &s), DV_OK);
		s->answering = true;
		s->have_serial = true;
		s->serial = serial;
		s->earliest_expiry = t + 86400 * 10;
		s->newest_inception = t - 3600;
		set(&s->dnskey, keys);
		set(&s->cds, "");
		set(&s->cdnskey, "");
	}
	dv_obs_parent_t *p;
	assert_int_equal(dv_obs_parent(o, "198.51.100.1", &p), DV_OK);
	p->answering = true;
	set(&p->ds, "11111 13 2 abcd");
}

static size_t count(const dv_events_t *ev, const char *kind)
{
	size_t n = 0;
	for (size_t i = 0; i < ev->len; i++)
		n += strcmp(ev->v[i].kind, kind) == 0;
	return n;
}

static const dv_event_t *first(const dv_events_t *ev, const char *kind)
{
	for (size_t i = 0; i < ev->len; i++)
		if (strcmp(ev->v[i].kind, kind) == 0)
			return &ev->v[i];
	return NULL;
}

static void test_diff_unchanged(void **state)
{
	dv_obs_t a, b;
	dv_events_t ev = {0};
	mk(&a, 1000, 5, KSK "\n" ZSK);
	mk(&b, 1300, 5, KSK "\n" ZSK);
	assert_int_equal(dv_obs_diff(&a, &b, NULL, NULL, &ev), DV_OK);
	assert_int_equal(ev.len, 0);
	dv_obs_clear(&a);
	dv_obs_clear(&b);
}

static void test_diff_first_sight(void **state)
{
	dv_obs_t b;
	dv_events_t ev = {0};
	mk(&b, 1300, 5, KSK "\n" ZSK);
	assert_int_equal(dv_obs_diff(NULL, &b, NULL, NULL, &ev), DV_OK);
	assert_int_equal(count(&ev, DV_EV_ZONE_STATUS), 1);
	assert_int_equal(count(&ev, DV_EV_ZONE_SERIAL), 2);
	assert_int_equal(count(&ev, DV_EV_DNSKEY_ADDED), 4);
	assert_int_equal(count(&ev, DV_EV_DS_CHANGED), 1);
	assert_int_equal(count(&ev, DV_EV_CDS_CHANGED), 0); /* empty then empty */
	assert_string_equal(first(&ev, DV_EV_ZONE_STATUS)->old_value, "");
	dv_events_free(&ev);
	dv_obs_clear(&b);
}

static void test_diff_changes(void **state)
{
	dv_obs_t a, b;
	dv_events_t ev = {0};
	mk(&a, 1000, 5, KSK "\n" ZSK);
	mk(&b, 1300, 6, KSK "\n" ZSK2);
	/* only the first server moved its serial */
	b.srv[1].serial = 5;
	set(&b.srv[1].dnskey, KSK "\n" ZSK);
	snprintf(b.status, sizeof(b.status), "bogus");
	set(&b.par[0].ds, "11111 13 2 abcd\n44444 13 2 ef01");
	set(&b.srv[0].cds, "44444 13 2 ef01");
	assert_int_equal(dv_obs_diff(&a, &b, NULL, NULL, &ev), DV_OK);
	const dv_event_t *e = first(&ev, DV_EV_ZONE_SERIAL);
	assert_non_null(e);
	assert_int_equal(count(&ev, DV_EV_ZONE_SERIAL), 1);
	assert_string_equal(e->server, "192.0.2.1");
	assert_string_equal(e->old_value, "5");
	assert_string_equal(e->new_value, "6");
	e = first(&ev, DV_EV_DNSKEY_ADDED);
	assert_string_equal(e->subject, ZSK2);
	assert_string_equal(e->server, "192.0.2.1");
	assert_int_equal(count(&ev, DV_EV_DNSKEY_ADDED), 1);
	e = first(&ev, DV_EV_DNSKEY_REMOVED);
	assert_string_equal(e->subject, ZSK);
	assert_int_equal(count(&ev, DV_EV_DNSKEY_REMOVED), 1);
	e = first(&ev, DV_EV_ZONE_STATUS);
	assert_string_equal(e->old_value, "secure");
	assert_string_equal(e->new_value, "bogus");
	e = first(&ev, DV_EV_DS_CHANGED);
	assert_string_equal(e->server, "198.51.100.1");
	assert_string_equal(e->new_value, "11111 13 2 abcd\n44444 13 2 ef01");
	e = first(&ev, DV_EV_CDS_CHANGED);
	assert_string_equal(e->subject, "CDS");
	assert_int_equal(count(&ev, DV_EV_CDS_CHANGED), 1);
	assert_int_equal(ev.len, 6);
	dv_events_free(&ev);
	dv_obs_clear(&a);
	dv_obs_clear(&b);
}

static void test_diff_revoked(void **state)
{
	dv_obs_t a, b;
	dv_events_t ev = {0};
	mk(&a, 1000, 5, KSK "\n" ZSK);
	mk(&b, 1300, 5, KSKR "\n" ZSK);
	b.srv[1].answering = false; /* only one server compared */
	assert_int_equal(dv_obs_diff(&a, &b, NULL, NULL, &ev), DV_OK);
	assert_int_equal(ev.len, 1);
	assert_string_equal(ev.v[0].kind, DV_EV_DNSKEY_REVOKED);
	assert_string_equal(ev.v[0].old_value, KSK);
	assert_string_equal(ev.v[0].new_value, KSKR);
	dv_events_free(&ev);
	/* the revoked key then removed: a removal */
	dv_obs_t c;
	mk(&c, 1600, 5, ZSK);
	c.srv[1].answering = false;
	assert_int_equal(dv_obs_diff(&b, &c, NULL, NULL, &ev), DV_OK);
	assert_int_equal(ev.len, 1);
	assert_string_equal(ev.v[0].kind, DV_EV_DNSKEY_REMOVED);
	assert_string_equal(ev.v[0].subject, KSKR);
	dv_events_free(&ev);
	dv_obs_clear(&a);
	dv_obs_clear(&b);
	dv_obs_clear(&c);
}

static void test_diff_silent_server(void **state)
{
	dv_obs_t a, b;
	dv_events_t ev = {0};
	mk(&a, 1000, 5, KSK "\n" ZSK);
	mk(&b, 1300, 5, KSK "\n" ZSK);
	/* the second server timed out: nothing known this cycle */
	b.srv[1].answering = false;
	b.srv[1].have_serial = false;
	set(&b.srv[1].dnskey, NULL);
	b.par[0].answering = false;
	set(&b.par[0].ds, NULL);
	assert_int_equal(dv_obs_carry(&a, &b), DV_OK);
	assert_true(b.srv[1].have_serial);
	assert_string_equal(b.srv[1].dnskey, KSK "\n" ZSK);
	assert_string_equal(b.par[0].ds, "11111 13 2 abcd");
	assert_int_equal(dv_obs_diff(&a, &b, NULL, NULL, &ev), DV_OK);
	assert_int_equal(ev.len, 0);
	/* back, unchanged: still nothing */
	dv_obs_t c;
	mk(&c, 1600, 5, KSK "\n" ZSK);
	assert_int_equal(dv_obs_diff(&b, &c, NULL, NULL, &ev), DV_OK);
	assert_int_equal(ev.len, 0);
	/* a probe that could not run keeps everything and says nothing */
	dv_obs_t d;
	memset(&d, 0, sizeof(d));
	snprintf(d.zone, sizeof(d.zone), "z.example.");
	d.time = 1900;
	assert_int_equal(dv_obs_carry(&c, &d), DV_OK);
	assert_false(d.probe_ok);
	assert_int_equal(d.nsrv, 2);
	assert_string_equal(d.status, "secure");
	assert_int_equal(d.time, 1900);
	assert_int_equal(dv_obs_diff(&c, &d, NULL, NULL, &ev), DV_OK);
	assert_int_equal(ev.len, 0);
	dv_obs_clear(&a);
	dv_obs_clear(&b);
	dv_obs_clear(&c);
	dv_obs_clear(&d);
}

static dv_store_finding_t finding(const char *code, const char *server, int64_t t)
{
	dv_store_finding_t f;
	memset(&f, 0, sizeof(f));
	snprintf(f.code, sizeof(f.code), "%s", code);
	snprintf(f.severity, sizeof(f.severity), "error");
	snprintf(f.owner, sizeof(f.owner), "z.example.");
	snprintf(f.server, sizeof(f.server), "%s", server);
	f.type = 48;
	f.keytag = -1;
	snprintf(f.detail, sizeof(f.detail), "detail at %lld", (long long)t);
	f.first_seen = f.last_seen = t;
	return f;
}

static void test_diff_findings(void **state)
{
	dv_obs_t a, b;
	dv_events_t ev = {0};
	dv_store_findings_t fa = {0}, fb = {0};
	mk(&a, 1000, 5, KSK);
	mk(&b, 1300, 5, KSK);
	dv_store_finding_t f1 = finding("DS_NO_MATCHING_DNSKEY", "", 1000);
	dv_store_finding_t f2 = finding("SERVERS_SERIAL_DIFFER", "192.0.2.2", 1000);
	assert_int_equal(dv_store_findings_add(&fa, &f1), DV_OK);
	assert_int_equal(dv_store_findings_add(&fa, &f2), DV_OK);
	/* f1 still open (other detail text: same identity), f2 cleared, f3 raised */
	dv_store_finding_t f1b = finding("DS_NO_MATCHING_DNSKEY", "", 1300);
	dv_store_finding_t f3 = finding("RRSIG_EXPIRES_SOON", "192.0.2.1", 1300);
	assert_int_equal(dv_store_findings_add(&fb, &f1b), DV_OK);
	assert_int_equal(dv_store_findings_add(&fb, &f3), DV_OK);
	assert_int_equal(dv_obs_diff(&a, &b, &fa, &fb, &ev), DV_OK);
	assert_int_equal(ev.len, 2);
	assert_string_equal(ev.v[0].kind, DV_EV_FINDING_RAISED);
	assert_string_equal(ev.v[0].subject, "RRSIG_EXPIRES_SOON z.example. 48 -1");
	assert_string_equal(ev.v[0].server, "192.0.2.1");
	assert_string_equal(ev.v[1].kind, DV_EV_FINDING_CLEARED);
	assert_string_equal(ev.v[1].subject, "SERVERS_SERIAL_DIFFER z.example. 48 -1");
	dv_findings_carry(&fa, &fb);
	assert_int_equal(fb.v[0].first_seen, 1000);
	assert_int_equal(fb.v[1].first_seen, 1300);
	dv_events_free(&ev);
	/* same findings again: nothing */
	assert_int_equal(dv_obs_diff(&b, &b, &fb, &fb, &ev), DV_OK);
	assert_int_equal(ev.len, 0);
	dv_store_findings_free(&fa);
	dv_store_findings_free(&fb);
	dv_obs_clear(&a);
	dv_obs_clear(&b);
}

static void test_resolver_diff(void **state)
{
	dv_events_t ev = {0};
	assert_int_equal(dv_resolver_diff("r1", "validating", "validating", 5, &ev), DV_OK);
	assert_int_equal(ev.len, 0);
	assert_int_equal(dv_resolver_diff("r1", "validating", "not-validating", 5, &ev), DV_OK);
	assert_int_equal(ev.len, 1);
	assert_string_equal(ev.v[0].kind, DV_EV_RESOLVER_VERDICT);
	assert_string_equal(ev.v[0].server, "r1");
	assert_string_equal(ev.v[0].new_value, "not-validating");
	assert_int_equal(dv_resolver_diff("r1", "", "validating", 5, &ev), DV_OK);
	assert_int_equal(ev.len, 2);
	dv_events_free(&ev);
}

static void test_events_ceiling(void **state)
{
	dv_events_t ev = {0};
	for (unsigned i = 0; i < DV_EVENTS_MAX + 5; i++)
		assert_int_equal(dv_events_add(&ev, "zone.serial", i, "z.", "", "s", "1", "2"),
		                 DV_OK);
	assert_int_equal(ev.len, DV_EVENTS_MAX);
	assert_int_equal(ev.dropped, 5);
	dv_events_free(&ev);
}

static void test_json(void **state)
{
	dv_obs_t a, b;
	char *j, *j2;
	mk(&a, 1000, 4000000000u, KSK "\n" ZSK);
	assert_int_equal(dv_obs_to_json(&a, &j), DV_OK);
	assert_int_equal(dv_obs_from_json(j, &b), DV_OK);
	assert_int_equal(dv_obs_to_json(&b, &j2), DV_OK);
	assert_string_equal(j, j2);
	assert_int_equal(b.serial, 4000000000u);
	assert_string_equal(b.srv[1].dnskey, KSK "\n" ZSK);
	free(j);
	free(j2);
	dv_obs_clear(&b);
	static const char *bad[] = {
	    "[]",
	    "{}",
	    "{\"zone\": 5}",
	    "{\"zone\":\"z.\",\"serial\":-1}",
	    "{\"zone\":\"z.\",\"servers\":[{\"addr\":\"a\",\"dnskey\":1}]}",
	    "{\"zone\":\"z.\",\"servers\":{}}",
	    "{\"zone\":\"z.\",\"zone\":\"y.\"}",
	    "not json",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_not_equal(dv_obs_from_json(bad[i], &b), DV_OK);
	dv_obs_clear(&a);
}

/* A server's copy (full: true) and since when it lags: kept in the JSON
 * form, so that a restarted daemon goes on with the same lag clock; a
 * store of the version before behind_since reads as "not known". */
static void test_json_copy(void **state)
{
	dv_obs_t a, b;
	char *j, *j2;
	mk(&a, 1000, 7, KSK);
	for (size_t i = 0; i < a.nsrv; i++) {
		snprintf(a.srv[i].transfer, sizeof(a.srv[i].transfer), "up-to-date");
		a.srv[i].have_copy = true;
		a.srv[i].copy_serial = i ? 5 : 7;
	}
	a.srv[1].behind = 2;
	a.srv[1].behind_since = 900;
	assert_int_equal(dv_obs_to_json(&a, &j), DV_OK);
	assert_non_null(strstr(j, "\"behind_since\":900"));
	assert_int_equal(dv_obs_from_json(j, &b), DV_OK);
	assert_int_equal(b.srv[1].behind_since, 900);
	assert_int_equal(b.srv[1].behind, 2);
	assert_int_equal(b.srv[0].behind_since, 0);
	assert_true(dv_obs_same(&a, &b));
	assert_int_equal(dv_obs_to_json(&b, &j2), DV_OK);
	assert_string_equal(j, j2);
	/* a lag clock that moved is a change to write */
	b.srv[1].behind_since = 950;
	assert_false(dv_obs_same(&a, &b));
	dv_obs_clear(&b);
	free(j);
	free(j2);
	/* written by the version before: no behind_since */
	const char *old = "{\"zone\":\"z.\",\"servers\":[{\"addr\":\"192.0.2.2\","
	                  "\"copy\":{\"transfer\":\"axfr\",\"serial\":5,\"behind\":2}}]}";
	assert_int_equal(dv_obs_from_json(old, &b), DV_OK);
	assert_int_equal(b.srv[0].behind, 2);
	assert_int_equal(b.srv[0].behind_since, 0);
	dv_obs_clear(&b);
	static const char *bad[] = {
	    "{\"zone\":\"z.\",\"servers\":[{\"addr\":\"a\",\"copy\":{\"transfer\":\"axfr\","
	    "\"behind_since\":-5}}]}",
	    "{\"zone\":\"z.\",\"servers\":[{\"addr\":\"a\",\"copy\":{\"transfer\":\"axfr\","
	    "\"behind_since\":\"yesterday\"}}]}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_not_equal(dv_obs_from_json(bad[i], &b), DV_OK);
	dv_obs_clear(&a);
	(void)state;
}

/* ---- SQLite ---------------------------------------------------------------- */

static char dir[64];

static int hist_count(const dv_store_hist_row_t *r, void *ctx)
{
	(*(int *)ctx)++;
	return 0;
}

static int ev_count(const dv_event_t *e, void *ctx)
{
	(*(int *)ctx)++;
	return 0;
}

typedef struct {
	int64_t *v;
	size_t n;
} ids_t;

static int ev_ids(const dv_event_t *e, void *ctx)
{
	ids_t *ids = ctx;
	int64_t *v = realloc(ids->v, (ids->n + 1) * sizeof(*v));
	assert_non_null(v);
	ids->v = v;
	ids->v[ids->n++] = e->id;
	assert_int_equal(e->ledger, -1); /* not yet in a ledger */
	return 0;
}

static void test_sqlite(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/dv-test-store.XXXXXX");
	assert_non_null(mkdtemp(dir));
	dv_store_t *st;
	char err[300];
	assert_int_equal(dv_store_open(dir, false, &st, err, sizeof(err)), DV_OK);
	dv_obs_t a, got;
	bool found;
	assert_int_equal(dv_store_zone_get(st, "z.example.", &got, &found), DV_OK);
	assert_false(found);

	mk(&a, 1000, 5, KSK "\n" ZSK);
	dv_store_findings_t fa = {0}, fg;
	dv_store_finding_t f1 = finding("DS_NO_MATCHING_DNSKEY", "", 1000);
	assert_int_equal(dv_store_findings_add(&fa, &f1), DV_OK);
	dv_events_t ev = {0};
	assert_int_equal(dv_obs_diff(NULL, &a, NULL, &fa, &ev), DV_OK);
	int64_t sid = 0;
	assert_int_equal(dv_store_begin(st), DV_OK);
	assert_int_equal(dv_store_snapshot_add(st, a.zone, a.time, "json", "{\"x\":1}", 7, &sid),
	                 DV_OK);
	assert_int_equal(dv_store_zone_put(st, &a, sid), DV_OK);
	assert_int_equal(dv_store_findings_put(st, a.zone, &fa), DV_OK);
	for (size_t i = 0; i < ev.len; i++)
		assert_int_equal(dv_store_event_add(st, &ev.v[i]), DV_OK);
	assert_int_equal(dv_store_commit(st), DV_OK);
	assert_true(ev.v[ev.len - 1].id > 0);
	size_t nev = ev.len;
	dv_events_free(&ev);

	/* reopen: the same state comes back, so the next diff is empty */
	dv_store_close(st);
	assert_int_equal(dv_store_open(dir, false, &st, err, sizeof(err)), DV_OK);
	assert_int_equal(dv_store_zone_get(st, "z.example.", &got, &found), DV_OK);
	assert_true(found);
	assert_int_equal(dv_store_findings_get(st, "z.example.", &fg), DV_OK);
	assert_int_equal(fg.len, 1);
	assert_string_equal(fg.v[0].code, "DS_NO_MATCHING_DNSKEY");
	dv_obs_t b;
	mk(&b, 1300, 5, KSK "\n" ZSK);
	assert_int_equal(dv_obs_diff(&got, &b, &fg, &fa, &ev), DV_OK);
	assert_int_equal(ev.len, 0);
	int n = 0;
	assert_int_equal(dv_store_events_each(st, "z.example.", 0, ev_count, &n), DV_OK);
	assert_int_equal(n, (int)nev);

	/* unchanged observation: no new history row */
	assert_int_equal(dv_store_begin(st), DV_OK);
	assert_int_equal(dv_store_zone_put(st, &b, 0), DV_OK);
	assert_int_equal(dv_store_commit(st), DV_OK);
	n = 0;
	assert_int_equal(dv_store_history_each(st, "z.example.", hist_count, &n), DV_OK);
	assert_int_equal(n, 1);
	/* serial moved: one more */
	b.serial = 6;
	b.time = 1600;
	assert_int_equal(dv_store_begin(st), DV_OK);
	assert_int_equal(dv_store_zone_put(st, &b, 0), DV_OK);
	assert_int_equal(dv_store_commit(st), DV_OK);
	n = 0;
	assert_int_equal(dv_store_history_each(st, "z.example.", hist_count, &n), DV_OK);
	assert_int_equal(n, 2);

	/* a cycle rolled back leaves nothing */
	dv_obs_t c;
	mk(&c, 1900, 7, ZSK);
	assert_int_equal(dv_store_begin(st), DV_OK);
	assert_int_equal(dv_store_zone_put(st, &c, 0), DV_OK);
	dv_event_t e = {.time = 1900, .kind = "zone.serial", .zone = "z.example."};
	assert_int_equal(dv_store_event_add(st, &e), DV_OK);
	dv_store_rollback(st);
	dv_obs_t g2;
	assert_int_equal(dv_store_zone_get(st, "z.example.", &g2, &found), DV_OK);
	assert_int_equal(g2.serial, 6);
	n = 0;
	assert_int_equal(dv_store_events_each(st, NULL, 0, ev_count, &n), DV_OK);
	assert_int_equal(n, (int)nev);

	/* snapshots come back byte for byte */
	char *data;
	size_t len;
	assert_int_equal(dv_store_snapshot_get(st, sid, &data, &len), DV_OK);
	assert_int_equal(len, 7);
	assert_string_equal(data, "{\"x\":1}");
	free(data);
	assert_int_equal(dv_store_snapshot_get(st, 999, &data, &len), DV_EINVAL);

	/* resolvers */
	char v[32];
	assert_int_equal(dv_store_resolver_get(st, "r1", v, sizeof(v)), DV_OK);
	assert_string_equal(v, "");
	assert_int_equal(dv_store_resolver_put(st, "r1", "127.0.0.1", "validating", 5), DV_OK);
	assert_int_equal(dv_store_resolver_get(st, "r1", v, sizeof(v)), DV_OK);
	assert_string_equal(v, "validating");

	/* the ledger's bookkeeping: events after an id, in order; marks */
	ids_t ids = {0};
	assert_int_equal(dv_store_events_after(st, 0, 0, ev_ids, &ids), DV_OK);
	assert_int_equal(ids.n, nev);
	for (size_t i = 1; i < ids.n; i++)
		assert_true(ids.v[i] > ids.v[i - 1]);
	ids_t tail = {0};
	assert_int_equal(dv_store_events_after(st, ids.v[1], 2, ev_ids, &tail), DV_OK);
	assert_int_equal(tail.n, 2);
	assert_int_equal(tail.v[0], ids.v[2]);
	int64_t mark_ev, mark_ix, after;
	assert_int_equal(dv_store_ledger_mark(st, &mark_ev, &mark_ix), DV_OK);
	assert_int_equal(mark_ev, -1);
	assert_int_equal(dv_store_events_count_after(st, 0, &after), DV_OK);
	assert_int_equal(after, (int64_t)nev);

	/* retention: snapshots past the per-zone cap go; events the ledger has
	 * not taken stay whatever their age */
	for (int i = 0; i < 5; i++)
		assert_int_equal(
		    dv_store_snapshot_add(st, "z.example.", 2000 + i, "json", "{}", 2, &sid),
		    DV_OK);
	dv_store_retention_t keep = {
	    .events = 500, .snapshots = 100000, .snapshots_per_zone = 2, .observations = 100000};
	int64_t deleted;
	assert_int_equal(dv_store_prune(st, &keep, 2000, &deleted), DV_OK);
	assert_int_equal(deleted, 4);
	n = 0;
	assert_int_equal(dv_store_events_each(st, NULL, 0, ev_count, &n), DV_OK);
	assert_int_equal(n, (int)nev);
	assert_int_equal(dv_store_snapshot_get(st, sid, &data, &len), DV_OK);
	free(data);
	assert_int_equal(dv_store_snapshot_get(st, sid - 2, &data, &len), DV_EINVAL);
	/* in the ledger: old ones go, but the newest stays (the next id grows
	 * from it, so no id is ever given twice) */
	uint64_t ix[64];
	for (size_t i = 0; i < ids.n; i++)
		ix[i] = 100 + i;
	assert_int_equal(dv_store_begin(st), DV_OK);
	assert_int_equal(dv_store_events_ledgered(st, ids.v, ix, ids.n), DV_OK);
	assert_int_equal(dv_store_commit(st), DV_OK);
	assert_int_equal(dv_store_ledger_mark(st, &mark_ev, &mark_ix), DV_OK);
	assert_int_equal(mark_ev, ids.v[ids.n - 1]);
	assert_int_equal(mark_ix, 100 + (int64_t)ids.n - 1);
	assert_int_equal(dv_store_prune(st, &keep, 2000, &deleted), DV_OK);
	assert_int_equal(deleted, (int64_t)nev - 1);
	n = 0;
	assert_int_equal(dv_store_events_each(st, NULL, 0, ev_count, &n), DV_OK);
	assert_int_equal(n, 1);
	dv_event_t e2 = {.time = 2100, .kind = "zone.serial", .zone = "z.example."};
	assert_int_equal(dv_store_event_add(st, &e2), DV_OK);
	assert_true(e2.id > ids.v[ids.n - 1]);
	assert_int_equal(dv_store_events_count_after(st, ids.v[ids.n - 1], &after), DV_OK);
	assert_int_equal(after, 1);
	free(ids.v);
	free(tail.v);

	/* the store's identity: 32 hex digits, the same after a reopen */
	char id1[40];
	snprintf(id1, sizeof(id1), "%s", dv_store_id(st));
	assert_int_equal(strlen(id1), 32);
	assert_int_equal(strspn(id1, "0123456789abcdef"), 32);

	dv_store_close(st);
	/* read-only open for status */
	assert_int_equal(dv_store_open(dir, true, &st, err, sizeof(err)), DV_OK);
	assert_string_equal(dv_store_id(st), id1);
	dv_store_close(st);
	assert_int_equal(dv_store_open("postgresql://x/y", false, &st, err, sizeof(err)),
	                 DV_ENOTSUP);

	dv_store_findings_free(&fa);
	dv_store_findings_free(&fg);
	dv_obs_clear(&a);
	dv_obs_clear(&b);
	dv_obs_clear(&c);
	dv_obs_clear(&got);
	dv_obs_clear(&g2);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* A store of schema 1 (before the ledger) opens as schema 2: event.ledger
 * added (empty), an identity given, the events kept. */
static void test_migrate(void **state)
{
	char d[64], path[128];
	snprintf(d, sizeof(d), "/tmp/dv-test-migrate.XXXXXX");
	assert_non_null(mkdtemp(d));
	snprintf(path, sizeof(path), "%s/watch.db", d);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(
	        db,
	        "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	        "INSERT INTO meta VALUES('schema', '1');"
	        "CREATE TABLE event(id INTEGER PRIMARY KEY, time INTEGER NOT NULL,"
	        " zone TEXT NOT NULL, kind TEXT NOT NULL, server TEXT NOT NULL,"
	        " subject TEXT NOT NULL, old TEXT NOT NULL, new TEXT NOT NULL);"
	        "INSERT INTO event VALUES(7, 100, 'z.', 'zone.serial', 's', 'SOA', '1', '2');",
	        NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	dv_store_t *st;
	char err[300];
	assert_int_equal(dv_store_open(d, true, &st, err, sizeof(err)), DV_EIO); /* not yet */
	assert_int_equal(dv_store_open(d, false, &st, err, sizeof(err)), DV_OK);
	assert_int_equal(strlen(dv_store_id(st)), 32);
	ids_t ids = {0};
	assert_int_equal(dv_store_events_after(st, 0, 0, ev_ids, &ids), DV_OK);
	assert_int_equal(ids.n, 1);
	assert_int_equal(ids.v[0], 7);
	free(ids.v);
	dv_store_close(st);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	assert_int_equal(system(cmd), 0);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_migrate),          cmocka_unit_test(test_diff_unchanged),
	    cmocka_unit_test(test_diff_first_sight), cmocka_unit_test(test_diff_changes),
	    cmocka_unit_test(test_diff_revoked),     cmocka_unit_test(test_diff_silent_server),
	    cmocka_unit_test(test_diff_findings),    cmocka_unit_test(test_resolver_diff),
	    cmocka_unit_test(test_events_ceiling),   cmocka_unit_test(test_json),
	    cmocka_unit_test(test_json_copy),        cmocka_unit_test(test_sqlite),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
