/* The check report: text tree, JSON and the Nagios plugin line. */
#include "report/check.h"

#include <stdlib.h>
#include <string.h>

#include <libknot/libknot.h>

#include "dnssec/dnssec.h"
#include "report/report.h"

/* Zones in canonical order (RFC 4034 §6.1), so that a tree prints parents
 * before children and siblings in a stable order. */
static int zone_cmp(const void *a, const void *b, void *arg)
{
	const dv_snapshot_t *snap = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return knot_dname_cmp(snap->zones[x].dname, snap->zones[y].dname);
}

static uint32_t *zone_order(const dv_snapshot_t *snap)
{
	uint32_t *o = malloc((snap->nzones ? snap->nzones : 1) * sizeof(*o));
	if (o == NULL)
		return NULL;
	for (uint32_t i = 0; i < snap->nzones; i++)
		o[i] = i;
	qsort_r(o, snap->nzones, sizeof(*o), zone_cmp, (void *)snap);
	return o;
}

static void tree(FILE *out, const dv_snapshot_t *snap, const dv_live_result_t *res,
                 const uint32_t *order, long parent, const char *prefix, int depth)
{
	if (depth > 64)
		return;
	size_t n = 0, last = 0;
	for (size_t i = 0; i < snap->nzones; i++)
		if (snap->zones[order[i]].parent == parent) {
			n++;
			last = i;
		}
	for (size_t i = 0; i < snap->nzones && n > 0; i++) {
		uint32_t z = order[i];
		if (snap->zones[z].parent != parent)
			continue;
		const dv_live_zone_t *zr = &res->zones[z];
		const char *branch = parent < 0 ? "" : (i == last ? "└─ " : "├─ ");
		char name[1400], exp[48] = "";
		snprintf(name, sizeof(name), "%s%s%s", prefix, branch, snap->zones[z].name);
		if (zr->have_expiry) {
			char t[32];
			dv_time_format(zr->earliest_expiry, t, sizeof(t));
			snprintf(exp, sizeof(exp), "  expiry %s", t);
		}
		/* Column alignment counts characters, not the bytes of "└─ ". */
		size_t cols = 0;
		for (const char *p = name; *p; p++)
			if (((unsigned char)*p & 0xC0) != 0x80)
				cols++;
		fprintf(out, "  %s%*s %-13s %u/%u servers", name, cols < 34 ? (int)(34 - cols) : 0,
		        "", dv_chain_status_name(zr->status), zr->answering, zr->servers);
		if (zr->have_serial)
			fprintf(out, "  serial %u", zr->serial);
		fprintf(out, "%s\n", exp);
		if (zr->reason[0] && zr->status != DV_CHAIN_SECURE) {
			fprintf(out, "  %s%s   (", prefix,
			        parent < 0 ? "" : (i == last ? "   " : "│  "));
			dv_report_put_text(out, zr->reason);
			fputs(")\n", out);
		}
		char np[512];
		snprintf(np, sizeof(np), "%.500s%s", prefix, /* depth is bounded by the name */
		         parent < 0 ? "" : (i == last ? "   " : "│  "));
		tree(out, snap, res, order, (long)z, np, depth + 1);
	}
}

/* "14.0 days", "-5.0 days": time left at now. */
static void days_left(char *buf, size_t len, int64_t t, int64_t now)
{
	snprintf(buf, len, "%.1f days", (double)(t - now) / 86400.0);
}

/* What a requested domain came to, in a few words. */
static const char *domain_word(const dv_live_domain_t *d)
{
	if (d->zone < 0 || d->existence == DV_LIVE_EXISTENCE_UNKNOWN)
		return d->zone < 0 ? "unreached" : dv_chain_status_name(d->status);
	if (d->existence == DV_LIVE_NONEXISTENT)
		return "nonexistent";
	if (d->existence == DV_LIVE_NONEXISTENT_UNPROVEN)
		return "nonexistent?";
	return dv_chain_status_name(d->status);
}

