/* dnsvigil check: walk the chain of trust live and compare every server. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cliutil.h"
#include "core/error.h"
#include "core/text.h"
#include "dnssec/dnssec.h"
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
    "budgets against hostile servers (doc/limits.md; what they cut off is reported):\n"
    "      --deadline DUR       the whole probe (default 60s; ms/s/m suffix)\n"
    "      --max-queries N      queries per probe (default 4096 + 512 per DOMAIN)\n"
    "      --max-bytes N        answer bytes per probe (default 64M; k/M suffix)\n"
    "      --server-queries N   queries per server address (default 512)\n"
    "      --server-bytes N     answer bytes per server address (default 4M)\n"
    "      --server-time DUR    waiting on one server address, summed (default 30s)\n"
    "      --max-validations N  signature validations per check (default 100000)\n"
    "exit status: 0 clean, 1 warnings only, 2 errors or bad input;\n"
    "with --nagios 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (the check could not run)\n";

enum {
	OPT_NAGIOS = 256,
	OPT_FROM,
	OPT_DEADLINE,
	OPT_MAX_QUERIES,
	OPT_MAX_BYTES,
	OPT_SERVER_QUERIES,
	OPT_SERVER_BYTES,
	OPT_SERVER_TIME,
	OPT_MAX_VALIDATIONS,
};

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
	    {"deadline", required_argument, NULL, OPT_DEADLINE},
	    {"max-queries", required_argument, NULL, OPT_MAX_QUERIES},
	    {"max-bytes", required_argument, NULL, OPT_MAX_BYTES},
	    {"server-queries", required_argument, NULL, OPT_SERVER_QUERIES},
	    {"server-bytes", required_argument, NULL, OPT_SERVER_BYTES},
	    {"server-time", required_argument, NULL, OPT_SERVER_TIME},
	    {"max-validations", required_argument, NULL, OPT_MAX_VALIDATIONS},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct option longopts[32];
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
		case OPT_DEADLINE:
		case OPT_SERVER_TIME: {
			uint64_t ms;
			if (dv_cli_millis(optarg, 1, DV_PROBE_DEADLINE_MS_CEIL, &ms) != 0) {
				fprintf(stderr,
				        "dnsvigil check: --%s takes a duration of 1ms to 1h\n",
				        c == OPT_DEADLINE ? "deadline" : "server-time");
				return bad;
			}
			if (c == OPT_DEADLINE)
				o.probe.deadline_ms = (unsigned)ms;
			else
				o.probe.server_ms = (unsigned)ms;
			break;
		}
		case OPT_MAX_QUERIES:
		case OPT_SERVER_QUERIES: {
			unsigned long n;
			if (dv_cli_uint(optarg, 1, DV_PROBE_MAX_QUERIES_CEIL, &n) != 0) {
				fprintf(stderr, "dnsvigil check: --%s takes 1..%u\n",
				        c == OPT_MAX_QUERIES ? "max-queries" : "server-queries",
				        DV_PROBE_MAX_QUERIES_CEIL);
				return bad;
			}
			if (c == OPT_MAX_QUERIES)
				o.probe.max_queries = (unsigned)n;
			else
				o.probe.server_queries = (unsigned)n;
			break;
		}
		case OPT_MAX_BYTES:
		case OPT_SERVER_BYTES: {
			uint64_t n;
			if (dv_cli_bytes(optarg, 512, DV_PROBE_MAX_BYTES_CEIL, &n) != 0) {
				fprintf(stderr, "dnsvigil check: --%s takes 512 to 128M bytes\n",
				        c == OPT_MAX_BYTES ? "max-bytes" : "server-bytes");
				return bad;
			}
			if (c == OPT_MAX_BYTES)
				o.probe.max_bytes = n;
			else
				o.probe.server_bytes = n;
			break;
		}
		case OPT_MAX_VALIDATIONS: {
			unsigned long n;
			if (dv_cli_uint(optarg, 1, DV_SIG_MAX_PER_RUN_CEIL, &n) != 0) {
				fprintf(stderr, "dnsvigil check: --max-validations takes 1..%u\n",
				        DV_SIG_MAX_PER_RUN_CEIL);
				return bad;
			}
			o.max_validations = n;
			break;
		}
		case '4':
			o.probe.ipv4_only = true;
			break;
		case '6':
			o.probe.ipv6_only = true;
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
		if (run.stage == DV_CHECK_RUN_JUDGE)
			snprintf(
			    err, sizeof(err), "%s%s",
			    co.nagios ? "checks failed: " : "dnsvigil check: ", dv_strerror(ret));
		/* Messages quote the input they refuse: escaped, and one line. */
		char safe[1600];
		dv_text_escape(safe, sizeof(safe), err, co.nagios ? DV_TEXT_PIPE : 0);
		if (co.nagios)
			printf("DNSVIGIL UNKNOWN - %s\n", safe);
		else
			fprintf(stderr, "%s\n", safe);
		goto out;
	}
	if (co.nagios && run.save_failed) {
		/* The one line a plugin has says what failed. */
		char safe[1600];
		printf("DNSVIGIL UNKNOWN - snapshot not saved: %s\n",
		       dv_text_escape(safe, sizeof(safe), run.save_err, DV_TEXT_PIPE));
		status = DV_EXIT_UNKNOWN;
		goto out;
	}
	if (co.nagios) {
		status = dv_report_check_nagios(stdout, run.snap, &run.opts, &run.res);
	} else {
		if (strcmp(co.format, "json") == 0) {
			if (dv_report_check_json(stdout, run.snap, &run.opts, &run.res) != 0) {
				fprintf(stderr, "dnsvigil check: cannot write the report\n");
				goto out;
			}
		} else {
			dv_report_check_text(stdout, run.snap, &run.opts, &run.res);
		}
		status = dv_findings_exit_status(&run.res.findings);
	}
	if (fflush(stdout) != 0)
		status = bad;
	if (run.save_failed) {
		/* The report is printed all the same: the answers are not lost
		 * with the file (issue 10 §13). */
		char safe[1600];
		fprintf(stderr, "dnsvigil check: snapshot not saved: %s\n",
		        dv_text_escape(safe, sizeof(safe), run.save_err, 0));
		if (status < DV_EXIT_ERROR)
			status = DV_EXIT_ERROR;
	}
out:
	dv_check_run_clear(&run);
	return status;
}
