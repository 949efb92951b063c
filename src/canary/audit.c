/*
 * The resolver audit: ask each resolver for each canary mode's name (DO+RD;
 * again with CD when it SERVFAILs), and judge from rcode and AD alone.
 * EDE (RFC 8914) is recorded as evidence only: resolvers disagree on codes,
 * and BIND 9.18 sends none (doc/canary.md).
 */
#include "canary/canary.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <libknot/libknot.h>

#include "core/error.h"
#include "net/net.h"
#include "report/report.h"

#define RCODE_NOERROR   0
#define RCODE_SERVFAIL  2
#define RCODE_NXDOMAIN  3
#define EDNS_OPTION_EDE 15 /*!< RFC 8914 §2 */
#define NOT_ASKED       -100

const char *dv_verdict_name(dv_verdict_t v)
{
	switch (v) {
	case DV_VERDICT_VALIDATING:
		return "validating";
	case DV_VERDICT_NOT_VALIDATING:
		return "not-validating";
	case DV_VERDICT_PARTIAL:
		return "partial";
	case DV_VERDICT_STRIPS_AD:
		return "strips-ad";
	case DV_VERDICT_UNREACHABLE:
		return "unreachable";
	case DV_VERDICT_TA_BROKEN:
		return "trust-anchor-broken";
	case DV_VERDICT_INDETERMINATE:
		return "indeterminate";
	}
	return "?";
}

const char *dv_outcome_name(dv_outcome_t o)
{
	static const char *const names[] = {
	    [DV_OUTCOME_OK] = "ok",
	    [DV_OUTCOME_BOGUS_ACCEPTED] = "bogus-accepted",
	    [DV_OUTCOME_SECURE_FAILED] = "servfail",
	    [DV_OUTCOME_NO_AD] = "no-ad",
	    [DV_OUTCOME_WRONG_AD] = "wrong-ad",
	    [DV_OUTCOME_NO_ANSWER] = "no-answer",
	    [DV_OUTCOME_OTHER] = "other-rcode",
	    [DV_OUTCOME_REJECTED_CD] = "rejected-cd-servfail",
	    [DV_OUTCOME_NSEC3_SECURE] = "nsec3-secure",
	    [DV_OUTCOME_NSEC3_INSECURE] = "nsec3-insecure",
	    [DV_OUTCOME_NSEC3_SERVFAIL] = "nsec3-servfail",
	};
	if ((size_t)o < sizeof(names) / sizeof(names[0]) && names[o] != NULL)
		return names[o];
	return "?";
}

static void answer_reset(dv_answer_t *a)
{
	memset(a, 0, sizeof(*a));
	a->status = NOT_ASKED;
	a->rcode = -1;
}

static void copy_text(char *dst, size_t cap, const uint8_t *src, size_t len)
{
	size_t o = 0;
	for (size_t i = 0; i < len && o + 1 < cap; i++)
		dst[o++] = (src[i] >= 0x20 && src[i] < 0x7f) ? (char)src[i] : '?';
	dst[o] = '\0';
}

void dv_audit_parse_answer(const uint8_t *wire, size_t len, dv_answer_t *ans)
{
	ans->rcode = -1;
	ans->ede_count = 0;
	if (wire == NULL || len < KNOT_WIRE_HEADER_SIZE || len > 65535) {
		ans->status = DV_EPARSE;
		return;
	}
	ans->rcode = knot_wire_get_rcode(wire);
	ans->ad = knot_wire_get_ad(wire);
	ans->tc = knot_wire_get_tc(wire);
	ans->ancount = knot_wire_get_ancount(wire);

	/* libknot parses a copy: knot_pkt_parse may rewrite the buffer. */
	uint8_t *copy = malloc(len);
	if (copy == NULL)
		return;
	memcpy(copy, wire, len);
	knot_pkt_t *pkt = knot_pkt_new(copy, len, NULL);
	if (pkt == NULL || knot_pkt_parse(pkt, KNOT_PF_NOCANON) != KNOT_EOK) {
		/* The header is still evidence; EDE cannot be read. */
		knot_pkt_free(pkt);
		free(copy);
		return;
	}
	if (pkt->opt_rr != NULL) {
		ans->rcode = knot_pkt_ext_rcode(pkt);
		const knot_rdata_t *rd = pkt->opt_rr->rrs.rdata;
		size_t rdlen = pkt->opt_rr->rrs.count > 0 ? rd->len : 0;
		const uint8_t *p = rdlen ? rd->data : NULL;
		/* RFC 6891 §6.1.2: {code, length, data} options; walk with bounds. */
		size_t pos = 0;
		while (p != NULL && pos + 4 <= rdlen) {
			uint16_t code = knot_wire_read_u16(p + pos);
			uint16_t olen = knot_wire_read_u16(p + pos + 2);
			if (pos + 4 + olen > rdlen)
				break;
			/* RFC 8914 §2: INFO-CODE (2 octets), then EXTRA-TEXT. */
			if (code == EDNS_OPTION_EDE && olen >= 2 &&
			    ans->ede_count < DV_AUDIT_MAX_EDE) {
				dv_ede_t *e = &ans->ede[ans->ede_count++];
				e->code = knot_wire_read_u16(p + pos + 4);
				copy_text(e->text, sizeof(e->text), p + pos + 6, olen - 2u);
			}
			pos += 4 + (size_t)olen;
		}
	}
	knot_pkt_free(pkt);
	free(copy);
}

