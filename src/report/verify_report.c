/* The report of dnsvigil verify: summary, then findings grouped by code. */
#include "core/zone.h"
#include "dnssec/dnssec.h"
#include "report/report.h"

/* Signatures checked cryptographically that failed (no key, bad signature,
 * a window that never opens). */
static size_t failed(const dv_verify_stats_t *st)
{
	size_t ok = st->rrsigs_valid + st->rrsigs_expired + st->rrsigs_not_yet_valid;
	return st->rrsigs_checked > ok ? st->rrsigs_checked - ok : 0;
}

void dv_report_verify_text(FILE *out, const dv_zone_t *z, const dv_verify_opts_t *o,
                           const dv_verify_stats_t *st, const dv_findings_t *l, double seconds)
{
	char now[40], exp[40], owner[1025], type[32];
	dv_time_format(o->now, now, sizeof(now));
	fputs("dnsvigil verify ", out);
	dv_report_put_text(out, z->origin_str);
	fputs(" (", out);
	dv_report_put_text(out, z->file);
	fputs(")\n", out);
	fprintf(out, "  checked at   %s\n", now);
	fprintf(out, "  records      %zu in %zu RRsets at %zu names, SOA serial %u\n", st->records,
	        st->rrsets, st->names, dv_zone_serial(z));
	fprintf(out, "  DNSKEYs      %zu; denial of existence: %s\n", st->dnskeys, st->denial);
	fprintf(out,
	        "  RRSIGs       %zu, %zu checked: %zu valid, %zu expired, %zu not yet valid, "
	        "%zu failed\n",
	        st->rrsigs, st->rrsigs_checked, st->rrsigs_valid, st->rrsigs_expired,
	        st->rrsigs_not_yet_valid, failed(st));
	if (st->have_expiry) {
		dv_time_format(st->earliest_expiry, exp, sizeof(exp));
		dv_dname_to_str(z->names[st->earliest_name].dname, owner, sizeof(owner));
		dv_type_to_str(st->earliest_type, type, sizeof(type));
		int64_t left = st->earliest_expiry - o->now;
		fprintf(out, "  earliest expiry %s (%s %s), %s%lldd %02lldh\n", exp, owner, type,
		        left < 0 ? "expired " : "in ", (long long)(left < 0 ? -left : left) / 86400,
		        (long long)((left < 0 ? -left : left) % 86400) / 3600);
	}
	fputs("  findings     ", out);
	dv_report_counts_text(out, l);
	fputc('\n', out);
	fprintf(out, "  time         %.2f s\n", seconds);
	dv_report_findings_text(out, l, 20);
	fprintf(out, "\nstatus: %s\n", dv_findings_status(l));
}

