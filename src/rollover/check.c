/* dnsvigil rollover check: the model check, its findings, versions in words. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libknot/libknot.h>

#include "core/error.h"
#include "core/zone.h"
#include "rollover/rollover_int.h"

#define MAX_WINDOW_FINDINGS 100 /* per code; the windows themselves are all reported */

const char *dv_roll_rule_name(dv_roll_rule_t r)
{
	static const char *const names[] = {"?", "R1", "R2", "R3"};
	return (unsigned)r < 4 ? names[r] : "?";
}

bool dv_roll_resolver_sees(const dv_roll_resolver_t *r, const dv_roll_window_t *w)
{
	/* Strict-only windows: no audited resolver is known to enforce RFC 4035
	 * §2.2 (rollover.h). */
	if (w->strict_only)
		return false;
	for (size_t i = 0; i < r->nvalidating; i++) {
		int64_t from = r->validating[2 * i], to = r->validating[2 * i + 1];
		if (from < w->end && w->start < to)
			return true;
	}
	return false;
}

uint16_t dv_roll_version_type(const dv_roll_series_t *s, int32_t version)
{
	if (version < 0 || (size_t)version >= s->nversions)
		return 0;
	return s->rrkeys[s->versions[version].rrkey].type;
}

void dv_roll_version_owner(const dv_roll_series_t *s, int32_t version, char *buf, size_t len)
{
	if (version < 0 || (size_t)version >= s->nversions) {
		snprintf(buf, len, "%s", s->zone_str);
		return;
	}
	dv_snap_dname_str(s->rrkeys[s->versions[version].rrkey].owner, buf, len);
}

/* Append to buf, keeping it NUL-terminated. */
static void put(char *buf, size_t len, size_t *pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void put(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
	if (*pos >= len)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf + *pos, len - *pos, fmt, ap);
	va_end(ap);
	if (n > 0)
		*pos += (size_t)n < len - *pos ? (size_t)n : len - *pos - 1;
}

static void signers(const dv_roll_series_t *s, const roll_version_t *v, char *buf, size_t len,
                    size_t *pos)
{
	if (v->set.nsig == 0) {
		put(buf, len, pos, " unsigned");
		return;
	}
	put(buf, len, pos, " signed by");
	for (uint16_t i = 0; i < v->set.nsig; i++) {
		const uint8_t *g = v->set.sig[i];
		uint16_t tag = v->set.siglen[i] >= 18 ? (uint16_t)(g[16] << 8 | g[17]) : 0;
		bool ok = v->sigs != NULL && v->sigs[i].key >= 0;
		put(buf, len, pos, "%s %u%s", i ? "," : "", tag, ok || v->sigs == NULL ? "" : "?");
	}
	(void)s;
}

void dv_roll_version_describe(const dv_roll_series_t *s, int32_t version, char *buf, size_t len)
{
	if (len == 0)
		return;
	buf[0] = '\0';
	if (version < 0 || (size_t)version >= s->nversions) {
		snprintf(buf, len, "any secure DS RRset");
		return;
	}
	const roll_version_t *v = &s->versions[version];
	const roll_rrkey_t *k = &s->rrkeys[v->rrkey];
	char type[32], owner[300] = "";
	dv_type_to_str(k->type, type, sizeof(type));
	if (!knot_dname_is_equal(k->owner, s->zone))
		dv_snap_dname_str(k->owner, owner, sizeof(owner));
	size_t pos = 0;
	put(buf, len, &pos, "%s%s%s#%d", owner, owner[0] ? " " : "", type, version);
	if (v->absent) {
		put(buf, len, &pos, " (absent)");
		return;
	}
	if (k->type == KNOT_RRTYPE_DNSKEY || k->type == KNOT_RRTYPE_CDNSKEY) {
		put(buf, len, &pos, " {");
		for (uint16_t i = 0; i < v->set.n; i++)
			if (v->set.rdlen[i] >= 4)
				put(buf, len, &pos, "%s%u/%u/%u", i ? " " : "",
				    (unsigned)(v->set.rd[i][0] << 8 | v->set.rd[i][1]),
				    v->set.rd[i][3], dv_keytag(v->set.rd[i], v->set.rdlen[i]));
		put(buf, len, &pos, "}");
	} else if (k->type == KNOT_RRTYPE_DS || k->type == KNOT_RRTYPE_CDS) {
		put(buf, len, &pos, " {");
		for (uint16_t i = 0; i < v->set.n; i++)
			if (v->set.rdlen[i] >= 4)
				put(buf, len, &pos, "%s%u/%u/%u", i ? " " : "",
				    (unsigned)(v->set.rd[i][0] << 8 | v->set.rd[i][1]),
				    v->set.rd[i][2], v->set.rd[i][3]);
		put(buf, len, &pos, "}");
		if (k->type == KNOT_RRTYPE_DS)
			return; /* the parent's signatures are the parent's business */
	} else if (k->type == KNOT_RRTYPE_SOA && v->set.n == 1) {
		const uint8_t *rd = v->set.rd[0], *end = rd + v->set.rdlen[0];
		int a = knot_dname_wire_check(rd, end, NULL);
		int b = a > 0 ? knot_dname_wire_check(rd + a, end, NULL) : -1;
		if (b > 0 && rd + a + b + 4 <= end) {
			const uint8_t *p = rd + a + b;
			put(buf, len, &pos, " serial %u",
			    (unsigned)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
			               (uint32_t)p[2] << 8 | p[3]));
		}
	}
	signers(s, v, buf, len, &pos);
}

