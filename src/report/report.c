#include <string.h>

#include "core/zone.h"
#include "dnssec/dnssec.h"
#include "report/report.h"

json_t *dv_finding_json(const dv_finding_t *f)
{
	json_t *o = json_object();
	if (o == NULL)
		return NULL;
	char buf[64];
	json_object_set_new(o, "code", json_string(dv_code_name(f->code)));
	json_object_set_new(o, "severity",
	                    json_string(dv_severity_name(dv_code_severity(f->code))));
	json_object_set_new(o, "title", json_string(dv_code_title(f->code)));
	if (f->zone[0])
		json_object_set_new(o, "zone", json_string(f->zone));
	if (f->server[0])
		json_object_set_new(o, "server", json_string(f->server));
	if (f->owner[0])
		json_object_set_new(o, "owner", json_string(f->owner));
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
		json_object_set_new(o, "detail", json_string(f->detail));
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

const char *dv_findings_status(const dv_findings_t *l)
{
	if (dv_findings_count(l, DV_SEV_ERROR) > 0)
		return "error";
	if (dv_findings_count(l, DV_SEV_WARNING) > 0)
		return "warning";
	return "ok";
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
	char type[32] = "", when[40] = "";
	if (f->type)
		dv_type_to_str(f->type, type, sizeof(type));
	fputs("    ", out);
	if (f->zone[0])
		fprintf(out, "zone %s ", f->zone);
	if (f->server[0])
		fprintf(out, "@%s ", f->server);
	if (f->owner[0])
		fprintf(out, "%s", f->owner);
	if (type[0])
		fprintf(out, " %s", type);
	if (f->keytag >= 0)
		fprintf(out, " key %d", f->keytag);
	if (f->algorithm)
		fprintf(out, " alg %u", f->algorithm);
	if (f->detail[0])
		fprintf(out, ": %s", f->detail);
	else if (f->time) {
		dv_time_format(f->time, when, sizeof(when));
		fprintf(out, " at %s", when);
	}
	fputc('\n', out);
}

void dv_report_findings_text(FILE *out, const dv_findings_t *l, size_t max_per_code)
{
	/* The list is sorted by severity then code, so each code is one run. */
	for (size_t i = 0; i < l->len;) {
		size_t j = i;
		while (j < l->len && l->v[j].code == l->v[i].code)
			j++;
		dv_code_t c = l->v[i].code;
		fprintf(out, "\n%s %s (%zu): %s\n", dv_severity_name(dv_code_severity(c)),
		        dv_code_name(c), j - i, dv_code_title(c));
		size_t shown = 0;
		for (size_t k = i; k < j; k++) {
			if (max_per_code && shown == max_per_code) {
				fprintf(out, "    ... and %zu more (--format json lists all)\n",
				        j - k);
				break;
			}
			finding_line(out, &l->v[k]);
			shown++;
		}
		fprintf(out, "  fix: %s\n", dv_code_remediation(c));
		i = j;
	}
}
