/* The report of dnsvigil verify: summary, then findings grouped by code. */
#include "core/text.h"
#include "core/zone.h"
#include "dnssec/dnssec.h"
#include "report/report.h"

void dv_report_verify_text(FILE *out, const dv_zone_t *z, const dv_verify_opts_t *o,
                           const dv_verify_stats_t *st, const dv_findings_t *l, double seconds)
{
	char now[40], exp[40], owner[1025], type[32], origin[1025], file[1025];
	dv_time_format(o->now, now, sizeof(now));
	/* Names and the file name are input: escaped (core/text.h). */
	fprintf(out, "dnsvigil verify %s (%s)\n",
	        dv_text_escape(origin, sizeof(origin), z->origin_str, 0),
	        dv_text_escape(file, sizeof(file), z->file, 0));
	fprintf(out, "  checked at   %s\n", now);
	fprintf(out, "  records      %zu in %zu RRsets at %zu names, SOA serial %u\n", st->records,
	        st->rrsets, st->names, dv_zone_serial(z));
	fprintf(out, "  DNSKEYs      %zu; denial of existence: %s\n", st->dnskeys, st->denial);
	fprintf(out, "  RRSIGs       %zu, %zu verified valid of %zu checked\n", st->rrsigs,
	        st->rrsigs_verified, st->rrsigs_checked);
	if (st->have_expiry) {
		dv_time_format(st->earliest_expiry, exp, sizeof(exp));
		dv_dname_to_str(z->names[st->earliest_name].dname, origin, sizeof(origin));
		dv_text_escape(owner, sizeof(owner), origin, 0);
		dv_type_to_str(st->earliest_type, type, sizeof(type));
		int64_t left = st->earliest_expiry - o->now;
		fprintf(out, "  earliest expiry %s (%s %s), %s%lldd %02lldh\n", exp, owner, type,
		        left < 0 ? "expired " : "in ", (long long)(left < 0 ? -left : left) / 86400,
		        (long long)((left < 0 ? -left : left) % 86400) / 3600);
	}
	fprintf(out, "  findings     %zu errors, %zu warnings, %zu notices\n",
	        dv_findings_count(l, DV_SEV_ERROR), dv_findings_count(l, DV_SEV_WARNING),
	        dv_findings_count(l, DV_SEV_INFO));
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
	dv_jw_object(w, NULL);
	dv_jw_value(w, "command", json_string("verify"));
	dv_jw_value(w, "zone", json_string(z->origin_str));
	dv_jw_value(w, "file", json_string(z->file));
	dv_jw_value(w, "now", json_integer(o->now));
	dv_time_format(o->now, buf, sizeof(buf));
	dv_jw_value(w, "now_text", json_string(buf));
	json_t *s = json_object();
	json_object_set_new(s, "serial", json_integer(dv_zone_serial(z)));
	json_object_set_new(s, "records", json_integer((json_int_t)st->records));
	json_object_set_new(s, "rrsets", json_integer((json_int_t)st->rrsets));
	json_object_set_new(s, "names", json_integer((json_int_t)st->names));
	json_object_set_new(s, "dnskeys", json_integer((json_int_t)st->dnskeys));
	json_object_set_new(s, "denial", json_string(st->denial));
	json_object_set_new(s, "rrsigs", json_integer((json_int_t)st->rrsigs));
	json_object_set_new(s, "rrsigs_checked", json_integer((json_int_t)st->rrsigs_checked));
	json_object_set_new(s, "rrsigs_verified", json_integer((json_int_t)st->rrsigs_verified));
	json_object_set_new(s, "errors",
	                    json_integer((json_int_t)dv_findings_count(l, DV_SEV_ERROR)));
	json_object_set_new(s, "warnings",
	                    json_integer((json_int_t)dv_findings_count(l, DV_SEV_WARNING)));
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
	} else {
		json_object_set_new(s, "earliest_expiry", json_null());
	}
	dv_jw_value(w, "summary", s);
	dv_report_findings_json(w, l);
	dv_jw_value(w, "status", json_string(dv_findings_status(l)));
	dv_jw_end_object(w);
	return dv_jw_free(w);
}