static void domains_text(FILE *out, const dv_snapshot_t *snap, const dv_live_opts_t *opts,
                         const dv_live_result_t *res)
{
	fprintf(out, "\nrequested domains%s%s\n",
	        opts->expect != DV_LIVE_EXPECT_ANY ? ", expected " : "",
	        opts->expect != DV_LIVE_EXPECT_ANY ? dv_live_expect_name(opts->expect) : "");
	for (size_t i = 0; i < res->ndomains; i++) {
		const dv_live_domain_t *d = &res->domains[i];
		char where[1100], name[1100];
		dv_report_escape(d->domain, name, sizeof(name));
		if (d->zone < 0)
			snprintf(where, sizeof(where), "-");
		else if (d->apex)
			snprintf(where, sizeof(where), "zone apex");
		else
			snprintf(where, sizeof(where), "in %s", snap->zones[d->zone].name);
		char tail[128] = "";
		if (d->existence == DV_LIVE_EXISTS && d->have_expiry) {
			char t[32], left[32];
			dv_time_format(d->expiry, t, sizeof(t));
			days_left(left, sizeof(left), d->expiry, opts->now);
			snprintf(tail, sizeof(tail), "%s %s (%s)",
			         d->expiry < opts->now ? "expired" : "signed until", t, left);
		}
		if (tail[0] != '\0')
			fprintf(out, "  %-34s %-13s %-18s %s\n", name, domain_word(d), where, tail);
		else
			fprintf(out, "  %-34s %-13s %s\n", name, domain_word(d), where);
		if (d->reason[0] != '\0') {
			fputs("     (", out);
			dv_report_put_text(out, d->reason);
			fputs(")\n", out);
		}
	}
}

void dv_report_check_text(FILE *out, const dv_snapshot_t *snap, const dv_live_opts_t *opts,
                          const dv_live_result_t *res)
{
	char t[32], nowt[32];
	dv_time_format(snap->time, t, sizeof(t));
	dv_time_format(opts->now, nowt, sizeof(nowt));
	fprintf(out, "dnsvigil check:");
	for (size_t i = 0; i < snap->ndomains && i < 8; i++) {
		fputc(' ', out);
		dv_report_put_text(out, snap->domains[i]);
	}
	if (snap->ndomains > 8)
		fprintf(out, " (+%zu more)", snap->ndomains - 8);
	fprintf(out, "\nprobed %s in %.3f s; judged at %s\n", t, snap->probe_ms / 1000.0, nowt);
	fprintf(out,
	        "%zu zone%s, %u server%s (%u answering); %llu signature%s checked: %llu valid, "
	        "%llu expired, %llu not yet valid, %llu failed (%llu verification%s run)\n",
	        snap->nzones, snap->nzones == 1 ? "" : "s", res->servers,
	        res->servers == 1 ? "" : "s", res->answering, (unsigned long long)res->sigs_checked,
	        res->sigs_checked == 1 ? "" : "s", (unsigned long long)res->sigs_valid,
	        (unsigned long long)res->sigs_expired, (unsigned long long)res->sigs_not_yet_valid,
	        (unsigned long long)res->sigs_failed, (unsigned long long)res->sigs_verified,
	        res->sigs_verified == 1 ? "" : "s");
	domains_text(out, snap, opts, res);
	fprintf(out, "\nchain of trust\n");
	uint32_t *order = zone_order(snap);
	if (order != NULL) {
		tree(out, snap, res, order, -1, "", 0);
		free(order);
	}
	fputs("\nfindings: ", out);
	dv_report_counts_text(out, &res->findings);
	fputc('\n', out);
	dv_report_findings_text(out, &res->findings, 0);
	fprintf(out, "\nstatus: %s\n", dv_findings_status(&res->findings));
}

static void set(json_t *o, const char *k, json_t *v)
{
	json_object_set_new(o, k, v);
}

