/* dnsvigil verify: complete offline verification of a signed zone file. */
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cliutil.h"
#include "core/error.h"
#include "report/report.h"
#include "run/run.h"
#include "zone/loader.h"

static const char usage_text[] =
    "usage: dnsvigil verify [options] ZONEFILE|-\n"
    "       dnsvigil verify [options] --axfr ADDR[@PORT] --origin NAME\n"
    "  -o, --origin NAME        zone origin (default: the SOA owner; required with --axfr)\n"
    "      --axfr ADDR[@PORT]   transfer the zone from this server (AXFR) and verify it\n"
    "      --tsig FILE          sign the transfer with the TSIG key in FILE (BIND or Knot\n"
    "                           format; hmac-sha256/384/512)\n"
    "      --tsig-name NAME     the key of FILE to use when it holds several\n"
    "  -n, --now TIME           check validity at TIME: YYYYMMDDHHmmSS (UTC),\n"
    "                           YYYY-MM-DDTHH:MM:SSZ or [@]UNIXSECONDS (default: now)\n"
    "  -w, --warn DURATION      warn of RRSIGs expiring within DURATION (default 7d;\n"
    "                           36h, 2w...; a bare number is days)\n"
    "  -c, --crit DURATION      an error for RRSIGs expiring within DURATION (default 1d)\n"
    "      --warn-expiry DUR    deprecated name of --warn\n"
    "      --ds FILE            DS or DNSKEY records of the parent / trust anchor\n"
    "  -j, --threads N          parsing and verification threads (default: every core)\n"
    "  -f, --format text|json   report format (default text; doc/json.md)\n"
    "      --nagios             Monitoring Plugins output and exit status (0/1/2/3)\n"
    "  -q, --quiet              no progress line\n"
    "      --no-include         refuse $INCLUDE (in ZONEFILE and the --ds file)\n"
    "      --max-records N      refuse a zone of more than N records (default 67108864)\n"
    "ZONEFILE '-' reads the zone from standard input (kdig axfr ... | dnsvigil verify -)\n"
    "exit status: 0 clean, 1 warnings, 2 errors found, 3 could not judge (bad usage,\n"
    "unreadable or malformed input, a zone that could not be transferred); --nagios: 0 OK, 1 "
    "WARNING, 2 CRITICAL, 3 UNKNOWN\n";

typedef struct {
	bool tty;
	struct timespec start;
	bool shown;
} progress_t;

