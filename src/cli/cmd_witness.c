/* dnsvigil witness: cosign other logs' checkpoints (C2SP tlog-witness). */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cliutil.h"
#include "core/error.h"
#include "ledger/ledger.h"

static const char usage_text[] =
    "usage: dnsvigil witness --listen ADDR:PORT --key FILE --state FILE --trust ORIGIN=VKEY...\n"
    "       dnsvigil witness --new-key NAME --key FILE\n"
    "  -l, --listen ADDR:PORT   where to serve add-checkpoint ([ADDR]:PORT for IPv6;\n"
    "                           port 0: any, the bound port is printed)\n"
    "  -k, --key FILE           the witness's cosigner key (mode 0600)\n"
    "      --state FILE         SQLite file with the latest size and root per origin\n"
    "      --trust ORIGIN=VKEY  cosign checkpoints of ORIGIN signed by VKEY (a vkey or a\n"
    "                           file holding one); repeat for each log\n"
    "      --max-connections N  concurrent connections (default 64)\n"
    "      --new-key NAME       create the key file FILE for the witness NAME, print its vkey\n"
    "exit status: 0 stopped by SIGTERM/SIGINT (or the key written), 3 could not start\n"
    "(bad usage, an unreadable key or state)\n";

enum { OPT_NEW_KEY = 256, OPT_MAX_CONN, OPT_STATE, OPT_TRUST };

#define TRUST_MAX 256

int dv_cmd_witness(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"listen", required_argument, NULL, 'l'},
	    {"key", required_argument, NULL, 'k'},
	    {"state", required_argument, NULL, OPT_STATE},
	    {"trust", required_argument, NULL, OPT_TRUST},
	    {"max-connections", required_argument, NULL, OPT_MAX_CONN},
	    {"new-key", required_argument, NULL, OPT_NEW_KEY},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	ledger_witness_opts_t wo = {.log_requests = true};
	static ledger_trust_t trust[TRUST_MAX];
	char *origins[TRUST_MAX];
	const char *new_key = NULL;
	char err[512] = "";
	unsigned long ul;
	int c, status = DV_EXIT_UNKNOWN;
	optind = 1;
	dv_cli_t cli = {.cmd = "witness", .usage = usage_text};
	while ((c = dv_cli_getopt(&cli, argc, argv, "l:k:h", longopts)) != -1) {
		switch (c) {
		case DV_CLI_BAD:
			goto out;
		case 'l':
			wo.listen = optarg;
			break;
		case 'k':
			wo.key_file = optarg;
			break;
		case OPT_STATE:
			wo.state_file = optarg;
			break;
		case OPT_TRUST: {
			const char *eq = strchr(optarg, '=');
			if (eq == NULL || eq == optarg || wo.ntrust == TRUST_MAX) {
				dv_cli_usage(&cli,
				             "--trust '%s': ORIGIN=VKEY is needed (at most %d)",
				             optarg, TRUST_MAX);
				goto out;
			}
			if (ledger_vkey_load(eq + 1, &trust[wo.ntrust].key, err, sizeof(err)) !=
			    DV_OK) {
				dv_cli_usage(&cli, "--trust: %s", err);
				goto out;
			}
			origins[wo.ntrust] = strndup(optarg, (size_t)(eq - optarg));
			if (origins[wo.ntrust] == NULL)
				goto out;
			trust[wo.ntrust].origin = origins[wo.ntrust];
			wo.ntrust++;
			break;
		}
		case OPT_MAX_CONN:
			if (dv_cli_number(&cli, "--max-connections", optarg, 1, 10000, &ul) != 0)
				goto out;
			wo.max_connections = (unsigned)ul;
			break;
		case OPT_NEW_KEY:
			new_key = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			status = DV_EXIT_OK;
			goto out;
		}
	}
	if (optind < argc) {
		dv_cli_usage(&cli, "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	if (wo.key_file == NULL) {
		dv_cli_usage(&cli, "--key FILE is required");
		goto out;
	}
	if (new_key != NULL) {
		ledger_key_t k;
		char vk[512];
		if (ledger_key_generate(wo.key_file, NULL, new_key, TLOG_SIGTYPE_COSIGNATURE, &k,
		                        err, sizeof(err)) != DV_OK) {
			fprintf(stderr, "dnsvigil witness: %s\n", err);
			goto out;
		}
		tlog_vkey_format(&k.vkey, vk, sizeof(vk));
		ledger_key_clear(&k);
		printf("%s\n", vk);
		status = DV_EXIT_OK;
		goto out;
	}
	wo.trust = trust;
	if (wo.listen == NULL || wo.state_file == NULL || wo.ntrust == 0) {
		dv_cli_usage(&cli, "%s is required",
		             wo.listen == NULL       ? "--listen ADDR:PORT"
		             : wo.state_file == NULL ? "--state FILE"
		                                     : "--trust ORIGIN=VKEY");
		goto out;
	}
	/* Block the stop signals before the server thread starts, so that
	 * only sigwait sees them. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	ledger_witness_server_t *w = NULL;
	if (ledger_witness_start(&wo, &w, err, sizeof(err)) != DV_OK) {
		fprintf(stderr, "dnsvigil witness: %s\n", err);
		goto out;
	}
	fprintf(stderr, "dnsvigil witness: listening on port %u as %s\n", ledger_witness_port(w),
	        ledger_witness_vkey(w));
	int sig = 0;
	sigwait(&set, &sig);
	ledger_witness_stop(w);
	status = DV_EXIT_OK;
out:
	for (size_t i = 0; i < wo.ntrust; i++)
		free(origins[i]);
	return status;
}
