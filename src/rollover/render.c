/*
 * Text and JSON forms of plan, check and recover (doc/rollover.md).  Uses the
 * public header only: it belongs with the other sinks in src/report and can
 * move there as it is.  Findings are added by the caller (src/report).
 */
#include <stdio.h>
#include <string.h>

#include "dnssec/dnssec.h"
#include "rollover/rollover.h"

static void tfmt(int64_t t, char *buf, size_t len)
{
	if (t == DV_ROLL_OPEN)
		snprintf(buf, len, "open");
	else if (t == DV_ROLL_START)
		snprintf(buf, len, "start");
	else
		dv_time_format(t, buf, len);
}

/* A time member and its _text twin; null when open. */
static void jtime(json_t *o, const char *name, int64_t t)
{
	char key[64], buf[40];
	snprintf(key, sizeof(key), "%s_text", name);
	if (t == DV_ROLL_OPEN || t == DV_ROLL_START) {
		json_object_set_new(o, name, json_null());
		json_object_set_new(o, key, json_null());
		return;
	}
	tfmt(t, buf, sizeof(buf));
	json_object_set_new(o, name, json_integer(t));
	json_object_set_new(o, key, json_string(buf));
}

static const char *src_name(dv_roll_src_t s)
{
	return s == DV_ROLL_SRC_OPTION ? "option" : s == DV_ROLL_SRC_SERVED ? "served" : "default";
}

/* ---- plan -------------------------------------------------------------------------- */

json_t *dv_roll_plan_json(const dv_roll_plan_t *p, const char *zone)
{
	json_t *o = json_object();
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "dnsvigil", json_string("rollover-plan"));
	json_object_set_new(o, "format", json_integer(1));
	json_object_set_new(o, "zone", json_string(zone));
	json_object_set_new(o, "kind", json_string(dv_roll_kind_name(p->kind)));
	json_object_set_new(o, "method", json_string(dv_roll_method_name(p->method)));
	json_object_set_new(o, "reference", json_string(p->reference));
	jtime(o, "start", p->start);
	json_t *prm = json_object();
	for (int i = 0; i < DV_ROLL_P_COUNT; i++) {
		json_t *x = json_object();
		json_object_set_new(x, "seconds", json_integer(p->params.v[i]));
		json_object_set_new(x, "source", json_string(src_name(p->params.src[i])));
		json_object_set_new(x, "option", json_string(dv_roll_param_option(i)));
		json_object_set_new(prm, dv_roll_param_name(i), x);
	}
	json_t *d = json_object();
	json_object_set_new(d, "seconds", json_integer(p->dsgn));
	json_object_set_new(d, "source", json_string("validity - refresh"));
	json_object_set_new(prm, "Dsgn", d);
	json_object_set_new(o, "parameters", prm);
	json_t *steps = json_array();
	for (size_t i = 0; i < p->nsteps; i++) {
		const dv_roll_step_t *s = &p->steps[i];
		json_t *x = json_object();
		json_object_set_new(x, "step", json_integer((json_int_t)i + 1));
		json_object_set_new(x, "event", json_string(s->event));
		jtime(x, "time", s->time);
		json_object_set_new(x, "after_start", json_integer(s->time - p->start));
		json_object_set_new(x, "action", json_string(s->action));
		json_object_set_new(x, "formula", json_string(s->formula));
		json_array_append_new(steps, x);
	}
	json_object_set_new(o, "steps", steps);
	return o;
}

/* "10d3h10m", "90s", "0s". */
static void dur(int64_t s, char *buf, size_t len)
{
	static const struct {
		int64_t unit;
		char c;
	} u[] = {{86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}};
	size_t pos = 0;
	buf[0] = '\0';
	if (s <= 0) {
		snprintf(buf, len, "%llds", (long long)s);
		return;
	}
	for (size_t i = 0; i < 4 && pos < len; i++) {
		if (s < u[i].unit)
			continue;
		int n =
		    snprintf(buf + pos, len - pos, "%lld%c", (long long)(s / u[i].unit), u[i].c);
		if (n < 0)
			break;
		pos += (size_t)n;
		s %= u[i].unit;
	}
}

