/*
 * Unit tests of the resolver audit: the answer parser (EDE, data, RRSIG
 * window, question match), the verdicts and canary checks (checks/audit.h)
 * on simulated answers, and the resolver snapshot (snapshot/resolver.h):
 * a round trip, and a strict, bounded reader that says what is wrong.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libknot/libknot.h>

#include "canary/canary.h"
#include "checks/audit.h"
#include "core/error.h"
#include "net/net.h"
#include "report/audit.h"
#include "snapshot/resolver.h"
#include "unit.h"

#define NOW    1795392000 /* 2026-11-23T00:00:00Z */
#define DAY    86400
#define CANARY "canary.example."

/* ---- building DNS messages ------------------------------------------------------ */

typedef struct {
	uint8_t w[1024];
	size_t len;
} msg_t;

static void put(msg_t *m, const void *p, size_t n)
{
	assert_true(m->len + n <= sizeof(m->w));
	memcpy(m->w + m->len, p, n);
	m->len += n;
}

static void put16(msg_t *m, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	put(m, b, 2);
}

static void put32(msg_t *m, uint32_t v)
{
	put16(m, (uint16_t)(v >> 16));
	put16(m, (uint16_t)v);
}

enum { F_AD = 1, F_RA = 2, F_AA = 4 };

/* Header and the question (qname, type A); sections follow with the rr_* helpers. */
static void msg_start(msg_t *m, const char *qname, uint8_t rcode, int flags, uint16_t an,
                      uint16_t ns, uint16_t ar)
{
	uint8_t q[KNOT_DNAME_MAXLEN];
	memset(m, 0, sizeof(*m));
	put16(m, 0x1234);
	put16(m, (uint16_t)(0x8100 | (flags & F_AA ? 0x0400 : 0) | (flags & F_RA ? 0x80 : 0) |
	                    (flags & F_AD ? 0x20 : 0) | rcode));
	put16(m, 1);
	put16(m, an);
	put16(m, ns);
	put16(m, ar);
	assert_non_null(knot_dname_from_str(q, qname, sizeof(q)));
	put(m, q, knot_dname_size(q));
	put16(m, KNOT_RRTYPE_A);
	put16(m, KNOT_CLASS_IN);
}

/* An RR owned by the question's name (compression pointer to offset 12). */
static void rr_head(msg_t *m, uint16_t type, uint16_t rdlen)
{
	put16(m, 0xc00c);
	put16(m, type);
	put16(m, KNOT_CLASS_IN);
	put32(m, 30);
	put16(m, rdlen);
}

static void rr_a(msg_t *m)
{
	static const uint8_t ip[] = {192, 0, 2, 1};
	rr_head(m, KNOT_RRTYPE_A, 4);
	put(m, ip, 4);
}

