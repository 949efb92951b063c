/*
 * Rollovers in the watch daemon (rollwatch.h).
 *
 * The store's snapshots are the model's observation series only if the
 * daemon keeps one whenever what the model observes changed, and knows until
 * when each one held: the fingerprint (dv_roll_fingerprint) decides the
 * first, seen_until records the second (dv_store_snapshot_seen, written when
 * the next one comes).  Judging reads the history back through
 * dv_roll_history_load, the same path as `rollover check --state-dir`, so
 * the daemon and the command agree.  It is done when the fingerprint
 * changed, when a time the last verdict depends on has come (a window's
 * start or end, a next step's earliest time, a stuck threshold), and at
 * least hourly: an unchanged zone costs one comparison of 32 bytes a cycle.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libknot/libknot.h>

#include "core/error.h"
#include "core/zone.h"
#include "dnssec/dnssec.h"
#include "daemon/daemon_int.h"
#include "daemon/rollwatch.h"
#include "rollover/rollover.h"
#include "run/run.h"

#define LOOKBACK      (7 * 86400) /* history judged: longer than any TTL that matters */
#define MAX_SNAPSHOTS 500u        /* ... and at most this many snapshots of it */
#define REJUDGE       3600        /* judged again at least this often */
#define STUCK_AFTER   (2 * 86400) /* as `rollover check --stuck-after` */
#define MAX_WINDOWS   256u        /* kept for /metrics; older past ones are counted */
#define MAX_FINDINGS  100u        /* rollover findings added to a cycle's */

struct dv_rollwatch {
	bool have_fp;
	uint8_t fp[DV_ROLL_FINGERPRINT_LEN];
	int64_t same_until;   /* the newest kept snapshot held at this cycle (0: not known) */
	int64_t pending_time; /* a snapshot to keep was asked for at this cycle (0: none) */
	bool judged;
	int64_t deadline;             /* judge again at this time */
	bool phase_pending;           /* a phase event went out; is it stored? */
	dv_store_findings_t findings; /* the rollover's own, added every cycle */
	int64_t *windows;             /* [start, end) pairs */
	size_t nwindows;
	dv_metrics_rollover_t view;
};

dv_rollwatch_t *dv_rollwatch_new(void)
{
	return calloc(1, sizeof(dv_rollwatch_t));
}

void dv_rollwatch_free(dv_rollwatch_t *rw)
{
	if (rw == NULL)
		return;
	dv_store_findings_free(&rw->findings);
	free(rw->windows);
	free(rw);
}

const dv_metrics_rollover_t *dv_rollwatch_view(const dv_rollwatch_t *rw)
{
	return rw != NULL && rw->view.known ? &rw->view : NULL;
}

/* ---- the snapshot kept, and until when the last one held ------------------------ */

static int latest_row(const dv_store_snapshot_row_t *row, void *vctx)
{
	*(int64_t *)vctx = row->time;
	return 0;
}

/* Whether the snapshot asked for at rw->pending_time is in the store (the
 * cycle's transaction may have failed: then it is asked for again). */
static bool pending_stored(dv_rollwatch_t *rw, dv_store_t *st, const char *zone)
{
	int64_t t = 0;
	if (dv_store_snapshots_each(st, zone, INT64_MAX, 1, latest_row, &t) != DV_OK)
		return false;
	return t == rw->pending_time;
}

/* ---- judging ---------------------------------------------------------------------- */

static void deadline_note(dv_rollwatch_t *rw, int64_t now, int64_t t)
{
	if (t > now && t != DV_ROLL_OPEN && t < rw->deadline)
		rw->deadline = t;
}