void dv_roll_plan_text(FILE *out, const dv_roll_plan_t *p, const char *zone)
{
	char t[40], d[32];
	tfmt(p->start, t, sizeof(t));
	fprintf(out, "dnsvigil rollover plan: %s %s rollover of %s, %s method (%s)\n",
	        dv_roll_kind_name(p->kind), p->kind == DV_ROLL_ALGORITHM ? "" : "key", zone,
	        dv_roll_method_name(p->method), p->reference);
	fprintf(out, "start %s\n\nparameters\n", t);
	for (int i = 0; i < DV_ROLL_P_COUNT; i++) {
		dur(p->params.v[i], d, sizeof(d));
		fprintf(out, "  %-9s %8s  (%s, %s)\n", dv_roll_param_name(i), d,
		        src_name(p->params.src[i]), dv_roll_param_option(i));
	}
	dur(p->dsgn, d, sizeof(d));
	fprintf(out, "  %-9s %8s  (validity - refresh)\n\nsteps\n", "Dsgn", d);
	for (size_t i = 0; i < p->nsteps; i++) {
		const dv_roll_step_t *s = &p->steps[i];
		tfmt(s->time, t, sizeof(t));
		dur(s->time - p->start, d, sizeof(d));
		fprintf(out, "%2zu. %-20s %s  (start + %s)\n    %s\n    %s\n", i + 1, s->event, t,
		        d, s->action, s->formula);
	}
}

/* ---- check / preflight --------------------------------------------------------------- */

static const char *verdict(const dv_roll_result_t *r, size_t *bogus, size_t *strict)
{
	*bogus = *strict = 0;
	for (size_t i = 0; i < r->nwindows; i++) {
		if (r->windows[i].strict_only)
			(*strict)++;
		else
			(*bogus)++;
	}
	if (*bogus > 0 || r->windows_dropped > 0)
		return "bogus";
	return *strict > 0 ? "strict-only" : "safe";
}