/* RFC 4034 §3.1: an RRSIG over A, signer the root, 8 bytes of signature. */
static void rr_rrsig(msg_t *m, int64_t inception, int64_t expiration)
{
	static const uint8_t sig[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	rr_head(m, KNOT_RRTYPE_RRSIG, 18 + 1 + sizeof(sig));
	put16(m, KNOT_RRTYPE_A);
	uint8_t alg_labels[2] = {13, 2};
	put(m, alg_labels, 2);
	put32(m, 30);
	put32(m, (uint32_t)expiration);
	put32(m, (uint32_t)inception);
	put16(m, 12345);
	uint8_t root = 0;
	put(m, &root, 1);
	put(m, sig, sizeof(sig));
}

/* "lab. NS a.nic.lab." in the authority section. */
static void rr_referral(msg_t *m)
{
	static const uint8_t owner[] = {3, 'l', 'a', 'b', 0};
	static const uint8_t target[] = {1, 'a', 3, 'n', 'i', 'c', 3, 'l', 'a', 'b', 0};
	put(m, owner, sizeof(owner));
	put16(m, KNOT_RRTYPE_NS);
	put16(m, KNOT_CLASS_IN);
	put32(m, 3600);
	put16(m, sizeof(target));
	put(m, target, sizeof(target));
}

/* OPT (RFC 6891 §6.1.2) with DO and the given options. */
static void rr_opt(msg_t *m, const uint8_t *opts, uint16_t optlen)
{
	static const uint8_t head[] = {0, 0, 41, 0x04, 0xd0, 0, 0, 0x80, 0};
	put(m, head, sizeof(head));
	put16(m, optlen);
	if (optlen > 0)
		put(m, opts, optlen);
}

static void parse(const msg_t *m, const char *qname, dv_answer_t *a)
{
	uint8_t q[KNOT_DNAME_MAXLEN];
	assert_non_null(knot_dname_from_str(q, qname, sizeof(q)));
	dv_audit_parse_answer(m->w, m->len, q, KNOT_RRTYPE_A, NOW, a);
}

static void test_parse_ede(void **state)
{
	(void)state;
	msg_t m;
	dv_answer_t a;
	/* Two EDE options (RFC 8914 §2) and a cookie (code 10) between them. */
	static const uint8_t two[] = {0, 15, 0, 5, 0, 7, 'a', 'b', 'c', 0, 10, 0, 8,  1,
	                              2, 3,  4, 5, 6, 7, 8,   0,   15,  0, 3,  0, 22, 0x01};
	msg_start(&m, "x.", 2, F_RA, 0, 0, 1);
	rr_opt(&m, two, sizeof(two));
	parse(&m, "x.", &a);
	assert_int_equal(a.status, DV_OK);
	assert_int_equal(a.rcode, 2);
	assert_false(a.ad);
	assert_true(a.ra);
	assert_int_equal(a.ede_count, 2);
	assert_int_equal(a.ede[0].code, 7);
	assert_string_equal(a.ede[0].text, "abc");
	assert_int_equal(a.ede[1].code, 22);
	assert_string_equal(a.ede[1].text, "?"); /* control byte not passed through */

	/* An option whose length runs past the OPT RDATA: nothing read beyond it. */
	static const uint8_t bad[] = {0, 15, 0, 40, 0, 6, 'x'};
	msg_start(&m, "x.", 2, F_RA, 0, 0, 1);
	rr_opt(&m, bad, sizeof(bad));
	parse(&m, "x.", &a);
	assert_int_equal(a.ede_count, 0);

	/* Shorter than a header; NULL. */
	dv_audit_parse_answer(m.w, 5, NULL, 1, NOW, &a);
	assert_int_equal(a.status, DV_EPARSE);
	dv_audit_parse_answer(NULL, 0, NULL, 1, NOW, &a);
	assert_int_equal(a.status, DV_EPARSE);
}

static void test_parse_data(void **state)
{
	(void)state;
	msg_t m;
	dv_answer_t a;
	/* A and its RRSIG: data, and the window (RFC 1982 times near NOW). */
	msg_start(&m, "valid.canary.example.", 0, F_AD | F_RA, 2, 0, 0);
	rr_a(&m);
	rr_rrsig(&m, NOW - DAY, NOW + 30 * DAY);
	parse(&m, "Valid.CANARY.example.", &a); /* names compare case-insensitively */
	assert_int_equal(a.status, DV_OK);
	assert_true(a.data && a.ad && a.ra && !a.aa && !a.referral);
	assert_true(a.have_sig);
	assert_int_equal(a.sig_inception, NOW - DAY);
	assert_int_equal(a.sig_expiration, NOW + 30 * DAY);
	assert_int_equal(a.ancount, 2);

	/* Two signatures: the narrowest window counts. */
	msg_start(&m, "valid.canary.example.", 0, F_RA, 3, 0, 0);
	rr_a(&m);
	rr_rrsig(&m, NOW - DAY, NOW + 30 * DAY);
	rr_rrsig(&m, NOW - 2 * DAY, NOW + 2 * DAY);
	parse(&m, "valid.canary.example.", &a);
	assert_int_equal(a.sig_inception, NOW - DAY);
	assert_int_equal(a.sig_expiration, NOW + 2 * DAY);

	/* The answer to another question is not evidence about this one. */
	parse(&m, "other.canary.example.", &a);
	assert_int_equal(a.status, DV_EPARSE);
	assert_false(a.data);

	/* NXDOMAIN: no data, no window. */
	msg_start(&m, "valid.canary.example.", 3, F_AD | F_RA, 0, 0, 0);
	parse(&m, "valid.canary.example.", &a);
	assert_int_equal(a.rcode, 3);
	assert_false(a.data || a.have_sig || a.referral);

	/* A referral from an authoritative server: RA and AA clear, NS in authority. */
	msg_start(&m, "valid.canary.lab.", 0, 0, 0, 1, 0);
	rr_referral(&m);
	parse(&m, "valid.canary.lab.", &a);
	assert_true(a.referral);
	assert_false(a.ra || a.data);

	/* Truncated inside the answer: does not parse. */
	msg_start(&m, "valid.canary.example.", 0, F_RA, 1, 0, 0);
	rr_a(&m);
	m.len -= 2;
	parse(&m, "valid.canary.example.", &a);
	assert_int_equal(a.status, DV_EPARSE);
}

/* ---- verdicts on simulated answers ------------------------------------------------ */

typedef enum {
	R_VALIDATING,
	R_NONVALIDATING,
	R_WRONG_TA,
	R_DEAD,
	R_NO_AD,
	R_NO_CANARY, /* SERVFAIL for everything, with CD too */
	R_PERMISSIVE,
	R_DO_ONLY,
	R_AUTH,       /* an authoritative server: referrals, RA clear */
	R_WRONG_NAME, /* a validating resolver asked about a canary that does not exist */
	R_REFUSING,   /* REFUSED for everything, RA clear: does not serve this client */
} kind_t;

static void set(dv_answer_t *a, int status, int rcode, bool ad, int ede)
{
	memset(a, 0, sizeof(*a));
	a->status = status;
	a->rcode = rcode;
	a->ad = ad;
	a->ra = status == DV_OK;
	a->data = status == DV_OK && rcode == 0;
	if (ede >= 0) {
		a->ede_count = 1;
		a->ede[0].code = (uint16_t)ede;
	}
}

static void unasked(dv_answer_t *a)
{
	memset(a, 0, sizeof(*a));
	a->status = DV_AUDIT_NOT_ASKED;
	a->rcode = -1;
}

static void signed_by(dv_answer_t *a, int64_t inception, int64_t expiration)
{
	a->have_sig = true;
	a->sig_inception = inception;
	a->sig_expiration = expiration;
}

static const dv_canary_mode_t *mode(const char *label)
{
	for (size_t i = 0; i < dv_canary_mode_count; i++)
		if (strcmp(dv_canary_modes[i].label, label) == 0)
			return &dv_canary_modes[i];
	fail_msg("no mode %s", label);
	return NULL;
}

static size_t mode_index(const char *label)
{
	return (size_t)(mode(label) - dv_canary_modes);
}

/* What a resolver of `kind` answers to the DO question of one mode. */
static void simulate_first(kind_t kind, const dv_canary_mode_t *md, int limit, bool ede,
                           const char *accepts, dv_mode_result_t *r)
{
	int nx = md->qpre[0] != '\0' ? 3 : 0;
	bool ad = kind != R_NO_AD && kind != R_NONVALIDATING;
	switch (md->expect) {
	case DV_EXPECT_SECURE:
		set(&r->first, DV_OK, nx, ad, -1);
		break;
	case DV_EXPECT_INSECURE:
		set(&r->first, DV_OK, nx, false, -1);
		break;
	case DV_EXPECT_NSEC3:
		set(&r->first, DV_OK, 3, ad && md->iterations <= limit, -1);
		break;
	case DV_EXPECT_BOGUS:
		if (kind == R_NONVALIDATING || kind == R_PERMISSIVE ||
		    (accepts != NULL && strcmp(accepts, md->label) == 0)) {
			set(&r->first, DV_OK, nx, false, -1);
		} else {
			set(&r->first, DV_OK, 2, false, ede ? md->ede : -1);
			set(&r->cd, DV_OK, nx, false, -1);
		}
		break;
	}
}

/* Fill rr's answers as a resolver of `kind` with NSEC3 limit `limit` would;
 * the canary was written at NOW - written_ago. */
static void simulate(dv_resolver_result_t *rr, kind_t kind, int limit, bool ede,
                     const char *accepts, int64_t written_ago)
{
	int64_t t = NOW - written_ago;
	for (size_t m = 0; m < dv_canary_mode_count; m++) {
		const dv_canary_mode_t *md = &dv_canary_modes[m];
		dv_mode_result_t *r = &rr->modes[m];
		int nx = md->qpre[0] != '\0' ? 3 : 0;
		unasked(&r->cd);
		switch (kind) {
		case R_DEAD:
			set(&r->first, DV_ETIMEOUT, -1, false, -1);
			set(&r->stub, DV_ETIMEOUT, -1, false, -1);
			set(&r->cd, DV_ETIMEOUT, -1, false, -1);
			continue;
		case R_NONVALIDATING:
			set(&r->first, DV_OK, nx, false, -1);
			break;
		case R_WRONG_TA:
		case R_NO_CANARY:
			set(&r->first, DV_OK, 2, false, -1);
			set(&r->cd, DV_OK, kind == R_WRONG_TA ? nx : 2, false, -1);
			break;
		case R_AUTH:
			set(&r->first, DV_OK, 0, false, -1);
			r->first.ra = r->first.data = false;
			r->first.referral = true;
			r->stub = r->first;
			continue;
		case R_REFUSING:
			set(&r->first, DV_OK, 5, false, -1);
			r->first.ra = false;
			r->stub = r->first;
			continue;
		case R_WRONG_NAME:
			set(&r->first, DV_OK, 3, true, -1);
			set(&r->stub, DV_OK, 3, false, -1);
			set(&r->cd, DV_OK, 3, false, -1);
			continue;
		default:
			simulate_first(kind, md, limit, ede, accepts, r);
			break;
		}
		/* Without DO: the same, but no AD; a DO-only validator passes bogus data. */
		r->stub = r->first;
		r->stub.ad = false;
		r->stub.ede_count = 0;
		if (md->expect == DV_EXPECT_BOGUS && kind == R_DO_ONLY)
			set(&r->stub, DV_OK, nx, false, -1);
		/* The canary's own questions, with CD: its sound and not-yet windows. */
		if (md->fault == DV_FAULT_NONE || md->fault == DV_FAULT_NOT_YET) {
			if (kind != R_WRONG_TA && kind != R_NO_CANARY)
				set(&r->cd, DV_OK, 0, false, -1);
			if (r->cd.data && md->fault == DV_FAULT_NONE)
				signed_by(&r->cd, t - DAY, t + 30 * DAY);
			if (r->cd.data && md->fault == DV_FAULT_NOT_YET)
				signed_by(&r->cd, t + 3 * DAY, t + 33 * DAY);
		}
	}
}

static dv_resolver_result_t *judge_at(kind_t kind, int limit, bool ede, const char *accepts,
                                      int64_t written_ago)
{
	static dv_resolver_result_t rr;
	static dv_mode_result_t modes[64];
	assert_true(dv_canary_mode_count <= 64);
	memset(&rr, 0, sizeof(rr));
	memset(modes, 0, sizeof(modes));
	rr.modes = modes;
	snprintf(rr.address, sizeof(rr.address), "192.0.2.53");
	simulate(&rr, kind, limit, ede, accepts, written_ago);
	dv_audit_judge_resolver(CANARY, NOW, &rr);
	return &rr;
}

static dv_resolver_result_t *judge(kind_t kind, int limit, bool ede, const char *accepts)
{
	return judge_at(kind, limit, ede, accepts, 3600);
}

/* The resolver has exactly one finding, of `code`, whose detail contains `text`. */
static void only(const dv_resolver_result_t *rr, dv_code_t code, const char *text)
{
	if (rr->findings.len != 1 || rr->findings.v[0].code != code)
		for (size_t i = 0; i < rr->findings.len; i++)
			fprintf(stderr, "  %s: %s\n", dv_code_name(rr->findings.v[i].code),
			        rr->findings.v[i].detail);
	assert_int_equal(rr->findings.len, 1);
	assert_int_equal(rr->findings.v[0].code, code);
	if (strstr(rr->findings.v[0].detail, text) == NULL)
		fail_msg("detail '%s' lacks '%s'", rr->findings.v[0].detail, text);
	assert_string_equal(rr->findings.v[0].server, "192.0.2.53");
	assert_string_equal(name_str(rr->findings.v[0].zone), CANARY);
}

static void test_verdicts(void **state)
{
	(void)state;
	/* Each kind of resolver: its verdict, its one finding (or none) and the evidence. */
	static const struct {
		kind_t kind;
		int limit;
		bool ede;
		const char *accepts;
		dv_verdict_t verdict;
		int code; /* -1: no finding */
		const char *detail;
	} cases[] = {
	    {R_VALIDATING, 150, true, NULL, DV_VERDICT_VALIDATING, -1, NULL},
	    /* Knot Resolver 5.6 (limit 50), BIND 9.18 (no EDE) */
	    {R_VALIDATING, 50, false, NULL, DV_VERDICT_VALIDATING, DV_F_RESOLVER_NO_EDE, "no EDE"},
	    {R_NONVALIDATING, 0, false, NULL, DV_VERDICT_NOT_VALIDATING,
	     DV_F_RESOLVER_NOT_VALIDATING, "accepts 15 of 15 bogus modes"},
	    /* e.g. clock skew tolerance */
	    {R_VALIDATING, 150, true, "rrsig-exp-a", DV_VERDICT_PARTIAL,
	     DV_F_RESOLVER_PARTIAL_VALIDATION, "accepts 1 of 15 bogus modes: rrsig-exp-a"},
	    {R_WRONG_TA, 0, false, NULL, DV_VERDICT_TA_BROKEN, DV_F_RESOLVER_TRUST_ANCHOR_BROKEN,
	     "answers with CD set"},
	    {R_DEAD, 0, false, NULL, DV_VERDICT_UNREACHABLE, DV_F_RESOLVER_UNREACHABLE,
	     "no answer"},
	    {R_NO_AD, 150, true, NULL, DV_VERDICT_STRIPS_AD, DV_F_RESOLVER_STRIPS_AD,
	     "no secure answer has AD"},
	    /* Unbound's val-permissive-mode: AD on secure data, bogus data passed on. */
	    {R_PERMISSIVE, 150, false, NULL, DV_VERDICT_PERMISSIVE, DV_F_RESOLVER_PERMISSIVE,
	     "sets AD on the valid control"},
	    /* PowerDNS Recursor dnssec=process: rejects with DO only. */
	    {R_DO_ONLY, 150, true, NULL, DV_VERDICT_DO_ONLY, DV_F_RESOLVER_VALIDATES_ONLY_WITH_DO,
	     "answers 15 of 15 without DO"},
	    /* An authoritative server: not a resolver, not "not validating". */
	    {R_AUTH, 0, false, NULL, DV_VERDICT_NOT_RESOLVER, DV_F_RESOLVER_NOT_RECURSIVE,
	     "valid.canary.example.: a referral"},
	    /* REFUSED without RA: not proof of an authoritative server, no verdict */
	    {R_REFUSING, 0, false, NULL, DV_VERDICT_INDETERMINATE, DV_F_RESOLVER_INDETERMINATE,
	     "(REFUSED: the resolver does not serve this client?)"},
	    /* SERVFAIL with CD too: cannot judge */
	    {R_NO_CANARY, 0, false, NULL, DV_VERDICT_INDETERMINATE, DV_F_RESOLVER_INDETERMINATE,
	     "even with CD set"},
	};
	dv_resolver_result_t *r;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = judge(cases[i].kind, cases[i].limit, cases[i].ede, cases[i].accepts);
		assert_int_equal(r->verdict, cases[i].verdict);
		if (cases[i].code < 0)
			assert_int_equal(r->findings.len, 0);
		else
			only(r, (dv_code_t)cases[i].code, cases[i].detail);
		dv_findings_clear(&r->findings);
	}
	r = judge(R_VALIDATING, 150, true, NULL);
	assert_int_equal(r->nsec3_limit, 150);
	assert_true(r->sends_ede);
	assert_int_equal(r->canary, DV_CANARY_FRESH);
	assert_int_equal(r->canary_expires, NOW - 3600 + 30 * DAY);
	assert_int_equal(r->canary_notyet_at, NOW - 3600 + 3 * DAY);
	dv_findings_clear(&r->findings);
	r = judge(R_NONVALIDATING, 0, false, NULL);
	assert_int_equal(r->nsec3_limit, -1);
	for (size_t m = 0; m < dv_canary_mode_count; m++)
		if (dv_canary_modes[m].expect == DV_EXPECT_BOGUS)
			assert_int_equal(r->modes[m].outcome, DV_OUTCOME_BOGUS_ACCEPTED);
	dv_findings_clear(&r->findings);
	r = judge(R_DO_ONLY, 150, true, NULL);
	assert_int_equal(r->modes[mode_index("rrsig-bad-a")].outcome, DV_OUTCOME_OK);
	assert_int_equal(r->modes[mode_index("rrsig-bad-a")].stub_outcome,
	                 DV_OUTCOME_BOGUS_ACCEPTED);
	dv_findings_clear(&r->findings);

	/* PowerDNS 4.8: a bogus NXDOMAIN SERVFAILs with CD set too.  Still rejected. */
	r = judge(R_VALIDATING, 150, true, NULL);
	dv_findings_clear(&r->findings);
	size_t nm = mode_index("nsec-none");
	set(&r->modes[nm].cd, DV_OK, 2, false, -1);
	dv_audit_judge_resolver(CANARY, NOW, r);
	assert_int_equal(r->verdict, DV_VERDICT_VALIDATING);
	assert_int_equal(r->modes[nm].outcome, DV_OUTCOME_REJECTED_CD);
	assert_int_equal(r->findings.len, 0);
	dv_findings_clear(&r->findings);

	/* One bogus question timed out: its rejection was not seen. */
	r = judge(R_VALIDATING, 150, true, NULL);
	dv_findings_clear(&r->findings);
	set(&r->modes[nm].first, DV_ETIMEOUT, -1, false, -1);
	dv_audit_judge_resolver(CANARY, NOW, r);
	assert_int_equal(r->verdict, DV_VERDICT_INDETERMINATE);
	assert_int_equal(r->modes[nm].outcome, DV_OUTCOME_NO_ANSWER);
	only(r, DV_F_RESOLVER_INDETERMINATE, "nsec-none (DO)");
	dv_findings_clear(&r->findings);

	/* ... and without DO: the stub's side is not seen either. */
	r = judge(R_VALIDATING, 150, true, NULL);
	dv_findings_clear(&r->findings);
	unasked(&r->modes[nm].stub);
	dv_audit_judge_resolver(CANARY, NOW, r);
	assert_int_equal(r->verdict, DV_VERDICT_INDETERMINATE);
	only(r, DV_F_RESOLVER_INDETERMINATE, "nsec-none (no DO)");
	dv_findings_clear(&r->findings);

	r = judge(R_NO_CANARY, 0, false, NULL); /* SERVFAIL with CD too: cannot judge */
	assert_int_equal(r->verdict, DV_VERDICT_INDETERMINATE);
	only(r, DV_F_RESOLVER_INDETERMINATE, "even with CD set");
	dv_findings_clear(&r->findings);
}

