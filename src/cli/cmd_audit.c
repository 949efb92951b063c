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
    "  -c, --canary NAME        the canary zone written by 'dnsvigil canary'\n"
    "  -p, --port P             port for addresses without one (default 53)\n"
    "  -t, --timeout MS         per-attempt timeout (default 3000)\n"
    "  -r, --retries N          extra UDP attempts per question (default 1)\n"
    "  -j, --concurrency N      questions in flight overall (default 256)\n"
    "  -n, --now TIME           judge the canary's signatures at TIME: YYYYMMDDHHmmSS\n"
    "                           (UTC) or @UNIX (default: the time of the probe, also\n"
    "                           for --from)\n"
    "  -f, --format text|json   report format (default text)\n"
    "      --nagios             one Nagios/Icinga plugin line, exit 0/1/2/3\n"
    "  -v, --verbose            text: every EDE code and EXTRA-TEXT per resolver\n"
    "      --save FILE          also save every answer (a resolver snapshot) to FILE\n"
    "      --from FILE          judge a saved snapshot again instead of asking\n"
    "      --deadline DUR       the whole audit (default 120s; ms/s/m suffix)\n"
    "      --server-bytes N     answer bytes per resolver (default 4M; k/M suffix)\n"
    "      --server-time DUR    waiting on one resolver, summed (default 60s)\n"
    "ADDRESS: 192.0.2.1, 192.0.2.1@5353, ::1, [::1]:5353 (at most 256)\n"
    "exit status (and with --nagios): 0 OK, every resolver validates; 1 WARNING, a\n"
    "resolver strips AD; 2 CRITICAL, a resolver accepts bogus data (also only without\n"
    "DO, or permissively), is no resolver, is unreachable or has a broken trust\n"
    "anchor, or bad input; 3 UNKNOWN, a resolver could not be judged (canary not\n"
    "found or expired, questions unanswered) or, with --nagios, the audit could not run\n";

enum { OPT_NAGIOS = 256, OPT_SAVE, OPT_FROM, OPT_DEADLINE, OPT_SERVER_BYTES, OPT_SERVER_TIME };