/* ---- running the queries ---------------------------------------------------- */

typedef struct {
	dv_audit_t *audit;
	struct sockaddr_storage *addrs;
	uint64_t *t_start, *t_end;
	unsigned timeout_ms;
	int retries;
	dv_net_t *net;
	int submit_errors;
} run_t;

typedef struct {
	run_t *run;
	size_t r, m;
	bool cd;
} qctx_t;

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int submit(run_t *run, qctx_t *qc);

static void on_answer(void *ctx, const dv_query_t *q, const dv_response_t *resp)
{
	qctx_t *qc = ctx;
	run_t *run = qc->run;
	dv_mode_result_t *mr = &run->audit->v[qc->r].modes[qc->m];
	dv_answer_t *a = qc->cd ? &mr->cd : &mr->first;
	(void)q;
	answer_reset(a);
	a->status = resp->status;
	if (resp->status == DV_OK) {
		dv_audit_parse_answer(resp->wire, resp->len, a);
		a->tcp = resp->tcp;
		a->rtt_ms = resp->rtt_ms;
	}
	run->t_end[qc->r] = now_ms();
	/* SERVFAIL: ask again with CD to tell validation from reachability. */
	if (!qc->cd && a->status == DV_OK && a->rcode == RCODE_SERVFAIL) {
		qc->cd = true;
		if (submit(run, qc) != 0)
			run->submit_errors++;
	}
}

static int submit(run_t *run, qctx_t *qc)
{
	const dv_canary_mode_t *m = &dv_canary_modes[qc->m];
	char qname[KNOT_DNAME_TXT_MAXLEN + 16];
	dv_query_t q;
	memset(&q, 0, sizeof(q));
	q.addr = run->addrs[qc->r];
	if (dv_canary_qname(m, run->audit->canary, qname, sizeof(qname)) != 0 ||
	    knot_dname_from_str(q.qname, qname, sizeof(q.qname)) == NULL)
		return DV_EINVAL;
	knot_dname_to_lower(q.qname);
	q.qtype = m->qtype;
	q.qclass = KNOT_CLASS_IN;
	q.flags = DV_Q_DO | DV_Q_RD | (qc->cd ? DV_Q_CD : 0);
	q.timeout_ms = run->timeout_ms;
	q.retries = run->retries;
	return dv_net_submit(run->net, &q, on_answer, qc);
}

/* ---- judging ------------------------------------------------------------------ */

static bool answered(const dv_answer_t *a)
{
	return a->status == DV_OK && (a->rcode == RCODE_NOERROR || a->rcode == RCODE_NXDOMAIN);
}

static bool servfail(const dv_answer_t *a)
{
	return a->status == DV_OK && a->rcode == RCODE_SERVFAIL;
}