/* The canary itself: there, and still meaning what it says. */
static void test_canary_checks(void **state)
{
	(void)state;
	/* A name that does not exist: NXDOMAIN+AD for everything is no accusation. */
	dv_resolver_result_t *r = judge(R_WRONG_NAME, 150, true, NULL);
	assert_int_equal(r->verdict, DV_VERDICT_INDETERMINATE);
	assert_int_equal(r->canary, DV_CANARY_NOT_FOUND);
	only(r, DV_F_CANARY_NOT_FOUND, "canary not found: NXDOMAIN for valid.canary.example.");
	assert_string_equal(name_str(r->findings.v[0].owner), "valid.canary.example.");
	assert_int_equal(dv_audit_exit_status(&(dv_audit_result_t){.v = r, .len = 1}), 3);
	dv_findings_clear(&r->findings);

	/* Written 29.5 days ago: the sound signatures end within the day. */
	r = judge_at(R_VALIDATING, 150, true, NULL, 29 * DAY + DAY / 2);
	assert_int_equal(r->verdict, DV_VERDICT_INDETERMINATE);
	assert_int_equal(r->canary, DV_CANARY_EXPIRED);
	only(r, DV_F_CANARY_EXPIRED, "canary expired — re-run `dnsvigil canary`");
	assert_int_equal(r->findings.v[0].time, NOW + DAY / 2);
	assert_int_equal(r->findings.v[0].seconds_left, DAY / 2);
	dv_findings_clear(&r->findings);

	/* 40 days ago: expired; a non-validating resolver is not accused on a stale canary. */
	r = judge_at(R_NONVALIDATING, 150, true, NULL, 40 * DAY);
	assert_int_equal(r->verdict, DV_VERDICT_INDETERMINATE);
	only(r, DV_F_CANARY_EXPIRED, "expired at");
	dv_findings_clear(&r->findings);

	/* 2.5 days ago: rrsig-notyet starts within Unbound's skew of a day. */
	r = judge_at(R_VALIDATING, 150, true, NULL, 2 * DAY + DAY / 2);
	assert_int_equal(r->canary, DV_CANARY_EXPIRED);
	only(r, DV_F_CANARY_EXPIRED, "rrsig-notyet.canary.example.");
	dv_findings_clear(&r->findings);
	/* 1.5 days ago: still a test of everything. */
	r = judge_at(R_VALIDATING, 150, true, NULL, DAY + DAY / 2);
	assert_int_equal(r->verdict, DV_VERDICT_VALIDATING);
	assert_int_equal(r->canary, DV_CANARY_FRESH);
	dv_findings_clear(&r->findings);

	/* Written for two days ahead: not valid yet. */
	r = judge_at(R_VALIDATING, 150, true, NULL, -2 * DAY);
	only(r, DV_F_CANARY_EXPIRED, "is not valid yet");
	dv_findings_clear(&r->findings);

	/* No signature came back to date it: judged, state unknown. */
	r = judge(R_VALIDATING, 150, true, NULL);
	dv_findings_clear(&r->findings);
	r->modes[mode_index("valid")].cd.have_sig = false;
	r->modes[mode_index("rrsig-notyet")].cd.have_sig = false;
	dv_audit_judge_resolver(CANARY, NOW, r);
	assert_int_equal(r->verdict, DV_VERDICT_VALIDATING);
	assert_int_equal(r->canary, DV_CANARY_UNKNOWN);
	assert_int_equal(r->canary_expires, 0);
	dv_findings_clear(&r->findings);
}