static int finding_add(dv_store_findings_t *list, dv_code_t code, const char *owner, uint16_t type,
                       int32_t keytag, const char *detail, int64_t now)
{
	/* One finding per identity (code, owner, type, server, keytag). */
	for (size_t i = 0; i < list->len; i++)
		if (strcmp(list->v[i].code, dv_code_name(code)) == 0 &&
		    strcmp(list->v[i].owner, owner) == 0 && list->v[i].type == type &&
		    list->v[i].keytag == keytag)
			return DV_OK;
	if (list->len >= MAX_FINDINGS)
		return DV_OK;
	dv_store_finding_t f;
	memset(&f, 0, sizeof(f));
	snprintf(f.code, sizeof(f.code), "%s", dv_code_name(code));
	snprintf(f.severity, sizeof(f.severity), "%s", dv_severity_name(dv_code_severity(code)));
	snprintf(f.owner, sizeof(f.owner), "%s", owner);
	f.type = type;
	f.keytag = keytag;
	snprintf(f.detail, sizeof(f.detail), "%s", detail);
	f.first_seen = f.last_seen = now;
	return dv_store_findings_add(list, &f);
}

/* The verdict of `r` at `now` into rw: findings, windows, the view. */
static int take(dv_rollwatch_t *rw, const dv_roll_series_t *s, const dv_roll_result_t *r,
                int64_t now)
{
	dv_store_findings_t f = {0};
	int rc = DV_OK;
	rw->deadline = now + REJUDGE;
	size_t keep = 0, older = 0;
	for (size_t i = 0; i < r->nwindows; i++)
		if (!r->windows[i].strict_only)
			keep++;
	older = keep > MAX_WINDOWS ? keep - MAX_WINDOWS : 0;
	int64_t *w = calloc(2 * (keep - older) + 1, sizeof(*w));
	if (w == NULL)
		return DV_ENOMEM;
	size_t nw = 0, seen = 0;
	for (size_t i = 0; i < r->nwindows && rc == DV_OK; i++) {
		const dv_roll_window_t *x = &r->windows[i];
		deadline_note(rw, now, x->start);
		deadline_note(rw, now, x->end);
		if (!x->strict_only && seen++ >= older) {
			w[2 * nw] = x->start;
			w[2 * nw + 1] = x->end;
			nw++;
		}
		if (x->end <= now)
			continue; /* history: the metrics count it, no finding */
		int32_t subject = x->rule == DV_ROLL_R3   ? x->rrset
		                  : x->rule == DV_ROLL_R2 ? x->dnskey
		                                          : x->ds;
		char owner[1025], a[40], b[40], detail[512];
		dv_roll_version_owner(s, subject, owner, sizeof(owner));
		dv_time_format(x->start, a, sizeof(a));
		if (x->end == DV_ROLL_OPEN)
			snprintf(b, sizeof(b), "open");
		else
			dv_time_format(x->end, b, sizeof(b));
		snprintf(detail, sizeof(detail), "%s bogus from %s to %s (%s): %s",
		         x->start > now ? "will be" : "is", a, b, dv_roll_rule_name(x->rule),
		         x->why);
		rc = finding_add(
		    &f, x->strict_only ? DV_F_ROLLOVER_STRICT_WINDOW : DV_F_ROLLOVER_BOGUS_WINDOW,
		    owner, dv_roll_version_type(s, subject), -1, detail, now);
	}
	/* The stuck findings as the check made them. */
	for (size_t i = 0; i < r->findings.len && rc == DV_OK; i++) {
		const dv_finding_t *x = &r->findings.v[i];
		if (x->code != DV_F_ROLLOVER_DS_NOT_UPDATED && x->code != DV_F_ROLLOVER_STALE_DS &&
		    x->code != DV_F_ROLLOVER_PARENT_SPLIT && x->code != DV_F_ROLLOVER_CDS_SPLIT)
			continue;
		char owner[1025] = "";
		if (x->owner != NULL)
			dv_dname_to_str(x->owner, owner, sizeof(owner));
		rc = finding_add(&f, x->code, owner, x->type, x->keytag, x->detail, now);
	}
	int64_t next = 0;
	for (size_t i = 0; i < r->nnext; i++) {
		deadline_note(rw, now, r->next[i].earliest);
		if (r->next[i].earliest != DV_ROLL_OPEN &&
		    (next == 0 || r->next[i].earliest < next))
			next = r->next[i].earliest;
	}
	if (r->blocked_since != 0)
		deadline_note(rw, now, r->blocked_since + STUCK_AFTER);
	if (rc != DV_OK) {
		free(w);
		dv_store_findings_free(&f);
		return rc;
	}
	dv_store_findings_free(&rw->findings);
	rw->findings = f;
	free(rw->windows);
	rw->windows = w;
	rw->nwindows = nw;
	rw->view = (dv_metrics_rollover_t){.known = true,
	                                   .phase = dv_roll_phase_name(r->phase_id),
	                                   .blocked_since = r->blocked_since,
	                                   .next_step = next,
	                                   .windows = rw->windows,
	                                   .nwindows = nw,
	                                   .windows_older = older};
	return DV_OK;
}