json_t *dv_roll_check_json(const dv_roll_series_t *s, const char *command,
                           const dv_roll_check_opts_t *o, const dv_roll_result_t *r)
{
	json_t *j = json_object();
	if (j == NULL)
		return NULL;
	char buf[64];
	snprintf(buf, sizeof(buf), "rollover-%s", command);
	json_object_set_new(j, "dnsvigil", json_string(buf));
	json_object_set_new(j, "format", json_integer(1));
	json_object_set_new(j, "zone", json_string(dv_roll_series_zone(s)));
	jtime(j, "now", o->now);
	json_object_set_new(j, "serve_stale", json_integer(o->serve_stale));
	json_object_set_new(j, "stuck_after", json_integer(o->stuck_after));
	size_t nb, ns;
	json_object_set_new(j, "verdict", json_string(verdict(r, &nb, &ns)));
	json_t *obs = json_object();
	json_object_set_new(obs, "count", json_integer((json_int_t)r->observations));
	jtime(obs, "first", r->first);
	jtime(obs, "last", r->last);
	json_object_set_new(obs, "versions", json_integer((json_int_t)r->versions));
	json_object_set_new(obs, "signatures_verified", json_integer((json_int_t)r->sigs_verified));
	json_object_set_new(obs, "parent_observed", json_boolean(r->parent_observed));
	json_object_set_new(j, "observations", obs);
	json_t *ev = json_object();
	jtime(ev, "from", r->from);
	jtime(ev, "to", r->horizon);
	json_object_set_new(ev, "events", json_integer((json_int_t)r->events));
	json_object_set_new(j, "evaluated", ev);
	json_t *ws = json_array();
	for (size_t i = 0; i < r->nwindows; i++) {
		const dv_roll_window_t *w = &r->windows[i];
		json_t *x = json_object();
		jtime(x, "start", w->start);
		jtime(x, "end", w->end);
		json_object_set_new(x, "rule", json_string(dv_roll_rule_name(w->rule)));
		json_object_set_new(x, "strict_only", json_boolean(w->strict_only));
		json_object_set_new(x, "candidate", json_boolean(w->candidate));
		const char *names[3] = {"ds", "dnskey", "rrset"};
		int32_t vers[3] = {w->ds, w->dnskey, w->rrset};
		for (int k = 0; k < 3; k++) {
			if (vers[k] < 0) {
				json_object_set_new(x, names[k], json_null());
				continue;
			}
			char d[256];
			dv_roll_version_describe(s, vers[k], d, sizeof(d));
			json_object_set_new(x, names[k], json_string(d));
		}
		json_object_set_new(x, "why", json_string(w->why));
		json_t *rs = json_array();
		for (size_t k = 0; k < o->nresolvers; k++)
			if (dv_roll_resolver_sees(&o->resolvers[k], w))
				json_array_append_new(rs, json_string(o->resolvers[k].name));
		json_object_set_new(x, "resolvers", rs);
		json_array_append_new(ws, x);
	}
	json_object_set_new(j, "windows", ws);
	json_object_set_new(j, "windows_dropped", json_integer((json_int_t)r->windows_dropped));
	json_t *cur = json_array();
	for (size_t i = 0; i < r->ncurrent; i++) {
		json_t *x = json_object();
		char d[256];
		dv_roll_version_describe(s, r->current[i].version, d, sizeof(d));
		json_object_set_new(x, "version", json_string(d));
		/* Addresses as an array, like every server list of a report. */
		json_t *sv = json_array();
		for (const char *a = r->current[i].servers; sv != NULL && *a != '\0';) {
			size_t n = strcspn(a, ",");
			if (n > 0)
				json_array_append_new(sv, json_stringn(a, n));
			a += n + (a[n] == ',');
		}
		json_object_set_new(x, "servers", sv);
		json_array_append_new(cur, x);
	}
	json_object_set_new(j, "served_now", cur);
	json_object_set_new(j, "phase", json_string(r->phase));
	json_object_set_new(j, "phase_name", json_string(dv_roll_phase_name(r->phase_id)));
	if (r->blocked_since != 0) {
		jtime(j, "blocked_since", r->blocked_since);
		json_object_set_new(j, "blocked_why", json_string(r->blocked_why));
	} else {
		jtime(j, "blocked_since", DV_ROLL_OPEN);
		json_object_set_new(j, "blocked_why", json_null());
	}
	json_t *nx = json_array();
	for (size_t i = 0; i < r->nnext; i++) {
		const dv_roll_next_t *n = &r->next[i];
		json_t *x = json_object();
		json_object_set_new(x, "phase", json_string(dv_roll_phase_name(n->phase)));
		json_object_set_new(x, "action", json_string(n->action));
		jtime(x, "earliest", n->earliest);
		if (n->keytag >= 0)
			json_object_set_new(x, "keytag", json_integer(n->keytag));
		json_object_set_new(x, "because", json_string(n->formula));
		json_array_append_new(nx, x);
	}
	json_object_set_new(j, "next", nx);
	return j;
}

