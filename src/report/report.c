#include <stdlib.h>
#include <string.h>

#include "core/zone.h"
#include "dnssec/dnssec.h"
#include "report/report.h"

/* "server": always an array of addresses.  A list merged from many servers
 * ends in "+N" when it was cut (src/checks/live.c): those are counted in
 * "servers_omitted". */
static void server_json(json_t *o, const char *list)
{
	json_t *a = json_array();
	long omitted = 0;
	for (const char *p = list; a != NULL && *p != '\0';) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n > 1 && p[0] == '+' && p[1] >= '0' && p[1] <= '9') {
			omitted += strtol(p + 1, NULL, 10);
		} else if (n > 0) {
			char buf[DV_FINDING_SERVER_MAX + 1];
			snprintf(buf, sizeof(buf), "%.*s", (int)n, p);
			json_array_append_new(a, dv_report_json_text(buf));
		}
		p += n + (e != NULL);
	}
	json_object_set_new(o, "server", a);
	if (omitted > 0)
		json_object_set_new(o, "servers_omitted", json_integer(omitted));
}

json_t *dv_finding_json(const dv_finding_t *f)
{
	json_t *o = json_object();
	if (o == NULL)
		return NULL;
	char buf[DV_FINDING_NAME_MAX];
	json_object_set_new(o, "code", json_string(dv_code_name(f->code)));
	json_object_set_new(o, "severity",
	                    json_string(dv_severity_name(dv_code_severity(f->code))));
	json_object_set_new(o, "title", json_string(dv_code_title(f->code)));
	if (f->zone != NULL) {
		dv_dname_to_str(f->zone, buf, sizeof(buf));
		json_object_set_new(o, "zone", json_string(buf));
	}
	if (f->server[0])
		server_json(o, f->server);
	if (f->owner != NULL) {
		dv_dname_to_str(f->owner, buf, sizeof(buf));
		json_object_set_new(o, "owner", json_string(buf));
	}
	if (f->type != 0) {
		dv_type_to_str(f->type, buf, sizeof(buf));
		json_object_set_new(o, "type", json_string(buf));
	}
	if (f->keytag >= 0)
		json_object_set_new(o, "keytag", json_integer(f->keytag));
	if (f->algorithm != 0)
		json_object_set_new(o, "algorithm", json_integer(f->algorithm));
	if (f->time != 0) {
		json_object_set_new(o, "time", json_integer(f->time));
		dv_time_format(f->time, buf, sizeof(buf));
		json_object_set_new(o, "time_text", json_string(buf));
		json_object_set_new(o, "seconds_left", json_integer(f->seconds_left));
	}
	if (f->detail[0])
		json_object_set_new(o, "detail", dv_report_json_text(f->detail));
	json_object_set_new(o, "remediation", json_string(dv_code_remediation(f->code)));
	return o;
}

json_t *dv_findings_json(const dv_findings_t *l)
{
	json_t *a = json_array();
	for (size_t i = 0; a != NULL && i < l->len; i++)
		json_array_append_new(a, dv_finding_json(&l->v[i]));
	return a;
}

void dv_report_findings_json(dv_jw_t *w, const dv_findings_t *l)
{
	dv_jw_array(w, "findings");
	for (size_t i = 0; i < l->len; i++)
		dv_jw_value(w, NULL, dv_finding_json(&l->v[i]));
	dv_jw_end_array(w);
	if (dv_findings_dropped(l) == 0)
		return;
	/* Per code, the findings counted beyond the ceiling (worst codes first). */
	dv_jw_object(w, "findings_dropped");
	for (int sev = DV_SEV_ERROR; sev >= DV_SEV_INFO; sev--)
		for (int c = 0; c < DV_F_COUNT; c++)
			if (l->dropped[c] > 0 && (int)dv_code_severity((dv_code_t)c) == sev)
				dv_jw_value(w, dv_code_name((dv_code_t)c),
				            json_integer((json_int_t)l->dropped[c]));
	dv_jw_end_object(w);
}