static dv_outcome_t classify(const dv_canary_mode_t *m, const dv_mode_result_t *r)
{
	const dv_answer_t *a = &r->first;
	if (a->status != DV_OK)
		return DV_OUTCOME_NO_ANSWER;
	if (!answered(a) && !servfail(a))
		return DV_OUTCOME_OTHER;
	switch (m->expect) {
	case DV_EXPECT_SECURE:
		if (servfail(a))
			return DV_OUTCOME_SECURE_FAILED;
		return a->ad ? DV_OUTCOME_OK : DV_OUTCOME_NO_AD;
	case DV_EXPECT_INSECURE:
		if (servfail(a))
			return DV_OUTCOME_SECURE_FAILED;
		return a->ad ? DV_OUTCOME_WRONG_AD : DV_OUTCOME_OK;
	case DV_EXPECT_BOGUS:
		if (answered(a))
			return DV_OUTCOME_BOGUS_ACCEPTED;
		/* The data not coming back with CD either leaves the reason open;
		 * the resolver still gave no bogus data (the verdict's question). */
		return answered(&r->cd) ? DV_OUTCOME_OK : DV_OUTCOME_REJECTED_CD;
	case DV_EXPECT_NSEC3:
		if (servfail(a))
			return DV_OUTCOME_NSEC3_SERVFAIL;
		return a->ad ? DV_OUTCOME_NSEC3_SECURE : DV_OUTCOME_NSEC3_INSECURE;
	}
	return DV_OUTCOME_OTHER;
}

static void add_finding(dv_audit_t *a, dv_resolver_result_t *rr, dv_code_t code, const char *detail)
{
	uint8_t zone[KNOT_DNAME_MAXLEN];
	dv_evidence_t ev = {.server = rr->address};
	if (knot_dname_from_str(zone, a->canary, sizeof(zone)) != NULL)
		ev.zone = zone;
	dv_findings_add(&rr->findings, code, &ev, "%s", detail);
}

/* Comma-separated labels of the modes with outcome o, into buf. */
static size_t list_modes(const dv_resolver_result_t *rr, dv_outcome_t o, char *buf, size_t len)
{
	size_t n = 0, pos = 0;
	buf[0] = '\0';
	for (size_t m = 0; m < dv_canary_mode_count; m++) {
		if (rr->modes[m].outcome != o)
			continue;
		int w = snprintf(buf + pos, pos < len ? len - pos : 0, "%s%s", n ? ", " : "",
		                 dv_canary_modes[m].label);
		if (w > 0 && pos + (size_t)w < len)
			pos += (size_t)w;
		n++;
	}
	return n;
}