static void test_exit_status(void **state)
{
	(void)state;
	static const struct {
		dv_verdict_t v[3];
		size_t n;
		int want;
	} cases[] = {
	    {{DV_VERDICT_VALIDATING}, 1, 0},
	    {{DV_VERDICT_VALIDATING, DV_VERDICT_STRIPS_AD}, 2, 1},
	    {{DV_VERDICT_STRIPS_AD, DV_VERDICT_INDETERMINATE}, 2, 3},
	    {{DV_VERDICT_INDETERMINATE, DV_VERDICT_NOT_VALIDATING}, 2, 2},
	    {{DV_VERDICT_PERMISSIVE}, 1, 2},
	    {{DV_VERDICT_DO_ONLY}, 1, 2},
	    {{DV_VERDICT_NOT_RESOLVER}, 1, 2},
	    {{DV_VERDICT_UNREACHABLE, DV_VERDICT_VALIDATING}, 2, 2},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		dv_resolver_result_t rr[3];
		memset(rr, 0, sizeof(rr));
		for (size_t k = 0; k < cases[i].n; k++)
			rr[k].verdict = cases[i].v[k];
		dv_audit_result_t res = {.v = rr, .len = cases[i].n};
		assert_int_equal(dv_audit_exit_status(&res), cases[i].want);
	}
	for (int v = 0; v < DV_VERDICT_COUNT; v++)
		assert_string_not_equal(dv_verdict_name((dv_verdict_t)v), "?");
}