void dv_roll_check_text(FILE *out, const dv_roll_series_t *s, const char *command,
                        const dv_roll_check_opts_t *o, const dv_roll_result_t *r)
{
	char a[40], b[40];
	tfmt(r->first, a, sizeof(a));
	tfmt(r->last, b, sizeof(b));
	fprintf(out, "dnsvigil rollover %s: %s\n", command, dv_roll_series_zone(s));
	fprintf(out,
	        "%zu observations from %s to %s; %zu RRset versions, %zu signatures verified\n",
	        r->observations, a, b, r->versions, r->sigs_verified);
	tfmt(o->now, a, sizeof(a));
	fprintf(out, "judged at %s; serve-stale %lld s", a, (long long)o->serve_stale);
	tfmt(r->from, a, sizeof(a));
	tfmt(r->horizon, b, sizeof(b));
	fprintf(out, "; every combination checked from %s to %s (%zu event boundaries)\n", a, b,
	        r->events);
	size_t nb, ns;
	const char *v = verdict(r, &nb, &ns);
	if (strcmp(v, "safe") == 0)
		fprintf(out, "\nverdict: safe - no cache could hold a combination that fails to "
		             "validate\n");
	else
		fprintf(out,
		        "\nverdict: %s - %zu bogus window%s, %zu for strict validators only%s\n", v,
		        nb, nb == 1 ? "" : "s", ns,
		        r->windows_dropped ? " (more windows not listed)" : "");
	if (r->nwindows > 0)
		fprintf(out, "\nwindows\n");
	for (size_t i = 0; i < r->nwindows; i++) {
		const dv_roll_window_t *w = &r->windows[i];
		tfmt(w->start, a, sizeof(a));
		tfmt(w->end, b, sizeof(b));
		fprintf(out, "  %s -> %s  %s%s%s\n      %s\n", a, b, dv_roll_rule_name(w->rule),
		        w->strict_only ? " strict" : "", w->candidate ? " candidate" : "", w->why);
		if (o->nresolvers == 0)
			continue;
		size_t seen = 0;
		for (size_t k = 0; k < o->nresolvers; k++) {
			if (!dv_roll_resolver_sees(&o->resolvers[k], w))
				continue;
			fprintf(out, "%s%s", seen++ ? ", " : "      resolvers that could see it: ",
			        o->resolvers[k].name);
		}
		if (seen > 0)
			fputc('\n', out);
		else
			fprintf(out, "      resolvers that could see it: none %s\n",
			        w->strict_only ? "known to enforce every algorithm"
			                       : "validating then");
	}
	if (strcmp(command, "check") != 0)
		return;
	if (r->ncurrent > 0)
		fprintf(out, "\nserved now\n");
	for (size_t i = 0; i < r->ncurrent; i++) {
		char d[256];
		dv_roll_version_describe(s, r->current[i].version, d, sizeof(d));
		fprintf(out, "  %s\n      @%s\n", d, r->current[i].servers);
	}
	fprintf(out, "\nphase: %s (%s)\n", r->phase, dv_roll_phase_name(r->phase_id));
	if (r->blocked_since != 0) {
		tfmt(r->blocked_since, a, sizeof(a));
		fprintf(out, "  blocked since %s: %s\n", a, r->blocked_why);
	}
	for (size_t i = 0; i < r->nnext; i++) {
		const dv_roll_next_t *n = &r->next[i];
		tfmt(n->earliest, a, sizeof(a));
		fprintf(out, "  next: %s\n    earliest safe: %s\n    because: %s\n", n->action,
		        n->earliest == DV_ROLL_OPEN ? "not yet known" : a, n->formula);
	}
}

/* ---- recover ----------------------------------------------------------------------- */

/* The commands for `zone`, with an NTA lifetime of `life` seconds. */
static void commands(const char *zone, int64_t life, char out[4][4][300])
{
	long long m = (life + 59) / 60;
	if (m < 1)
		m = 1;
	if (m > 7 * 24 * 60)
		m = 7 * 24 * 60; /* BIND caps an NTA at one week */
	snprintf(out[0][0], 300, "unbound-control flush_zone %s && unbound-control flush_bogus",
	         zone);
	snprintf(out[0][1], 300, "unbound-control insecure_add %s", zone);
	snprintf(out[0][2], 300, "unbound-control insecure_remove %s", zone);
	snprintf(out[1][0], 300, "rndc flushtree %s", zone);
	snprintf(out[1][1], 300, "rndc nta -lifetime %lldm %s", m, zone);
	snprintf(out[1][2], 300, "rndc nta -remove %s", zone);
	snprintf(out[2][0], 300,
	         "echo \"cache.clear('%s')\" | socat - UNIX-CONNECT:/run/knot-resolver/control/1",
	         zone);
	snprintf(out[2][1], 300,
	         "echo \"trust_anchors.set_insecure({'%s'})\" | socat - "
	         "UNIX-CONNECT:/run/knot-resolver/control/1",
	         zone);
	snprintf(out[2][2], 300,
	         "echo \"trust_anchors.set_insecure({})\" | socat - "
	         "UNIX-CONNECT:/run/knot-resolver/control/1");
	snprintf(out[3][0], 300, "rec_control wipe-cache %s$", zone);
	snprintf(out[3][1], 300, "rec_control add-nta %s 'dnsvigil rollover recover'", zone);
	snprintf(out[3][2], 300, "rec_control clear-nta %s", zone);
}

