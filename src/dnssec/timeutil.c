/* Time input and output: --now, RRSIG timestamps (RFC 4034 §3.1.5). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "dnssec/dnssec.h"

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian); no timezone involved. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int digits(const char *s, size_t n, unsigned *out)
{
	unsigned v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return 0;
}

int dv_time_parse(const char *s, int64_t *out)
{
	if (s == NULL || *s == '\0')
		return DV_EINVAL;
	size_t len = strlen(s);
	/* The form every report prints (dv_time_format): YYYY-MM-DDTHH:MM:SSZ. */
	bool iso = len == 20 && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' &&
	           s[16] == ':' && s[19] == 'Z';
	if ((len == 14 && s[0] != '@') || iso) {
		unsigned y, mo, d, h, mi, se;
		size_t step = iso ? 1 : 0;
		if (digits(s, 4, &y) || digits(s + 4 + step, 2, &mo) ||
		    digits(s + 6 + 2 * step, 2, &d) || digits(s + 8 + 3 * step, 2, &h) ||
		    digits(s + 10 + 4 * step, 2, &mi) || digits(s + 12 + 5 * step, 2, &se))
			return DV_EINVAL;
		static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
		bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
		if (mo < 1 || mo > 12 || h > 23 || mi > 59 || se > 60)
			return DV_EINVAL;
		if (d < 1 || d > mdays[mo - 1] + (mo == 2 && leap))
			return DV_EINVAL;
		*out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
		return DV_OK;
	}
	const char *p = s[0] == '@' ? s + 1 : s;
	if (*p == '\0')
		return DV_EINVAL;
	char *end = NULL;
	errno = 0;
	long long v = strtoll(p, &end, 10);
	if (errno != 0 || end == p || *end != '\0' || v < 0)
		return DV_EINVAL;
	*out = v;
	return DV_OK;
}

int dv_duration_parse(const char *s, int64_t bare_unit, int64_t *out)
{
	if (s == NULL || *s < '0' || *s > '9')
		return DV_EINVAL;
	errno = 0;
	char *end = NULL;
	long long v = strtoll(s, &end, 10);
	if (errno != 0 || v < 0)
		return DV_EINVAL;
	int64_t mul;
	switch (*end) {
	case '\0':
		mul = bare_unit > 0 ? bare_unit : 1;
		break;
	case 's':
		mul = 1;
		break;
	case 'm':
		mul = 60;
		break;
	case 'h':
		mul = 3600;
		break;
	case 'd':
		mul = 86400;
		break;
	case 'w':
		mul = 7 * 86400;
		break;
	default:
		return DV_EINVAL;
	}
	if (*end != '\0' && end[1] != '\0')
		return DV_EINVAL;
	/* 100 years: far beyond any threshold, TTL or delay, and no overflow. */
	if (v > DV_DURATION_MAX / mul)
		return DV_EINVAL;
	*out = (int64_t)v * mul;
	return DV_OK;
}

void dv_time_format(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "@%lld", (long long)t);
}

int64_t dv_rrsig_time(uint32_t ts, int64_t now)
{
	/* RFC 4034 §3.1.5: timestamps are serial numbers (RFC 1982) modulo 2^32;
	 * take the absolute time within 68 years of now. */
	int32_t delta = (int32_t)(ts - (uint32_t)now);
	return now + delta;
}
