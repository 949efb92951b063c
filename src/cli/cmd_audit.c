/* dnsvigil audit: prove that resolvers enforce validation (canary names). */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "checks/audit.h"
#include "cli/cli.h"
#include "cli/cliutil.h"
#include "core/error.h"
#include "probe/resolver.h"
#include "report/audit.h"
#include "report/report.h"
#include "snapshot/resolver.h"

static const char usage_text[] =
    "usage: dnsvigil audit --canary NAME [options] ADDRESS...\n"
    "       dnsvigil audit --from FILE [options]\n"
    "      --canary NAME        the canary zone written by 'dnsvigil canary'\n"
    "  -p, --port N             port for addresses without one (default 53)\n"
    "  -T, --timeout DURATION   per-attempt timeout (default 3000; a bare number is\n"
    "                           milliseconds)\n"
    "  -R, --retries N          extra UDP attempts per question (default 1)\n"
    "      --concurrency N      questions in flight overall (default 256)\n"
    "  -n, --now TIME           judge the canary's signatures at TIME: YYYYMMDDHHmmSS\n"
    "                           (UTC), YYYY-MM-DDTHH:MM:SSZ or [@]UNIXSECONDS (default:\n"
    "                           the time of the probe, also for --from)\n"
    "  -f, --format text|json   report format (default text)\n"
    "      --nagios             one Nagios/Icinga plugin line, exit 0/1/2/3\n"
    "  -v, --verbose            text: every EDE code and EXTRA-TEXT per resolver\n"
    "  -s, --save FILE          also save every answer (a resolver snapshot) to FILE\n"
    "      --from FILE          judge a saved snapshot again instead of asking\n"
    "ADDRESS: 192.0.2.1, 192.0.2.1@5353, ::1, [::1]:5353 (at most 256)\n"
    "exit status (and with --nagios): 0 OK, every resolver validates; 1 WARNING, a\n"
    "resolver strips AD; 2 CRITICAL, a resolver accepts bogus data (also only without\n"
    "DO, or permissively), is no resolver, is unreachable or has a broken trust\n"
    "anchor; 3 UNKNOWN, a resolver could not be judged (canary not found or expired,\n"
    "questions unanswered) or the audit could not run (bad usage, unreadable input)\n";

enum { OPT_NAGIOS = 256, OPT_FROM, OPT_CANARY, OPT_CONCURRENCY };

static const dv_cli_common_map_t common[] = {
    DV_CLI_PROBE_OPTIONS(OPT_NAGIOS, OPT_FROM),
    {0, 0, NULL},
};

int dv_cmd_audit(int argc, char **argv)
{
	static const struct option own[] = {
	    {"canary", required_argument, NULL, OPT_CANARY},
	    {"concurrency", required_argument, NULL, OPT_CONCURRENCY},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	dv_cli_t cli = {.cmd = "audit", .nagios_label = "DNSVIGIL AUDIT", .usage = usage_text};
	dv_cli_begin(&cli, argc, argv);
	struct option longopts[20];
	dv_cli_longopts(own, common, longopts, sizeof(longopts) / sizeof(longopts[0]));
	dv_resolver_probe_opts_t opts = {.port = 53, .retries = -1};
	dv_cli_common_t co = {.format = "text", .retries = -1};
	bool verbose = false;
	unsigned long v;
	int c;
	optind = 1;
	while ((c = dv_cli_next(&cli, &co, common, argc, argv, "p:T:R:n:f:s:vh", longopts)) != -1) {
		if (c == DV_CLI_BAD)
			return DV_EXIT_UNKNOWN;
		switch (c) {
		case OPT_CANARY:
			opts.canary = optarg;
			break;
		case OPT_CONCURRENCY:
			if (dv_cli_number(&cli, "--concurrency", optarg, 1, 65536, &v) != 0)
				return DV_EXIT_UNKNOWN;
			opts.max_inflight = (unsigned)v;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return DV_EXIT_OK;
		}
	}
	if (co.port != 0)
		opts.port = co.port;
	opts.timeout_ms = co.timeout_ms;
	opts.retries = co.retries;
	if (co.from != NULL && optind < argc)
		return dv_cli_usage(&cli,
		                    "--from takes no ADDRESS ('%s'): the snapshot names its "
		                    "resolvers",
		                    argv[optind]);
	if (co.from != NULL && opts.canary != NULL)
		return dv_cli_usage(&cli,
		                    "--from takes no --canary: the snapshot names its canary");
	if (co.from == NULL && opts.canary == NULL)
		return dv_cli_usage(&cli, "--canary NAME is required (the zone 'dnsvigil canary' "
		                          "wrote), or --from FILE");
	if (co.from == NULL && optind >= argc)
		return dv_cli_usage(&cli, "no resolver ADDRESS given");
	int64_t now = 0;
	if (co.now != NULL && dv_cli_time(&cli, "--now", co.now, &now) != 0)
		return DV_EXIT_UNKNOWN;
	cli.input = co.from;

	dv_resolver_snapshot_t *snap = NULL;
	dv_audit_result_t res = {0};
	char err[1024];
	int status = DV_EXIT_UNKNOWN, ret;
	if (co.from != NULL)
		ret = dv_resolver_snapshot_load(co.from, &snap, err, sizeof(err));
	else
		ret = dv_resolver_probe_run(&opts, (const char *const *)argv + optind,
		                            (size_t)(argc - optind), &snap, err, sizeof(err));
	if (ret != 0) {
		if (co.from != NULL && err[0])
			return dv_cli_fail_input(&cli, err);
		return dv_cli_fail(&cli, "%s", err[0] ? err : dv_strerror(ret));
	}
	bool save_failed = false;
	if (co.save != NULL &&
	    dv_resolver_snapshot_save(snap, co.save, err, sizeof(err)) != DV_OK) {
		/* The report is still printed: the answers are not lost with the file. */
		fprintf(stderr, "dnsvigil audit: %s\n", err);
		save_failed = true;
	}
	/* Time is an input: by default the probe's own, so --from repeats the verdict. */
	if (co.now == NULL)
		now = snap->time;
	if ((ret = dv_audit_judge(snap, now, &res)) != DV_OK) {
		dv_cli_fail(&cli, "the audit could not judge: %s", dv_strerror(ret));
		goto out;
	}
	int judged = dv_audit_exit_status(&res), written = 0;
	if (co.nagios) {
		dv_report_audit_nagios(stdout, &res);
	} else if (strcmp(co.format, "json") == 0) {
		json_t *j = dv_report_audit_json(&res);
		written = dv_json_write(stdout, j);
		json_decref(j);
	} else {
		dv_report_audit_text(stdout, &res, verbose);
	}
	/* A report that did not reach its reader, or answers that were not
	 * saved, is a run that failed. */
	if (written != 0 || fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "dnsvigil audit: cannot write the report\n");
		goto out;
	}
	status = save_failed ? DV_EXIT_UNKNOWN : judged;
out:
	dv_audit_result_clear(&res);
	dv_resolver_snapshot_free(snap);
	return status;
}
