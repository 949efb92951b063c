/*
 * The resolver audit's judge (checks/audit.h): parse each answer of a
 * resolver snapshot again, classify it against the canary mode's
 * expectation, and give each resolver one verdict with its evidence.
 */
#include "checks/audit.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libknot/libknot.h>

#include "core/error.h"
#include "dnssec/dnssec.h"
#include "net/net.h"

#define RCODE_NOERROR   0
#define RCODE_SERVFAIL  2
#define RCODE_NXDOMAIN  3
#define EDNS_OPTION_EDE 15 /*!< RFC 8914 §2 */

const char *dv_verdict_name(dv_verdict_t v)
{
	static const char *const names[DV_VERDICT_COUNT] = {
#define VERDICT(id, name) [DV_VERDICT_##id] = name,
#define OUTCOME(id, name)
#include "checks/audit_names.def"
#undef VERDICT
#undef OUTCOME
	};
	return (size_t)v < DV_VERDICT_COUNT ? names[v] : "?";
}

const char *dv_canary_state_name(dv_canary_state_t s)
{
	static const char *const names[] = {[DV_CANARY_UNKNOWN] = "unknown",
	                                    [DV_CANARY_FRESH] = "fresh",
	                                    [DV_CANARY_EXPIRED] = "expired",
	                                    [DV_CANARY_NOT_FOUND] = "not-found"};
	return (size_t)s < sizeof(names) / sizeof(names[0]) ? names[s] : "unknown";
}

const char *dv_outcome_name(dv_outcome_t o)
{
	static const char *const names[] = {
#define VERDICT(id, name)
#define OUTCOME(id, name) [DV_OUTCOME_##id] = name,
#include "checks/audit_names.def"
#undef VERDICT
#undef OUTCOME
	};
	if ((size_t)o < sizeof(names) / sizeof(names[0]) && names[o] != NULL)
		return names[o];
	return "?";
}

/* ---- one answer ------------------------------------------------------------ */

static void answer_reset(dv_answer_t *a)
{
	memset(a, 0, sizeof(*a));
	a->status = DV_AUDIT_NOT_ASKED;
	a->rcode = -1;
}

static void copy_text(char *dst, size_t cap, const uint8_t *src, size_t len)
{
	size_t o = 0;
	for (size_t i = 0; i < len && o + 1 < cap; i++)
		dst[o++] = (src[i] >= 0x20 && src[i] < 0x7f) ? (char)src[i] : '?';
	dst[o] = '\0';
}

/* RFC 6891 §6.1.2: OPT RDATA is {code, length, data} options; walked with bounds. */
static void read_ede(const knot_rrset_t *opt, dv_answer_t *ans)
{
	if (opt == NULL || opt->rrs.count == 0)
		return;
	const knot_rdata_t *rd = opt->rrs.rdata;
	const uint8_t *p = rd->data;
	size_t pos = 0;
	while (pos + 4 <= rd->len) {
		uint16_t code = knot_wire_read_u16(p + pos);
		uint16_t olen = knot_wire_read_u16(p + pos + 2);
		if (pos + 4 + olen > rd->len)
			break;
		/* RFC 8914 §2: INFO-CODE (2 octets), then EXTRA-TEXT. */
		if (code == EDNS_OPTION_EDE && olen >= 2 && ans->ede_count < DV_AUDIT_MAX_EDE) {
			dv_ede_t *e = &ans->ede[ans->ede_count++];
			e->code = knot_wire_read_u16(p + pos + 4);
			copy_text(e->text, sizeof(e->text), p + pos + 6, olen - 2u);
		}
		pos += 4 + (size_t)olen;
	}
}

/* The answer section: the RRset asked for, and the window of the RRSIGs over
 * it (the latest inception, the earliest expiration: the narrowest claim). */