void dv_audit_judge(dv_audit_t *a, dv_resolver_result_t *rr)
{
	size_t reached = 0, nbogus = 0, accepted = 0;
	bool any_ad = false;
	const dv_mode_result_t *valid = NULL;
	rr->nsec3_limit = -1;
	rr->sends_ede = false;
	for (size_t m = 0; m < dv_canary_mode_count; m++) {
		const dv_canary_mode_t *mode = &dv_canary_modes[m];
		dv_mode_result_t *r = &rr->modes[m];
		r->outcome = classify(mode, r);
		if (r->first.status == DV_OK)
			reached++;
		if (r->first.ede_count > 0)
			rr->sends_ede = true;
		if (answered(&r->first) && r->first.ad)
			any_ad = true;
		if (mode->expect == DV_EXPECT_BOGUS) {
			nbogus++;
			if (r->outcome == DV_OUTCOME_BOGUS_ACCEPTED)
				accepted++;
		}
		/* RFC 9276 §3.2: the highest count still validated (table is ascending). */
		if (r->outcome == DV_OUTCOME_NSEC3_SECURE && mode->iterations > rr->nsec3_limit)
			rr->nsec3_limit = mode->iterations;
		if (mode->fault == DV_FAULT_NONE && mode->expect == DV_EXPECT_SECURE)
			valid = r;
	}

	char list[400], detail[512];
	if (reached == 0) {
		rr->verdict = DV_VERDICT_UNREACHABLE;
		add_finding(a, rr, DV_F_RESOLVER_UNREACHABLE, "no answer to any canary question");
		return;
	}
	if (accepted > 0) {
		list_modes(rr, DV_OUTCOME_BOGUS_ACCEPTED, list, sizeof(list));
		snprintf(detail, sizeof(detail), "accepts %zu of %zu bogus modes: %s", accepted,
		         nbogus, list);
		rr->verdict = accepted == nbogus ? DV_VERDICT_NOT_VALIDATING : DV_VERDICT_PARTIAL;
		add_finding(a, rr,
		            accepted == nbogus ? DV_F_RESOLVER_NOT_VALIDATING
		                               : DV_F_RESOLVER_PARTIAL_VALIDATION,
		            detail);
		return;
	}
	if (valid != NULL && servfail(&valid->first)) {
		if (answered(&valid->cd)) {
			rr->verdict = DV_VERDICT_TA_BROKEN;
			add_finding(a, rr, DV_F_RESOLVER_TRUST_ANCHOR_BROKEN,
			            "the valid control SERVFAILs, and answers with CD set");
		} else {
			rr->verdict = DV_VERDICT_INDETERMINATE;
			add_finding(a, rr, DV_F_RESOLVER_INDETERMINATE,
			            "the valid control SERVFAILs even with CD set");
		}
		return;
	}
	if (valid == NULL || !answered(&valid->first)) {
		rr->verdict = DV_VERDICT_INDETERMINATE;
		add_finding(a, rr, DV_F_RESOLVER_INDETERMINATE,
		            "no usable answer for the valid control");
		return;
	}
	/* "validating" means every bogus mode was seen rejected and every control
	 * answered: a question without an answer leaves that open. */
	size_t unanswered = 0, pos = 0;
	list[0] = '\0';
	for (size_t m = 0; m < dv_canary_mode_count; m++) {
		dv_outcome_t o = rr->modes[m].outcome;
		if (o != DV_OUTCOME_NO_ANSWER && o != DV_OUTCOME_OTHER)
			continue;
		int w = snprintf(list + pos, sizeof(list) - pos, "%s%s", unanswered ? ", " : "",
		                 dv_canary_modes[m].label);
		if (w > 0 && pos + (size_t)w < sizeof(list))
			pos += (size_t)w;
		unanswered++;
	}
	if (unanswered > 0) {
		snprintf(detail, sizeof(detail),
		         "no usable answer (timeout, REFUSED, ...) for %zu modes: %s", unanswered,
		         list);
		rr->verdict = DV_VERDICT_INDETERMINATE;
		add_finding(a, rr, DV_F_RESOLVER_INDETERMINATE, detail);
		return;
	}
	if (!any_ad) {
		rr->verdict = DV_VERDICT_STRIPS_AD;
		add_finding(a, rr, DV_F_RESOLVER_STRIPS_AD,
		            "every bogus mode SERVFAILs, but no secure answer has AD");
		return;
	}
	rr->verdict = DV_VERDICT_VALIDATING;
	if (!rr->sends_ede)
		add_finding(a, rr, DV_F_RESOLVER_NO_EDE, "no EDE option in any answer");
}

