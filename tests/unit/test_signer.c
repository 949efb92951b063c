/*
 * Unit tests of "signer late" (src/daemon/signer.c): a simulated BIND-like
 * signer (14-day signatures re-signed with 5 days left) observed hourly is
 * never late while it works; once it stalls, the learned margin calls it
 * late more than 3 days before the signatures expire (a 1-day critical
 * threshold would fire 4 days later); a configured policy does the same
 * without history; too little history is "unknown", never "ok".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/signer.h"

#define H 3600
#define D 86400

typedef struct {
	dv_signer_sample_t v[4096];
	size_t n;
} hist_t;

/* Record the state at t when it changed (the store's history rows). */
static void observe(hist_t *h, int64_t t, int64_t inc, int64_t exp)
{
	if (h->n > 0 && h->v[h->n - 1].newest_inception == inc &&
	    h->v[h->n - 1].earliest_expiry == exp)
		return;
	h->v[h->n++] = (dv_signer_sample_t){t, inc, exp};
}

static void test_bind_like(void **state)
{
	static hist_t h;
	h.n = 0;
	const int64_t t0 = 1700000000, stall = t0 + 40 * D;
	int64_t inc = t0 - H, exp = t0 + 14 * D;
	dv_signer_policy_t learn = {.refresh = 0, .interval = H};
	dv_signer_verdict_t v;
	int64_t late_at = 0, last_resign = t0;
	for (int64_t t = t0; t < t0 + 60 * D; t += H) {
		/* the signer: re-sign everything when 5 days are left, until it stalls */
		if (t < stall && exp - t < 5 * D) {
			inc = t - H;
			exp = t + 14 * D;
			last_resign = t;
		}
		observe(&h, t, inc, exp);
		dv_signer_judge(h.v, h.n, &learn, t, &v);
		if (t <= t0 + 9 * D) {
			/* nothing learned before the first re-signing */
			assert_int_equal(v.state, DV_SIGNER_UNKNOWN);
			continue;
		}
		if (t < last_resign + 9 * D) {
			if (v.state != DV_SIGNER_OK)
				fail_msg("late at day %.2f while the signer works: %s",
				         (double)(t - t0) / D, v.reason);
			continue;
		}
		if (v.state == DV_SIGNER_LATE && late_at == 0)
			late_at = t;
	}
	assert_true(late_at > stall);
	/* within a few hours of the missed re-signing, more than 3 days before expiry */
	int64_t missed = last_resign + 9 * D + H; /* when it should have re-signed */
	assert_true(late_at - missed <= 4 * H);
	assert_true(exp - late_at > 3 * D);
	dv_signer_judge(h.v, h.n, &learn, late_at, &v);
	assert_int_equal(v.state, DV_SIGNER_LATE);
	assert_true(v.margin > 5 * D - 2 * H && v.margin <= 5 * D);
	assert_non_null(strstr(v.reason, "learned margin"));
	assert_true(v.refreshes >= 3);
}

static void test_policy(void **state)
{
	const int64_t now = 1700000000;
	dv_signer_sample_t s = {now - D, now - D, now + 6 * D};
	dv_signer_policy_t bind = {.refresh = 5 * D, .interval = 300};
	dv_signer_verdict_t v;
	dv_signer_judge(&s, 1, &bind, now, &v);
	assert_int_equal(v.state, DV_SIGNER_OK);
	assert_int_equal(v.remaining, 6 * D);
	/* 4.5 days left, margin 5 days, tolerance 300 s + 1 h: late */
	s.earliest_expiry = now + 4 * D + 12 * H;
	dv_signer_judge(&s, 1, &bind, now, &v);
	assert_int_equal(v.state, DV_SIGNER_LATE);
	assert_non_null(strstr(v.reason, "configured margin"));
	/* within the tolerance: not yet */
	s.earliest_expiry = now + 5 * D - 3000;
	dv_signer_judge(&s, 1, &bind, now, &v);
	assert_int_equal(v.state, DV_SIGNER_OK);
}

static void test_unknown(void **state)
{
	dv_signer_policy_t learn = {0, 300};
	dv_signer_verdict_t v;
	dv_signer_judge(NULL, 0, &learn, 5, &v);
	assert_int_equal(v.state, DV_SIGNER_UNKNOWN);
	/* unsigned zone */
	dv_signer_sample_t s = {1, 0, 0};
	dv_signer_judge(&s, 1, &learn, 5, &v);
	assert_int_equal(v.state, DV_SIGNER_UNKNOWN);
	/* one sample, nothing learned, 1 day left: unknown (the expiry alert covers it) */
	dv_signer_sample_t one = {100, 50, 100 + D};
	dv_signer_judge(&one, 1, &learn, 200, &v);
	assert_int_equal(v.state, DV_SIGNER_UNKNOWN);
	assert_string_equal(dv_signer_state_name(v.state), "unknown");
}

static void test_inception_stalls(void **state)
{
	/* A signer that re-signs a slice every 6 h (Knot-like incremental):
	 * the earliest expiry barely moves but the inception does; when it
	 * stops moving for far longer than its rhythm, it is late. */
	dv_signer_sample_t s[] = {
	    {0, -5400, 14 * D},
	    {6 * H, 6 * H - 5400, 14 * D},
	    {12 * H, 12 * H - 5400, 14 * D},
	    {18 * H, 18 * H - 5400, 14 * D},
	};
	dv_signer_policy_t learn = {0, 300};
	dv_signer_verdict_t v;
	dv_signer_judge(s, 4, &learn, 20 * H, &v);
	assert_int_equal(v.state, DV_SIGNER_OK);
	assert_int_equal(v.max_gap, 6 * H);
	dv_signer_judge(s, 4, &learn, 18 * H + 11 * H, &v);
	assert_int_equal(v.state, DV_SIGNER_LATE);
	assert_non_null(strstr(v.reason, "re-signing came every"));
}

static void test_backdated_frequent(void **state)
{
	/* A signer re-signing changed RRsets every ~20 s (dynamic updates),
	 * back-dating each inception by 90 minutes as Knot does: the newest
	 * inception is always 5,400 s old, yet nothing has stalled. */
	const int64_t t0 = 1700000000;
	dv_signer_sample_t s[8];
	for (int i = 0; i < 8; i++)
		s[i] = (dv_signer_sample_t){t0 + 20 * i, t0 + 20 * i - 5400, t0 + 14 * D};
	dv_signer_policy_t learn = {0, 10};
	dv_signer_verdict_t v;
	dv_signer_judge(s, 8, &learn, t0 + 20 * 7 + 60, &v);
	assert_int_equal(v.max_gap, 20);
	assert_true(v.inception_age > 5400);
	if (v.state != DV_SIGNER_OK)
		fail_msg("late while re-signing every 20 s: %s", v.reason);
	/* It stops: late once no new inception came for 1.5 x 20 s + 10 s + 1 h. */
	dv_signer_judge(s, 8, &learn, t0 + 20 * 7 + 3700, &v);
	assert_int_equal(v.state, DV_SIGNER_LATE);
	assert_non_null(strstr(v.reason, "no new signature seen for"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bind_like),
	    cmocka_unit_test(test_policy),
	    cmocka_unit_test(test_unknown),
	    cmocka_unit_test(test_inception_stalls),
	    cmocka_unit_test(test_backdated_frequent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