static void time_members(json_t *o, const char *key, int64_t t, int64_t now)
{
	char k[64], buf[32];
	set(o, key, json_integer(t));
	snprintf(k, sizeof(k), "%s_text", key);
	dv_time_format(t, buf, sizeof(buf));
	set(o, k, json_string(buf));
	set(o, "seconds_to_expiry", json_integer(t - now));
}

static json_t *domain_json(const dv_snapshot_t *snap, const dv_live_opts_t *opts,
                           const dv_live_domain_t *d)
{
	json_t *o = json_object();
	if (o == NULL)
		return NULL;
	set(o, "domain", dv_report_json_text(d->domain));
	set(o, "zone", d->zone >= 0 ? json_string(snap->zones[d->zone].name) : json_null());
	set(o, "apex", json_boolean(d->apex));
	set(o, "existence", json_string(dv_live_existence_name(d->existence)));
	set(o, "status",
	    json_string(d->existence == DV_LIVE_NONEXISTENT ||
	                        d->existence == DV_LIVE_NONEXISTENT_UNPROVEN
	                    ? "nonexistent"
	                : d->zone < 0 ? "indeterminate"
	                              : dv_chain_status_name(d->status)));
	set(o, "zone_status",
	    d->zone >= 0 ? json_string(dv_chain_status_name(d->status)) : json_null());
	set(o, "expect", json_string(dv_live_expect_name(opts->expect)));
	set(o, "as_expected", json_boolean(d->as_expected));
	set(o, "reason", dv_report_json_text(d->reason));
	if (d->existence == DV_LIVE_EXISTS && d->have_expiry)
		time_members(o, "expiry", d->expiry, opts->now);
	else
		set(o, "expiry", json_null());
	return o;
}