int dv_audit_run(const dv_audit_opts_t *opts, const char *const *addrs, size_t n, dv_audit_t *out,
                 char *errbuf, size_t errlen)
{
	run_t run;
	qctx_t *qc = NULL;
	int ret = 0;
	memset(out, 0, sizeof(*out));
	memset(&run, 0, sizeof(run));
	errbuf[0] = '\0';
	if (n == 0) {
		snprintf(errbuf, errlen, "no resolver address given");
		return DV_EINVAL;
	}
	/* Normalise the canary name: lowercase, trailing dot. */
	uint8_t wire[KNOT_DNAME_MAXLEN];
	if (opts->canary == NULL || knot_dname_from_str(wire, opts->canary, sizeof(wire)) == NULL ||
	    knot_dname_size(wire) + 64 > KNOT_DNAME_MAXLEN) {
		snprintf(errbuf, errlen, "bad canary zone name '%s'",
		         opts->canary ? opts->canary : "");
		return DV_EINVAL;
	}
	knot_dname_to_lower(wire);
	knot_dname_to_str(out->canary, wire, sizeof(out->canary));

	out->v = calloc(n, sizeof(*out->v));
	run.addrs = calloc(n, sizeof(*run.addrs));
	run.t_start = calloc(n, sizeof(uint64_t));
	run.t_end = calloc(n, sizeof(uint64_t));
	qc = calloc(n * dv_canary_mode_count, sizeof(*qc));
	if (out->v == NULL || run.addrs == NULL || run.t_start == NULL || run.t_end == NULL ||
	    qc == NULL) {
		ret = DV_ENOMEM;
		goto fail;
	}
	out->len = n;
	for (size_t r = 0; r < n; r++) {
		dv_resolver_result_t *rr = &out->v[r];
		snprintf(rr->address, sizeof(rr->address), "%s", addrs[r]);
		rr->modes = calloc(dv_canary_mode_count, sizeof(*rr->modes));
		if (rr->modes == NULL) {
			ret = DV_ENOMEM;
			goto fail;
		}
		for (size_t m = 0; m < dv_canary_mode_count; m++) {
			answer_reset(&rr->modes[m].first);
			answer_reset(&rr->modes[m].cd);
		}
		if (dv_net_addr_parse(addrs[r], opts->port ? opts->port : 53, &run.addrs[r]) != 0) {
			snprintf(errbuf, errlen, "bad resolver address '%s'", addrs[r]);
			ret = DV_EINVAL;
			goto fail;
		}
	}

	dv_net_opts_t nopts = {
	    .max_inflight = opts->max_inflight ? opts->max_inflight : 256,
	    .per_server_max = opts->per_server_max ? opts->per_server_max : 16,
	    .timeout_ms = opts->timeout_ms ? opts->timeout_ms : 3000,
	    .retries = opts->retries >= 0 ? (unsigned)opts->retries : 1,
	};
	run.audit = out;
	run.timeout_ms = nopts.timeout_ms;
	run.retries = (int)nopts.retries;
	if ((ret = dv_net_new(&nopts, &run.net)) != 0) {
		snprintf(errbuf, errlen, "query engine: %s", dv_strerror(ret));
		goto fail;
	}
	uint64_t t0 = now_ms();
	/* Interleave resolvers so that the bounded queue serves them fairly. */
	for (size_t m = 0; m < dv_canary_mode_count && ret == 0; m++) {
		for (size_t r = 0; r < n && ret == 0; r++) {
			qctx_t *q = &qc[r * dv_canary_mode_count + m];
			q->run = &run;
			q->r = r;
			q->m = m;
			run.t_start[r] = t0;
			ret = submit(&run, q);
		}
	}
	if (ret == 0)
		ret = dv_net_run(run.net);
	if (ret == 0 && run.submit_errors > 0)
		ret = DV_ENOMEM;
	if (ret != 0) {
		snprintf(errbuf, errlen, "queries failed: %s", dv_strerror(ret));
		goto fail;
	}
	out->elapsed_ms = (unsigned)(now_ms() - t0);
	for (size_t r = 0; r < n; r++) {
		out->v[r].elapsed_ms =
		    run.t_end[r] >= run.t_start[r] ? (unsigned)(run.t_end[r] - run.t_start[r]) : 0;
		dv_audit_judge(out, &out->v[r]);
	}
fail:
	dv_net_free(run.net);
	free(run.addrs);
	free(run.t_start);
	free(run.t_end);
	free(qc);
	if (ret != 0)
		dv_audit_clear(out);
	return ret;
}

void dv_audit_clear(dv_audit_t *a)
{
	if (a == NULL || a->v == NULL)
		return;
	for (size_t r = 0; r < a->len; r++) {
		free(a->v[r].modes);
		dv_findings_clear(&a->v[r].findings);
	}
	free(a->v);
	a->v = NULL;
	a->len = 0;
}

/* ---- reports ------------------------------------------------------------------ */

static int exit_status(const dv_audit_t *a)
{
	int worst = 0;
	for (size_t r = 0; r < a->len; r++) {
		const dv_findings_t *f = &a->v[r].findings;
		if (dv_findings_count(f, DV_SEV_ERROR) > 0)
			worst = 2;
		else if (dv_findings_count(f, DV_SEV_WARNING) > 0 && worst < 1)
			worst = 1;
	}
	return worst;
}

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

/* "SERVF E7", "NOERR+AD", "!NOERR" (bad outcomes marked), "timeout" */
static void cell(const dv_mode_result_t *r, char *buf, size_t len)
{
	const dv_answer_t *a = &r->first;
	const char *mark = outcome_bad(r->outcome) ? "!" : "";
	if (a->status != DV_OK) {
		snprintf(buf, len, "%s%s", mark, a->status == DV_ETIMEOUT ? "timeout" : "neterr");
		return;
	}
	int p = snprintf(buf, len, "%s%s%s%s", mark, rcode_short(a->rcode), a->ad ? "+AD" : "",
	                 r->outcome == DV_OUTCOME_REJECTED_CD ? "*" : "");
	for (size_t i = 0; i < a->ede_count && p > 0 && (size_t)p < len; i++) {
		int w = snprintf(buf + p, len - (size_t)p, "%s%u", i ? "," : " E", a->ede[i].code);
		if (w < 0)
			break;
		p += w;
	}
}

