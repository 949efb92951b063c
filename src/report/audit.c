/* The audit report: text matrix, JSON (doc/canary.md), Nagios plugin line. */
#include "report/audit.h"

#include <string.h>

#include <libknot/libknot.h>

#include "core/error.h"
#include "dnssec/dnssec.h"
#include "report/report.h"

static const char *rcode_short(int rcode)
{
	switch (rcode) {
	case 0:
		return "NOERR";
	case 1:
		return "FORMERR";
	case 2:
		return "SERVF";
	case 3:
		return "NXDOM";
	case 4:
		return "NOTIMP";
	case 5:
		return "REFUSED";
	}
	return "RCODE?";
}

static bool outcome_bad(dv_outcome_t o)
{
	return o != DV_OUTCOME_OK && o != DV_OUTCOME_NSEC3_SECURE &&
	       o != DV_OUTCOME_NSEC3_INSECURE && o != DV_OUTCOME_NSEC3_SERVFAIL &&
	       o != DV_OUTCOME_REJECTED_CD;
}

/* The class of an answer for the matrix: did data come back, did it fail? */
static int answer_class(const dv_answer_t *a)
{
	if (a->status != DV_OK)
		return a->status == DV_AUDIT_NOT_ASKED ? -1 : 0;
	return a->rcode == 2 ? 1 : a->rcode == 0 || a->rcode == 3 ? 2 : 3;
}

/* "SERVF E7", "NOERR+AD", "!NOERR" (bad outcomes marked), "timeout", and
 * "/NOERR" after it when the question without DO was answered otherwise. */
static void cell(const dv_mode_result_t *r, char *buf, size_t len)
{
	const dv_answer_t *a = &r->first;
	bool bad = outcome_bad(r->outcome) || r->stub_outcome == DV_OUTCOME_BOGUS_ACCEPTED;
	const char *mark = bad ? "!" : "";
	int p;
	if (a->status != DV_OK) {
		p = snprintf(buf, len, "%s%s", mark,
		             a->status == DV_ETIMEOUT          ? "timeout"
		             : a->status == DV_AUDIT_NOT_ASKED ? "unasked"
		             : a->status == DV_EPARSE          ? "badreply"
		                                               : "neterr");
	} else {
		p = snprintf(buf, len, "%s%s%s%s", mark, rcode_short(a->rcode), a->ad ? "+AD" : "",
		             r->outcome == DV_OUTCOME_REJECTED_CD ? "*" : "");
		for (size_t i = 0; i < a->ede_count && p > 0 && (size_t)p < len; i++) {
			int w = snprintf(buf + p, len - (size_t)p, "%s%u", i ? "," : " E",
			                 a->ede[i].code);
			if (w < 0)
				break;
			p += w;
		}
	}
	const dv_answer_t *s = &r->stub;
	int sc = answer_class(s);
	if (sc >= 0 && sc != answer_class(a) && p > 0 && (size_t)p < len)
		snprintf(buf + p, len - (size_t)p, "/%s",
		         s->status == DV_OK ? rcode_short(s->rcode) : "timeout");
}