static double elapsed(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* A progress line on a terminal, only for runs longer than a second. */
static void on_progress(void *ctx, const char *phase, uint64_t done, uint64_t total)
{
	progress_t *p = ctx;
	if (!p->tty || total == 0 || elapsed(&p->start) < 1.0)
		return;
	fprintf(stderr, "\r%-9s %3u%% ", phase, (unsigned)(done * 100 / total));
	p->shown = true;
}

enum {
	OPT_NAGIOS = 256,
	OPT_WARN_EXPIRY,
	OPT_NO_INCLUDE,
	OPT_MAX_RECORDS,
	OPT_DS,
	OPT_AXFR,
	OPT_TSIG,
	OPT_TSIG_NAME
};

static const dv_cli_common_map_t common[] = {
    {'n', DV_CLI_NOW, "now"},
    {'w', DV_CLI_WARN, "warn"},
    {OPT_WARN_EXPIRY, DV_CLI_WARN, "warn-expiry"},
    {'c', DV_CLI_CRIT, "crit"},
    {'f', DV_CLI_FORMAT, "format"},
    {OPT_NAGIOS, DV_CLI_NAGIOS, "nagios"},
    DV_CLI_TRANSFER_OPTIONS(OPT_TSIG, OPT_TSIG_NAME),
    {0, 0, NULL},
};

/* The options that keep their argument as it is. */
static const dv_cli_text_t texts[] = {
    {'o', offsetof(dv_verify_file_opts_t, origin)},
    {OPT_DS, offsetof(dv_verify_file_opts_t, ds_path)},
    {0, 0},
};

int dv_cmd_verify(int argc, char **argv)
{
	static const struct option own[] = {
	    {"origin", required_argument, NULL, 'o'},
	    {"ds", required_argument, NULL, OPT_DS},
	    {"quiet", no_argument, NULL, 'q'},
	    {"no-include", no_argument, NULL, OPT_NO_INCLUDE},
	    {"max-records", required_argument, NULL, OPT_MAX_RECORDS},
	    {"axfr", required_argument, NULL, OPT_AXFR},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	dv_cli_t cli = {.cmd = "verify", .nagios_label = "DNSVIGIL VERIFY", .usage = usage_text};
	dv_cli_begin(&cli, argc, argv);
	struct option longopts[24];
	dv_cli_longopts(own, common, longopts, sizeof(longopts) / sizeof(longopts[0]));
	dv_cli_common_t co = {.format = "text", .warn = 7 * 86400, .crit = 86400};
	dv_verify_file_opts_t vo = {0};
	unsigned long max_records = 0;
	bool quiet = false;
	const char *axfr = NULL;
	int c;
	optind = 1;
	while ((c = dv_cli_next(&cli, &co, common, argc, argv, "o:n:w:c:j:f:qh", longopts)) != -1) {
		if (c == DV_CLI_BAD)
			return DV_EXIT_UNKNOWN;
		switch (c) {
		case 'q':
			quiet = true;
			break;
		case OPT_NO_INCLUDE:
			vo.limits.no_include = true;
			break;
		case OPT_MAX_RECORDS:
			if (dv_cli_number(&cli, "--max-records", optarg, 1, DV_ZONE_MAX_RRS_CEILING,
			                  &max_records) != 0)
				return DV_EXIT_UNKNOWN;
			vo.limits.max_records = max_records;
			break;
		case OPT_AXFR:
			axfr = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return DV_EXIT_OK;
		default:
			dv_cli_text(&vo, texts, c, optarg);
			break;
		}
	}
	if (axfr != NULL && optind < argc)
		return dv_cli_usage(&cli, "--axfr takes no ZONEFILE ('%s')", argv[optind]);
	if (axfr != NULL && vo.origin == NULL)
		return dv_cli_usage(&cli, "--axfr needs --origin (the zone to transfer)");
	vo.tsig_path = co.tsig;
	vo.tsig_name = co.tsig_name;
	if (axfr == NULL && (vo.tsig_path != NULL || vo.tsig_name != NULL))
		return dv_cli_usage(&cli, "--tsig and --tsig-name go with --axfr");
	if (axfr == NULL && optind >= argc)
		return dv_cli_usage(&cli, "no ZONEFILE given ('-' reads standard input)");
	if (axfr == NULL && optind + 1 < argc)
		return dv_cli_usage(&cli, "one ZONEFILE at a time: '%s' is one too many",
		                    argv[optind + 1]);
	const char *path = axfr ? NULL : argv[optind];
	cli.input = path;
	if (dv_cli_thresholds(&cli, &co) != 0 || dv_cli_time(&cli, "--now", co.now, &vo.now) != 0)
		return DV_EXIT_UNKNOWN;
	vo.warn_expiry = co.warn;
	vo.crit_expiry = co.crit;
	vo.threads = dv_cli_threads(&co);
	progress_t prog = {.tty = !quiet && isatty(STDERR_FILENO)};
	clock_gettime(CLOCK_MONOTONIC, &prog.start);
	vo.progress = on_progress;
	vo.progress_ctx = &prog;

	char err[1200];
	dv_verify_result_t res;
	int ret = axfr ? dv_verify_axfr(axfr, &vo, &res, err, sizeof(err))
	               : dv_verify_file(path, &vo, &res, err, sizeof(err));
	if (prog.shown)
		fputs("\r\033[K", stderr);
	int status = DV_EXIT_UNKNOWN, written = 0;
	if (ret != DV_OK) {
		dv_cli_fail_input(&cli, err);
		goto out;
	}
	if (co.nagios) {
		status =
		    dv_report_verify_nagios(stdout, res.zone, &res.opts, &res.stats, &res.findings);
	} else {
		if (strcmp(co.format, "json") == 0)
			written = dv_report_verify_json(stdout, res.zone, &res.opts, &res.stats,
			                                &res.findings);
		else
			dv_report_verify_text(stdout, res.zone, &res.opts, &res.stats,
			                      &res.findings, elapsed(&prog.start));
		status = dv_findings_exit_status(&res.findings);
	}
	/* A report that did not reach its reader is a failure. */
	if (written != 0 || fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "dnsvigil verify: cannot write the report\n");
		status = DV_EXIT_UNKNOWN;
	}
out:
	dv_verify_result_clear(&res);
	return status;
}