const char *dv_findings_status(const dv_findings_t *l)
{
	if (dv_findings_count(l, DV_SEV_ERROR) > 0)
		return "error";
	if (dv_findings_count(l, DV_SEV_WARNING) > 0)
		return "warning";
	return "ok";
}

void dv_report_counts_text(FILE *out, const dv_findings_t *l)
{
	size_t e = dv_findings_count(l, DV_SEV_ERROR), w = dv_findings_count(l, DV_SEV_WARNING),
	       n = dv_findings_count(l, DV_SEV_INFO);
	fprintf(out, "%zu error%s, %zu warning%s, %zu info", e, e == 1 ? "" : "s", w,
	        w == 1 ? "" : "s", n);
}

int dv_findings_exit_status(const dv_findings_t *l)
{
	if (dv_findings_count(l, DV_SEV_ERROR) > 0)
		return 2;
	if (dv_findings_count(l, DV_SEV_WARNING) > 0)
		return 1;
	return 0;
}

int dv_json_write(FILE *out, json_t *root)
{
	if (root == NULL || json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0)
		return -1;
	fputc('\n', out);
	return 0;
}

static void finding_line(FILE *out, const dv_finding_t *f)
{
	char type[32] = "", when[40] = "", name[DV_FINDING_NAME_MAX];
	if (f->type)
		dv_type_to_str(f->type, type, sizeof(type));
	fputs("    ", out);
	if (f->zone != NULL) {
		dv_dname_to_str(f->zone, name, sizeof(name));
		fprintf(out, "zone %s ", name);
	}
	if (f->server[0]) {
		fputc('@', out);
		dv_report_put_text(out, f->server);
		fputc(' ', out);
	}
	if (f->owner != NULL) {
		dv_dname_to_str(f->owner, name, sizeof(name));
		fprintf(out, "%s", name);
	}
	if (type[0])
		fprintf(out, " %s", type);
	if (f->keytag >= 0)
		fprintf(out, " key %d", f->keytag);
	if (f->algorithm)
		fprintf(out, " alg %u", f->algorithm);
	if (f->detail[0]) {
		fputs(": ", out);
		dv_report_put_text(out, f->detail);
	} else if (f->time) {
		dv_time_format(f->time, when, sizeof(when));
		fprintf(out, " at %s", when);
	}
	fputc('\n', out);
}

void dv_report_findings_text(FILE *out, const dv_findings_t *l, size_t max_per_code)
{
	/* The list is sorted by severity then code: each code is one run, in
	 * this order.  A code may have been counted with nothing kept (memory
	 * ran short): it still gets its heading. */
	size_t i = 0;
	for (int sev = DV_SEV_ERROR; sev >= DV_SEV_INFO; sev--) {
		for (int ci = 0; ci < DV_F_COUNT; ci++) {
			dv_code_t c = (dv_code_t)ci;
			if ((int)dv_code_severity(c) != sev || dv_findings_total(l, c) == 0)
				continue;
			size_t j = i;
			while (j < l->len && l->v[j].code == c)
				j++;
			fprintf(out, "\n%s %s (%llu): %s\n", dv_severity_name(dv_code_severity(c)),
			        dv_code_name(c), (unsigned long long)dv_findings_total(l, c),
			        dv_code_title(c));
			size_t shown = j - i;
			if (max_per_code && shown > max_per_code)
				shown = max_per_code;
			for (size_t k = i; k < i + shown; k++)
				finding_line(out, &l->v[k]);
			size_t listed = j - i - shown;
			unsigned long long counted = l->dropped[c];
			if (listed + counted > 0) {
				fprintf(out, "    ... and %llu more",
				        (unsigned long long)listed + counted);
				if (counted == 0)
					fputs(" (--format json lists all)\n", out);
				else if (listed > 0)
					fprintf(
					    out,
					    " (--format json lists %zu; %llu counted, not kept)\n",
					    listed, counted);
				else
					fprintf(out,
					        " (counted, not kept: the first %d of a code are "
					        "kept)\n",
					        DV_FINDINGS_PER_CODE);
			}
			fprintf(out, "  fix: %s\n", dv_code_remediation(c));
			i = j;
		}
	}
}