int dv_audit_print_text(const dv_audit_t *a, bool verbose, FILE *out)
{
	const int mw = 18, cw = 15;
	fprintf(out, "canary %s: %zu modes, %zu resolvers, %.2f s\n\n", a->canary,
	        dv_canary_mode_count, a->len, a->elapsed_ms / 1000.0);
	fprintf(out, "%-*s %-9s", mw, "mode", "expect");
	for (size_t r = 0; r < a->len; r++)
		fprintf(out, " %-*.*s", cw, cw, a->v[r].address);
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
	             " E<n>: RFC 8914 EDE codes)\n\n");
	for (size_t r = 0; r < a->len; r++) {
		const dv_resolver_result_t *rr = &a->v[r];
		char lim[32];
		if (rr->nsec3_limit >= 0)
			snprintf(lim, sizeof(lim), "%d", rr->nsec3_limit);
		else
			snprintf(lim, sizeof(lim), "none");
		fprintf(out, "%-20s %-20s nsec3-limit %-5s ede %-3s %u ms\n", rr->address,
		        dv_verdict_name(rr->verdict), lim, rr->sends_ede ? "yes" : "no",
		        rr->elapsed_ms);
		for (size_t i = 0; i < rr->findings.len; i++) {
			const dv_finding_t *f = &rr->findings.v[i];
			fprintf(out, "  %s %s: %s\n", dv_severity_name(dv_code_severity(f->code)),
			        dv_code_name(f->code), f->detail);
		}
		for (size_t m = 0; verbose && m < dv_canary_mode_count; m++) {
			const dv_answer_t *an = &rr->modes[m].first;
			for (size_t i = 0; i < an->ede_count; i++)
				fprintf(out, "  ede %-18s %3u %s\n", dv_canary_modes[m].label,
				        an->ede[i].code, an->ede[i].text);
		}
	}
	return exit_status(a);
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
		char rc[32];
		const knot_lookup_t *l = knot_lookup_by_id(knot_rcode_names, a->rcode);
		snprintf(rc, sizeof(rc), "%s", l ? l->name : "UNKNOWN");
		json_object_set_new(o, "rcode", json_string(rc));
		json_object_set_new(o, "ad", json_boolean(a->ad));
		json_object_set_new(o, "tcp", json_boolean(a->tcp));
		json_object_set_new(o, "rtt_ms", json_integer(a->rtt_ms));
		json_t *ede = json_array();
		for (size_t i = 0; i < a->ede_count; i++) {
			json_t *e = json_object();
			json_object_set_new(e, "code", json_integer(a->ede[i].code));
			json_object_set_new(e, "text", json_string(a->ede[i].text));
			json_array_append_new(ede, e);
		}
		json_object_set_new(o, "ede", ede);
	}
	return o;
}

int dv_audit_print_json(const dv_audit_t *a, FILE *out)
{
	json_t *root = json_object();
	json_object_set_new(root, "canary", json_string(a->canary));
	json_object_set_new(root, "elapsed_ms", json_integer(a->elapsed_ms));
	json_t *res = json_array();
	for (size_t r = 0; r < a->len; r++) {
		const dv_resolver_result_t *rr = &a->v[r];
		json_t *o = json_object();
		json_object_set_new(o, "address", json_string(rr->address));
		json_object_set_new(o, "verdict", json_string(dv_verdict_name(rr->verdict)));
		json_object_set_new(o, "nsec3_iteration_limit",
		                    rr->nsec3_limit >= 0 ? json_integer(rr->nsec3_limit)
		                                         : json_null());
		json_object_set_new(o, "sends_ede", json_boolean(rr->sends_ede));
		json_object_set_new(o, "elapsed_ms", json_integer(rr->elapsed_ms));
		json_t *acc = json_array();
		json_t *modes = json_array();
		for (size_t m = 0; m < dv_canary_mode_count; m++) {
			const dv_canary_mode_t *mode = &dv_canary_modes[m];
			const dv_mode_result_t *mr = &rr->modes[m];
			char qname[KNOT_DNAME_TXT_MAXLEN + 16];
			if (mr->outcome == DV_OUTCOME_BOGUS_ACCEPTED)
				json_array_append_new(acc, json_string(mode->label));
			json_t *mo = json_object();
			dv_canary_qname(mode, a->canary, qname, sizeof(qname));
			json_object_set_new(mo, "mode", json_string(mode->label));
			json_object_set_new(mo, "qname", json_string(qname));
			json_object_set_new(mo, "expect",
			                    json_string(dv_expect_name(mode->expect)));
			if (mode->ede >= 0)
				json_object_set_new(mo, "expected_ede", json_integer(mode->ede));
			json_object_set_new(mo, "outcome",
			                    json_string(dv_outcome_name(mr->outcome)));
			json_object_set_new(mo, "answer", answer_json(&mr->first));
			if (mr->cd.status != NOT_ASKED)
				json_object_set_new(mo, "cd_answer", answer_json(&mr->cd));
			json_array_append_new(modes, mo);
		}
		json_object_set_new(o, "accepted_bogus", acc);
		json_object_set_new(o, "modes", modes);
		json_object_set_new(o, "findings", dv_findings_json(&rr->findings));
		json_array_append_new(res, o);
	}
	json_object_set_new(root, "resolvers", res);
	int status = exit_status(a);
	json_object_set_new(root, "status",
	                    json_string(status == 2   ? "error"
	                                : status == 1 ? "warning"
	                                              : "ok"));
	dv_json_write(out, root);
	json_decref(root);
	return status;
}

