#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cliutil.h"
#include "core/error.h"
#include "dnssec/dnssec.h"
#include "report/report.h"

void dv_cli_begin(dv_cli_t *cli, int argc, char **argv)
{
	cli->nagios = cli->json = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0)
			break;
		if (cli->nagios_label != NULL && strcmp(a, "--nagios") == 0)
			cli->nagios = true;
		if (strcmp(a, "--format=json") == 0 || strcmp(a, "-fjson") == 0 ||
		    ((strcmp(a, "--format") == 0 || strcmp(a, "-f") == 0) && i + 1 < argc &&
		     strcmp(argv[i + 1], "json") == 0))
			cli->json = true;
	}
	/* A plugin prints its line, never a JSON document. */
	if (cli->nagios)
		cli->json = false;
}

static void prefix(FILE *out, const dv_cli_t *cli)
{
	fprintf(out, "dnsvigil %s%s%s: ", cli->cmd, cli->sub ? " " : "", cli->sub ? cli->sub : "");
}

/* The message on stdout in the form the caller asked for. */
static void fail_stdout(const dv_cli_t *cli, const char *msg)
{
	if (cli->nagios) {
		printf("%s UNKNOWN - ", cli->nagios_label);
		/* One line: '|' would start perfdata, a newline another line. */
		for (const char *p = msg; *p != '\0'; p++)
			putchar(*p == '|' ? '/' : (unsigned char)*p < 0x20 ? ' ' : *p);
		putchar('\n');
	} else if (cli->json) {
		dv_report_error_json(stdout, cli->cmd, cli->sub, cli->input, msg);
	}
	fflush(stdout);
}

__attribute__((format(printf, 3, 0))) static int vfail(const dv_cli_t *cli, bool usage,
                                                       const char *fmt, va_list ap)
{
	char msg[2048];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	prefix(stderr, cli);
	/* Messages may quote input (a name, a member of a snapshot): escaped. */
	dv_report_put_text(stderr, msg);
	fputc('\n', stderr);
	if (usage)
		fprintf(stderr, "(try 'dnsvigil %s%s%s --help')\n", cli->cmd, cli->sub ? " " : "",
		        cli->sub ? cli->sub : "");
	fail_stdout(cli, msg);
	return DV_EXIT_UNKNOWN;
}

int dv_cli_fail(const dv_cli_t *cli, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vfail(cli, false, fmt, ap);
	va_end(ap);
	return r;
}

int dv_cli_usage(const dv_cli_t *cli, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vfail(cli, true, fmt, ap);
	va_end(ap);
	return r;
}

int dv_cli_fail_input(const dv_cli_t *cli, const char *msg)
{
	/* The message quotes the input it refuses: escaped (issue 10 §15). */
	dv_report_put_text(stderr, msg);
	fputc('\n', stderr);
	fail_stdout(cli, msg);
	return DV_EXIT_UNKNOWN;
}

const char *dv_cli_optname(int argc, char **argv)
{
	/* optind is past the option and its argument (when separate). */
	static char buf[64];
	int i = optind - 1;
	if (i >= 1 && i < argc && optarg != NULL && optarg == argv[i] && i > 1)
		i--;
	const char *a = i >= 1 && i < argc ? argv[i] : "?";
	size_t n = strcspn(a, "=");
	if (a[0] == '-' && a[1] != '-' && a[1] != '\0')
		n = 2; /* -w7: the letter */
	snprintf(buf, sizeof(buf), "%.*s", (int)(n < 60 ? n : 60), a);
	return buf;
}

int dv_cli_getopt(const dv_cli_t *cli, int argc, char **argv, const char *shorts,
                  const struct option *longs)
{
	char opts[128];
	/* A leading ':' tells a missing argument (':') from an unknown option. */
	snprintf(opts, sizeof(opts), ":%s", shorts);
	opterr = 0;
	int c = getopt_long(argc, argv, opts, longs, NULL);
	if (c == '?') {
		const char *a = optind - 1 >= 1 && optind - 1 < argc ? argv[optind - 1] : "?";
		if (optopt != 0 && a[0] == '-' && a[1] != '-')
			dv_cli_usage(cli, "unknown option '-%c'", optopt);
		else
			dv_cli_usage(cli, "unknown option '%s'", a);
		return DV_CLI_BAD;
	}
	if (c == ':') {
		const char *a = optind - 1 >= 1 && optind - 1 < argc ? argv[optind - 1] : "?";
		if (optopt != 0 && !(a[0] == '-' && a[1] == '-'))
			dv_cli_usage(cli, "-%c needs a value", optopt);
		else
			dv_cli_usage(cli, "%s needs a value", a);
		return DV_CLI_BAD;
	}
	return c;
}

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

