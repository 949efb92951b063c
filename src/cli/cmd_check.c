/* dnsvigil check: walk the chain of trust live and compare every server. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cliutil.h"
#include "core/error.h"
#include "dnssec/dnssec.h"
#include "report/check.h"
#include "report/report.h"
#include "run/run.h"

static const char usage_text[] =
    "usage: dnsvigil check [options] DOMAIN...\n"
    "       dnsvigil check [options] --from SNAPSHOT\n"
    "  -r, --root-hints FILE    root servers (default /usr/share/dns/root.hints)\n"
    "  -t, --trust-anchor FILE  root DS or DNSKEY records (default /usr/share/dns/root.ds)\n"
    "  -n, --now TIME           judge validity at TIME: YYYYMMDDHHmmSS (UTC),\n"
    "                           YYYY-MM-DDTHH:MM:SSZ or [@]UNIXSECONDS (default: the time\n"
    "                           of the probe, also for --from)\n"
    "  -w, --warn DURATION      warn of signatures of the DOMAINs' zones expiring within\n"
    "                           DURATION (default 7d; 36h, 2w...; a bare number is days)\n"
    "  -c, --crit DURATION      critical within DURATION (default 1d)\n"
    "  -e, --expect STATUS      secure, insecure or any (default): the status each\n"
    "                           DOMAIN's zone must have\n"
    "  -f, --format text|json   report format (default text; doc/check.md)\n"
    "      --nagios             Monitoring Plugins output and exit status (0/1/2/3)\n"
    "  -s, --save FILE          save the probe snapshot as JSON\n"
    "      --from FILE          judge a saved snapshot instead of probing\n"
    "  -T, --timeout DURATION   per-attempt query timeout (default 1000; a bare number\n"
    "                           is milliseconds)\n"
    "  -R, --retries N          extra UDP attempts (default 1)\n"
    "  -4, -6                   only IPv4 / only IPv6 server addresses\n"
    "  -p, --port N             query every server on port N (default 53)\n"
    "      --full               transfer every server's copy of each domain's zone (AXFR,\n"
    "                           IXFR), verify each copy and compare them (not with --from)\n"
    "      --tsig FILE          sign the transfers with the TSIG key in FILE (BIND or Knot\n"
    "                           format; hmac-sha256/384/512)\n"
    "      --tsig-name NAME     the key of FILE to use when it holds several\n"
    "  -j, --threads N          verification threads for --full (default: every core)\n"
    "budgets against hostile servers (doc/limits.md; what they cut off is reported):\n"
    "      --deadline DURATION  the whole probe (default 60s; 500ms, 2m...)\n"
    "      --max-queries N      queries per probe (default 4096 + 512 per DOMAIN)\n"
    "      --max-bytes N        answer bytes per probe (default 64M; k and M work)\n"
    "      --server-queries N   queries per server address (default 512 per DOMAIN)\n"
    "      --server-bytes N     answer bytes per server address (default 4M per DOMAIN)\n"
    "      --server-time DURATION  waiting on one server address, summed (default 30s\n"
    "                           per DOMAIN)\n"
    "      --max-validations N  signature validations per check (default 100000)\n"
    "exit status: 0 clean, 1 warnings, 2 errors found, 3 could not judge (bad usage,\n"
    "unreadable input, a probe that could not start); --nagios: 0 OK, 1 WARNING,\n"
    "2 CRITICAL, 3 UNKNOWN\n";

enum {
	OPT_NAGIOS = 256,
	OPT_FROM,
	OPT_DEADLINE,
	OPT_SERVER_TIME,
	OPT_SERVER_BYTES,
	OPT_MAX_QUERIES,
	OPT_MAX_BYTES,
	OPT_SERVER_QUERIES,
	OPT_MAX_VALIDATIONS,
	OPT_FULL,
	OPT_TSIG,
	OPT_TSIG_NAME,
};

static const dv_cli_common_map_t common[] = {
    DV_CLI_PROBE_OPTIONS(OPT_NAGIOS, OPT_FROM),
    DV_CLI_BUDGET_OPTIONS(OPT_DEADLINE, OPT_SERVER_TIME, OPT_SERVER_BYTES),
    DV_CLI_TRANSFER_OPTIONS(OPT_TSIG, OPT_TSIG_NAME),
    {'w', DV_CLI_WARN, "warn"},
    {'c', DV_CLI_CRIT, "crit"},
    {0, 0, NULL},
};

int dv_cmd_check(int argc, char **argv)
{
	static const struct option own[] = {
	    {"root-hints", required_argument, NULL, 'r'},
	    {"trust-anchor", required_argument, NULL, 't'},
	    {"expect", required_argument, NULL, 'e'},
	    {"max-queries", required_argument, NULL, OPT_MAX_QUERIES},
	    {"max-bytes", required_argument, NULL, OPT_MAX_BYTES},
	    {"server-queries", required_argument, NULL, OPT_SERVER_QUERIES},
	    {"max-validations", required_argument, NULL, OPT_MAX_VALIDATIONS},
	    {"full", no_argument, NULL, OPT_FULL},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	dv_cli_t cli = {.cmd = "check", .nagios_label = "DNSVIGIL", .usage = usage_text};
	dv_cli_begin(&cli, argc, argv);
	struct option longopts[32];
	dv_cli_longopts(own, common, longopts, sizeof(longopts) / sizeof(longopts[0]));
	dv_check_run_opts_t o = {.probe = {.root_hints = "/usr/share/dns/root.hints",
	                                   .trust_anchor = "/usr/share/dns/root.ds"}};
	dv_cli_common_t co = {.format = "text",
	                      .warn = 7 * 86400,
	                      .crit = 1 * 86400,
	                      .timeout_ms = 1000,
	                      .retries = 1};
	int c;
	unsigned long n;
	optind = 1;
	while ((c = dv_cli_next(&cli, &co, common, argc, argv, "r:t:n:w:c:e:f:s:T:R:p:j:46h",
	                        longopts)) != -1) {
		if (c == DV_CLI_BAD)
			return DV_EXIT_UNKNOWN;
		switch (c) {
		case 'r':
			o.probe.root_hints = optarg;
			break;
		case 't':
			o.probe.trust_anchor = optarg;
			break;
		case 'e':
			if (strcmp(optarg, "secure") == 0)
				o.expect = DV_LIVE_EXPECT_SECURE;
			else if (strcmp(optarg, "insecure") == 0)
				o.expect = DV_LIVE_EXPECT_INSECURE;
			else if (strcmp(optarg, "any") == 0)
				o.expect = DV_LIVE_EXPECT_ANY;
			else
				return dv_cli_usage(&cli, "--expect '%s': secure, insecure or any",
				                    optarg);
			break;
		case OPT_MAX_QUERIES:
		case OPT_SERVER_QUERIES:
			if (dv_cli_number(&cli, dv_cli_optname(argc, argv), optarg, 1,
			                  DV_PROBE_MAX_QUERIES_CEIL, &n) != 0)
				return DV_EXIT_UNKNOWN;
			*(c == OPT_MAX_QUERIES ? &o.probe.max_queries : &o.probe.server_queries) =
			    (unsigned)n;
			break;
		case OPT_MAX_BYTES:
			if (dv_cli_bytes(&cli, dv_cli_optname(argc, argv), optarg, 512,
			                 DV_PROBE_MAX_BYTES_CEIL, &o.probe.max_bytes) != 0)
				return DV_EXIT_UNKNOWN;
			break;
		case OPT_MAX_VALIDATIONS:
			if (dv_cli_number(&cli, dv_cli_optname(argc, argv), optarg, 1,
			                  DV_SIG_MAX_PER_RUN_CEIL, &n) != 0)
				return DV_EXIT_UNKNOWN;
			o.max_validations = n;
			break;
		case '4':
			o.probe.ipv4_only = true;
			break;
		case '6':
			o.probe.ipv6_only = true;
			break;
		case OPT_FULL:
			o.full = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return DV_EXIT_OK;
		}
	}
	if (o.probe.ipv4_only && o.probe.ipv6_only)
		return dv_cli_usage(&cli, "-4 and -6 exclude each other");
	if (co.from != NULL && optind < argc)
		return dv_cli_usage(&cli,
		                    "--from takes no DOMAIN ('%s'): the snapshot names its domains",
		                    argv[optind]);
	if (co.from == NULL && optind >= argc)
		return dv_cli_usage(&cli, "no DOMAIN given (or --from SNAPSHOT)");
	if (o.full && co.from != NULL)
		return dv_cli_usage(&cli, "--full transfers the zones live: not with --from");
	o.tsig_path = co.tsig;
	o.tsig_name = co.tsig_name;
	if (!o.full && (o.tsig_path != NULL || o.tsig_name != NULL))
		return dv_cli_usage(&cli, "--tsig and --tsig-name go with --full");
	o.threads = dv_cli_threads(&co);
	if (dv_cli_thresholds(&cli, &co) != 0)
		return DV_EXIT_UNKNOWN;
	if (co.now != NULL && dv_cli_time(&cli, "--now", co.now, &o.now) != 0)
		return DV_EXIT_UNKNOWN;
	o.have_now = co.now != NULL;
	o.probe.timeout_ms = co.timeout_ms;
	o.probe.retries = co.retries;
	o.probe.port = co.port;
	o.probe.deadline_ms = co.deadline_ms;
	o.probe.server_ms = co.server_ms;
	o.probe.server_bytes = co.server_bytes;
	o.from = co.from;
	o.save = co.save;
	o.warn_secs = co.warn;
	o.crit_secs = co.crit;
	cli.input = co.from;

	char err[1400];
	dv_check_run_t run;
	int ret = dv_check_run(&o, argv + optind, (size_t)(argc - optind), &run, err, sizeof(err));
	int status = DV_EXIT_UNKNOWN;
	if (ret != DV_OK && run.stage != DV_CHECK_RUN_SAVE) {
		if (run.stage == DV_CHECK_RUN_JUDGE)
			dv_cli_fail(&cli, "the checks could not run: %s", dv_strerror(ret));
		else if (run.stage == DV_CHECK_RUN_FULL)
			dv_cli_fail(&cli, "--full: %s", err);
		else if (co.from != NULL)
			dv_cli_fail_input(&cli, err);
		else
			dv_cli_fail(&cli, "the probe could not start: %s", err);
		goto out;
	}
	if (!run.res.judged) {
		/* Our side failed: the file to fix, when we read it. */
		if (co.from == NULL)
			cli.input = strstr(run.res.unjudged, "trust anchor") ? o.probe.trust_anchor
			                                                     : o.probe.root_hints;
		dv_cli_fail(&cli, "%s", run.res.unjudged);
		goto out;
	}
	dv_report_copies_t copies[64];
	size_t ncopies = 0;
	for (size_t i = 0; i < run.nfull && ncopies < 64; i++)
		copies[ncopies++] = (dv_report_copies_t){run.full[i].zone, &run.full[i].report};
	int written = 0;
	if (co.nagios && ret != DV_OK) {
		/* The one line a plugin has says what failed (issue 10 §13). */
		status = dv_cli_fail(&cli, "snapshot not saved: %s", err);
		goto out;
	}
	if (co.nagios)
		status = dv_report_check_nagios(stdout, run.snap, &run.opts, &run.res);
	else if (strcmp(co.format, "json") == 0)
		written =
		    dv_report_check_json(stdout, run.snap, &run.opts, &run.res, copies, ncopies);
	else
		dv_report_check_text(stdout, run.snap, &run.opts, &run.res, copies, ncopies);
	if (!co.nagios)
		status = dv_findings_exit_status(&run.res.findings);
	/* A report that did not reach its reader, or a snapshot that was not
	 * saved, is a run that failed. */
	if (written != 0 || fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "dnsvigil check: cannot write the report\n");
		status = DV_EXIT_UNKNOWN;
	}
	if (ret != DV_OK) {
		/* The report is printed all the same: the answers are not lost
		 * with the file, and the old file is kept (issue 10 §13). */
		fprintf(stderr, "dnsvigil check: snapshot not saved: %s\n", err);
		status = DV_EXIT_UNKNOWN;
	}
out:
	dv_check_run_clear(&run);
	return status;
}
