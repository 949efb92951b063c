/* dnsvigil canary: write the zones of deliberately broken names. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "canary/canary.h"
#include "cli/cli.h"
#include "cli/cliutil.h"
#include "core/error.h"

#define MAX_NS_ADDRS 8

static const char usage_text[] =
    "usage: dnsvigil canary --zone NAME --out DIR [options]\n"
    "  -z, --zone NAME      the canary parent zone (e.g. canary.example.)\n"
    "  -o, --out DIR        where the zone files, dsset, zones.list, modes.tsv go\n"
    "  -k, --keys DIR       private keys, kept across runs (default DIR/keys)\n"
    "  -n, --now TIME       sign relative to TIME: YYYYMMDDHHmmSS (UTC) or @UNIX\n"
    "  -a, --ns-addr ADDR   address of ns1.NAME, the server of every canary zone\n"
    "                       (repeatable; default 127.0.0.1)\n"
    "  -t, --ttl SECONDS    TTL of every record (default 30)\n"
    "layout and failure modes: doc/canary.md\n";

static const dv_cli_common_map_t common[] = {
    {'n', DV_CLI_NOW, "now", 0},
    {0, 0, NULL, 0},
};

int dv_cmd_canary(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"zone", required_argument, NULL, 'z'},
	    {"out", required_argument, NULL, 'o'},
	    {"keys", required_argument, NULL, 'k'},
	    {"ns-addr", required_argument, NULL, 'a'},
	    {"ttl", required_argument, NULL, 't'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *ns[MAX_NS_ADDRS];
	size_t nns = 0;
	dv_canary_opts_t opts = {0};
	struct option all[16];
	dv_cli_longopts(longopts, common, all, sizeof(all) / sizeof(all[0]));
	dv_cli_common_t co = {0};
	unsigned long ttl = 30;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "z:o:k:n:a:t:h", all, NULL)) != -1) {
		if (dv_cli_common(&co, "canary", common, c, optarg) != 0)
			continue; /* --now is checked below */
		switch (c) {
		case 'z':
			opts.zone = optarg;
			break;
		case 'o':
			opts.out_dir = optarg;
			break;
		case 'k':
			opts.keys_dir = optarg;
			break;
		case 'a':
			if (nns == MAX_NS_ADDRS) {
				fprintf(stderr, "dnsvigil canary: at most %d --ns-addr\n",
				        MAX_NS_ADDRS);
				return DV_EXIT_ERROR;
			}
			ns[nns++] = optarg;
			break;
		case 't':
			if (dv_cli_uint(optarg, 1, 86400, &ttl) != 0) {
				fprintf(stderr, "dnsvigil canary: bad --ttl '%s'\n", optarg);
				return DV_EXIT_ERROR;
			}
			break;
		case 'h':
			fputs(usage_text, stdout);
			return DV_EXIT_OK;
		default:
			fputs(usage_text, stderr);
			return DV_EXIT_ERROR;
		}
	}
	if (optind != argc || opts.zone == NULL || opts.out_dir == NULL) {
		fputs(usage_text, stderr);
		return DV_EXIT_ERROR;
	}
	if (dv_cli_now(co.now, &opts.now) != 0)
		return DV_EXIT_ERROR;
	if (nns == 0)
		ns[nns++] = "127.0.0.1";
	opts.ns_addrs = ns;
	opts.ns_addr_count = nns;
	opts.ttl = (uint32_t)ttl;
	char err[1024];
	int ret = dv_canary_write(&opts, err, sizeof(err));
	if (ret != 0) {
		fprintf(stderr, "dnsvigil canary: %s\n", err[0] ? err : dv_strerror(ret));
		return DV_EXIT_ERROR;
	}
	printf("wrote %zu zones (%zu failure modes) for %s into %s\n", dv_canary_mode_count + 1,
	       dv_canary_mode_count, opts.zone, opts.out_dir);
	return DV_EXIT_OK;
}