int dv_cli_number(const dv_cli_t *cli, const char *opt, const char *s, unsigned long min,
                  unsigned long max, unsigned long *out)
{
	if (dv_cli_uint(s, min, max, out) == 0)
		return 0;
	dv_cli_usage(cli, "%s '%s': a whole number in %lu..%lu is needed", opt, s, min, max);
	return -1;
}

const char *dv_cli_duration_str(int64_t secs, char *buf, size_t len)
{
	static const struct {
		int64_t n;
		char u;
	} units[] = {{86400, 'd'}, {3600, 'h'}, {60, 'm'}};
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (secs != 0 && secs % units[i].n == 0) {
			snprintf(buf, len, "%lld%c", (long long)(secs / units[i].n), units[i].u);
			return buf;
		}
	snprintf(buf, len, "%llds", (long long)secs);
	return buf;
}

int dv_cli_duration(const dv_cli_t *cli, const char *opt, const char *s, int64_t bare_unit,
                    int64_t *out)
{
	if (dv_duration_parse(s, bare_unit, out) == DV_OK)
		return 0;
	const char *bare = bare_unit == 86400 ? "days" : bare_unit == 1 ? "seconds" : "units";
	dv_cli_usage(cli,
	             "%s '%s': a duration is needed: a whole number with a unit s, m, h, d or w "
	             "(30s, 90m, 14d, 2w), or a bare number of %s",
	             opt, s, bare);
	return -1;
}

int dv_cli_time(const dv_cli_t *cli, const char *opt, const char *s, int64_t *out)
{
	if (s == NULL) {
		*out = (int64_t)time(NULL);
		return 0;
	}
	if (dv_time_parse(s, out) == DV_OK)
		return 0;
	dv_cli_usage(cli,
	             "%s '%s': a time is needed: YYYYMMDDHHmmSS (UTC), YYYY-MM-DDTHH:MM:SSZ, "
	             "@UNIXSECONDS or UNIXSECONDS",
	             opt, s);
	return -1;
}

int dv_cli_bytes(const dv_cli_t *cli, const char *opt, const char *s, uint64_t min, uint64_t max,
                 uint64_t *out)
{
	size_t n = strlen(s);
	char num[32];
	unsigned shift = 0;
	if (n > 1 && (s[n - 1] == 'k' || s[n - 1] == 'K' || s[n - 1] == 'M')) {
		shift = s[n - 1] == 'M' ? 20 : 10;
		snprintf(num, sizeof(num), "%.*s", (int)(n - 1), s);
	} else {
		snprintf(num, sizeof(num), "%s", s);
	}
	unsigned long v;
	/* Limited to 1 GiB before the shift: no overflow on any platform. */
	if (n < sizeof(num) && dv_cli_uint(num, 0, 1ul << 30, &v) == 0 &&
	    ((uint64_t)v << shift) >= min && ((uint64_t)v << shift) <= max) {
		*out = (uint64_t)v << shift;
		return 0;
	}
	dv_cli_usage(cli, "%s '%s': a number of bytes in %llu..%llu is needed (k and M work: 4M)",
	             opt, s, (unsigned long long)min, (unsigned long long)max);
	return -1;
}