void dv_report_audit_text(FILE *out, const dv_audit_result_t *a, bool verbose)
{
	const int mw = 18;
	int cw = 15;
	/* Wider columns only when a cell needs it (an answer without DO that differs). */
	for (size_t m = 0; m < dv_canary_mode_count; m++)
		for (size_t r = 0; r < a->len; r++) {
			char c[64];
			cell(&a->v[r].modes[m], c, sizeof(c));
			if ((int)strlen(c) > cw)
				cw = (int)strlen(c);
		}
	char canary[1100];
	fprintf(out, "canary %s: %zu modes, %zu resolver%s, %.2f s\n\n",
	        dv_report_escape(a->canary, canary, sizeof(canary)), dv_canary_mode_count, a->len,
	        a->len == 1 ? "" : "s", a->elapsed_ms / 1000.0);
	fprintf(out, "%-*s %-9s", mw, "mode", "expect");
	for (size_t r = 0; r < a->len; r++) {
		char addr[300];
		fprintf(out, " %-*.*s", cw, cw,
		        dv_report_escape(a->v[r].address, addr, sizeof(addr)));
	}
	fputc('\n', out);
	for (size_t m = 0; m < dv_canary_mode_count; m++) {
		const dv_canary_mode_t *mode = &dv_canary_modes[m];
		fprintf(out, "%-*s %-9s", mw, mode->label, dv_expect_name(mode->expect));
		for (size_t r = 0; r < a->len; r++) {
			char c[64];
			cell(&a->v[r].modes[m], c, sizeof(c));
			fprintf(out, " %-*.*s", cw, cw, c);
		}
		fputc('\n', out);
	}
	fprintf(out, "\n(!: not what a correct validator answers; *: SERVFAIL with CD set too;"
	             " E<n>: RFC 8914 EDE codes;\n /X: answered X when asked without DO, as"
	             " ordinary stub resolvers ask)\n\n");
	for (size_t r = 0; r < a->len; r++) {
		const dv_resolver_result_t *rr = &a->v[r];
		char lim[32];
		if (rr->nsec3_limit >= 0)
			snprintf(lim, sizeof(lim), "%d", rr->nsec3_limit);
		else
			snprintf(lim, sizeof(lim), "none");
		char addr[300];
		fprintf(out, "%-20s %-20s nsec3-limit %-5s ede %-3s %u ms\n",
		        dv_report_escape(rr->address, addr, sizeof(addr)),
		        dv_verdict_name(rr->verdict), lim, rr->sends_ede ? "yes" : "no",
		        rr->elapsed_ms);
		for (size_t i = 0; i < rr->findings.len; i++) {
			const dv_finding_t *f = &rr->findings.v[i];
			fprintf(out, "  %s %s: ", dv_severity_name(dv_code_severity(f->code)),
			        dv_code_name(f->code));
			dv_report_put_text(out, f->detail);
			fputc('\n', out);
		}
		for (size_t m = 0; verbose && m < dv_canary_mode_count; m++) {
			const dv_answer_t *an = &rr->modes[m].first;
			for (size_t i = 0; i < an->ede_count; i++) {
				fprintf(out, "  ede %-18s %3u ", dv_canary_modes[m].label,
				        an->ede[i].code);
				dv_report_put_text(out, an->ede[i].text);
				fputc('\n', out);
			}
		}
	}
}

/* ---- JSON ------------------------------------------------------------------- */

static json_t *time_json(int64_t t)
{
	return t != 0 ? json_integer(t) : json_null();
}

static json_t *answer_json(const dv_answer_t *a)
{
	json_t *o = json_object();
	const char *st = a->status == DV_OK         ? "answer"
	                 : a->status == DV_ETIMEOUT ? "timeout"
	                 : a->status == DV_ENET     ? "network-error"
	                                            : "parse-error";
	json_object_set_new(o, "status", json_string(st));
	if (a->status == DV_OK) {
		const knot_lookup_t *l = knot_lookup_by_id(knot_rcode_names, a->rcode);
		json_object_set_new(o, "rcode", json_string(l ? l->name : "UNKNOWN"));
		json_object_set_new(o, "ad", json_boolean(a->ad));
		json_object_set_new(o, "tcp", json_boolean(a->tcp));
		json_object_set_new(o, "rtt_ms", json_integer(a->rtt_ms));
		json_t *ede = json_array();
		for (size_t i = 0; i < a->ede_count; i++) {
			json_t *e = json_object();
			json_object_set_new(e, "code", json_integer(a->ede[i].code));
			json_object_set_new(e, "text", dv_report_json_text(a->ede[i].text));
			json_array_append_new(ede, e);
		}
		json_object_set_new(o, "ede", ede);
		json_object_set_new(o, "ra", json_boolean(a->ra));
		json_object_set_new(o, "aa", json_boolean(a->aa));
		json_object_set_new(o, "data", json_boolean(a->data));
	}
	return o;
}