static const char *const resolvers[4] = {"unbound", "bind", "knot-resolver", "pdns-recursor"};

json_t *dv_roll_recover_json(const dv_roll_series_t *s, const dv_roll_recover_opts_t *o,
                             const dv_roll_recovery_t *r)
{
	json_t *j = json_object();
	if (j == NULL)
		return NULL;
	json_object_set_new(j, "dnsvigil", json_string("rollover-recover"));
	json_object_set_new(j, "format", json_integer(1));
	json_object_set_new(j, "zone", json_string(dv_roll_series_zone(s)));
	jtime(j, "now", o->now);
	json_object_set_new(j, "case", json_string(dv_roll_case_name(r->kase)));
	json_object_set_new(j, "summary", json_string(r->summary));
	json_t *st = json_array();
	for (size_t i = 0; i < r->nsteps; i++) {
		json_t *x = json_object();
		jtime(x, "at", r->steps[i].at);
		json_object_set_new(x, "what", json_string(r->steps[i].what));
		json_array_append_new(st, x);
	}
	json_object_set_new(j, "steps", st);
	jtime(j, "healed", r->healed);
	jtime(j, "unaided", r->unaided);
	if (r->kase != DV_ROLL_CASE_NONE && r->kase != DV_ROLL_CASE_INSECURE) {
		char c[4][4][300];
		commands(dv_roll_series_zone(s), r->nta_until - o->now, c);
		jtime(j, "nta_until", r->nta_until);
		json_t *cm = json_object();
		for (int i = 0; i < 4; i++) {
			json_t *x = json_object();
			json_object_set_new(x, "flush", json_string(c[i][0]));
			json_object_set_new(x, "nta_add", json_string(c[i][1]));
			json_object_set_new(x, "nta_remove", json_string(c[i][2]));
			json_object_set_new(cm, resolvers[i], x);
		}
		json_object_set_new(j, "commands", cm);
	}
	return j;
}

void dv_roll_recover_text(FILE *out, const dv_roll_series_t *s, const dv_roll_recover_opts_t *o,
                          const dv_roll_recovery_t *r)
{
	char a[40];
	tfmt(o->now, a, sizeof(a));
	fprintf(out, "dnsvigil rollover recover: %s at %s\ncase: %s\n%s\n", dv_roll_series_zone(s),
	        a, dv_roll_case_name(r->kase), r->summary);
	if (r->kase == DV_ROLL_CASE_NONE)
		return;
	fprintf(out, "\nsteps\n");
	for (size_t i = 0; i < r->nsteps; i++) {
		tfmt(r->steps[i].at, a, sizeof(a));
		fprintf(out, "%2zu. %s  %s\n", i + 1, a, r->steps[i].what);
	}
	tfmt(r->healed, a, sizeof(a));
	fprintf(out, "\nhealed by %s", a);
	if (r->kase != DV_ROLL_CASE_INSECURE) {
		char b[40];
		tfmt(r->unaided, b, sizeof(b));
		fprintf(out, "; doing nothing: %s", r->unaided == DV_ROLL_OPEN ? "never" : b);
	}
	fputc('\n', out);
	if (r->kase == DV_ROLL_CASE_INSECURE)
		return;
	char c[4][4][300];
	commands(dv_roll_series_zone(s), r->nta_until - o->now, c);
	tfmt(r->nta_until, a, sizeof(a));
	fprintf(
	    out,
	    "\nresolvers you run: flush once the fix is served; a negative trust anchor bridges "
	    "until %s (remove it then)\n",
	    a);
	for (int i = 0; i < 4; i++)
		fprintf(out, "  %s\n    flush:      %s\n    nta add:    %s\n    nta remove: %s\n",
		        resolvers[i], c[i][0], c[i][1], c[i][2]);
}
