/* dnsvigil audit: prove that resolvers enforce validation (canary names). */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "canary/canary.h"
#include "cli/cli.h"
#include "cli/cliutil.h"
#include "core/error.h"

static const char usage_text[] =
    "usage: dnsvigil audit --canary NAME [options] ADDRESS...\n"
    "       dnsvigil audit --from FILE [options]\n"
    "  -c, --canary NAME        the canary zone written by 'dnsvigil canary'\n"
    "  -p, --port P             port for addresses without one (default 53)\n"
    "  -t, --timeout MS         per-attempt timeout (default 3000)\n"
    "  -r, --retries N          extra UDP attempts per question (default 1)\n"
    "  -j, --concurrency N      questions in flight overall (default 256)\n"
    "  -f, --format text|json   report format (default text)\n"
    "      --nagios             one Nagios/Icinga plugin line, exit 0/1/2/3\n"
    "  -v, --verbose            text: every EDE code and EXTRA-TEXT per resolver\n"
    "      --save FILE          also write the JSON report (every answer) to FILE\n"
    "      --from FILE          judge a saved JSON report again instead of asking\n"
    "ADDRESS: 192.0.2.1, 192.0.2.1@5353, ::1, [::1]:5353\n"
    "exit status: 0 every resolver validates, 1 warnings, 2 a resolver fails or bad input;\n"
    "--nagios: 0 OK, 1 WARNING (strips AD), 2 CRITICAL (accepts bogus data, unreachable,\n"
    "trust anchor broken), 3 UNKNOWN (the audit could not run or judge)\n";

int dv_cmd_audit(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"canary", required_argument, NULL, 'c'},
	    {"port", required_argument, NULL, 'p'},
	    {"timeout", required_argument, NULL, 't'},
	    {"retries", required_argument, NULL, 'r'},
	    {"concurrency", required_argument, NULL, 'j'},
	    {"format", required_argument, NULL, 'f'},
	    {"nagios", no_argument, NULL, 'N'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"save", required_argument, NULL, 'S'},
	    {"from", required_argument, NULL, 'F'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	dv_audit_opts_t opts = {.port = 53, .retries = -1};
	const char *format = "text", *save = NULL, *from = NULL;
	bool nagios = false, verbose = false;
	unsigned long v;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:p:t:r:j:f:vh", longopts, NULL)) != -1) {
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
		case 'f':
			format = optarg;
			if (dv_cli_format("audit", format) != 0)
				goto bad;
			break;
		case 'N':
			nagios = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'S':
			save = optarg;
			break;
		case 'F':
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
	if (from == NULL && (opts.canary == NULL || optind >= argc)) {
		if (nagios) {
			printf("DNSVIGIL AUDIT UNKNOWN - need --canary and at least one address\n");
			return DV_EXIT_UNKNOWN;
		}
		fputs(usage_text, stderr);
		return DV_EXIT_ERROR;
	}
	dv_audit_t audit;
	char err[512];
	int ret;
	if (from != NULL)
		ret = dv_audit_load(from, &audit, err, sizeof(err));
	else
		ret = dv_audit_run(&opts, (const char *const *)argv + optind,
		                   (size_t)(argc - optind), &audit, err, sizeof(err));
	if (ret != 0) {
		if (nagios) {
			printf("DNSVIGIL AUDIT UNKNOWN - %s\n", err[0] ? err : dv_strerror(ret));
			return DV_EXIT_UNKNOWN;
		}
		fprintf(stderr, "dnsvigil audit: %s\n", err[0] ? err : dv_strerror(ret));
		return DV_EXIT_ERROR;
	}
	if (save != NULL) {
		FILE *f = fopen(save, "w");
		if (f == NULL || (dv_audit_print_json(&audit, f), fclose(f)) != 0) {
			fprintf(stderr, "dnsvigil audit: cannot write %s\n", save);
			dv_audit_clear(&audit);
			return nagios ? DV_EXIT_UNKNOWN : DV_EXIT_ERROR;
		}
	}
	int status;
	if (nagios)
		status = dv_audit_print_nagios(&audit, stdout);
	else if (strcmp(format, "json") == 0)
		status = dv_audit_print_json(&audit, stdout);
	else
		status = dv_audit_print_text(&audit, verbose, stdout);
	dv_audit_clear(&audit);
	return status;
bad:
	if (nagios) {
		printf("DNSVIGIL AUDIT UNKNOWN - bad option value '%s'\n", optarg);
		return DV_EXIT_UNKNOWN;
	}
	fprintf(stderr, "dnsvigil audit: bad value '%s'\n%s", optarg, usage_text);
	return DV_EXIT_ERROR;
}
