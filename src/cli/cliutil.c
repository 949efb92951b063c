#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cliutil.h"
#include "dnssec/dnssec.h"

int dv_cli_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end = NULL;
	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int dv_cli_duration(const char *s, int64_t *out)
{
	char *end = NULL;
	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno != 0 || v < 0)
		return -1;
	long long mul = 1;
	switch (*end) {
	case '\0':
	case 's':
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
		return -1;
	}
	if (*end != '\0' && end[1] != '\0')
		return -1;
	if (v > (long long)(INT64_MAX / 2) / mul)
		return -1;
	*out = v * mul;
	return 0;
}

int dv_cli_millis(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	size_t n = s != NULL ? strlen(s) : 0;
	uint64_t v;
	if (n > 2 && strcmp(s + n - 2, "ms") == 0) {
		char digits[32];
		unsigned long ul;
		if (n - 2 >= sizeof(digits))
			return -1;
		memcpy(digits, s, n - 2);
		digits[n - 2] = '\0';
		if (dv_cli_uint(digits, 0, ULONG_MAX, &ul) != 0)
			return -1;
		v = ul;
	} else {
		int64_t secs;
		if (dv_cli_duration(s, &secs) != 0 || (uint64_t)secs > UINT64_MAX / 1000)
			return -1;
		v = (uint64_t)secs * 1000;
	}
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int dv_cli_bytes(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end = NULL;
	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	unsigned shift = 0;
	switch (*end) {
	case '\0':
		break;
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'M':
		shift = 20;
		break;
	case 'G':
		shift = 30;
		break;
	default:
		return -1;
	}
	if (*end != '\0' && end[1] != '\0')
		return -1;
	if (v > (UINT64_MAX >> shift))
		return -1;
	v <<= shift;
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int dv_cli_now(const char *s, int64_t *out)
{
	if (s == NULL) {
		*out = (int64_t)time(NULL);
		return 0;
	}
	/* Plain digits are ambiguous on a command line ("2030" a year or 2030
	 * seconds?): only the RRSIG calendar form or an explicit '@'. */
	bool calendar = strlen(s) == 14 && s[0] != '@';
	if ((!calendar && s[0] != '@') || dv_time_parse(s, out) != 0) {
		fprintf(stderr,
		        "dnsvigil: --now '%s': expected YYYYMMDDHHmmSS (UTC) or @UNIXSECONDS\n", s);
		return -1;
	}
	return 0;
}

int dv_cli_format(const char *cmd, const char *arg)
{
	if (strcmp(arg, "text") == 0 || strcmp(arg, "json") == 0)
		return 0;
	fprintf(stderr, "dnsvigil %s: --format text or json\n", cmd);
	return -1;
}

/* A threshold: a bare number counts `unit` seconds; with a suffix it is a
 * duration (dv_cli_duration). */
static int threshold(const char *s, int64_t unit, int64_t *out)
{
	unsigned long n;
	if (unit != 1 && dv_cli_uint(s, 0, 100000, &n) == 0) {
		*out = (int64_t)n * unit;
		return 0;
	}
	return dv_cli_duration(s, out);
}

/* --timeout, --retries, --port: an integer in the option's range. */
static int number(dv_cli_common_t *c, const char *cmd, const dv_cli_common_map_t *m,
                  const char *arg)
{
	static const struct {
		unsigned long min, max;
		const char *unit;
	} range[] = {[DV_CLI_TIMEOUT] = {10, 60000, " ms"},
	             [DV_CLI_RETRIES] = {0, 10, ""},
	             [DV_CLI_PORT] = {1, 65535, ""}};
	unsigned long v;
	if (dv_cli_uint(arg, range[m->kind].min, range[m->kind].max, &v) != 0) {
		fprintf(stderr, "dnsvigil %s: --%s takes %lu..%lu%s\n", cmd, m->name,
		        range[m->kind].min, range[m->kind].max, range[m->kind].unit);
		return -1;
	}
	if (m->kind == DV_CLI_TIMEOUT)
		c->timeout_ms = (unsigned)v;
	else if (m->kind == DV_CLI_RETRIES)
		c->retries = (int)v;
	else
		c->port = (uint16_t)v;
	return 1;
}

int dv_cli_common(dv_cli_common_t *c, const char *cmd, const dv_cli_common_map_t *map, int val,
                  const char *arg)
{
	const dv_cli_common_map_t *m = map;
	while (m->val != 0 && m->val != val)
		m++;
	if (m->val == 0)
		return 0;
	switch (m->kind) {
	case DV_CLI_NOW:
		c->now = arg;
		return 1;
	case DV_CLI_FORMAT:
		if (dv_cli_format(cmd, arg) != 0)
			return -1;
		c->format = arg;
		return 1;
	case DV_CLI_WARN:
	case DV_CLI_CRIT:
		if (threshold(arg, m->unit, m->kind == DV_CLI_WARN ? &c->warn : &c->crit) != 0) {
			fprintf(stderr, "dnsvigil %s: bad --%s '%s'\n", cmd, m->name, arg);
			return -1;
		}
		return 1;
	case DV_CLI_NAGIOS:
		c->nagios = true;
		return 1;
	case DV_CLI_SAVE:
		c->save = arg;
		return 1;
	case DV_CLI_FROM:
		c->from = arg;
		return 1;
	case DV_CLI_TIMEOUT:
	case DV_CLI_RETRIES:
	case DV_CLI_PORT:
		return number(c, cmd, m, arg);
	}
	return 0;
}

void dv_cli_longopts(const struct option *own, const dv_cli_common_map_t *map, struct option *out,
                     size_t cap)
{
	size_t n = 0;
	for (; own->name != NULL && n + 1 < cap; own++)
		out[n++] = *own;
	for (; map->val != 0 && n + 1 < cap; map++)
		out[n++] = (struct option){
		    map->name, map->kind == DV_CLI_NAGIOS ? no_argument : required_argument, NULL,
		    map->val};
	out[n] = (struct option){NULL, 0, NULL, 0};
}