/* ---- findings of the check ---------------------------------------------------------- */

static int window_findings(dv_roll_series_t *s, const dv_roll_check_opts_t *o, dv_roll_result_t *r)
{
	size_t count[4] = {0}, total[4] = {0};
	for (size_t i = 0; i < r->nwindows; i++)
		total[(r->windows[i].candidate ? 2 : 0) + (r->windows[i].strict_only ? 1 : 0)]++;
	for (size_t i = 0; i < r->nwindows; i++) {
		const dv_roll_window_t *w = &r->windows[i];
		int slot = (w->candidate ? 2 : 0) + (w->strict_only ? 1 : 0);
		static const dv_code_t codes[4] = {
		    DV_F_ROLLOVER_BOGUS_WINDOW, DV_F_ROLLOVER_STRICT_WINDOW,
		    DV_F_ROLLOVER_CANDIDATE_UNSAFE, DV_F_ROLLOVER_CANDIDATE_STRICT};
		if (count[slot]++ >= MAX_WINDOW_FINDINGS)
			continue;
		int32_t subject = w->rule == DV_ROLL_R3   ? w->rrset
		                  : w->rule == DV_ROLL_R2 ? w->dnskey
		                                          : w->ds;
		const uint8_t *owner = s->zone;
		uint16_t type = 0;
		if (subject >= 0) {
			owner = s->rrkeys[s->versions[subject].rrkey].owner;
			type = dv_roll_version_type(s, subject);
		}
		char a[40], b[40];
		dv_time_format(w->start, a, sizeof(a));
		if (w->end == DV_ROLL_OPEN)
			snprintf(b, sizeof(b), "open");
		else
			dv_time_format(w->end, b, sizeof(b));
		const char *when = w->end != DV_ROLL_OPEN && w->end <= o->now ? "was"
		                   : w->start > o->now                        ? "will be"
		                                                              : "is";
		/* The last window kept of a code says how many more there are. */
		char more[64] = "";
		if (count[slot] == MAX_WINDOW_FINDINGS && total[slot] > MAX_WINDOW_FINDINGS)
			snprintf(more, sizeof(more), " (+%zu more windows)",
			         total[slot] - MAX_WINDOW_FINDINGS);
		int ret = roll_finding(&r->findings, codes[slot], s, owner, type, -1, 0, w->start,
		                       o->now, "%s bogus from %s to %s (%s): %s%s", when, a, b,
		                       dv_roll_rule_name(w->rule), w->why, more);
		if (ret != DV_OK)
			return ret;
	}
	return DV_OK;
}

