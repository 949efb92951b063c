/* dnsvigil check: walk the chain of trust live and compare every server. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cliutil.h"
#include "core/error.h"
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
    "exit status: 0 clean, 1 warnings, 2 errors found, 3 could not judge (bad usage,\n"
    "unreadable input, a probe that could not start); --nagios: 0 OK, 1 WARNING,\n"
    "2 CRITICAL, 3 UNKNOWN\n";

enum { OPT_NAGIOS = 256, OPT_FROM };

static const dv_cli_common_map_t common[] = {
    DV_CLI_PROBE_OPTIONS(OPT_NAGIOS, OPT_FROM),
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
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	dv_cli_t cli = {.cmd = "check", .nagios_label = "DNSVIGIL", .usage = usage_text};
	dv_cli_begin(&cli, argc, argv);
	struct option longopts[24];
	dv_cli_longopts(own, common, longopts, sizeof(longopts) / sizeof(longopts[0]));
	dv_check_run_opts_t o = {.probe = {.root_hints = "/usr/share/dns/root.hints",
	                                   .trust_anchor = "/usr/share/dns/root.ds"}};
	dv_cli_common_t co = {.format = "text",
	                      .warn = 7 * 86400,
	                      .crit = 1 * 86400,
	                      .timeout_ms = 1000,
	                      .retries = 1};
	int c;
	optind = 1;
	while ((c = dv_cli_next(&cli, &co, common, argc, argv, "r:t:n:w:c:e:f:s:T:R:p:46h",
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
		case '4':
			o.probe.ipv4_only = true;
			break;
		case '6':
			o.probe.ipv6_only = true;
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
	if (dv_cli_thresholds(&cli, &co) != 0)
		return DV_EXIT_UNKNOWN;
	if (co.now != NULL && dv_cli_time(&cli, "--now", co.now, &o.now) != 0)
		return DV_EXIT_UNKNOWN;
	o.have_now = co.now != NULL;
	o.probe.timeout_ms = co.timeout_ms;
	o.probe.retries = co.retries;
	o.probe.port = co.port;
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
	int written = 0;
	if (co.nagios)
		status = dv_report_check_nagios(stdout, run.snap, &run.opts, &run.res);
	else if (strcmp(co.format, "json") == 0)
		written = dv_report_check_json(stdout, run.snap, &run.opts, &run.res);
	else
		dv_report_check_text(stdout, run.snap, &run.opts, &run.res);
	if (!co.nagios)
		status = dv_findings_exit_status(&run.res.findings);
	/* A report that did not reach its reader, or a snapshot that was not
	 * saved, is a run that failed. */
	if (written != 0 || fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "dnsvigil check: cannot write the report\n");
		status = DV_EXIT_UNKNOWN;
	}
	if (ret != DV_OK) {
		fprintf(stderr, "dnsvigil check: %s\n", err);
		status = DV_EXIT_UNKNOWN;
	}
out:
	dv_check_run_clear(&run);
	return status;
}