int dv_audit_print_nagios(const dv_audit_t *a, FILE *out)
{
	size_t count[DV_VERDICT_INDETERMINATE + 1] = {0};
	for (size_t r = 0; r < a->len; r++)
		count[a->v[r].verdict]++;
	size_t bad = count[DV_VERDICT_NOT_VALIDATING] + count[DV_VERDICT_PARTIAL] +
	             count[DV_VERDICT_UNREACHABLE] + count[DV_VERDICT_TA_BROKEN];
	int status = 0;
	const char *word = "OK";
	if (bad > 0) {
		status = 2;
		word = "CRITICAL";
	} else if (count[DV_VERDICT_INDETERMINATE] > 0) {
		status = 3;
		word = "UNKNOWN";
	} else if (count[DV_VERDICT_STRIPS_AD] > 0) {
		status = 1;
		word = "WARNING";
	}
	fprintf(out, "DNSVIGIL AUDIT %s - %zu of %zu resolvers validating", word,
	        count[DV_VERDICT_VALIDATING], a->len);
	for (size_t r = 0; r < a->len; r++)
		if (a->v[r].verdict != DV_VERDICT_VALIDATING)
			fprintf(out, "; %s %s", a->v[r].address, dv_verdict_name(a->v[r].verdict));
	fprintf(out,
	        " | validating=%zu not_validating=%zu partial=%zu unreachable=%zu "
	        "ta_broken=%zu strips_ad=%zu time=%.3fs\n",
	        count[DV_VERDICT_VALIDATING], count[DV_VERDICT_NOT_VALIDATING],
	        count[DV_VERDICT_PARTIAL], count[DV_VERDICT_UNREACHABLE],
	        count[DV_VERDICT_TA_BROKEN], count[DV_VERDICT_STRIPS_AD], a->elapsed_ms / 1000.0);
	/* Long output (Monitoring Plugins: lines after the first). */
	for (size_t r = 0; r < a->len; r++)
		for (size_t i = 0; i < a->v[r].findings.len; i++) {
			const dv_finding_t *f = &a->v[r].findings.v[i];
			fprintf(out, "%s %s: %s\n", f->server, dv_code_name(f->code), f->detail);
		}
	return status;
}

/* ---- reading a saved report (--from) ------------------------------------------ */

