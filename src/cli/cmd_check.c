/* dnsvigil check: walk the chain of trust live and compare every server. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "checks/live.h"
#include "cli/cli.h"
#include "cli/cliutil.h"
#include "core/error.h"
#include "probe/probe.h"
#include "report/check.h"
#include "report/report.h"
#include "snapshot/snapshot.h"

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
    "exit status: 0 clean, 1 warnings only, 2 errors or bad input;\n"
    "with --nagios 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (the check could not run)\n";

enum { OPT_NAGIOS = 256, OPT_FROM };

/* DAYS, or a duration with a unit (dv_cli_duration). */
static int parse_days(const char *s, int64_t *out)
{
	unsigned long d;
	if (dv_cli_uint(s, 0, 100000, &d) == 0) {
		*out = (int64_t)d * 86400;
		return 0;
	}
	return dv_cli_duration(s, out);
}

int dv_cmd_check(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"root-hints", required_argument, NULL, 'r'},
	    {"trust-anchor", required_argument, NULL, 't'},
	    {"now", required_argument, NULL, 'n'},
	    {"warn", required_argument, NULL, 'w'},
	    {"crit", required_argument, NULL, 'c'},
	    {"format", required_argument, NULL, 'f'},
	    {"nagios", no_argument, NULL, OPT_NAGIOS},
	    {"save", required_argument, NULL, 's'},
	    {"from", required_argument, NULL, OPT_FROM},
	    {"timeout", required_argument, NULL, 'T'},
	    {"retries", required_argument, NULL, 'R'},
	    {"port", required_argument, NULL, 'p'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	dv_probe_opts_t popts = {.root_hints = "/usr/share/dns/root.hints",
	                         .trust_anchor = "/usr/share/dns/root.ds",
	                         .timeout_ms = 1000,
	                         .retries = 1};
	const char *now_s = NULL, *format = "text", *save = NULL, *from = NULL;
	dv_live_opts_t lopts = {.warn_secs = 7 * 86400, .crit_secs = 1 * 86400};
	bool nagios = false;
	unsigned long ul;
	int c;
	optind = 1;
	/* Bad usage: exit 2, or UNKNOWN for a plugin. */
	int bad = DV_EXIT_ERROR;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--nagios") == 0)
			bad = DV_EXIT_UNKNOWN;
	while ((c = getopt_long(argc, argv, "r:t:n:w:c:f:s:T:R:p:46h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			popts.root_hints = optarg;
			break;
		case 't':
			popts.trust_anchor = optarg;
			break;
		case 'n':
			now_s = optarg;
			break;
		case 'w':
		case 'c':
			if (parse_days(optarg, c == 'w' ? &lopts.warn_secs : &lopts.crit_secs) !=
			    0) {
				fprintf(stderr, "dnsvigil check: bad --%s '%s'\n",
				        c == 'w' ? "warn" : "crit", optarg);
				return bad;
			}
			break;
		case 'f':
			if (dv_cli_format("check", optarg) != 0)
				return bad;
			format = optarg;
			break;
		case OPT_NAGIOS:
			nagios = true;
			break;
		case 's':
			save = optarg;
			break;
		case OPT_FROM:
			from = optarg;
			break;
		case 'T':
			if (dv_cli_uint(optarg, 10, 60000, &ul) != 0) {
				fprintf(stderr, "dnsvigil check: --timeout takes 10..60000 ms\n");
				return bad;
			}
			popts.timeout_ms = (unsigned)ul;
			break;
		case 'R':
			if (dv_cli_uint(optarg, 0, 10, &ul) != 0) {
				fprintf(stderr, "dnsvigil check: --retries takes 0..10\n");
				return bad;
			}
			popts.retries = (int)ul;
			break;
		case 'p':
			if (dv_cli_uint(optarg, 1, 65535, &ul) != 0) {
				fprintf(stderr, "dnsvigil check: --port takes 1..65535\n");
				return bad;
			}
			popts.port = (uint16_t)ul;
			break;
		case '4':
			popts.ipv4_only = true;
			break;
		case '6':
			popts.ipv6_only = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return DV_EXIT_OK;
		default:
			fputs(usage_text, stderr);
			return bad;
		}
	}
	if (popts.ipv4_only && popts.ipv6_only) {
		fprintf(stderr, "dnsvigil check: -4 and -6 exclude each other\n");
		return bad;
	}
	if ((from == NULL) == (optind >= argc)) {
		fprintf(stderr, from ? "dnsvigil check: --from takes no DOMAIN\n"
		                     : "dnsvigil check: no DOMAIN given\n");
		fputs(usage_text, stderr);
		return bad;
	}
	if (lopts.crit_secs > lopts.warn_secs) {
		fprintf(stderr, "dnsvigil check: --crit exceeds --warn\n");
		return bad;
	}

	char err[1400];
	dv_snapshot_t *snap = NULL;
	int r;
	if (from != NULL)
		r = dv_snapshot_load(from, &snap, err, sizeof(err));
	else
		r = dv_probe_run(&popts, argv + optind, (size_t)(argc - optind), &snap, err,
		                 sizeof(err));
	if (r != DV_OK) {
		if (nagios)
			printf("DNSVIGIL UNKNOWN - %s\n", err);
		else
			fprintf(stderr, "%s\n", err);
		return bad;
	}
	int status = bad;
	dv_live_result_t res = {0};
	if (save != NULL && dv_snapshot_save(snap, save) != DV_OK) {
		if (nagios)
			printf("DNSVIGIL UNKNOWN - %s: cannot write the snapshot\n", save);
		else
			fprintf(stderr, "%s: cannot write the snapshot\n", save);
		goto out;
	}
	/* Time is an input: by default the probe's own time, so --from repeats the verdict. */
	lopts.now = snap->time;
	if (now_s != NULL && dv_cli_now(now_s, &lopts.now) != 0)
		goto out;
	if ((r = dv_live_check(snap, &lopts, &res)) != DV_OK) {
		if (nagios)
			printf("DNSVIGIL UNKNOWN - checks failed: %s\n", dv_strerror(r));
		else
			fprintf(stderr, "dnsvigil check: %s\n", dv_strerror(r));
		goto out;
	}
	if (nagios) {
		status = dv_report_check_nagios(stdout, snap, &lopts, &res);
	} else {
		if (strcmp(format, "json") == 0) {
			if (dv_report_check_json(stdout, snap, &lopts, &res) != 0) {
				fprintf(stderr, "dnsvigil check: cannot write the report\n");
				goto out;
			}
		} else {
			dv_report_check_text(stdout, snap, &lopts, &res);
		}
		status = dv_findings_exit_status(&res.findings);
	}
	if (fflush(stdout) != 0)
		status = bad;
out:
	dv_live_result_free(&res);
	dv_snapshot_free(snap);
	return status;
}