static json_t *mode_json(const dv_audit_result_t *a, size_t m, const dv_mode_result_t *mr)
{
	const dv_canary_mode_t *mode = &dv_canary_modes[m];
	char qname[KNOT_DNAME_TXT_MAXLEN + 16] = "";
	json_t *mo = json_object();
	dv_canary_qname(mode, a->canary, qname, sizeof(qname));
	json_object_set_new(mo, "mode", json_string(mode->label));
	json_object_set_new(mo, "qname", json_string(qname));
	json_object_set_new(mo, "expect", json_string(dv_expect_name(mode->expect)));
	if (mode->ede >= 0)
		json_object_set_new(mo, "expected_ede", json_integer(mode->ede));
	json_object_set_new(mo, "outcome", json_string(dv_outcome_name(mr->outcome)));
	json_object_set_new(mo, "answer", answer_json(&mr->first));
	if (mr->cd.status != DV_AUDIT_NOT_ASKED)
		json_object_set_new(mo, "cd_answer", answer_json(&mr->cd));
	json_object_set_new(mo, "stub_outcome", json_string(dv_outcome_name(mr->stub_outcome)));
	if (mr->stub.status != DV_AUDIT_NOT_ASKED)
		json_object_set_new(mo, "stub_answer", answer_json(&mr->stub));
	return mo;
}

static json_t *resolver_json(const dv_audit_result_t *a, const dv_resolver_result_t *rr)
{
	json_t *o = json_object();
	json_object_set_new(o, "address", dv_report_json_text(rr->address));
	json_object_set_new(o, "verdict", json_string(dv_verdict_name(rr->verdict)));
	json_object_set_new(o, "nsec3_iteration_limit",
	                    rr->nsec3_limit >= 0 ? json_integer(rr->nsec3_limit) : json_null());
	json_object_set_new(o, "sends_ede", json_boolean(rr->sends_ede));
	json_object_set_new(o, "elapsed_ms", json_integer(rr->elapsed_ms));
	json_t *acc = json_array(), *stub_acc = json_array(), *modes = json_array();
	for (size_t m = 0; m < dv_canary_mode_count; m++) {
		const dv_mode_result_t *mr = &rr->modes[m];
		if (mr->outcome == DV_OUTCOME_BOGUS_ACCEPTED)
			json_array_append_new(acc, json_string(dv_canary_modes[m].label));
		if (mr->stub_outcome == DV_OUTCOME_BOGUS_ACCEPTED)
			json_array_append_new(stub_acc, json_string(dv_canary_modes[m].label));
		json_array_append_new(modes, mode_json(a, m, mr));
	}
	json_object_set_new(o, "accepted_bogus", acc);
	json_object_set_new(o, "accepted_bogus_without_do", stub_acc);
	json_t *can = json_object();
	json_object_set_new(can, "state", json_string(dv_canary_state_name(rr->canary)));
	json_object_set_new(can, "expires", time_json(rr->canary_expires));
	json_object_set_new(can, "notyet_valid_from", time_json(rr->canary_notyet_at));
	json_object_set_new(o, "canary", can);
	json_object_set_new(o, "modes", modes);
	json_object_set_new(o, "findings", dv_findings_json(&rr->findings));
	return o;
}