static int answer_from_json(json_t *o, dv_answer_t *a)
{
	answer_reset(a);
	if (!json_is_object(o))
		return DV_EPARSE;
	const char *st = json_string_value(json_object_get(o, "status"));
	if (st == NULL)
		return DV_EPARSE;
	if (strcmp(st, "answer") == 0)
		a->status = DV_OK;
	else if (strcmp(st, "timeout") == 0)
		a->status = DV_ETIMEOUT;
	else if (strcmp(st, "network-error") == 0)
		a->status = DV_ENET;
	else
		a->status = DV_EPARSE;
	if (a->status != DV_OK)
		return 0;
	const char *rc = json_string_value(json_object_get(o, "rcode"));
	const knot_lookup_t *l = rc ? knot_lookup_by_name(knot_rcode_names, rc) : NULL;
	if (l == NULL)
		return DV_EPARSE;
	a->rcode = l->id;
	a->ad = json_is_true(json_object_get(o, "ad"));
	a->tcp = json_is_true(json_object_get(o, "tcp"));
	json_int_t rtt = json_integer_value(json_object_get(o, "rtt_ms"));
	a->rtt_ms = rtt > 0 && rtt < 3600000 ? (unsigned)rtt : 0;
	json_t *ede = json_object_get(o, "ede");
	size_t i;
	json_t *e;
	json_array_foreach(ede, i, e)
	{
		if (a->ede_count == DV_AUDIT_MAX_EDE)
			break;
		json_int_t code = json_integer_value(json_object_get(e, "code"));
		const char *text = json_string_value(json_object_get(e, "text"));
		if (code < 0 || code > 65535)
			return DV_EPARSE;
		dv_ede_t *d = &a->ede[a->ede_count++];
		d->code = (uint16_t)code;
		copy_text(d->text, sizeof(d->text), (const uint8_t *)(text ? text : ""),
		          text ? strlen(text) : 0);
	}
	return 0;
}

int dv_audit_load(const char *path, dv_audit_t *out, char *errbuf, size_t errlen)
{
	json_error_t jerr;
	int ret = DV_EPARSE;
	memset(out, 0, sizeof(*out));
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		snprintf(errbuf, errlen, "%s:%d: %s", path, jerr.line, jerr.text);
		return DV_EPARSE;
	}
	const char *canary = json_string_value(json_object_get(root, "canary"));
	json_t *res = json_object_get(root, "resolvers");
	if (canary == NULL || !json_is_array(res) || json_array_size(res) == 0 ||
	    json_array_size(res) > 100000) {
		snprintf(errbuf, errlen, "%s: not a 'dnsvigil audit --format json' report", path);
		goto fail;
	}
	snprintf(out->canary, sizeof(out->canary), "%s", canary);
	out->elapsed_ms = (unsigned)json_integer_value(json_object_get(root, "elapsed_ms"));
	out->v = calloc(json_array_size(res), sizeof(*out->v));
	if (out->v == NULL) {
		ret = DV_ENOMEM;
		goto fail;
	}
	out->len = json_array_size(res);
	for (size_t r = 0; r < out->len; r++) {
		json_t *jr = json_array_get(res, r);
		dv_resolver_result_t *rr = &out->v[r];
		const char *addr = json_string_value(json_object_get(jr, "address"));
		rr->modes = calloc(dv_canary_mode_count, sizeof(*rr->modes));
		if (rr->modes == NULL) {
			ret = DV_ENOMEM;
			goto fail;
		}
		if (addr == NULL) {
			snprintf(errbuf, errlen, "%s: resolver %zu has no address", path, r);
			goto fail;
		}
		snprintf(rr->address, sizeof(rr->address), "%s", addr);
		rr->elapsed_ms = (unsigned)json_integer_value(json_object_get(jr, "elapsed_ms"));
		/* A mode the report lacks (an older canary) counts as unanswered. */
		for (size_t m = 0; m < dv_canary_mode_count; m++) {
			answer_reset(&rr->modes[m].first);
			answer_reset(&rr->modes[m].cd);
			rr->modes[m].first.status = DV_ETIMEOUT;
		}
		size_t i;
		json_t *jm;
		json_array_foreach(json_object_get(jr, "modes"), i, jm)
		{
			const char *label = json_string_value(json_object_get(jm, "mode"));
			size_t m = 0;
			while (label != NULL && m < dv_canary_mode_count &&
			       strcmp(dv_canary_modes[m].label, label) != 0)
				m++;
			if (label == NULL || m == dv_canary_mode_count)
				continue;
			json_t *cd = json_object_get(jm, "cd_answer");
			if (answer_from_json(json_object_get(jm, "answer"), &rr->modes[m].first) !=
			        0 ||
			    (cd != NULL && answer_from_json(cd, &rr->modes[m].cd) != 0)) {
				snprintf(errbuf, errlen, "%s: bad answer for %s mode %s", path,
				         addr, label);
				goto fail;
			}
		}
		dv_audit_judge(out, rr);
	}
	ret = 0;
fail:
	json_decref(root);
	if (ret != 0)
		dv_audit_clear(out);
	return ret;
}