/* The phase event, when the phase is not the one the store last recorded. */
static int phase_event(dv_rollwatch_t *rw, dv_store_t *st, const char *zone,
                       const dv_roll_result_t *r, int64_t now, dv_events_t *events)
{
	char last[64];
	bool found;
	if (dv_store_event_last(st, zone, DV_EV_ROLLOVER_PHASE, last, sizeof(last), &found) !=
	    DV_OK)
		return DV_OK; /* judged again at the next cycle */
	const char *cur = dv_roll_phase_name(r->phase_id);
	/* A zone first seen steady is no news; first seen mid-rollover is. */
	const char *prev = found ? last : dv_roll_phase_name(DV_ROLL_PHASE_STEADY);
	rw->phase_pending = false;
	if (strcmp(prev, cur) == 0)
		return DV_OK;
	const char *what = "no rollover in progress";
	for (size_t i = 0; i < r->nnext; i++)
		if (r->next[i].phase == r->phase_id) {
			what = r->next[i].action;
			break;
		}
	rw->phase_pending = true;
	return dv_events_add(events, DV_EV_ROLLOVER_PHASE, now, zone, "", what, prev, cur);
}

/* Judge the zone from its history (and this cycle's snapshot, not yet stored
 * when `with_current`). */
static int judge(dv_rollwatch_t *rw, dv_store_t *st, const dv_adapter_result_t *res,
                 const char *snapshot, size_t snapshot_len, bool with_current, dv_events_t *events)
{
	const char *zone = res->obs.zone;
	int64_t now = res->obs.time;
	uint8_t dname[255];
	if (dv_snap_dname_parse(zone, dname) != DV_OK)
		return DV_OK;
	dv_roll_series_t *s = NULL;
	dv_snapshot_t *snap = NULL;
	char err[1024];
	size_t n = 0;
	dv_roll_history_opts_t ho = {.since = now - LOOKBACK,
	                             .max = MAX_SNAPSHOTS,
	                             .until = with_current ? rw->same_until : now};
	int rc = dv_roll_history_load(st, dname, &ho, &s, &n, err, sizeof(err));
	if (rc == DV_OK && s == NULL && with_current)
		rc = dv_roll_series_new(dname, &s); /* nothing kept yet: this cycle alone */
	if (rc == DV_OK && s == NULL)
		rc = DV_EINVAL;
	if (rc == DV_OK && with_current) {
		rc = dv_snapshot_load_mem(snapshot, snapshot_len, "this cycle", &snap, err,
		                          sizeof(err));
		if (rc == DV_OK)
			rc = dv_roll_extract(s, snap, "this cycle", err, sizeof(err));
	}
	dv_snapshot_free(snap);
	if (rc != DV_OK) {
		dv_log(rc == DV_ENOMEM ? DV_LOG_ERR : DV_LOG_WARNING, zone, NULL,
		       "rollover: history not judged: %s", err);
		dv_roll_series_free(s);
		rw->deadline = now + REJUDGE;
		return rc == DV_ENOMEM ? rc : DV_OK;
	}
	dv_roll_check_opts_t co = {.now = now, .stuck_after = STUCK_AFTER, .from = DV_ROLL_START};
	dv_roll_result_t r;
	rc = dv_roll_check(s, &co, &r);
	if (rc == DV_OK)
		rc = take(rw, s, &r, now);
	if (rc == DV_OK)
		rc = phase_event(rw, st, zone, &r, now, events);
	if (rc == DV_OK)
		rw->judged = true;
	else
		dv_log(DV_LOG_ERR, zone, NULL, "rollover: %s", dv_strerror(rc));
	dv_roll_result_free(&r);
	dv_roll_series_free(s);
	return rc == DV_ENOMEM ? rc : DV_OK;
}