/* The plugin line: nothing from a name or an answer may start perfdata or a line. */
static void test_nagios_text(void **state)
{
	(void)state;
	dv_resolver_result_t *r = judge(R_WRONG_NAME, 150, true, NULL);
	/* Its one finding again, with a hostile detail. */
	dv_code_t code = r->findings.v[0].code;
	dv_evidence_t ev = {.server = "192.0.2.53"};
	dv_findings_clear(&r->findings);
	dv_findings_add(
	    &r->findings, code, &ev, "%s",
	    "canary not found: NXDOMAIN for valid.a|b\nDNSVIGIL AUDIT OK - forged\x1b[2J");
	dv_audit_result_t res = {.canary = CANARY, .v = r, .len = 1, .elapsed_ms = 20};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(dv_report_audit_nagios(f, &res), 3);
	assert_int_equal(fclose(f), 0);
	size_t lines = 0, bars = 0;
	for (size_t i = 0; i < len; i++) {
		lines += buf[i] == '\n';
		bars += buf[i] == '|';
		assert_true(buf[i] == '\n' || ((unsigned char)buf[i] >= 0x20 && buf[i] != 0x7f));
	}
	assert_int_equal(lines, 2); /* the status line and one finding */
	assert_int_equal(bars, 1);  /* the perfdata separator only */
	assert_non_null(strstr(buf, "(canary not found: NXDOMAIN for valid.a/b?DNSVIGIL AUDIT OK - "
	                            "forged?[2J) | validating=0 "));
	free(buf);
	dv_findings_clear(&r->findings);
}

