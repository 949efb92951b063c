/* "Signer late": see signer.h. */
#include <stdio.h>
#include <string.h>

#include "daemon/signer.h"

const char *dv_signer_state_name(dv_signer_state_t s)
{
	switch (s) {
	case DV_SIGNER_OK:
		return "ok";
	case DV_SIGNER_LATE:
		return "late";
	default:
		return "unknown";
	}
}

void dv_signer_judge(const dv_signer_sample_t *hist, size_t n, const dv_signer_policy_t *pol,
                     int64_t now, dv_signer_verdict_t *out)
{
	memset(out, 0, sizeof(*out));
	if (n == 0 || hist[n - 1].earliest_expiry == 0)
		return;
	const dv_signer_sample_t *cur = &hist[n - 1];
	out->remaining = cur->earliest_expiry - now;
	out->inception_age = cur->newest_inception ? now - cur->newest_inception : 0;
	/* We look once per interval, and a signer may run a little after its
	 * own deadline (BIND spreads re-signing with jitter): one interval and
	 * an hour of slack before calling it late. */
	int64_t tol = (pol->interval > 0 ? pol->interval : 0) + 3600;

	/* Learn from the history: segment i lasted from hist[i].time to
	 * hist[i+1].time, so just before the next change its remaining validity
	 * was expiry_i - time_{i+1}.  A change that raised the expiry is a
	 * re-signing; the segment before it shows how low the signer lets it go. */
	int64_t low = -1, last_inc = 0, last_inc_seen = 0;
	unsigned advances = 0;
	for (size_t i = 0; i + 1 < n; i++) {
		const dv_signer_sample_t *a = &hist[i], *b = &hist[i + 1];
		if (a->earliest_expiry == 0 || b->earliest_expiry == 0)
			continue;
		if (b->earliest_expiry > a->earliest_expiry) {
			int64_t left = a->earliest_expiry - b->time;
			if (low < 0 || left < low)
				low = left;
			out->refreshes++;
		}
	}
	for (size_t i = 0; i < n; i++) {
		int64_t inc = hist[i].newest_inception;
		if (inc == 0)
			continue;
		if (last_inc != 0 && inc > last_inc) {
			if (inc - last_inc > out->max_gap)
				out->max_gap = inc - last_inc;
			advances++;
		}
		if (inc > last_inc) {
			last_inc = inc;
			last_inc_seen = hist[i].time;
		}
	}
	if (advances < 2)
		out->max_gap = 0; /* one gap says too little about the signer's rhythm */

	if (pol->refresh > 0)
		out->margin = pol->refresh;
	else if (out->refreshes > 0 && low > 0)
		out->margin = low;
	if (out->margin == 0 && out->max_gap == 0)
		return; /* nothing to judge against: unknown */
	out->state = DV_SIGNER_OK;
	if (out->margin > 0 && out->remaining < out->margin - tol) {
		out->state = DV_SIGNER_LATE;
		snprintf(
		    out->reason, sizeof(out->reason),
		    "%lld s of validity left, below the %s margin of %lld s: re-signing stalled",
		    (long long)out->remaining, pol->refresh > 0 ? "configured" : "learned",
		    (long long)out->margin);
	} else if (out->max_gap > 0 &&
	           now - last_inc_seen > out->max_gap + out->max_gap / 2 + tol) {
		/* Since the newest inception was first seen, not since the
		 * inception itself: signers back-date it (Knot by 90 minutes, BIND
		 * by an hour), which alone would make a signer re-signing every
		 * few seconds look stalled. */
		out->state = DV_SIGNER_LATE;
		snprintf(
		    out->reason, sizeof(out->reason),
		    "no new signature seen for %lld s (the newest made %lld s ago); re-signing "
		    "came every %lld s at most",
		    (long long)(now - last_inc_seen), (long long)out->inception_age,
		    (long long)out->max_gap);
	}
}
