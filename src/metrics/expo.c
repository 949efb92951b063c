/*
 * The Prometheus text exposition format, version 0.0.4
 * (prometheus.io/docs/instrumenting/exposition_formats): one HELP and TYPE
 * line per family, then its samples; label values escape \, " and newline.
 * Names follow the Prometheus conventions: base units (seconds),
 * _timestamp_seconds for points in time, _total for counters.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "metrics/metrics.h"

typedef struct {
	char *p;
	size_t len, cap;
	int rc;
} out_t;

static void grow(out_t *o, size_t need)
{
	if (o->rc != DV_OK)
		return;
	if (o->len + need + 1 <= o->cap)
		return;
	size_t cap = o->cap ? o->cap : 65536;
	while (cap < o->len + need + 1)
		cap *= 2;
	if (cap > DV_METRICS_MAX_BYTES) {
		o->rc = DV_ELIMIT;
		return;
	}
	char *n = realloc(o->p, cap);
	if (n == NULL) {
		o->rc = DV_ENOMEM;
		return;
	}
	o->p = n;
	o->cap = cap;
}

static void put(out_t *o, const char *s, size_t n)
{
	grow(o, n);
	if (o->rc != DV_OK)
		return;
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

static void puts_(out_t *o, const char *s)
{
	put(o, s, strlen(s));
}

static void printf_(out_t *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void printf_(out_t *o, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	put(o, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* A label value, escaped as the format requires (runs without an escape
 * are copied at once). */
static void value(out_t *o, const char *s)
{
	while (s && *s) {
		size_t n = strcspn(s, "\\\"\n");
		put(o, s, n);
		s += n;
		if (*s == '\0')
			break;
		puts_(o, *s == '\\' ? "\\\\" : *s == '"' ? "\\\"" : "\\n");
		s++;
	}
}

/* " VALUE\n": integers (times, serials, counts: nearly every sample)
 * without printf, anything else as %.17g, which keeps a Unix time or a
 * 32-bit serial exact. */
static void number(out_t *o, double v)
{
	if (v == (double)(int64_t)v && v > -1e15 && v < 1e15) {
		char b[24];
		size_t i = sizeof(b);
		int64_t x = (int64_t)v;
		uint64_t u = x < 0 ? (uint64_t)0 - (uint64_t)x : (uint64_t)x;
		b[--i] = '\n';
		do {
			b[--i] = (char)('0' + u % 10);
			u /= 10;
		} while (u != 0);
		if (x < 0)
			b[--i] = '-';
		b[--i] = ' ';
		put(o, b + i, sizeof(b) - i);
		return;
	}
	printf_(o, " %.17g\n", v);
}