int dv_cmd_audit(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"canary", required_argument, NULL, 'c'},
	    {"port", required_argument, NULL, 'p'},
	    {"timeout", required_argument, NULL, 't'},
	    {"retries", required_argument, NULL, 'r'},
	    {"concurrency", required_argument, NULL, 'j'},
	    {"now", required_argument, NULL, 'n'},
	    {"format", required_argument, NULL, 'f'},
	    {"nagios", no_argument, NULL, OPT_NAGIOS},
	    {"verbose", no_argument, NULL, 'v'},
	    {"save", required_argument, NULL, OPT_SAVE},
	    {"from", required_argument, NULL, OPT_FROM},
	    {"deadline", required_argument, NULL, OPT_DEADLINE},
	    {"server-bytes", required_argument, NULL, OPT_SERVER_BYTES},
	    {"server-time", required_argument, NULL, OPT_SERVER_TIME},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	dv_resolver_probe_opts_t opts = {.port = 53, .retries = -1};
	const char *format = "text", *save = NULL, *from = NULL, *now_s = NULL;
	bool nagios = false, verbose = false;
	unsigned long v;
	int c;
	optind = 1;
	/* Bad usage: exit 2, or UNKNOWN with its one line for a plugin. */
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--nagios") == 0)
			nagios = true;
	while ((c = getopt_long(argc, argv, "c:p:t:r:j:n:f:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			opts.canary = optarg;
			break;
		case 'p':
			if (dv_cli_uint(optarg, 1, 65535, &v) != 0)
				goto bad;
			opts.port = (uint16_t)v;
			break;
		case 't':
			if (dv_cli_uint(optarg, 10, 60000, &v) != 0)
				goto bad;
			opts.timeout_ms = (unsigned)v;
			break;
		case 'r':
			if (dv_cli_uint(optarg, 0, 10, &v) != 0)
				goto bad;
			opts.retries = (int)v;
			break;
		case 'j':
			if (dv_cli_uint(optarg, 1, 65536, &v) != 0)
				goto bad;
			opts.max_inflight = (unsigned)v;
			break;
		case OPT_DEADLINE:
		case OPT_SERVER_TIME: {
			uint64_t ms;
			if (dv_cli_millis(optarg, 1, 3600000, &ms) != 0)
				goto bad;
			if (c == OPT_DEADLINE)
				opts.deadline_ms = (unsigned)ms;
			else
				opts.server_ms = (unsigned)ms;
			break;
		}
		case OPT_SERVER_BYTES:
			if (dv_cli_bytes(optarg, 512, 128u << 20, &opts.server_bytes) != 0)
				goto bad;
			break;
		case 'n':
			now_s = optarg;
			break;
		case 'f':
			format = optarg;
			if (dv_cli_format("audit", format) != 0)
				goto bad;
			break;
		case OPT_NAGIOS:
			break;
		case 'v':
			verbose = true;
			break;
		case OPT_SAVE:
			save = optarg;
			break;
		case OPT_FROM:
			from = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return DV_EXIT_OK;
		default:
			fputs(usage_text, stderr);
			return nagios ? DV_EXIT_UNKNOWN : DV_EXIT_ERROR;
		}
	}
	const char *misuse = NULL;
	if (from != NULL && optind < argc)
		misuse = "--from takes no ADDRESS: the snapshot names its resolvers";
	else if (from != NULL && opts.canary != NULL)
		misuse = "--from takes no --canary: the snapshot names its canary";
	else if (from == NULL && (opts.canary == NULL || optind >= argc))
		misuse = "need --canary and at least one address";
	if (misuse != NULL) {
		if (nagios) {
			printf("DNSVIGIL AUDIT UNKNOWN - %s\n", misuse);
			return DV_EXIT_UNKNOWN;
		}
		fprintf(stderr, "dnsvigil audit: %s\n%s", misuse, usage_text);
		return DV_EXIT_ERROR;
	}

	dv_resolver_snapshot_t *snap = NULL;
	dv_audit_result_t res = {0};
	char err[1024];
	int status = nagios ? DV_EXIT_UNKNOWN : DV_EXIT_ERROR, ret;
	if (from != NULL)
		ret = dv_resolver_snapshot_load(from, &snap, err, sizeof(err));
	else
		ret = dv_resolver_probe_run(&opts, (const char *const *)argv + optind,
		                            (size_t)(argc - optind), &snap, err, sizeof(err));
	if (ret != 0) {
		if (nagios)
			printf("DNSVIGIL AUDIT UNKNOWN - %s\n", err[0] ? err : dv_strerror(ret));
		else
			fprintf(stderr, "dnsvigil audit: %s\n", err[0] ? err : dv_strerror(ret));
		return status;
	}
	bool save_failed = false;
	if (save != NULL && dv_resolver_snapshot_save(snap, save, err, sizeof(err)) != DV_OK) {
		if (nagios) {
			printf("DNSVIGIL AUDIT UNKNOWN - %s\n", err);
			goto out;
		}
		/* The report is still printed: the answers are not lost with the file. */
		fprintf(stderr, "dnsvigil audit: %s\n", err);
		save_failed = true;
	}
	/* Time is an input: by default the probe's own, so --from repeats the verdict. */
	int64_t now = snap->time;
	if (now_s != NULL && dv_cli_now(now_s, &now) != 0) {
		if (nagios)
			printf("DNSVIGIL AUDIT UNKNOWN - bad --now '%s'\n", now_s);
		goto out;
	}
	if ((ret = dv_audit_judge(snap, now, &res)) != DV_OK) {
		if (nagios)
			printf("DNSVIGIL AUDIT UNKNOWN - %s\n", dv_strerror(ret));
		else
			fprintf(stderr, "dnsvigil audit: %s\n", dv_strerror(ret));
		goto out;
	}
	int judged = dv_audit_exit_status(&res), written = 0;
	if (nagios) {
		dv_report_audit_nagios(stdout, &res);
	} else if (strcmp(format, "json") == 0) {
		json_t *j = dv_report_audit_json(&res);
		written = dv_json_write(stdout, j);
		json_decref(j);
	} else {
		dv_report_audit_text(stdout, &res, verbose);
	}
	/* A report that did not reach its reader is a failure (issue 10 §4). */
	if (written != 0 || fflush(stdout) != 0 || ferror(stdout)) {
		if (!nagios)
			fprintf(stderr, "dnsvigil audit: cannot write the report\n");
		goto out;
	}
	status = save_failed && judged < DV_EXIT_ERROR ? DV_EXIT_ERROR : judged;
out:
	dv_audit_result_clear(&res);
	dv_resolver_snapshot_free(snap);
	return status;
bad:
	if (nagios) {
		printf("DNSVIGIL AUDIT UNKNOWN - bad option value '%s'\n", optarg);
		return DV_EXIT_UNKNOWN;
	}
	fprintf(stderr, "dnsvigil audit: bad value '%s'\n%s", optarg, usage_text);
	return DV_EXIT_ERROR;
}