int dv_report_verify_json(FILE *out, const dv_zone_t *z, const dv_verify_opts_t *o,
                          const dv_verify_stats_t *st, const dv_findings_t *l)
{
	char buf[1025];
	dv_jw_t *w = dv_jw_new(out);
	if (w == NULL)
		return -1;
	dv_report_envelope(w, "verify", NULL, dv_findings_status(l));
	json_t *s = dv_report_summary_json(l);
	json_object_set_new(s, "serial", json_integer(dv_zone_serial(z)));
	json_object_set_new(s, "records", json_integer((json_int_t)st->records));
	json_object_set_new(s, "rrsets", json_integer((json_int_t)st->rrsets));
	json_object_set_new(s, "names", json_integer((json_int_t)st->names));
	json_object_set_new(s, "dnskeys", json_integer((json_int_t)st->dnskeys));
	json_object_set_new(s, "denial", json_string(st->denial));
	json_object_set_new(s, "rrsigs", json_integer((json_int_t)st->rrsigs));
	json_object_set_new(s, "rrsigs_checked", json_integer((json_int_t)st->rrsigs_checked));
	json_object_set_new(s, "rrsigs_verified", json_integer((json_int_t)st->rrsigs_verified));
	/* The counts check reports too, under the same names. */
	json_object_set_new(s, "signatures_checked", json_integer((json_int_t)st->rrsigs_checked));
	json_object_set_new(s, "signatures_valid", json_integer((json_int_t)st->rrsigs_valid));
	json_object_set_new(s, "signatures_expired", json_integer((json_int_t)st->rrsigs_expired));
	json_object_set_new(s, "signatures_not_yet_valid",
	                    json_integer((json_int_t)st->rrsigs_not_yet_valid));
	json_object_set_new(s, "signatures_failed", json_integer((json_int_t)failed(st)));
	/* Deprecated: "info" is the name every report uses. */
	json_object_set_new(s, "infos",
	                    json_integer((json_int_t)dv_findings_count(l, DV_SEV_INFO)));
	if (st->have_expiry) {
		json_object_set_new(s, "earliest_expiry", json_integer(st->earliest_expiry));
		dv_time_format(st->earliest_expiry, buf, sizeof(buf));
		json_object_set_new(s, "earliest_expiry_text", json_string(buf));
		dv_dname_to_str(z->names[st->earliest_name].dname, buf, sizeof(buf));
		json_object_set_new(s, "earliest_expiry_owner", json_string(buf));
		dv_type_to_str(st->earliest_type, buf, sizeof(buf));
		json_object_set_new(s, "earliest_expiry_type", json_string(buf));
		json_object_set_new(s, "seconds_to_expiry",
		                    json_integer(st->earliest_expiry - o->now));
	} else {
		json_object_set_new(s, "earliest_expiry", json_null());
	}
	dv_jw_value(w, "summary", s);
	dv_jw_value(w, "zone", json_string(z->origin_str));
	dv_jw_value(w, "file", dv_report_json_text(z->file));
	dv_report_judged_at(w, o->now, o->warn_expiry, o->crit_expiry);
	dv_report_findings_json(w, l);
	dv_jw_end_object(w);
	return dv_jw_free(w);
}

int dv_report_verify_nagios(FILE *out, const dv_zone_t *z, const dv_verify_opts_t *o,
                            const dv_verify_stats_t *st, const dv_findings_t *l)
{
	static const char *const names[] = {"OK", "WARNING", "CRITICAL"};
	int status = dv_findings_exit_status(l);
	size_t e = dv_findings_count(l, DV_SEV_ERROR), w = dv_findings_count(l, DV_SEV_WARNING);
	char zone[1100];
	fprintf(out, "DNSVIGIL VERIFY %s - %s", names[status],
	        dv_report_escape(z->origin_str, zone, sizeof(zone)));
	if (status == 0) {
		fprintf(out, " signed: %zu RRSIG%s valid", st->rrsigs_valid,
		        st->rrsigs_valid == 1 ? "" : "s");
		if (st->have_expiry)
			fprintf(out, ", earliest expiry in %.1f days",
			        (double)(st->earliest_expiry - o->now) / 86400.0);
	} else {
		fprintf(out, ": %zu error%s, %zu warning%s", e, e == 1 ? "" : "s", w,
		        w == 1 ? "" : "s");
		if (l->len > 0) {
			const dv_finding_t *f = &l->v[0];
			char owner[DV_FINDING_NAME_MAX] = "", type[32] = "";
			if (f->owner != NULL)
				dv_dname_to_str(f->owner, owner, sizeof(owner));
			if (f->type != 0)
				dv_type_to_str(f->type, type, sizeof(type));
			fprintf(out, ": %s %s%s%s", dv_code_name(f->code), owner,
			        type[0] ? " " : "", type);
		}
	}
	/* Perfdata: seconds to the earliest expiry, alerting below the
	 * thresholds, negative once expired (Monitoring Plugins guidelines). */
	fputs(" |", out);
	if (st->have_expiry)
		fprintf(out, " expiry=%llds;%lld:;%lld:", (long long)(st->earliest_expiry - o->now),
		        (long long)o->warn_expiry, (long long)o->crit_expiry);
	fprintf(out,
	        " rrsigs=%zu;;;0 rrsigs_valid=%zu;;;0 errors=%zu;;;0 warnings=%zu;;;0 "
	        "records=%zu;;;0\n",
	        st->rrsigs, st->rrsigs_valid, e, w, st->records);
	return status;
}