/* ---- resolver snapshots ------------------------------------------------------------- */

/* A snapshot of one resolver that answered the valid control three ways. */
static dv_resolver_snapshot_t *small_snapshot(void)
{
	dv_resolver_snapshot_t *s = NULL;
	uint32_t r;
	msg_t m;
	uint8_t q[KNOT_DNAME_MAXLEN];
	assert_int_equal(dv_resolver_snapshot_new("Canary.Example", &s), 0);
	assert_string_equal(s->canary, "canary.example.");
	s->time = NOW;
	s->probe_ms = 250;
	assert_int_equal(dv_resolver_snapshot_add_resolver(s, "192.0.2.53", 53, &r), 0);
	assert_int_equal(dv_resolver_snapshot_add_resolver(s, "[2001:db8::1]:5353", 53, &r), 0);
	assert_string_equal(s->resolvers[1], "2001:db8::1@5353");
	assert_non_null(knot_dname_from_str(q, "valid.canary.example.", sizeof(q)));
	msg_start(&m, "valid.canary.example.", 0, F_AD | F_RA, 2, 0, 0);
	rr_a(&m);
	rr_rrsig(&m, NOW - DAY, NOW + 30 * DAY);
	dv_resolver_query_t dq = {.resolver = 0,
	                          .status = DV_SNAP_OK,
	                          .qtype = KNOT_RRTYPE_A,
	                          .flags = DV_RSNAP_ASK_DO,
	                          .rtt_ms = 3,
	                          .attempts = 1,
	                          .t_ms = 10,
	                          .qname = q,
	                          .wire = m.w,
	                          .len = (uint16_t)m.len};
	assert_int_equal(dv_resolver_snapshot_add_query(s, &dq), 0);
	dq.flags = DV_RSNAP_ASK_CD;
	dq.t_ms = 20;
	assert_int_equal(dv_resolver_snapshot_add_query(s, &dq), 0);
	dq.flags = DV_RSNAP_ASK_STUB;
	dq.status = DV_SNAP_TIMEOUT;
	dq.t_ms = 240;
	dq.udp_failed = true;
	dq.attempts = 3;
	assert_int_equal(dv_resolver_snapshot_add_query(s, &dq), 0);
	return s;
}

/* The JSON form into *buf (the caller's: open_memstream keeps its address). */
static void to_json(const dv_resolver_snapshot_t *s, char **buf, size_t *len)
{
	FILE *f = open_memstream(buf, len);
	assert_non_null(f);
	assert_int_equal(dv_resolver_snapshot_write(s, f), 0);
	assert_int_equal(fclose(f), 0);
}

