/* Ledger entries: canonical JSON {evidence, kind, time, zone}. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "ledger/ledger_int.h"

/* Canonical: keys sorted, no whitespace.  Reals are refused when entries
 * are made, so a number has one spelling. */
#define CANON_FLAGS (JSON_COMPACT | JSON_SORT_KEYS)

void ledger_time_format(int64_t t, char *buf, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)t;
	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "@%lld", (long long)t);
}

int ledger_time_parse(const char *s, int64_t *out)
{
	/* Exactly YYYY-MM-DDTHH:MM:SSZ, and only a form that formats back the
	 * same (no 25:00, no February 30). */
	static const char pat[] = "dddd-dd-ddTdd:dd:ddZ";
	if (strlen(s) != sizeof(pat) - 1)
		return DV_EPARSE;
	int v[6] = {0};
	static const int at[6] = {0, 5, 8, 11, 14, 17}, n[6] = {4, 2, 2, 2, 2, 2};
	for (size_t i = 0; i < sizeof(pat) - 1; i++)
		if (pat[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != pat[i])
			return DV_EPARSE;
	for (int f = 0; f < 6; f++)
		for (int i = 0; i < n[f]; i++)
			v[f] = v[f] * 10 + (s[at[f] + i] - '0');
	struct tm tm = {.tm_year = v[0] - 1900,
	                .tm_mon = v[1] - 1,
	                .tm_mday = v[2],
	                .tm_hour = v[3],
	                .tm_min = v[4],
	                .tm_sec = v[5]};
	time_t t = timegm(&tm);
	char back[32];
	ledger_time_format((int64_t)t, back, sizeof(back));
	if (strcmp(back, s) != 0)
		return DV_EPARSE;
	*out = (int64_t)t;
	return DV_OK;
}

static bool kind_valid(const char *k)
{
	size_t n = strlen(k);
	if (n == 0 || n > LEDGER_KIND_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= '0' && k[i] <= '9') || k[i] == '.' ||
		      k[i] == '_' || k[i] == '-'))
			return false;
	return true;
}

/* No reals (one spelling per number), bounded depth. */
static bool evidence_valid(const json_t *j, int depth)
{
	if (depth > LEDGER_EVIDENCE_MAX || json_is_real(j))
		return false;
	if (json_is_object(j)) {
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)j, k,
		                    v) if (!evidence_valid(v, depth + 1)) return false;
	} else if (json_is_array(j)) {
		size_t i;
		json_t *v;
		json_array_foreach(j, i, v) if (!evidence_valid(v, depth + 1)) return false;
	}
	return true;
}

int ledger_entry_encode(const ledger_entry_t *e, int64_t time, char **out, size_t *len)
{
	*out = NULL;
	if (e->kind == NULL || !kind_valid(e->kind))
		return DV_EINVAL;
	if (e->evidence != NULL &&
	    (!json_is_object(e->evidence) || !evidence_valid(e->evidence, 0)))
		return DV_EINVAL;
	char ts[32];
	ledger_time_format(time, ts, sizeof(ts));
	json_t *o = json_object();
	int bad = o == NULL;
	bad |= json_object_set_new(o, "kind", json_string(e->kind));
	bad |= json_object_set_new(o, "time", json_string(ts));
	if (e->zone != NULL)
		bad |= json_object_set_new(o, "zone", json_string(e->zone));
	if (e->evidence != NULL)
		bad |= json_object_set(o, "evidence", (json_t *)e->evidence);
	char *s = bad ? NULL : json_dumps(o, CANON_FLAGS);
	json_decref(o);
	if (s == NULL)
		return DV_EINVAL; /* e.g. a zone that is not UTF-8 */
	*len = strlen(s);
	if (*len > LEDGER_ENTRY_MAX) {
		free(s);
		return DV_ELIMIT;
	}
	*out = s;
	return DV_OK;
}

int ledger_entry_decode(const char *body, size_t len, json_t **out, int64_t *time, char *why,
                        size_t whylen)
{
	json_error_t je;
	*out = NULL;
	json_t *o = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (o == NULL) {
		snprintf(why, whylen, "not JSON: %s", je.text);
		return DV_EPARSE;
	}
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v)
	{
		if (strcmp(k, "kind") && strcmp(k, "time") && strcmp(k, "zone") &&
		    strcmp(k, "evidence")) {
			snprintf(why, whylen, "unknown field '%.40s'", k);
			goto fail;
		}
	}
	json_t *kind = json_object_get(o, "kind"), *tm = json_object_get(o, "time");
	json_t *zone = json_object_get(o, "zone"), *ev = json_object_get(o, "evidence");
	if (!json_is_string(kind) || !kind_valid(json_string_value(kind))) {
		snprintf(why, whylen, "no valid kind");
		goto fail;
	}
	if (!json_is_string(tm) || ledger_time_parse(json_string_value(tm), time) != 0) {
		snprintf(why, whylen, "no valid time");
		goto fail;
	}
	if ((zone != NULL && !json_is_string(zone)) ||
	    (ev != NULL && (!json_is_object(ev) || !evidence_valid(ev, 0)))) {
		snprintf(why, whylen, "bad zone or evidence");
		goto fail;
	}
	char *again = json_dumps(o, CANON_FLAGS);
	bool same = again != NULL && strlen(again) == len && memcmp(again, body, len) == 0;
	free(again);
	if (!same) {
		snprintf(why, whylen, "not in canonical form");
		goto fail;
	}
	*out = o;
	return DV_OK;
fail:
	json_decref(o);
	return DV_EPARSE;
}
