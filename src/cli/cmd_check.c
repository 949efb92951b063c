/* dnsvigil check: walk the chain of trust live and compare every server. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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
    "  -n, --now TIME           judge validity at TIME: YYYYMMDDHHmmSS (UTC) or @UNIX\n"
    "                           (default: the time of the probe, also for --from)\n"
    "  -w, --warn DAYS          warn of signatures expiring within DAYS (default 7;\n"
    "                           a suffix s/m/h/d/w gives another unit)\n"
    "  -c, --crit DAYS          critical within DAYS (default 1)\n"
    "  -f, --format text|json   report format (default text; doc/check.md)\n"
    "      --nagios             Monitoring Plugins output and exit status (0/1/2/3)\n"
    "  -s, --save FILE          save the probe snapshot as JSON\n"
    "      --from FILE          judge a saved snapshot instead of probing\n"
    "  -T, --timeout MS         per-attempt query timeout (default 1000)\n"
    "  -R, --retries N          extra UDP attempts (default 1)\n"
    "  -4, -6                   only IPv4 / only IPv6 server addresses\n"
    "  -p, --port N             query every server on port N (default 53)\n"
    "      --full               transfer every server's copy of each domain's zone (AXFR),\n"
    "                           verify each copy and compare them (not with --from)\n"
    "      --tsig FILE          sign the transfers with the TSIG key in FILE\n"
    "      --tsig-name NAME     the key of FILE to use when it holds several\n"
    "      --threads N          verification threads for --full (default: every core)\n"
    "exit status: 0 clean, 1 warnings only, 2 errors or bad input;\n"
    "with --nagios 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (the check could not run)\n";

enum { OPT_NAGIOS = 256, OPT_FROM, OPT_FULL, OPT_TSIG, OPT_TSIG_NAME, OPT_THREADS };

static const dv_cli_common_map_t common[] = {
    {'n', DV_CLI_NOW, "now", 0},
    {'w', DV_CLI_WARN, "warn", 86400},
    {'c', DV_CLI_CRIT, "crit", 86400},
    {'f', DV_CLI_FORMAT, "format", 0},
    {OPT_NAGIOS, DV_CLI_NAGIOS, "nagios", 0},
    {'s', DV_CLI_SAVE, "save", 0},
    {OPT_FROM, DV_CLI_FROM, "from", 0},
    {'T', DV_CLI_TIMEOUT, "timeout", 0},
    {'R', DV_CLI_RETRIES, "retries", 0},
    {'p', DV_CLI_PORT, "port", 0},
    {0, 0, NULL, 0},
};

int dv_cmd_check(int argc, char **argv)
{
	static const struct option own[] = {
	    {"root-hints", required_argument, NULL, 'r'},
	    {"trust-anchor", required_argument, NULL, 't'},
	    {"full", no_argument, NULL, OPT_FULL},
	    {"tsig", required_argument, NULL, OPT_TSIG},
	    {"tsig-name", required_argument, NULL, OPT_TSIG_NAME},
	    {"threads", required_argument, NULL, OPT_THREADS},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct option longopts[32];
	unsigned long threads = 0;
	dv_cli_longopts(own, common, longopts, sizeof(longopts) / sizeof(longopts[0]));
	dv_check_run_opts_t o = {.probe = {.root_hints = "/usr/share/dns/root.hints",
	                                   .trust_anchor = "/usr/share/dns/root.ds"}};
	dv_cli_common_t co = {.format = "text",
	                      .warn = 7 * 86400,
	                      .crit = 1 * 86400,
	                      .timeout_ms = 1000,
	                      .retries = 1};
	int c, r;
	optind = 1;
	/* Bad usage: exit 2, or UNKNOWN for a plugin. */
	int bad = DV_EXIT_ERROR;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--nagios") == 0)
			bad = DV_EXIT_UNKNOWN;
	while ((c = getopt_long(argc, argv, "r:t:n:w:c:f:s:T:R:p:46h", longopts, NULL)) != -1) {
		if ((r = dv_cli_common(&co, "check", common, c, optarg)) != 0) {
			if (r < 0)
				return bad;
			continue;
		}
		switch (c) {
		case 'r':
			o.probe.root_hints = optarg;
			break;
		case 't':
			o.probe.trust_anchor = optarg;
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
		case OPT_TSIG:
			o.tsig_path = optarg;
			break;
		case OPT_TSIG_NAME:
			o.tsig_name = optarg;
			break;
		case OPT_THREADS:
			if (dv_cli_uint(optarg, 1, 256, &threads) != 0) {
				fprintf(stderr, "dnsvigil check: --threads takes 1..256\n");
				return bad;
			}
			break;
		case 'h':
			fputs(usage_text, stdout);
			return DV_EXIT_OK;
		default:
			fputs(usage_text, stderr);
			return bad;
		}
	}
	if (o.probe.ipv4_only && o.probe.ipv6_only) {
		fprintf(stderr, "dnsvigil check: -4 and -6 exclude each other\n");
		return bad;
	}
	if ((co.from == NULL) == (optind >= argc)) {
		fprintf(stderr, co.from ? "dnsvigil check: --from takes no DOMAIN\n"
		                        : "dnsvigil check: no DOMAIN given\n");
		fputs(usage_text, stderr);
		return bad;
	}
	if (o.full && co.from != NULL) {
		fprintf(stderr,
		        "dnsvigil check: --full transfers the zones live: not with --from\n");
		return bad;
	}
	if (!o.full && (o.tsig_path != NULL || o.tsig_name != NULL)) {
		fprintf(stderr, "dnsvigil check: --tsig and --tsig-name go with --full\n");
		return bad;
	}
	if (threads == 0) {
		long nc = sysconf(_SC_NPROCESSORS_ONLN);
		threads = nc > 0 ? (unsigned long)nc : 1;
	}
	o.threads = (unsigned)threads;
	if (co.crit > co.warn) {
		fprintf(stderr, "dnsvigil check: --crit exceeds --warn\n");
		return bad;
	}
	if (co.now != NULL && dv_cli_now(co.now, &o.now) != 0)
		return bad;
	o.have_now = co.now != NULL;
	o.probe.timeout_ms = co.timeout_ms;
	o.probe.retries = co.retries;
	o.probe.port = co.port;
	o.from = co.from;
	o.save = co.save;
	o.warn_secs = co.warn;
	o.crit_secs = co.crit;

	char err[1400];
	dv_check_run_t run;
	int ret = dv_check_run(&o, argv + optind, (size_t)(argc - optind), &run, err, sizeof(err));
	int status = bad;
	if (ret != DV_OK) {
		if (run.stage == DV_CHECK_RUN_JUDGE && err[0] == '\0')
			snprintf(
			    err, sizeof(err), "%s%s",
			    co.nagios ? "checks failed: " : "dnsvigil check: ", dv_strerror(ret));
		if (co.nagios)
			printf("DNSVIGIL UNKNOWN - %s\n", err);
		else
			fprintf(stderr, "%s\n", err);
		goto out;
	}
	dv_report_copies_t copies[64];
	size_t ncopies = 0;
	for (size_t i = 0; i < run.nfull && ncopies < 64; i++)
		copies[ncopies++] = (dv_report_copies_t){run.full[i].zone, &run.full[i].report};
	if (co.nagios) {
		status = dv_report_check_nagios(stdout, run.snap, &run.opts, &run.res);
	} else {
		if (strcmp(co.format, "json") == 0) {
			if (dv_report_check_json(stdout, run.snap, &run.opts, &run.res, copies,
			                         ncopies) != 0) {
				fprintf(stderr, "dnsvigil check: cannot write the report\n");
				goto out;
			}
		} else {
			dv_report_check_text(stdout, run.snap, &run.opts, &run.res, copies,
			                     ncopies);
		}
		status = dv_findings_exit_status(&run.res.findings);
	}
	if (fflush(stdout) != 0)
		status = bad;
out:
	dv_check_run_clear(&run);
	return status;
}