static void test_snapshot_roundtrip(void **state)
{
	(void)state;
	dv_resolver_snapshot_t *s = small_snapshot(), *back = NULL;
	size_t len, len2;
	char *json = NULL, *again = NULL, err[512];
	to_json(s, &json, &len);
	assert_int_equal(dv_resolver_snapshot_load_mem(json, len, "mem", &back, err, sizeof(err)),
	                 0);
	assert_int_equal(back->time, NOW);
	assert_int_equal(back->probe_ms, 250);
	assert_int_equal(back->nresolvers, 2);
	assert_int_equal(back->nqueries, 3);
	assert_int_equal(back->queries[0].len, s->queries[0].len);
	assert_memory_equal(back->queries[0].wire, s->queries[0].wire, s->queries[0].len);
	assert_int_equal(back->queries[2].status, DV_SNAP_TIMEOUT);
	assert_null(back->queries[2].wire);
	assert_true(back->queries[2].udp_failed);
	to_json(back, &again, &len2);
	assert_int_equal(len, len2);
	assert_memory_equal(json, again, len);

	/* Judged: the valid control's three slots, everything else unasked. */
	dv_audit_result_t res;
	assert_int_equal(dv_audit_judge(back, NOW, &res), 0);
	assert_int_equal(res.len, 2);
	assert_string_equal(res.canary, "canary.example.");
	const dv_mode_result_t *v = &res.v[0].modes[mode_index("valid")];
	assert_int_equal(v->first.status, DV_OK);
	assert_true(v->first.data && v->first.ad && v->first.have_sig);
	assert_int_equal(v->cd.status, DV_OK);
	assert_int_equal(v->stub.status, DV_ETIMEOUT);
	assert_int_equal(res.v[0].elapsed_ms, 240);
	assert_int_equal(res.v[0].canary, DV_CANARY_FRESH);
	assert_int_equal(res.v[0].modes[mode_index("rrsig-bad-a")].first.status,
	                 DV_AUDIT_NOT_ASKED);
	assert_int_equal(res.v[0].verdict, DV_VERDICT_INDETERMINATE);
	assert_int_equal(res.v[1].verdict, DV_VERDICT_UNREACHABLE);
	dv_audit_result_clear(&res);
	assert_null(res.v);
	free(again);
	free(json);
	dv_resolver_snapshot_free(back);
	dv_resolver_snapshot_free(s);
}

/* Replace the first `from` in base by `to`; a new string. */
static char *edit(const char *base, const char *from, const char *to)
{
	const char *at = strstr(base, from);
	if (at == NULL)
		fail_msg("no '%s' in the snapshot", from);
	size_t n = strlen(base) - strlen(from) + strlen(to);
	char *s = malloc(n + 1);
	assert_non_null(s);
	size_t head = (size_t)(at - base);
	memcpy(s, base, head);
	memcpy(s + head, to, strlen(to));
	memcpy(s + head + strlen(to), at + strlen(from), strlen(at + strlen(from)) + 1);
	return s;
}

static void expect_refused(const char *json, const char *what)
{
	dv_resolver_snapshot_t *s = NULL;
	char err[512];
	int r =
	    dv_resolver_snapshot_load_mem(json, strlen(json), "snap.json", &s, err, sizeof(err));
	if (r == 0 || strstr(err, what) == NULL || strncmp(err, "snap.json: ", 11) != 0)
		fail_msg("wanted an error with '%s', got %d '%s'", what, r, r ? err : "");
	assert_null(s);
}