int dv_report_check_json(FILE *out, const dv_snapshot_t *snap, const dv_live_opts_t *opts,
                         const dv_live_result_t *res)
{
	char t[32];
	dv_jw_t *w = dv_jw_new(out);
	if (w == NULL)
		return -1;
	dv_report_envelope(w, "check", NULL, dv_findings_status(&res->findings));
	json_t *sum = dv_report_summary_json(&res->findings);
	if (sum != NULL) {
		set(sum, "domains", json_integer((json_int_t)res->ndomains));
		set(sum, "zones", json_integer((json_int_t)snap->nzones));
		set(sum, "servers", json_integer(res->servers));
		set(sum, "servers_answering", json_integer(res->answering));
		set(sum, "signatures_checked", json_integer((json_int_t)res->sigs_checked));
		set(sum, "signatures_valid", json_integer((json_int_t)res->sigs_valid));
		set(sum, "signatures_expired", json_integer((json_int_t)res->sigs_expired));
		set(sum, "signatures_not_yet_valid",
		    json_integer((json_int_t)res->sigs_not_yet_valid));
		set(sum, "signatures_failed", json_integer((json_int_t)res->sigs_failed));
		set(sum, "signatures_verified", json_integer((json_int_t)res->sigs_verified));
		if (res->have_expiry)
			time_members(sum, "earliest_expiry", res->earliest_expiry, opts->now);
		else
			set(sum, "earliest_expiry", json_null());
	}
	dv_jw_value(w, "summary", sum);
	dv_jw_value(w, "probe_time", json_integer(snap->time));
	dv_time_format(snap->time, t, sizeof(t));
	dv_jw_value(w, "probe_time_text", json_string(t));
	dv_jw_value(w, "probe_ms", json_integer(snap->probe_ms));
	dv_report_judged_at(w, opts->now, opts->warn_secs, opts->crit_secs);
	dv_jw_value(w, "expect", json_string(dv_live_expect_name(opts->expect)));
	json_t *d = json_array();
	for (size_t i = 0; d && i < snap->ndomains; i++)
		json_array_append_new(d, dv_report_json_text(snap->domains[i]));
	dv_jw_value(w, "domains", d);
	dv_jw_array(w, "results");
	for (size_t i = 0; i < res->ndomains; i++)
		dv_jw_value(w, NULL, domain_json(snap, opts, &res->domains[i]));
	dv_jw_end_array(w);

	dv_jw_array(w, "zones");
	uint32_t *order = zone_order(snap);
	for (size_t i = 0; order && i < snap->nzones; i++) {
		uint32_t zi = order[i];
		const dv_snap_zone_t *z = &snap->zones[zi];
		const dv_live_zone_t *zr = &res->zones[zi];
		json_t *o = json_object();
		if (o == NULL)
			break;
		set(o, "name", json_string(z->name));
		set(o, "parent",
		    z->parent < 0 ? json_null() : json_string(snap->zones[z->parent].name));
		set(o, "status", json_string(dv_chain_status_name(zr->status)));
		set(o, "reason", dv_report_json_text(zr->reason));
		set(o, "signed", json_boolean(zr->signed_zone));
		set(o, "requested", json_boolean(zr->requested));
		json_t *sv = json_array();
		for (size_t k = 0; sv && k < z->nservers; k++) {
			json_t *sj = json_object();
			set(sj, "name", dv_report_json_text(snap->servers[z->servers[k]].name));
			set(sj, "address", dv_report_json_text(snap->servers[z->servers[k]].addr));
			const dv_live_server_t *ls = k < zr->nsrv ? &zr->srv[k] : NULL;
			if (ls != NULL) {
				set(sj, "answering", json_boolean(ls->answering));
				if (ls->have_serial)
					set(sj, "serial", json_integer(ls->serial));
				if (ls->have_expiry) {
					set(sj, "earliest_expiry",
					    json_integer(ls->earliest_expiry));
					set(sj, "seconds_to_expiry",
					    json_integer(ls->earliest_expiry - opts->now));
				}
			}
			json_array_append_new(sv, sj);
		}
		set(o, "servers", sv);
		set(o, "servers_answering", json_integer(zr->answering));
		if (zr->have_serial)
			set(o, "serial", json_integer(zr->serial));
		if (zr->have_expiry) {
			set(o, "earliest_expiry", json_integer(zr->earliest_expiry));
			dv_time_format(zr->earliest_expiry, t, sizeof(t));
			set(o, "earliest_expiry_text", json_string(t));
		}
		if (zr->have_signed_until) {
			set(o, "signed_until", json_integer(zr->signed_until));
			dv_time_format(zr->signed_until, t, sizeof(t));
			set(o, "signed_until_text", json_string(t));
		}
		dv_jw_value(w, NULL, o);
	}
	free(order);
	dv_jw_end_array(w);
	dv_report_findings_json(w, &res->findings);
	dv_jw_end_object(w);
	return dv_jw_free(w);
}

/* A perfdata label from a name (Monitoring Plugins guidelines: no '=' or
 * quote; spaces would need quoting): anything else becomes '_'. */
static void put_label(FILE *out, const char *prefix, const char *name)
{
	fputs(prefix, out);
	for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++)
		fputc(*p <= 0x20 || *p >= 0x7f || *p == '=' || *p == '\'' || *p == '|' ? '_' : *p,
		      out);
}

/* Text for the plugin line: no '|' (it starts perfdata), no control bytes. */
static void put_plugin_text(FILE *out, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
		fputc(*p == '|' ? '/' : *p < 0x20 || *p == 0x7f ? '?' : *p, out);
}