static void family(out_t *o, const char *name, const char *type, const char *help)
{
	printf_(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{k1="v1",k2="v2"} VALUE: labels as NULL-terminated key, value pairs. */
static void sample(out_t *o, const char *name, double v, ...)
{
	va_list ap;
	va_start(ap, v);
	puts_(o, name);
	const char *k;
	bool first = true;
	while ((k = va_arg(ap, const char *)) != NULL) {
		const char *val = va_arg(ap, const char *);
		puts_(o, first ? "{" : ",");
		first = false;
		puts_(o, k);
		puts_(o, "=\"");
		value(o, val);
		puts_(o, "\"");
	}
	va_end(ap);
	if (!first)
		puts_(o, "}");
	number(o, v);
}

static const char *const states[] = {"secure", "insecure", "bogus", "indeterminate"};

int dv_metrics_render(const dv_metrics_view_t *v, char **out, size_t *len)
{
	out_t o = {0};
	*out = NULL;
	*len = 0;
	const char *n;

	family(&o, "dnsvigil_build_info", "gauge", "dnsvigil version (value 1).");
	sample(&o, "dnsvigil_build_info", 1, "version", v->version ? v->version : "", NULL);
	family(&o, "dnsvigil_start_time_seconds", "gauge", "When the daemon started, Unix time.");
	sample(&o, "dnsvigil_start_time_seconds", (double)v->start_time, NULL);
	family(&o, "dnsvigil_config_last_reload_successful", "gauge",
	       "Whether the last configuration (re)load succeeded.");
	sample(&o, "dnsvigil_config_last_reload_successful", v->config_reload_ok, NULL);
	family(&o, "dnsvigil_config_last_reload_success_timestamp_seconds", "gauge",
	       "When the running configuration was loaded, Unix time.");
	sample(&o, "dnsvigil_config_last_reload_success_timestamp_seconds",
	       (double)v->config_reload_time, NULL);
	family(&o, "dnsvigil_cycles_total", "counter", "Zone cycles run, by result.");
	sample(&o, "dnsvigil_cycles_total", (double)v->cycles_ok, "result", "ok", NULL);
	sample(&o, "dnsvigil_cycles_total", (double)v->cycles_failed, "result", "error", NULL);
	/* The daemon's own figures: one sample each, no labels. */
	const struct {
		const char *name, *type, *help;
		double value;
	} own[] = {
	    {"dnsvigil_events_total", "counter", "State-change events recorded.",
	     (double)v->events_total},
	    {"dnsvigil_store_errors_total", "counter",
	     "Cycles whose results could not be stored (disk full, I/O error).",
	     (double)v->store_errors},
	    {"dnsvigil_ledger_entries", "gauge", "Entries in the ledger.",
	     (double)v->ledger_entries},
	    {"dnsvigil_ledger_unanchored_entries", "gauge",
	     "Ledger entries after the last witnessed checkpoint.", (double)v->ledger_unanchored},
	    {"dnsvigil_ledger_pending_events", "gauge",
	     "Events in the store not yet in the ledger (-1: not known yet).",
	     (double)v->ledger_pending},
	    {"dnsvigil_ledger_witness_alarms", "gauge",
	     "Witnesses that answered a push with rollback or fork.", (double)v->ledger_alarms},
	    {"dnsvigil_ledger_errors_total", "counter",
	     "Runs of the ledger that failed (it retries; the store keeps the events).",
	     (double)v->ledger_errors},
	    {"dnsvigil_signature_verifications_total", "counter",
	     "Cryptographic RRSIG verifications run.", (double)v->sigs_verified},
	    {"dnsvigil_signature_cache_hits_total", "counter",
	     "RRSIG verifications spared: the same RRset, signature and key verified before.",
	     (double)v->sigcache_hits},
	    {"dnsvigil_signature_cache_entries", "gauge",
	     "Verified signatures remembered across cycles.", (double)v->sigcache_entries},
	    {"dnsvigil_upper_answers_reused_total", "counter",
	     "Queries to the zones above the watched ones answered from the answers kept "
	     "within their TTLs and the interval, not asked again.",
	     (double)v->upper_reused},
	    {"dnsvigil_upper_answers_cached", "gauge",
	     "Answers of the zones above the watched ones kept for reuse.",
	     (double)v->upper_entries},
	};
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
		family(&o, own[i].name, own[i].type, own[i].help);
		sample(&o, own[i].name, own[i].value, NULL);
	}
	family(&o, "dnsvigil_zones", "gauge", "Zones watched.");
	sample(&o, "dnsvigil_zones", (double)v->nzones, NULL);

	/* Zone families, one pass each so that every family's samples stay together. */
	n = "dnsvigil_zone_info";
	family(&o, n, "gauge",
	       "A watched zone (value 1): what status is expected, and the configured labels.");
	for (size_t i = 0; i < v->nzones && o.rc == DV_OK; i++) {
		const dv_metrics_zone_t *z = &v->zones[i];
		puts_(&o, n);
		puts_(&o, "{zone=\"");
		value(&o, z->obs->zone);
		puts_(&o, "\",expect=\"");
		value(&o, z->expect);
		puts_(&o, "\"");
		for (size_t l = 0; l < z->nlabels; l++) {
			puts_(&o, ",");
			puts_(&o, z->label_keys[l]);
			puts_(&o, "=\"");
			value(&o, z->label_values[l]);
			puts_(&o, "\"");
		}
		puts_(&o, "} 1\n");
	}
	n = "dnsvigil_probe_success";
	family(&o, n, "gauge", "Whether the zone's last probe ran (1) or failed (0).");
	for (size_t i = 0; i < v->nzones; i++)
		sample(&o, n, v->zones[i].probe_ok, "zone", v->zones[i].obs->zone, NULL);
	n = "dnsvigil_probe_last_success_timestamp_seconds";
	family(&o, n, "gauge", "When the zone's probe last ran, Unix time (0 never).");
	for (size_t i = 0; i < v->nzones; i++)
		sample(&o, n, (double)v->zones[i].last_success, "zone", v->zones[i].obs->zone,
		       NULL);
	n = "dnsvigil_probe_duration_seconds";
	family(&o, n, "gauge", "Wall time of the zone's last cycle.");
	for (size_t i = 0; i < v->nzones; i++)
		sample(&o, n, v->zones[i].probe_seconds, "zone", v->zones[i].obs->zone, NULL);
	n = "dnsvigil_zone_validation_state";
	family(&o, n, "gauge",
	       "RFC 4035 4.3 security status of the zone (1 for the current state).");
	for (size_t i = 0; i < v->nzones; i++) {
		const dv_obs_t *z = v->zones[i].obs;
		if (z->status[0] == '\0')
			continue; /* never judged: no state is true */
		for (size_t s = 0; s < sizeof(states) / sizeof(states[0]); s++)
			sample(&o, n, strcmp(z->status, states[s]) == 0, "zone", z->zone, "state",
			       states[s], NULL);
	}
	n = "dnsvigil_zone_rrsig_earliest_expiry_timestamp_seconds";
	family(&o, n, "gauge",
	       "Earliest expiration of the zone's valid RRSIGs (of its expired ones once none is "
	       "valid), Unix time.");
	for (size_t i = 0; i < v->nzones; i++)
		if (v->zones[i].obs->earliest_expiry != 0)
			sample(&o, n, (double)v->zones[i].obs->earliest_expiry, "zone",
			       v->zones[i].obs->zone, NULL);
	n = "dnsvigil_zone_rrsig_newest_inception_timestamp_seconds";
	family(&o, n, "gauge", "Newest RRSIG inception served by each server address, Unix time.");
	for (size_t i = 0; i < v->nzones; i++) {
		const dv_obs_t *z = v->zones[i].obs;
		for (size_t s = 0; s < z->nsrv; s++)
			if (z->srv[s].newest_inception != 0)
				sample(&o, n, (double)z->srv[s].newest_inception, "zone", z->zone,
				       "server", z->srv[s].addr, NULL);
	}
	n = "dnsvigil_zone_serial";
	family(&o, n, "gauge", "SOA serial served by each server address.");
	for (size_t i = 0; i < v->nzones; i++) {
		const dv_obs_t *z = v->zones[i].obs;
		for (size_t s = 0; s < z->nsrv; s++)
			if (z->srv[s].have_serial)
				sample(&o, n, z->srv[s].serial, "zone", z->zone, "server",
				       z->srv[s].addr, NULL);
	}
	n = "dnsvigil_zone_server_up";
	family(&o, n, "gauge", "Whether the server address answered authoritatively last cycle.");
	for (size_t i = 0; i < v->nzones; i++) {
		const dv_obs_t *z = v->zones[i].obs;
		for (size_t s = 0; s < z->nsrv; s++)
			sample(&o, n, z->srv[s].answering, "zone", z->zone, "server",
			       z->srv[s].addr, NULL);
	}
	n = "dnsvigil_zone_servers_divergent";
	family(&o, n, "gauge", "Whether the zone's servers disagree (serial or DNSKEY set).");
	for (size_t i = 0; i < v->nzones; i++)
		if (v->zones[i].obs->status[0] != '\0')
			sample(&o, n, v->zones[i].obs->divergent, "zone", v->zones[i].obs->zone,
			       NULL);
	n = "dnsvigil_zone_ds_match";
	family(&o, n, "gauge",
	       "Whether the DS set at each parent server matches a DNSKEY of the zone.");
	for (size_t i = 0; i < v->nzones; i++) {
		const dv_obs_t *z = v->zones[i].obs;
		for (size_t p = 0; p < z->npar; p++)
			if (z->par[p].ds_match >= 0)
				sample(&o, n, z->par[p].ds_match, "zone", z->zone, "parent_server",
				       z->par[p].addr, NULL);
	}
	n = "dnsvigil_zone_signer_late";
	family(&o, n, "gauge",
	       "Whether re-signing has stalled (1), from the zone's history or policy.");
	for (size_t i = 0; i < v->nzones; i++)
		if (v->zones[i].signer_state != 0)
			sample(&o, n, v->zones[i].signer_state == 2, "zone", v->zones[i].obs->zone,
			       NULL);
	n = "dnsvigil_zone_signer_refresh_margin_seconds";
	family(&o, n, "gauge",
	       "Remaining validity a healthy signer of the zone keeps (configured or learned).");
	for (size_t i = 0; i < v->nzones; i++)
		if (v->zones[i].signer_margin != 0)
			sample(&o, n, (double)v->zones[i].signer_margin, "zone",
			       v->zones[i].obs->zone, NULL);
	n = "dnsvigil_findings";
	family(&o, n, "gauge", "Open findings by code and severity.");
	for (size_t i = 0; i < v->nzones && o.rc == DV_OK; i++) {
		const dv_store_findings_t *f = v->zones[i].findings;
		/* count per (code, severity): the list is short, quadratic is fine */
		for (size_t a = 0; f && a < f->len; a++) {
			bool seen = false;
			size_t cnt = 0;
			for (size_t b = 0; b < f->len && !seen; b++) {
				bool same = strcmp(f->v[a].code, f->v[b].code) == 0 &&
				            strcmp(f->v[a].severity, f->v[b].severity) == 0;
				if (same && b < a)
					seen = true;
				else if (same)
					cnt++;
			}
			if (!seen)
				sample(&o, n, (double)cnt, "zone", v->zones[i].obs->zone, "code",
				       f->v[a].code, "severity", f->v[a].severity, NULL);
		}
	}

	/* Rollovers (doc/rollover.md, src/daemon/rollwatch.c). */
	int64_t now = v->now ? v->now : (int64_t)time(NULL);
	n = "dnsvigil_rollover_phase";
	family(&o, n, "gauge",
	       "Where the zone's key rollover stands (value 1; the phase names are in "
	       "doc/rollover.md).");
	for (size_t i = 0; i < v->nzones; i++) {
		const dv_metrics_rollover_t *r = v->zones[i].rollover;
		if (r != NULL && r->known)
			sample(&o, n, 1, "zone", v->zones[i].obs->zone, "phase", r->phase, NULL);
	}
	n = "dnsvigil_rollover_blocked_seconds";
	family(&o, n, "gauge",
	       "How long the rollover has waited on what the signer cannot do: a DS the parent "
	       "does not publish, an old DS it keeps, servers that disagree (0: not waiting).");
	for (size_t i = 0; i < v->nzones; i++) {
		const dv_metrics_rollover_t *r = v->zones[i].rollover;
		if (r != NULL && r->known)
			sample(&o, n,
			       r->blocked_since != 0 && now > r->blocked_since
			           ? (double)(now - r->blocked_since)
			           : 0,
			       "zone", v->zones[i].obs->zone, NULL);
	}
	n = "dnsvigil_rollover_next_step_timestamp_seconds";
	family(&o, n, "gauge",
	       "Earliest safe time of the next step of a rollover in progress, Unix time.");
	for (size_t i = 0; i < v->nzones; i++) {
		const dv_metrics_rollover_t *r = v->zones[i].rollover;
		if (r != NULL && r->known && r->next_step != 0)
			sample(&o, n, (double)r->next_step, "zone", v->zones[i].obs->zone, NULL);
	}
	n = "dnsvigil_rollover_bogus_windows";
	family(&o, n, "gauge",
	       "Windows in which some cache could hold data that fails to validate, by where "
	       "they lie: past, now (the window contains this instant) or ahead.");
	for (size_t i = 0; i < v->nzones; i++) {
		const dv_metrics_rollover_t *r = v->zones[i].rollover;
		if (r == NULL || !r->known)
			continue;
		double past = (double)r->windows_older, cur = 0, ahead = 0;
		for (size_t w = 0; w < r->nwindows; w++) {
			int64_t start = r->windows[2 * w], end = r->windows[2 * w + 1];
			if (end <= now)
				past++;
			else if (start <= now)
				cur++;
			else
				ahead++;
		}
		const char *z = v->zones[i].obs->zone;
		sample(&o, n, past, "zone", z, "when", "past", NULL);
		sample(&o, n, cur, "zone", z, "when", "now", NULL);
		sample(&o, n, ahead, "zone", z, "when", "ahead", NULL);
	}

	n = "dnsvigil_resolver_validating";
	family(&o, n, "gauge", "Whether the resolver validates (canary audit verdict).");
	for (size_t i = 0; i < v->nresolvers; i++)
		if (v->resolvers[i].verdict[0] != '\0')
			sample(&o, n, strcmp(v->resolvers[i].verdict, "validating") == 0,
			       "resolver", v->resolvers[i].name, NULL);
	n = "dnsvigil_resolver_verdict";
	family(&o, n, "gauge", "The resolver's audit verdict (value 1).");
	for (size_t i = 0; i < v->nresolvers; i++)
		if (v->resolvers[i].verdict[0] != '\0')
			sample(&o, n, 1, "resolver", v->resolvers[i].name, "verdict",
			       v->resolvers[i].verdict, NULL);
	n = "dnsvigil_resolver_probe_success";
	family(&o, n, "gauge", "Whether the resolver's last audit ran.");
	for (size_t i = 0; i < v->nresolvers; i++)
		sample(&o, n, v->resolvers[i].probe_ok, "resolver", v->resolvers[i].name, NULL);
	n = "dnsvigil_resolver_last_success_timestamp_seconds";
	family(&o, n, "gauge", "When the resolver's audit last ran, Unix time (0 never).");
	for (size_t i = 0; i < v->nresolvers; i++)
		sample(&o, n, (double)v->resolvers[i].last_success, "resolver",
		       v->resolvers[i].name, NULL);

	if (o.rc != DV_OK) {
		free(o.p);
		return o.rc;
	}
	if (o.p == NULL)
		return DV_ENOMEM;
	*out = o.p;
	*len = o.len;
	return DV_OK;
}