static void read_data(const knot_pkt_t *pkt, const uint8_t *qname, uint16_t qtype, int64_t now,
                      dv_answer_t *ans)
{
	const knot_pktsection_t *an = knot_pkt_section(pkt, KNOT_ANSWER);
	for (uint16_t i = 0; i < an->count; i++) {
		const knot_rrset_t *rr = knot_pkt_rr(an, i);
		if (!knot_dname_is_case_equal(rr->owner, qname))
			continue;
		if (rr->type == qtype)
			ans->data = true;
		if (rr->type != KNOT_RRTYPE_RRSIG)
			continue;
		knot_rdata_t *rd = rr->rrs.rdata;
		for (uint16_t k = 0; k < rr->rrs.count; k++, rd = knot_rdataset_next(rd)) {
			/* RFC 4034 §3.1: 18 octets before the signer's name. */
			if (rd->len < 18 || knot_rrsig_type_covered(rd) != qtype)
				continue;
			int64_t inc = dv_rrsig_time(knot_rrsig_sig_inception(rd), now);
			int64_t exp = dv_rrsig_time(knot_rrsig_sig_expiration(rd), now);
			if (!ans->have_sig || inc > ans->sig_inception)
				ans->sig_inception = inc;
			if (!ans->have_sig || exp < ans->sig_expiration)
				ans->sig_expiration = exp;
			ans->have_sig = true;
		}
	}
	const knot_pktsection_t *ns = knot_pkt_section(pkt, KNOT_AUTHORITY);
	bool has_ns = false;
	for (uint16_t i = 0; i < ns->count; i++)
		has_ns |= knot_pkt_rr(ns, i)->type == KNOT_RRTYPE_NS;
	ans->referral = has_ns && !ans->aa && an->count == 0 && ans->rcode == RCODE_NOERROR;
}

void dv_audit_parse_answer(const uint8_t *wire, size_t len, const uint8_t *qname, uint16_t qtype,
                           int64_t now, dv_answer_t *ans)
{
	answer_reset(ans);
	if (wire == NULL || len < KNOT_WIRE_HEADER_SIZE || len > 65535) {
		ans->status = DV_EPARSE;
		return;
	}
	ans->status = DV_OK;
	ans->rcode = knot_wire_get_rcode(wire);
	ans->ad = knot_wire_get_ad(wire);
	ans->ra = knot_wire_get_ra(wire);
	ans->aa = knot_wire_get_aa(wire);
	ans->tc = knot_wire_get_tc(wire);
	ans->ancount = knot_wire_get_ancount(wire);

	/* libknot parses a copy: knot_pkt_parse may rewrite the buffer. */
	uint8_t *copy = malloc(len);
	if (copy == NULL) {
		ans->status = DV_ENOMEM;
		return;
	}
	memcpy(copy, wire, len);
	knot_pkt_t *pkt = knot_pkt_new(copy, len, NULL);
	if (pkt == NULL || knot_pkt_parse(pkt, KNOT_PF_NOCANON) != KNOT_EOK) {
		ans->status = DV_EPARSE;
	} else if (qname != NULL &&
	           (knot_wire_get_qdcount(wire) != 1 || knot_pkt_qtype(pkt) != qtype ||
	            !knot_dname_is_case_equal(knot_pkt_qname(pkt), qname))) {
		/* The probe matched the question; a saved file need not have. */
		ans->status = DV_EPARSE;
	} else {
		if (pkt->opt_rr != NULL)
			ans->rcode = knot_pkt_ext_rcode(pkt);
		read_ede(pkt->opt_rr, ans);
		if (qname != NULL)
			read_data(pkt, qname, qtype, now, ans);
	}
	knot_pkt_free(pkt);
	free(copy);
}

/* ---- classifying ------------------------------------------------------------ */

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

/* The stub question has no DO, so AD says nothing (RFC 6840 §5.7): only
 * whether bogus data comes back counts. */
static dv_outcome_t classify_stub(const dv_canary_mode_t *m, const dv_answer_t *a)
{
	if (a->status != DV_OK)
		return DV_OUTCOME_NO_ANSWER;
	if (!answered(a) && !servfail(a))
		return DV_OUTCOME_OTHER;
	if (m->expect == DV_EXPECT_BOGUS)
		return answered(a) ? DV_OUTCOME_BOGUS_ACCEPTED : DV_OUTCOME_OK;
	if (servfail(a) && m->expect != DV_EXPECT_NSEC3)
		return DV_OUTCOME_SECURE_FAILED;
	return DV_OUTCOME_OK;
}

/* ---- findings --------------------------------------------------------------- */

/*! Evidence a finding carries besides its code and detail. */
typedef struct {
	const char *owner; /*!< the question's name, or NULL */
	uint16_t type;
	int64_t time; /*!< a signature's end or start, 0 none */
	int64_t now;
} evidence_t;