json_t *dv_report_audit_json(const dv_audit_result_t *a)
{
	json_t *root = json_object();
	if (root == NULL)
		return NULL;
	int status = dv_audit_exit_status(a);
	dv_report_envelope_set(root, "audit", NULL, dv_report_status_name(status));
	/* The counts of every report, then the verdicts. */
	json_t *sum = dv_report_summary_json(NULL);
	size_t count[DV_VERDICT_COUNT] = {0};
	for (size_t r = 0; r < a->len; r++) {
		count[a->v[r].verdict]++;
		static const char *const sev[] = {"info", "warnings", "errors"};
		for (int v = DV_SEV_INFO; v <= DV_SEV_ERROR; v++) {
			json_t *n = json_object_get(sum, sev[v]);
			json_integer_set(n, json_integer_value(n) +
			                        (json_int_t)dv_findings_count(&a->v[r].findings,
			                                                      (dv_severity_t)v));
		}
	}
	json_object_set_new(sum, "resolvers", json_integer((json_int_t)a->len));
	json_t *verdicts = json_object();
	for (int v = 0; v < DV_VERDICT_COUNT; v++)
		json_object_set_new(verdicts, dv_verdict_name((dv_verdict_t)v),
		                    json_integer((json_int_t)count[v]));
	json_object_set_new(sum, "verdicts", verdicts);
	json_object_set_new(root, "summary", sum);
	json_object_set_new(root, "canary", dv_report_json_text(a->canary));
	json_object_set_new(root, "elapsed_ms", json_integer(a->elapsed_ms));
	json_object_set_new(root, "time", json_integer(a->time));
	json_object_set_new(root, "now", json_integer(a->now));
	json_t *res = json_array();
	for (size_t r = 0; r < a->len; r++)
		json_array_append_new(res, resolver_json(a, &a->v[r]));
	json_object_set_new(root, "resolvers", res);
	/* Every resolver's findings, in the one finding shape. */
	json_t *all = json_array();
	for (size_t r = 0; all != NULL && r < a->len; r++)
		for (size_t i = 0; i < a->v[r].findings.len; i++)
			json_array_append_new(all, dv_finding_json(&a->v[r].findings.v[i]));
	json_object_set_new(root, "findings", all);
	return root;
}

/* ---- Nagios -------------------------------------------------------------------- */

/* Text for a plugin's output: '|' starts the performance data and a line
 * break a new line of output (Monitoring Plugins guidelines), so neither
 * may come from a name or an answer; control bytes are replaced too. */
static void put_plugin_text(FILE *out, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		fputc(c == '|' ? '/' : c < 0x20 || c == 0x7f ? '?' : c, out);
	}
}

int dv_report_audit_nagios(FILE *out, const dv_audit_result_t *a)
{
	static const char *const words[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};
	size_t count[DV_VERDICT_COUNT] = {0};
	for (size_t r = 0; r < a->len; r++)
		count[a->v[r].verdict]++;
	int status = dv_audit_exit_status(a);
	fprintf(out, "DNSVIGIL AUDIT %s - %zu of %zu resolvers validating", words[status],
	        count[DV_VERDICT_VALIDATING], a->len);
	for (size_t r = 0; r < a->len; r++) {
		const dv_resolver_result_t *rr = &a->v[r];
		if (rr->verdict == DV_VERDICT_VALIDATING)
			continue;
		fputs("; ", out);
		put_plugin_text(out, rr->address);
		fprintf(out, " %s", dv_verdict_name(rr->verdict));
		/* UNKNOWN says why on the one line a plugin shows. */
		if (rr->verdict == DV_VERDICT_INDETERMINATE && rr->findings.len > 0) {
			fputs(" (", out);
			put_plugin_text(out, rr->findings.v[0].detail);
			fputc(')', out);
		}
	}
	fprintf(out,
	        " | validating=%zu not_validating=%zu partial=%zu unreachable=%zu "
	        "ta_broken=%zu strips_ad=%zu permissive=%zu do_only=%zu not_resolver=%zu "
	        "indeterminate=%zu time=%.3fs\n",
	        count[DV_VERDICT_VALIDATING], count[DV_VERDICT_NOT_VALIDATING],
	        count[DV_VERDICT_PARTIAL], count[DV_VERDICT_UNREACHABLE],
	        count[DV_VERDICT_TA_BROKEN], count[DV_VERDICT_STRIPS_AD],
	        count[DV_VERDICT_PERMISSIVE], count[DV_VERDICT_DO_ONLY],
	        count[DV_VERDICT_NOT_RESOLVER], count[DV_VERDICT_INDETERMINATE],
	        a->elapsed_ms / 1000.0);
	/* Long output (Monitoring Plugins: lines after the first). */
	for (size_t r = 0; r < a->len; r++)
		for (size_t i = 0; i < a->v[r].findings.len; i++) {
			const dv_finding_t *f = &a->v[r].findings.v[i];
			put_plugin_text(out, f->server);
			fprintf(out, " %s: ", dv_code_name(f->code));
			put_plugin_text(out, f->detail);
			fputc('\n', out);
		}
	return status;
}