static int other_findings(dv_roll_series_t *s, const dv_roll_check_opts_t *o, dv_roll_result_t *r)
{
	int ret = DV_OK;
	if (!r->parent_observed)
		ret = roll_finding(&r->findings, DV_F_ROLLOVER_PARENT_UNOBSERVED, s, s->zone,
		                   KNOT_RRTYPE_DS, -1, 0, 0, o->now,
		                   "no DS answer from any parent server: R1 not checked, the zone "
		                   "judged as if secure");
	for (size_t i = 0; i < r->nnext && ret == DV_OK; i++) {
		const dv_roll_next_t *n = &r->next[i];
		char t[40];
		if (n->earliest == DV_ROLL_OPEN)
			snprintf(t, sizeof(t), "not yet known");
		else
			dv_time_format(n->earliest, t, sizeof(t));
		ret = roll_finding(&r->findings, DV_F_ROLLOVER_STEP_PENDING, s, s->zone, 0,
		                   n->keytag, 0, n->earliest, o->now, "%s; earliest safe: %s (%s)",
		                   n->action, t, n->formula);
	}
	return ret;
}

/* What each server serves now, grouped by version. */
static int current_build(dv_roll_series_t *s, int64_t now, dv_roll_result_t *r)
{
	static const uint16_t types[] = {KNOT_RRTYPE_DS, KNOT_RRTYPE_DNSKEY, KNOT_RRTYPE_CDS,
	                                 KNOT_RRTYPE_CDNSKEY, KNOT_RRTYPE_SOA};
	size_t cap = 0;
	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		uint32_t rk;
		if (roll_rrkey_get(s, s->zone, types[t], false, &rk) != DV_OK)
			continue;
		for (size_t i = 0; i < s->nstreams; i++) {
			if (s->streams[i].rrkey != rk)
				continue;
			uint32_t v = roll_stream_current(&s->streams[i], now, NULL);
			if (v == ROLL_NONE)
				continue;
			dv_roll_current_t *c = NULL;
			for (size_t j = 0; j < r->ncurrent && c == NULL; j++)
				if (r->current[j].version == (int32_t)v)
					c = &r->current[j];
			if (c == NULL) {
				if (dv_array_grow(&r->current, &cap, r->ncurrent,
				                  sizeof(*r->current), 8) != DV_OK)
					return DV_ENOMEM;
				c = &r->current[r->ncurrent++];
				memset(c, 0, sizeof(*c));
				c->version = (int32_t)v;
			}
			const char *a = s->servers[s->streams[i].server].addr;
			size_t l = strlen(c->servers);
			if (l + strlen(a) + 8 < sizeof(c->servers))
				snprintf(c->servers + l, sizeof(c->servers) - l, "%s%s",
				         l ? "," : "", a);
			else if (l + 1 < sizeof(c->servers) && c->servers[l - 1] != '+')
				snprintf(c->servers + l, sizeof(c->servers) - l, ",+");
		}
	}
	return DV_OK;
}

int dv_roll_check(dv_roll_series_t *s, const dv_roll_check_opts_t *opts, dv_roll_result_t *out)
{
	memset(out, 0, sizeof(*out));
	if (s->observations == 0 && !s->has_candidate)
		return DV_EINVAL;
	int ret = roll_finalize(s, opts->serve_stale);
	if (ret != DV_OK)
		return ret;
	out->first = s->first;
	out->last = s->last;
	out->observations = s->observations;
	out->versions = s->nversions;
	if ((ret = roll_evaluate(s, opts, out)) != DV_OK)
		return ret;
	out->sigs_verified = s->sigs_verified;
	if ((ret = window_findings(s, opts, out)) != DV_OK)
		return ret;
	if (!opts->candidate_only) {
		if ((ret = current_build(s, opts->now, out)) != DV_OK)
			return ret;
		if ((ret = roll_phase(s, opts, out)) != DV_OK)
			return ret;
		if ((ret = other_findings(s, opts, out)) != DV_OK)
			return ret;
	}
	dv_findings_sort(&out->findings);
	return DV_OK;
}

void dv_roll_result_free(dv_roll_result_t *r)
{
	if (r == NULL)
		return;
	free(r->windows);
	free(r->next);
	free(r->current);
	dv_findings_clear(&r->findings);
	memset(r, 0, sizeof(*r));
}