static void test_snapshot_strict(void **state)
{
	(void)state;
	dv_resolver_snapshot_t *s = small_snapshot();
	size_t len;
	char *base = NULL;
	to_json(s, &base, &len);
	static const struct {
		const char *from, *to, *what;
	} cases[] = {
	    /* issue 10 §15: bad types are refused, not coerced */
	    {"\"tcp\": false", "\"tcp\": \"true\"", "queries[0]: \"tcp\" must be true or false"},
	    {"\"rtt_ms\": 3", "\"rtt_ms\": -1", "queries[0]: \"rtt_ms\" is -1, outside 0..65535"},
	    {"\"probe_ms\": 250", "\"probe_ms\": -1", "\"probe_ms\" is -1"},
	    {"\"probe_ms\": 250", "\"probe_ms\": 2.5", "\"probe_ms\" must be an integer"},
	    {"\"t_ms\": 10", "\"t_ms\": 251", "\"t_ms\" is 251, outside 0..250"},
	    {"\"resolver\": 0", "\"resolver\": 2", "\"resolver\" is 2, outside 0..1"},
	    {"\"queries\": [", "\"queries\": {\"a\": 1}, \"x\": [", "unknown member \"x\""},
	    {"\"queries\": [", "\"queries\": 7, \"q\": [", "unknown member \"q\""},
	    {"\"canary\"", "\"canary2\"", "unknown member \"canary2\""},
	    {"\"time\": 1795392000", "\"time\": \"1795392000\"", "\"time\" must be an integer"},
	    {"\"attempts\": 1", "\"attempts\": true", "\"attempts\" must be an integer"},
	    {"\"attempts\": 1,", "", "\"attempts\" is missing"},
	    {"\"qtype\": \"A\"", "\"qtype\": \"B\"", "\"qtype\" is not an RR type"},
	    {"\"qname\": \"valid", "\"qname\": \"..valid", "\"qname\" is not a domain name"},
	    {"\"status\": \"ok\"", "\"status\": \"great\"", "\"status\" must be ok"},
	    {"\"DO\"", "\"XX\"", "\"flags\"[0] is not a query flag name"},
	    {"\"DO\"", "\"RD\"", "\"flags\" names RD twice"},
	    {"\"status\": \"timeout\"", "\"status\": \"timeout\", \"wire\": \"AAAA\"",
	     "\"wire\" given, but \"status\" is not ok"},
	    {"\"wire\": \"", "\"wire\": \"*", "\"wire\" is not base64"},
	    {"\"address\": \"192.0.2.53\"", "\"address\": \"192.0.2.53\\n| DNSVIGIL AUDIT OK\"",
	     "resolvers[0]: \"address\" is not an IP address"},
	    {"\"address\": \"192.0.2.53\"", "\"address\": \"\\u001b[2J\"",
	     "\"address\" is not an IP address"},
	    {"\"address\": \"192.0.2.53\"", "\"address\": \"192.0.2.53\\u0000x\"",
	     "\\u0000 is not allowed"},
	    {"\"dnsvigil_resolver_snapshot\": 1", "\"dnsvigil_resolver_snapshot\": 2",
	     "snapshot version 2"},
	    {"\"dnsvigil_resolver_snapshot\": 1", "\"dnsvigil_snapshot\": 1",
	     "a 'dnsvigil check' snapshot"},
	    {"\"dnsvigil_resolver_snapshot\": 1,", "", "an audit report (--format json)"},
	    {"\"canary\": \"canary.example.\"", "\"canary\": \"a..b\"",
	     "\"canary\" is not a domain"},
	    {"\"resolvers\": [", "\"resolvers\": [], \"r\": [", "unknown member \"r\""},
	    {"\"probe_ms\": 250", "\"probe_ms\": 250, \"probe_ms\": 250", "duplicate"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *bad = edit(base, cases[i].from, cases[i].to);
		expect_refused(bad, cases[i].what);
		free(bad);
	}
	/* The same question twice (the second could change the verdict). */
	const char *q1 = strstr(base, "\"queries\": [") + 12;
	const char *end = strstr(q1, "},") + 1;
	char *dup = malloc(strlen(base) + (size_t)(end - q1) + 4);
	assert_non_null(dup);
	size_t head = (size_t)(end - base);
	memcpy(dup, base, head);
	dup[head] = ',';
	memcpy(dup + head + 1, q1, (size_t)(end - q1));
	memcpy(dup + head + 1 + (end - q1), end, strlen(end) + 1);
	expect_refused(dup, "queries[1]: the same question as queries[0]");
	free(dup);

	/* A control character in the canary name is kept escaped, never raw. */
	char *esc =
	    edit(base, "\"canary\": \"canary.example.\"", "\"canary\": \"ca\\u001bnary.lab.\"");
	dv_resolver_snapshot_t *e = NULL;
	char err[512];
	assert_int_equal(dv_resolver_snapshot_load_mem(esc, strlen(esc), "e", &e, err, sizeof(err)),
	                 0);
	assert_string_equal(e->canary, "ca\\027nary.lab.");
	dv_resolver_snapshot_free(e);
	free(esc);

	expect_refused("[1]", "not a JSON object");
	expect_refused("{\"a\": ", "line 1");
	expect_refused("{\"dnsvigil_resolver_snapshot\": 1, \"canary\": \"x.\", \"time\": 0, "
	               "\"probe_ms\": 0, \"resolvers\": [], \"queries\": []}",
	               "\"resolvers\" must list 1 to 256 resolvers");
	free(base);
	dv_resolver_snapshot_free(s);
}

/* issue 10 §11: what a real probe cannot produce is refused before it costs memory. */
static void test_snapshot_bounds(void **state)
{
	(void)state;
	/* 2 MB of empty arrays: refused by counting, never built (jansson ~150 B each). */
	size_t n = 2 * 1024 * 1024;
	char *big = malloc(n + 3);
	assert_non_null(big);
	big[0] = '[';
	for (size_t i = 1; i + 3 < n; i += 3)
		memcpy(big + i, "[],", 3);
	size_t used = 1 + (n - 4) / 3 * 3;
	big[used - 1] = ']';
	big[used] = '\0';
	expect_refused(big, "JSON values: more than an audit of 256 resolvers writes");
	/* Deep nesting. */
	memset(big, '[', 100);
	memset(big + 100, ']', 100);
	big[200] = '\0';
	expect_refused(big, "nested deeper than 8 levels");
	free(big);

	/* A file larger than the ceiling is refused by its size, before it is read. */
	char path[] = "/tmp/dv-audit-unit.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)DV_RSNAP_MAX_BYTES + 1), 0);
	close(fd);
	dv_resolver_snapshot_t *s = NULL;
	char err[512];
	assert_int_equal(dv_resolver_snapshot_load(path, &s, err, sizeof(err)), DV_ELIMIT);
	assert_non_null(strstr(err, "larger than the 67108864 a resolver snapshot may have"));
	unlink(path);
	assert_int_equal(dv_resolver_snapshot_load(path, &s, err, sizeof(err)), DV_EIO);
	assert_non_null(strstr(err, "No such file"));
	assert_int_equal(dv_resolver_snapshot_load("/tmp", &s, err, sizeof(err)), DV_EIO);
	assert_non_null(strstr(err, "not a regular file"));

	/* The model keeps its ceilings too. */
	assert_int_equal(dv_resolver_snapshot_new("canary.example.", &s), 0);
	uint32_t r;
	for (unsigned i = 0; i < DV_RSNAP_MAX_RESOLVERS; i++)
		assert_int_equal(dv_resolver_snapshot_add_resolver(s, "192.0.2.1", 53, &r), 0);
	assert_int_equal(dv_resolver_snapshot_add_resolver(s, "192.0.2.1", 53, &r), DV_ELIMIT);
	assert_int_equal(dv_resolver_snapshot_add_resolver(s, "not-an-address", 53, &r), DV_EINVAL);
	uint8_t q[] = {1, 'x', 0};
	dv_resolver_query_t dq = {.resolver = 0, .status = DV_SNAP_TIMEOUT, .qtype = 1, .qname = q};
	for (unsigned i = 0; i < DV_RSNAP_MAX_QUERIES_PER_RESOLVER; i++)
		assert_int_equal(dv_resolver_snapshot_add_query(s, &dq), 0);
	assert_int_equal(dv_resolver_snapshot_add_query(s, &dq), DV_ELIMIT);
	dv_resolver_snapshot_free(s);
	assert_int_equal(dv_resolver_snapshot_new("a..b", &s), DV_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_ede),          cmocka_unit_test(test_parse_data),
	    cmocka_unit_test(test_verdicts),           cmocka_unit_test(test_canary_checks),
	    cmocka_unit_test(test_exit_status),        cmocka_unit_test(test_nagios_text),
	    cmocka_unit_test(test_snapshot_roundtrip), cmocka_unit_test(test_snapshot_strict),
	    cmocka_unit_test(test_snapshot_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