int dv_cli_millis(const dv_cli_t *cli, const char *opt, const char *s, uint64_t min_ms,
                  uint64_t max_ms, unsigned *out)
{
	size_t n = strlen(s);
	unsigned long v = 0;
	int64_t secs;
	bool ok;
	if (n > 2 && strcmp(s + n - 2, "ms") == 0) {
		char num[32];
		snprintf(num, sizeof(num), "%.*s", (int)(n - 2), s);
		ok = n - 2 < sizeof(num) && dv_cli_uint(num, 0, 86400000ul, &v) == 0;
	} else {
		ok = dv_duration_parse(s, 1, &secs) == DV_OK && secs >= 0 && secs <= 86400;
		if (ok)
			v = (unsigned long)secs * 1000;
	}
	if (ok && v >= min_ms && v <= max_ms) {
		*out = (unsigned)v;
		return 0;
	}
	dv_cli_usage(cli,
	             "%s '%s': a duration of %llums..%llus is needed (500ms, 30s, 2m; a bare "
	             "number is seconds)",
	             opt, s, (unsigned long long)min_ms, (unsigned long long)(max_ms / 1000));
	return -1;
}

/* --timeout: milliseconds by default, or a duration with a unit. */
static int timeout(const dv_cli_t *cli, const char *opt, const char *s, unsigned *out)
{
	size_t n = strlen(s);
	unsigned long v;
	char num[32];
	bool ms = n > 2 && strcmp(s + n - 2, "ms") == 0;
	if (ms && n - 2 < sizeof(num)) {
		snprintf(num, sizeof(num), "%.*s", (int)(n - 2), s);
		s = num;
	}
	int64_t secs;
	if (dv_cli_uint(s, 0, 3600000, &v) == 0)
		; /* milliseconds */
	else if (!ms && dv_duration_parse(s, 1, &secs) == DV_OK && secs <= 3600)
		v = (unsigned long)secs * 1000;
	else
		v = 0;
	if (v < 10 || v > 60000) {
		dv_cli_usage(cli,
		             "%s '%s': 10..60000 milliseconds are needed (a bare number is "
		             "milliseconds; 500ms, 2s also work)",
		             opt, ms ? num : s);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

int dv_cli_common(const dv_cli_t *cli, dv_cli_common_t *c, const dv_cli_common_map_t *map, int val,
                  const char *arg)
{
	const dv_cli_common_map_t *m = map;
	while (m->val != 0 && m->val != val)
		m++;
	if (m->val == 0)
		return 0;
	/* the common options that keep their argument as it is */
	static const dv_cli_text_t texts[] = {
	    {DV_CLI_NOW, offsetof(dv_cli_common_t, now)},
	    {DV_CLI_SAVE, offsetof(dv_cli_common_t, save)},
	    {DV_CLI_FROM, offsetof(dv_cli_common_t, from)},
	    {DV_CLI_CONFIG, offsetof(dv_cli_common_t, config)},
	    {DV_CLI_STATE, offsetof(dv_cli_common_t, state_dir)},
	    {DV_CLI_TSIG, offsetof(dv_cli_common_t, tsig)},
	    {DV_CLI_TSIG_NAME, offsetof(dv_cli_common_t, tsig_name)},
	    {0, 0},
	};
	if (dv_cli_text(c, texts, (int)m->kind, arg))
		return 1;
	char opt[64];
	snprintf(opt, sizeof(opt), "--%s", m->name);
	unsigned long v;
	switch (m->kind) {
	case DV_CLI_FORMAT:
		if (strcmp(arg, "text") != 0 && strcmp(arg, "json") != 0) {
			dv_cli_usage(cli, "--format '%s': text or json", arg);
			return -1;
		}
		c->format = arg;
		return 1;
	case DV_CLI_WARN:
	case DV_CLI_CRIT:
		/* A bare number is days in every threshold. */
		if (dv_cli_duration(cli, opt, arg, 86400,
		                    m->kind == DV_CLI_WARN ? &c->warn : &c->crit) != 0)
			return -1;
		*(m->kind == DV_CLI_WARN ? &c->warn_given : &c->crit_given) = true;
		return 1;
	case DV_CLI_NAGIOS:
		c->nagios = true;
		return 1;
	case DV_CLI_TIMEOUT:
		return timeout(cli, opt, arg, &c->timeout_ms) == 0 ? 1 : -1;
	case DV_CLI_RETRIES:
		if (dv_cli_number(cli, opt, arg, 0, 10, &v) != 0)
			return -1;
		c->retries = (int)v;
		return 1;
	case DV_CLI_PORT:
		if (dv_cli_number(cli, opt, arg, 1, 65535, &v) != 0)
			return -1;
		c->port = (uint16_t)v;
		return 1;
	case DV_CLI_DEADLINE:
		/* At least 1 s: a probe must have time to ask one question. */
		return dv_cli_millis(cli, opt, arg, 1000, 3600000, &c->deadline_ms) == 0 ? 1 : -1;
	case DV_CLI_SERVER_TIME:
		return dv_cli_millis(cli, opt, arg, 10, 3600000, &c->server_ms) == 0 ? 1 : -1;
	case DV_CLI_SERVER_BYTES:
		return dv_cli_bytes(cli, opt, arg, 512, 128u << 20, &c->server_bytes) == 0 ? 1 : -1;
	case DV_CLI_THREADS:
		if (dv_cli_number(cli, opt, arg, 1, 256, &v) != 0)
			return -1;
		c->threads = (unsigned)v;
		return 1;
	default: /* kept as text above */
		break;
	}
	return 0;
}

int dv_cli_next(const dv_cli_t *cli, dv_cli_common_t *co, const dv_cli_common_map_t *map, int argc,
                char **argv, const char *shorts, const struct option *longs)
{
	for (;;) {
		int c = dv_cli_getopt(cli, argc, argv, shorts, longs);
		if (c == -1 || c == DV_CLI_BAD)
			return c;
		int r = dv_cli_common(cli, co, map, c, optarg);
		if (r < 0)
			return DV_CLI_BAD;
		if (r == 0)
			return c;
	}
}

int dv_cli_subcommand(dv_cli_t *cli, int argc, char **argv, const char *const *subs, size_t n)
{
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(cli->usage, stdout);
		return DV_EXIT_OK;
	}
	char list[160] = "";
	for (size_t i = 0; i < n; i++) {
		if (argc >= 2 && strcmp(argv[1], subs[i]) == 0)
			cli->sub = subs[i];
		size_t l = strlen(list);
		snprintf(list + l, sizeof(list) - l, "%s%s",
		         i == 0      ? ""
		         : i + 1 < n ? ", "
		                     : " or ",
		         subs[i]);
	}
	dv_cli_begin(cli, argc, argv);
	if (argc < 2)
		return dv_cli_usage(cli, "no subcommand given: %s", list);
	if (cli->sub == NULL)
		return dv_cli_usage(cli, "unknown subcommand '%s': %s", argv[1], list);
	return -1;
}

bool dv_cli_text(void *opts, const dv_cli_text_t *map, int val, const char *arg)
{
	for (; map->val != 0; map++) {
		if (map->val == val) {
			memcpy((char *)opts + map->off, &arg, sizeof(arg));
			return true;
		}
	}
	return false;
}

unsigned dv_cli_threads(const dv_cli_common_t *c)
{
	if (c->threads != 0)
		return c->threads;
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

int dv_cli_thresholds(const dv_cli_t *cli, const dv_cli_common_t *c)
{
	if (c->crit <= c->warn)
		return 0;
	char w[32], k[32];
	dv_cli_duration_str(c->warn, w, sizeof(w));
	dv_cli_duration_str(c->crit, k, sizeof(k));
	dv_cli_usage(cli,
	             "--warn %s%s is shorter than --crit %s%s: a signature must reach the "
	             "warning before the critical threshold",
	             w, c->warn_given ? "" : " (the default)", k,
	             c->crit_given ? "" : " (the default)");
	return -1;
}

void dv_cli_longopts(const struct option *own, const dv_cli_common_map_t *map, struct option *out,
                     size_t cap)
{
	size_t n = 0, want = 1;
	for (const struct option *o = own; o->name != NULL; o++)
		want++;
	for (const dv_cli_common_map_t *m = map; m->val != 0; m++)
		want++;
	/* The tables are the program's own: one that does not fit is a bug, and
	 * dropping options from it silently would make them "unknown". */
	if (want > cap) {
		fprintf(stderr, "dnsvigil: internal error: %zu options for a table of %zu\n", want,
		        cap);
		abort();
	}
	for (; own->name != NULL; own++)
		out[n++] = *own;
	for (; map->val != 0; map++)
		out[n++] = (struct option){
		    map->name, map->kind == DV_CLI_NAGIOS ? no_argument : required_argument, NULL,
		    map->val};
	out[n] = (struct option){NULL, 0, NULL, 0};
}