int dv_report_check_nagios(FILE *out, const dv_snapshot_t *snap, const dv_live_opts_t *opts,
                           const dv_live_result_t *res)
{
	int st = dv_findings_exit_status(&res->findings);
	static const char *const names[] = {"OK", "WARNING", "CRITICAL"};
	size_t e = dv_findings_count(&res->findings, DV_SEV_ERROR),
	       w = dv_findings_count(&res->findings, DV_SEV_WARNING);
	fprintf(out, "DNSVIGIL %s - ", names[st]);
	if (st == 0 && res->ndomains == 1 && res->domains[0].zone >= 0) {
		/* One domain: its status and how long it stays signed. */
		const dv_live_domain_t *d = &res->domains[0];
		put_plugin_text(out, d->domain);
		fprintf(out, " %s", dv_chain_status_name(d->status));
		if (!d->apex)
			fprintf(out, " (in %s)", snap->zones[d->zone].name);
		if (d->have_expiry) {
			char t[32];
			days_left(t, sizeof(t), d->expiry, opts->now);
			fprintf(out, ", signatures valid %s more", t);
		}
	} else if (st == 0) {
		fprintf(out, "%zu domain%s secure or as expected", res->ndomains,
		        res->ndomains == 1 ? "" : "s");
	} else {
		/* What the operator asked about first: domains that do not exist
		 * or are not as expected, then bogus zones (every name in them
		 * fails for validating resolvers). */
		size_t nd = 0;
		for (size_t i = 0; i < res->ndomains; i++) {
			const dv_live_domain_t *d = &res->domains[i];
			bool gone = d->existence == DV_LIVE_NONEXISTENT ||
			            d->existence == DV_LIVE_NONEXISTENT_UNPROVEN;
			bool unknown = d->zone < 0 || d->existence == DV_LIVE_EXISTENCE_UNKNOWN;
			if (!gone && !unknown && d->as_expected)
				continue;
			if (nd < 3) {
				fputs(nd ? ", " : "", out);
				put_plugin_text(out, d->domain);
				if (unknown)
					fputs(" not known to exist", out);
				else if (gone)
					fprintf(out, " does not exist%s",
					        d->existence == DV_LIVE_NONEXISTENT
					            ? " (proven)"
					            : " (unproven)");
				else
					fprintf(out, " %s, expected %s",
					        dv_chain_status_name(d->status),
					        dv_live_expect_name(opts->expect));
			}
			nd++;
		}
		if (nd > 3)
			fprintf(out, " (+%zu)", nd - 3);
		size_t nb = 0;
		for (size_t z = 0; z < res->nzones; z++) {
			if (res->zones[z].status != DV_CHAIN_BOGUS)
				continue;
			if (nb < 3)
				fprintf(out, "%s%s",
				        nb   ? ", "
				        : nd ? "; bogus: "
				             : "bogus: ",
				        snap->zones[z].name);
			nb++;
		}
		if (nb > 3)
			fprintf(out, " (+%zu)", nb - 3);
		fprintf(out, "%s%zu error%s, %zu warning%s", nb || nd ? "; " : "", e,
		        e == 1 ? "" : "s", w, w == 1 ? "" : "s");
		/* The worst finding first (the list is sorted worst first; it may
		 * be empty when memory ran short and every finding was counted). */
		const dv_finding_t *f = res->findings.len > 0 ? &res->findings.v[0] : NULL;
		char zone[DV_FINDING_NAME_MAX] = "";
		if (f != NULL && f->zone != NULL)
			dv_dname_to_str(f->zone, zone, sizeof(zone));
		if (f != NULL) {
			fprintf(out, ": %s %s%s", dv_code_name(f->code), zone,
			        f->server[0] ? " @" : "");
			put_plugin_text(out, f->server);
		}
	}
	/* Perfdata (Monitoring Plugins guidelines): seconds each requested
	 * domain stays signed, alerting below the thresholds ("N:"), negative
	 * once expired. */
	fprintf(out, " |");
	for (size_t i = 0; i < res->ndomains; i++) {
		const dv_live_domain_t *d = &res->domains[i];
		if (d->existence != DV_LIVE_EXISTS || !d->have_expiry)
			continue;
		fputc(' ', out);
		if (res->ndomains == 1)
			fputs("expiry", out);
		else
			put_label(out, "expiry_", d->domain);
		fprintf(out, "=%llds;%lld:;%lld:", (long long)(d->expiry - opts->now),
		        (long long)opts->warn_secs, (long long)opts->crit_secs);
	}
	fprintf(out, " servers=%u;;;0;%u probe_time=%.3fs;;;0 errors=%zu;;;0 warnings=%zu;;;0\n",
	        res->answering, res->servers, snap->probe_ms / 1000.0, e, w);
	return st;
}
