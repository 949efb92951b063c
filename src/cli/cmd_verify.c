/* dnsvigil verify: complete offline verification of a signed zone file. */
#include <getopt.h>
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
    "usage: dnsvigil verify [options] ZONEFILE\n"
    "       dnsvigil verify [options] --axfr ADDR[@PORT] --origin NAME\n"
    "  -o, --origin NAME        zone origin (default: the SOA owner; required with --axfr)\n"
    "      --axfr ADDR[@PORT]   transfer the zone from this server (AXFR) and verify it\n"
    "      --tsig FILE          sign the transfer with the TSIG key in FILE (BIND or Knot\n"
    "                           format; hmac-sha256/384/512)\n"
    "      --tsig-name NAME     the key of FILE to use when it holds several\n"
    "  -n, --now TIME           check validity at TIME: YYYYMMDDHHmmSS (UTC) or @UNIX\n"
    "  -W, --warn-expiry DUR    warn of RRSIGs expiring within DUR (default 7d; s/m/h/d/w)\n"
    "  -d, --ds FILE            DS or DNSKEY records of the parent / trust anchor\n"
    "  -j, --threads N          parsing and verification threads (default: every core)\n"
    "  -f, --format text|json   report format (default text)\n"
    "  -q, --quiet              no progress line\n"
    "      --no-include         refuse $INCLUDE (in ZONEFILE and the --ds file)\n"
    "      --max-records N      refuse a zone of more than N records (default 67108864)\n"
    "exit status: 0 clean, 1 warnings only, 2 errors or bad input,\n"
    "3 the zone could not be transferred (--axfr)\n";

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

static const dv_cli_common_map_t common[] = {
    {'n', DV_CLI_NOW, "now", 0},
    {'W', DV_CLI_WARN, "warn-expiry", 1},
    {'f', DV_CLI_FORMAT, "format", 0},
    {0, 0, NULL, 0},
};

int dv_cmd_verify(int argc, char **argv)
{
	static const struct option own[] = {
	    {"origin", required_argument, NULL, 'o'},
	    {"ds", required_argument, NULL, 'd'},
	    {"threads", required_argument, NULL, 'j'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"no-include", no_argument, NULL, 'I'},
	    {"max-records", required_argument, NULL, 'R'},
	    {"axfr", required_argument, NULL, 'A'},
	    {"tsig", required_argument, NULL, 'K'},
	    {"tsig-name", required_argument, NULL, 'N'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct option longopts[20];
	dv_cli_longopts(own, common, longopts, sizeof(longopts) / sizeof(longopts[0]));
	dv_cli_common_t co = {.format = "text", .warn = 7 * 86400};
	dv_verify_file_opts_t vo = {0};
	unsigned long threads = 0, max_records = 0;
	bool quiet = false;
	const char *axfr = NULL;
	int c, r;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:n:W:d:j:f:qh", longopts, NULL)) != -1) {
		if ((r = dv_cli_common(&co, "verify", common, c, optarg)) != 0) {
			if (r < 0)
				return DV_EXIT_ERROR;
			continue;
		}
		switch (c) {
		case 'o':
			vo.origin = optarg;
			break;
		case 'd':
			vo.ds_path = optarg;
			break;
		case 'j':
			if (dv_cli_uint(optarg, 1, 256, &threads) != 0) {
				fprintf(stderr, "dnsvigil verify: --threads takes 1..256\n");
				return DV_EXIT_ERROR;
			}
			break;
		case 'q':
			quiet = true;
			break;
		case 'I':
			vo.limits.no_include = true;
			break;
		case 'R':
			if (dv_cli_uint(optarg, 1, DV_ZONE_MAX_RRS_CEILING, &max_records) != 0) {
				fprintf(stderr, "dnsvigil verify: --max-records takes 1..%zu\n",
				        DV_ZONE_MAX_RRS_CEILING);
				return DV_EXIT_ERROR;
			}
			vo.limits.max_records = max_records;
			break;
		case 'A':
			axfr = optarg;
			break;
		case 'K':
			vo.tsig_path = optarg;
			break;
		case 'N':
			vo.tsig_name = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return DV_EXIT_OK;
		default:
			fputs(usage_text, stderr);
			return DV_EXIT_ERROR;
		}
	}
	if (optind != argc - (axfr ? 0 : 1)) {
		if (axfr != NULL)
			fprintf(stderr, "dnsvigil verify: --axfr takes no ZONEFILE\n");
		fputs(usage_text, stderr);
		return DV_EXIT_ERROR;
	}
	if (axfr == NULL && (vo.tsig_path != NULL || vo.tsig_name != NULL)) {
		fprintf(stderr, "dnsvigil verify: --tsig and --tsig-name go with --axfr\n");
		return DV_EXIT_ERROR;
	}
	const char *path = axfr ? NULL : argv[optind];
	if (dv_cli_now(co.now, &vo.now) != 0)
		return DV_EXIT_ERROR;
	vo.warn_expiry = co.warn;
	if (threads == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		threads = n > 0 ? (unsigned long)n : 1;
	}
	vo.threads = (unsigned)threads;
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
	int status = DV_EXIT_ERROR;
	if (ret != DV_OK) {
		fprintf(stderr, "%s\n", err);
		/* The zone could not be had: nothing was judged. */
		if (res.no_source)
			status = DV_EXIT_UNKNOWN;
	} else {
		if (strcmp(co.format, "json") == 0)
			dv_report_verify_json(stdout, res.zone, &res.opts, &res.stats,
			                      &res.findings);
		else
			dv_report_verify_text(stdout, res.zone, &res.opts, &res.stats,
			                      &res.findings, elapsed(&prog.start));
		status = dv_findings_exit_status(&res.findings);
	}
	dv_verify_result_clear(&res);
	return status;
}