/* The one place findings are built (so that a new finding API changes one function). */
__attribute__((format(printf, 5, 6))) static void add_finding(dv_resolver_result_t *rr,
                                                              const char *canary, dv_code_t code,
                                                              const evidence_t *ev, const char *fmt,
                                                              ...)
{
	uint8_t zone[KNOT_DNAME_MAXLEN], owner[KNOT_DNAME_MAXLEN];
	dv_evidence_t e = {.server = rr->address};
	if (knot_dname_from_str(zone, canary, sizeof(zone)) != NULL) {
		knot_dname_to_lower(zone);
		e.zone = zone;
	}
	if (ev != NULL && ev->owner != NULL &&
	    knot_dname_from_str(owner, ev->owner, sizeof(owner)) != NULL) {
		knot_dname_to_lower(owner);
		e.owner = owner;
		e.type = ev->type;
	}
	if (ev != NULL && ev->time != 0) {
		e.time = ev->time;
		e.seconds_left = ev->time - ev->now;
	}
	char detail[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	dv_findings_add(&rr->findings, code, &e, "%s", detail);
}

/* Comma-separated labels of the modes whose (stub) outcome is o, into buf;
 * returns how many. */
static size_t list_modes(const dv_resolver_result_t *rr, bool stub, dv_outcome_t o, char *buf,
                         size_t len)
{
	size_t n = 0, pos = 0;
	buf[0] = '\0';
	for (size_t m = 0; m < dv_canary_mode_count; m++) {
		if ((stub ? rr->modes[m].stub_outcome : rr->modes[m].outcome) != o)
			continue;
		int w =
		    snprintf(buf + pos, len - pos, "%s%s", n ? ", " : "", dv_canary_modes[m].label);
		if (w > 0 && pos + (size_t)w < len)
			pos += (size_t)w;
		n++;
	}
	return n;
}

static const char *rcode_word(int rcode)
{
	const knot_lookup_t *l = knot_lookup_by_id(knot_rcode_names, rcode);
	return l != NULL ? l->name : "an unknown rcode";
}

/* What an answer without the data asked for is: "NXDOMAIN", "a referral", ... */
static void describe_no_data(const dv_answer_t *a, char *buf, size_t len)
{
	if (a->referral)
		snprintf(buf, len, "a referral");
	else if (a->rcode == RCODE_NOERROR)
		snprintf(buf, len, "NOERROR without the record");
	else
		snprintf(buf, len, "%s", rcode_word(a->rcode));
}

/* ---- the verdict -------------------------------------------------------------- */

typedef struct {
	const dv_canary_mode_t *mode;
	const dv_mode_result_t *r;
	char qname[KNOT_DNAME_TXT_MAXLEN + 16];
} probe_mode_t;

static bool probe_mode(const char *canary, dv_fault_t fault, const dv_resolver_result_t *rr,
                       probe_mode_t *out)
{
	out->mode = dv_canary_mode_by_fault(fault);
	if (out->mode == NULL)
		return false;
	out->r = &rr->modes[out->mode - dv_canary_modes];
	return dv_canary_qname(out->mode, canary, out->qname, sizeof(out->qname)) == 0;
}

/* The answer to date the canary by: the one with CD (always asked), else the first. */
static const dv_answer_t *dating_answer(const dv_mode_result_t *r)
{
	return r->cd.have_sig ? &r->cd : &r->first;
}

/*
 * The canary is only a test while its windows hold: the sound signatures
 * valid now (and not within the margin of their end), and rrsig-notyet's
 * not yet within the margin of their start — past it, Unbound accepts them
 * and would be accused of accepting bogus data.  False after a finding.
 */
static bool canary_fresh(const char *canary, int64_t now, dv_resolver_result_t *rr)
{
	probe_mode_t valid, notyet;
	char when[40];
	if (!probe_mode(canary, DV_FAULT_NONE, rr, &valid))
		return true;
	const dv_answer_t *v = dating_answer(valid.r);
	evidence_t ev = {valid.qname, valid.mode->qtype, 0, now};
	rr->canary = v->have_sig ? DV_CANARY_FRESH : DV_CANARY_UNKNOWN;
	if (v->have_sig) {
		const char *what = NULL;
		rr->canary_expires = v->sig_expiration;
		ev.time = v->sig_expiration;
		if (v->sig_expiration <= now)
			what = "expired at";
		else if (v->sig_expiration - now <= DV_AUDIT_CANARY_MARGIN)
			what = "ends within a day, at";
		else if (v->sig_inception > now)
			what = "is not valid yet (a later --now?): it starts at";
		if (what != NULL) {
			if (v->sig_inception > now)
				ev.time = v->sig_inception;
			dv_time_format(ev.time, when, sizeof(when));
			rr->canary = DV_CANARY_EXPIRED;
			add_finding(
			    rr, canary, DV_F_CANARY_EXPIRED, &ev,
			    "canary expired — re-run `dnsvigil canary`: the signature of %s "
			    "%s %s",
			    valid.qname, what, when);
		}
	}
	if (rr->canary == DV_CANARY_EXPIRED || !probe_mode(canary, DV_FAULT_NOT_YET, rr, &notyet))
		return rr->canary != DV_CANARY_EXPIRED;
	const dv_answer_t *n = dating_answer(notyet.r);
	if (n->have_sig) {
		rr->canary_notyet_at = n->sig_inception;
		if (n->sig_inception - now <= DV_AUDIT_CANARY_MARGIN) {
			evidence_t nev = {notyet.qname, notyet.mode->qtype, n->sig_inception, now};
			dv_time_format(n->sig_inception, when, sizeof(when));
			rr->canary = DV_CANARY_EXPIRED;
			add_finding(rr, canary, DV_F_CANARY_EXPIRED, &nev,
			            "canary expired — re-run `dnsvigil canary`: the not-yet-valid "
			            "signature of %s starts at %s, within the day of clock skew "
			            "validators allow",
			            notyet.qname, when);
		}
	}
	return rr->canary != DV_CANARY_EXPIRED;
}

/* RA clear in every answer (RFC 1035 §4.1.1): no recursion here.  Describes
 * what the valid control got into buf. */
static bool not_recursive(const char *canary, const dv_resolver_result_t *rr, char *buf, size_t len)
{
	size_t seen = 0, informative = 0;
	for (size_t m = 0; m < dv_canary_mode_count; m++) {
		const dv_answer_t *as[] = {&rr->modes[m].first, &rr->modes[m].cd,
		                           &rr->modes[m].stub};
		for (size_t k = 0; k < 3; k++) {
			if (as[k]->status != DV_OK)
				continue;
			if (as[k]->ra)
				return false;
			seen++;
			informative += answered(as[k]);
		}
	}
	/* Only REFUSED (or the like): a resolver that does not serve this
	 * client looks the same; that is no verdict (canary_found says why). */
	probe_mode_t valid;
	if (informative == 0 || !probe_mode(canary, DV_FAULT_NONE, rr, &valid))
		return informative > 0;
	const dv_answer_t *a = &valid.r->first;
	char what[64];
	if (a->status != DV_OK)
		snprintf(what, sizeof(what), "no answer");
	else if (a->aa)
		snprintf(what, sizeof(what), "an authoritative answer, %s", rcode_word(a->rcode));
	else
		describe_no_data(a, what, sizeof(what));
	snprintf(buf, len, "recursion not available (RA clear) in all %zu answers; %.255s: %s",
	         seen, valid.qname, what);
	return true;
}

/* The valid control's data came back (with or without CD): the canary is
 * served and reachable.  Otherwise the finding says why it could not judge. */
static bool canary_found(const char *canary, int64_t now, dv_resolver_result_t *rr)
{
	probe_mode_t valid;
	if (!probe_mode(canary, DV_FAULT_NONE, rr, &valid)) {
		add_finding(rr, canary, DV_F_RESOLVER_INDETERMINATE, NULL,
		            "the canary mode table has no valid control");
		return false;
	}
	const dv_answer_t *first = &valid.r->first, *cd = &valid.r->cd;
	if (first->data || cd->data)
		return true;
	evidence_t ev = {valid.qname, valid.mode->qtype, 0, now};
	const dv_answer_t *seen = answered(cd) ? cd : answered(first) ? first : NULL;
	char what[64];
	if (seen != NULL) {
		rr->canary = DV_CANARY_NOT_FOUND;
		describe_no_data(seen, what, sizeof(what));
		add_finding(rr, canary, DV_F_CANARY_NOT_FOUND, &ev, "canary not found: %s for %s",
		            what, valid.qname);
	} else if (servfail(first)) {
		add_finding(rr, canary, DV_F_RESOLVER_INDETERMINATE, &ev,
		            "the valid control SERVFAILs even with CD set");
	} else {
		char rc[64] = "no answer";
		if (first->status == DV_OK)
			snprintf(rc, sizeof(rc), "%s%s", rcode_word(first->rcode),
			         first->rcode == 5 ? ": the resolver does not serve this client?"
			                           : "");
		add_finding(rr, canary, DV_F_RESOLVER_INDETERMINATE, &ev,
		            "no usable answer for the valid control (%s)", rc);
	}
	return false;
}

void dv_audit_judge_resolver(const char *canary, int64_t now, dv_resolver_result_t *rr)
{
	size_t reached = 0, abandoned = 0, nbogus = 0, accepted = 0, stub_accepted = 0;
	bool any_ad = false;
	rr->nsec3_limit = -1;
	rr->sends_ede = false;
	rr->canary = DV_CANARY_UNKNOWN;
	rr->canary_expires = rr->canary_notyet_at = 0;
	for (size_t m = 0; m < dv_canary_mode_count; m++) {
		const dv_canary_mode_t *mode = &dv_canary_modes[m];
		dv_mode_result_t *r = &rr->modes[m];
		r->outcome = classify(mode, r);
		r->stub_outcome = classify_stub(mode, &r->stub);
		reached += (r->first.status == DV_OK) + (r->cd.status == DV_OK) +
		           (r->stub.status == DV_OK);
		abandoned += (r->first.status == DV_EABANDONED) + (r->cd.status == DV_EABANDONED) +
		             (r->stub.status == DV_EABANDONED);
		if (r->first.ede_count > 0)
			rr->sends_ede = true;
		if (answered(&r->first) && r->first.ad)
			any_ad = true;
		if (mode->expect == DV_EXPECT_BOGUS) {
			nbogus++;
			accepted += r->outcome == DV_OUTCOME_BOGUS_ACCEPTED;
			stub_accepted += r->stub_outcome == DV_OUTCOME_BOGUS_ACCEPTED;
		}
		/* RFC 9276 §3.2: the highest count still validated (table is ascending). */
		if (r->outcome == DV_OUTCOME_NSEC3_SECURE && mode->iterations > rr->nsec3_limit)
			rr->nsec3_limit = mode->iterations;
	}

	char list[400], detail[512];
	probe_mode_t valid;
	bool have_valid = probe_mode(canary, DV_FAULT_NONE, rr, &valid);
	rr->verdict = DV_VERDICT_INDETERMINATE;
	if (reached == 0 && abandoned > 0) {
		/* Not its silence: the audit gave up first (issue 10 §9). */
		add_finding(rr, canary, DV_F_RESOLVER_INDETERMINATE, NULL,
		            "%zu questions abandoned before an answer: the audit's deadline or "
		            "this resolver's budget ran out",
		            abandoned);
		return;
	}
	if (reached == 0) {
		rr->verdict = DV_VERDICT_UNREACHABLE;
		add_finding(rr, canary, DV_F_RESOLVER_UNREACHABLE, NULL,
		            "no answer to any canary question");
		return;
	}
	if (not_recursive(canary, rr, detail, sizeof(detail))) {
		rr->verdict = DV_VERDICT_NOT_RESOLVER;
		add_finding(rr, canary, DV_F_RESOLVER_NOT_RECURSIVE, NULL, "%s", detail);
		return;
	}
	/* Nothing below may accuse: first make sure the canary is there and still
	 * means what it says. */
	if (!canary_found(canary, now, rr) || !canary_fresh(canary, now, rr))
		return;
	if (accepted > 0) {
		list_modes(rr, false, DV_OUTCOME_BOGUS_ACCEPTED, list, sizeof(list));
		if (accepted == nbogus && have_valid && answered(&valid.r->first) &&
		    valid.r->first.ad) {
			rr->verdict = DV_VERDICT_PERMISSIVE;
			add_finding(
			    rr, canary, DV_F_RESOLVER_PERMISSIVE, NULL,
			    "sets AD on the valid control, yet returns data for all %zu bogus "
			    "modes: it validates but does not enforce",
			    nbogus);
		} else if (accepted == nbogus) {
			rr->verdict = DV_VERDICT_NOT_VALIDATING;
			add_finding(rr, canary, DV_F_RESOLVER_NOT_VALIDATING, NULL,
			            "accepts %zu of %zu bogus modes: %s", accepted, nbogus, list);
		} else {
			rr->verdict = DV_VERDICT_PARTIAL;
			add_finding(rr, canary, DV_F_RESOLVER_PARTIAL_VALIDATION, NULL,
			            "accepts %zu of %zu bogus modes: %s", accepted, nbogus, list);
		}
		return;
	}
	if (have_valid && servfail(&valid.r->first)) {
		/* canary_found: the data came back with CD. */
		rr->verdict = DV_VERDICT_TA_BROKEN;
		add_finding(rr, canary, DV_F_RESOLVER_TRUST_ANCHOR_BROKEN, NULL,
		            "the valid control SERVFAILs, and answers with CD set");
		return;
	}
	/* "validating" means every bogus mode was seen rejected, with DO and
	 * without, and every control answered: a question without an answer
	 * leaves that open. */
	size_t unanswered = 0, pos = 0;
	list[0] = '\0';
	for (size_t m = 0; m < dv_canary_mode_count; m++) {
		const dv_mode_result_t *r = &rr->modes[m];
		bool first_bad =
		    r->outcome == DV_OUTCOME_NO_ANSWER || r->outcome == DV_OUTCOME_OTHER;
		bool stub_bad =
		    r->stub_outcome == DV_OUTCOME_NO_ANSWER || r->stub_outcome == DV_OUTCOME_OTHER;
		if (!first_bad && !stub_bad)
			continue;
		int w = snprintf(list + pos, sizeof(list) - pos, "%s%s%s", unanswered ? ", " : "",
		                 dv_canary_modes[m].label,
		                 first_bad ? (stub_bad ? "" : " (DO)") : " (no DO)");
		if (w > 0 && pos + (size_t)w < sizeof(list))
			pos += (size_t)w;
		unanswered++;
	}
	if (unanswered > 0) {
		add_finding(rr, canary, DV_F_RESOLVER_INDETERMINATE, NULL,
		            "no usable answer (timeout, REFUSED, ...) for %zu modes: %s",
		            unanswered, list);
		return;
	}
	if (stub_accepted > 0) {
		list_modes(rr, true, DV_OUTCOME_BOGUS_ACCEPTED, list, sizeof(list));
		rr->verdict = DV_VERDICT_DO_ONLY;
		add_finding(rr, canary, DV_F_RESOLVER_VALIDATES_ONLY_WITH_DO, NULL,
		            "rejects every bogus mode when the question has DO, but answers %zu of "
		            "%zu without DO (as ordinary stub resolvers ask): %s",
		            stub_accepted, nbogus, list);
		return;
	}
	if (!any_ad) {
		rr->verdict = DV_VERDICT_STRIPS_AD;
		add_finding(rr, canary, DV_F_RESOLVER_STRIPS_AD, NULL,
		            "every bogus mode SERVFAILs, but no secure answer has AD");
		return;
	}
	rr->verdict = DV_VERDICT_VALIDATING;
	if (!rr->sends_ede)
		add_finding(rr, canary, DV_F_RESOLVER_NO_EDE, NULL, "no EDE option in any answer");
}

/* ---- a snapshot ------------------------------------------------------------------ */

/* Fill one answer from a snapshot record. */
static void answer_from_query(const dv_resolver_query_t *q, int64_t now, dv_answer_t *a)
{
	static const int status[] = {[DV_SNAP_OK] = DV_OK,
	                             [DV_SNAP_TIMEOUT] = DV_ETIMEOUT,
	                             [DV_SNAP_NETERR] = DV_ENET,
	                             [DV_SNAP_BADREPLY] = DV_EPARSE,
	                             [DV_SNAP_ABANDONED] = DV_EABANDONED};
	if (q->status == DV_SNAP_OK) {
		dv_audit_parse_answer(q->wire, q->len, q->qname, q->qtype, now, a);
	} else {
		answer_reset(a);
		a->status =
		    q->status < sizeof(status) / sizeof(status[0]) ? status[q->status] : DV_EPARSE;
	}
	a->tcp = q->tcp;
	a->rtt_ms = q->rtt_ms;
}

/* The question each mode asks under the snapshot's canary. */
typedef struct {
	bool ok; /*!< false: the canary name is too long for this mode's question */
	uint8_t wire[255];
} mode_qname_t;

/* Which answer slot of which mode a question fills, or NULL. */
static dv_answer_t *slot_for(const dv_resolver_query_t *q, const mode_qname_t *qnames,
                             dv_resolver_result_t *rr)
{
	for (size_t m = 0; m < dv_canary_mode_count; m++) {
		if (!qnames[m].ok || q->qtype != dv_canary_modes[m].qtype ||
		    !knot_dname_is_case_equal(q->qname, qnames[m].wire))
			continue;
		switch (q->flags) {
		case DV_RSNAP_ASK_DO:
			return &rr->modes[m].first;
		case DV_RSNAP_ASK_CD:
			return &rr->modes[m].cd;
		case DV_RSNAP_ASK_STUB:
			return &rr->modes[m].stub;
		default:
			return NULL;
		}
	}
	return NULL;
}

int dv_audit_judge(const dv_resolver_snapshot_t *snap, int64_t now, dv_audit_result_t *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->canary, sizeof(out->canary), "%s", snap->canary);
	out->time = snap->time;
	out->now = now;
	out->elapsed_ms = snap->probe_ms;
	mode_qname_t *qnames = calloc(dv_canary_mode_count, sizeof(*qnames));
	out->v = calloc(snap->nresolvers ? snap->nresolvers : 1, sizeof(*out->v));
	if (qnames == NULL || out->v == NULL)
		goto nomem;
	out->len = snap->nresolvers;
	for (size_t m = 0; m < dv_canary_mode_count; m++) {
		char q[KNOT_DNAME_TXT_MAXLEN + 16];
		qnames[m].ok =
		    dv_canary_qname(&dv_canary_modes[m], snap->canary, q, sizeof(q)) == 0 &&
		    knot_dname_from_str(qnames[m].wire, q, sizeof(qnames[m].wire)) != NULL;
		if (qnames[m].ok)
			knot_dname_to_lower(qnames[m].wire);
	}
	for (size_t r = 0; r < out->len; r++) {
		dv_resolver_result_t *rr = &out->v[r];
		snprintf(rr->address, sizeof(rr->address), "%s", snap->resolvers[r]);
		rr->modes = calloc(dv_canary_mode_count, sizeof(*rr->modes));
		if (rr->modes == NULL)
			goto nomem;
		for (size_t m = 0; m < dv_canary_mode_count; m++) {
			answer_reset(&rr->modes[m].first);
			answer_reset(&rr->modes[m].cd);
			answer_reset(&rr->modes[m].stub);
		}
	}
	for (size_t i = 0; i < snap->nqueries; i++) {
		const dv_resolver_query_t *q = &snap->queries[i];
		dv_resolver_result_t *rr = &out->v[q->resolver];
		if (q->t_ms > rr->elapsed_ms)
			rr->elapsed_ms = q->t_ms;
		dv_answer_t *a = slot_for(q, qnames, rr);
		if (a != NULL)
			answer_from_query(q, now, a);
		if (a != NULL && a->status == DV_ENOMEM)
			goto nomem;
	}
	for (size_t r = 0; r < out->len; r++)
		dv_audit_judge_resolver(out->canary, now, &out->v[r]);
	free(qnames);
	return DV_OK;
nomem:
	free(qnames);
	dv_audit_result_clear(out);
	return DV_ENOMEM;
}

int dv_audit_exit_status(const dv_audit_result_t *res)
{
	int status = 0;
	for (size_t r = 0; r < res->len; r++) {
		switch (res->v[r].verdict) {
		case DV_VERDICT_VALIDATING:
			break;
		case DV_VERDICT_STRIPS_AD:
			if (status == 0)
				status = 1;
			break;
		case DV_VERDICT_INDETERMINATE:
			if (status < 2)
				status = 3;
			break;
		default:
			return 2;
		}
	}
	return status;
}

void dv_audit_result_clear(dv_audit_result_t *res)
{
	if (res == NULL)
		return;
	for (size_t r = 0; r < res->len && res->v != NULL; r++) {
		free(res->v[r].modes);
		dv_findings_clear(&res->v[r].findings);
	}
	free(res->v);
	res->v = NULL;
	res->len = 0;
}
