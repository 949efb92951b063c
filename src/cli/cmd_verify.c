/* dnsvigil verify: complete offline verification of a signed zone file. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checks/checks.h"
#include "cli/cli.h"
#include "cli/cliutil.h"
#include "core/error.h"
#include "core/zone.h"
#include "report/report.h"
#include "zone/rrfile.h"

#include <libknot/descriptor.h>
#include <libknot/dname.h>

static const char usage_text[] =
    "usage: dnsvigil verify [options] ZONEFILE\n"
    "  -o, --origin NAME        zone origin (default: the SOA owner)\n"
    "  -n, --now TIME           check validity at TIME: YYYYMMDDHHmmSS (UTC) or @UNIX\n"
    "  -W, --warn-expiry DUR    warn of RRSIGs expiring within DUR (default 7d; s/m/h/d/w)\n"
    "  -d, --ds FILE            DS or DNSKEY records of the parent / trust anchor\n"
    "  -j, --threads N          parsing and verification threads (default: every core)\n"
    "  -f, --format text|json   report format (default text)\n"
    "  -q, --quiet              no progress line\n"
    "exit status: 0 clean, 1 warnings only, 2 errors or bad input\n";

typedef struct {
	bool tty;
	struct timespec start;
	bool shown;
	const char *phase;
} progress_t;

static double elapsed(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* A progress line on a terminal, only for runs longer than a second. */
static void progress_show(progress_t *p, uint64_t done, uint64_t total)
{
	if (!p->tty || total == 0 || elapsed(&p->start) < 1.0)
		return;
	fprintf(stderr, "\r%s %3u%% ", p->phase, (unsigned)(done * 100 / total));
	p->shown = true;
}

static void on_load_progress(void *ctx, uint64_t done, uint64_t total)
{
	progress_show(ctx, done, total);
}

static void finish_presign(void *ctx)
{
	dv_presign_finish(ctx);
}

static void on_verify_progress(void *ctx, size_t done, size_t total)
{
	progress_show(ctx, done, total);
}

int dv_cmd_verify(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"origin", required_argument, NULL, 'o'},
	    {"now", required_argument, NULL, 'n'},
	    {"warn-expiry", required_argument, NULL, 'W'},
	    {"ds", required_argument, NULL, 'd'},
	    {"threads", required_argument, NULL, 'j'},
	    {"format", required_argument, NULL, 'f'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *origin = NULL, *now_s = NULL, *ds_path = NULL, *format = "text";
	int64_t warn = 7 * 86400;
	unsigned long threads = 0;
	bool quiet = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:n:W:d:j:f:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			origin = optarg;
			break;
		case 'n':
			now_s = optarg;
			break;
		case 'W':
			if (dv_cli_duration(optarg, &warn) != 0) {
				fprintf(stderr, "dnsvigil verify: bad --warn-expiry '%s'\n",
				        optarg);
				return DV_EXIT_ERROR;
			}
			break;
		case 'd':
			ds_path = optarg;
			break;
		case 'j':
			if (dv_cli_uint(optarg, 1, 256, &threads) != 0) {
				fprintf(stderr, "dnsvigil verify: --threads takes 1..256\n");
				return DV_EXIT_ERROR;
			}
			break;
		case 'f':
			if (dv_cli_format("verify", optarg) != 0)
				return DV_EXIT_ERROR;
			format = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return DV_EXIT_OK;
		default:
			fputs(usage_text, stderr);
			return DV_EXIT_ERROR;
		}
	}
	if (optind != argc - 1) {
		fputs(usage_text, stderr);
		return DV_EXIT_ERROR;
	}
	const char *path = argv[optind];
	dv_verify_opts_t opts = {.warn_expiry = warn};
	if (dv_cli_now(now_s, &opts.now) != 0)
		return DV_EXIT_ERROR;
	if (threads == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		threads = n > 0 ? (unsigned long)n : 1;
	}
	opts.threads = (unsigned)threads;

	progress_t prog = {.tty = !quiet && isatty(STDERR_FILENO), .phase = "loading  "};
	clock_gettime(CLOCK_MONOTONIC, &prog.start);

	char err[1200];
	dv_rrfile_t ds = {0};
	int exit_status = DV_EXIT_ERROR;
	dv_presign_t *presign = NULL;
	dv_zone_t *zone = NULL;
	dv_findings_t findings = {0};
	if (ds_path != NULL) {
		if (dv_rrfile_load(ds_path, origin, &ds, err, sizeof(err)) != DV_OK) {
			fprintf(stderr, "%s\n", err);
			goto out;
		}
		opts.ds = &ds;
	}
	/* Signatures are verified while the file is still being parsed. */
	struct stat zst;
	uint64_t zbytes = stat(path, &zst) == 0 ? (uint64_t)zst.st_size : 0;
	if (dv_presign_new(opts.threads, zbytes, &presign) != DV_OK)
		presign = NULL;
	dv_zone_opts_t zopts = {.origin = origin,
	                        .progress = on_load_progress,
	                        .progress_ctx = &prog,
	                        .on_run = presign ? dv_presign_run : NULL,
	                        .run_ctx = presign,
	                        .threads = opts.threads};
	int ret = dv_zone_load(path, &zopts, &zone, err, sizeof(err));
	if (ret != DV_OK) {
		if (prog.shown)
			fputs("\r\033[K", stderr);
		fprintf(stderr, "%s\n", err);
		goto out;
	}
	if (opts.ds != NULL) {
		bool any = false;
		for (size_t i = 0; i < ds.n; i++)
			any |=
			    knot_dname_is_equal(ds.v[i].owner, zone->origin) &&
			    (ds.v[i].type == KNOT_RRTYPE_DS || ds.v[i].type == KNOT_RRTYPE_DNSKEY);
		if (!any) {
			fprintf(stderr, "%s:0: no DS or DNSKEY record for %s\n", ds_path,
			        zone->origin_str);
			goto out;
		}
	}
	prog.phase = "verifying";
	opts.progress = on_verify_progress;
	opts.progress_ctx = &prog;
	dv_verify_stats_t st;
	opts.before_signatures = presign ? finish_presign : NULL;
	opts.before_signatures_ctx = presign;
	opts.presign = presign;
	ret = dv_verify_zone(zone, &opts, &st, &findings);
	if (prog.shown)
		fputs("\r\033[K", stderr);
	if (ret != DV_OK) {
		fprintf(stderr, "dnsvigil verify: %s: %s\n", path, dv_strerror(ret));
		goto out;
	}
	if (strcmp(format, "json") == 0) {
		dv_report_verify_json(stdout, zone, &opts, &st, &findings);
	} else {
		dv_report_verify_text(stdout, zone, &opts, &st, &findings, elapsed(&prog.start));
	}
	exit_status = dv_findings_exit_status(&findings);
out:
	/* The verifying threads may still read the zone's records. */
	dv_presign_free(presign);
	dv_findings_clear(&findings);
	dv_zone_free(zone);
	dv_rrfile_free(&ds);
	return exit_status;
}