/* ---- the cycle -------------------------------------------------------------------- */

static bool fp_changed(const dv_rollwatch_t *rw, const dv_adapter_result_t *res)
{
	return !rw->have_fp || memcmp(rw->fp, res->roll_fp, sizeof(rw->fp)) != 0;
}

bool dv_rollwatch_wants_snapshot(const dv_rollwatch_t *rw, const dv_adapter_result_t *res)
{
	return rw != NULL && res->have_roll_fp && (fp_changed(rw, res) || rw->pending_time != 0);
}

bool dv_rollwatch_wants_fingerprint(const dv_rollwatch_t *rw)
{
	return rw != NULL && (!rw->have_fp || rw->pending_time != 0);
}

bool dv_rollwatch_last_fingerprint(const dv_rollwatch_t *rw, uint8_t *out)
{
	if (rw == NULL || !rw->have_fp)
		return false;
	memcpy(out, rw->fp, sizeof(rw->fp));
	return true;
}

void dv_rollwatch_committed(dv_rollwatch_t *rw)
{
	if (rw != NULL)
		rw->pending_time = 0;
}

int dv_rollwatch_findings_add(const dv_rollwatch_t *rw, dv_store_findings_t *out)
{
	int rc = DV_OK;
	for (size_t i = 0; rw != NULL && i < rw->findings.len && rc == DV_OK; i++)
		rc = dv_store_findings_add(out, &rw->findings.v[i]);
	return rc;
}

int dv_rollwatch_cycle(dv_rollwatch_t *rw, dv_store_t *st, const dv_adapter_result_t *res,
                       const char *snapshot, size_t snapshot_len, dv_events_t *events,
                       bool *keep_snapshot)
{
	*keep_snapshot = false;
	if (rw == NULL || !res->have_roll_fp)
		return DV_OK;
	const char *zone = res->obs.zone;
	int64_t now = res->obs.time;
	bool changed = fp_changed(rw, res);
	if (!changed && rw->pending_time != 0 && !pending_stored(rw, st, zone))
		changed = true; /* the cycle that changed was not recorded */
	if (changed && snapshot == NULL)
		return DV_OK; /* not made (no memory): seen as a change next cycle */
	rw->pending_time = 0;
	int rc = DV_OK;
	if (changed) {
		/* The newest kept snapshot held until the last unchanged cycle. */
		if (rw->same_until != 0 &&
		    dv_store_snapshot_seen(st, zone, rw->same_until) != DV_OK)
			dv_log(DV_LOG_WARNING, zone, NULL, "store: %s (rollover history coarser)",
			       dv_store_errmsg(st));
		*keep_snapshot = true;
		rw->pending_time = now;
		memcpy(rw->fp, res->roll_fp, sizeof(rw->fp));
		rw->have_fp = true;
	}
	if (changed || !rw->judged || now >= rw->deadline)
		rc = judge(rw, st, res, snapshot, snapshot_len, changed, events);
	else if (rw->phase_pending)
		rc = judge(rw, st, res, NULL, 0, false, events); /* was its event stored? */
	rw->same_until = now;
	return rc;
}
