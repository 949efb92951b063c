/* dnsvigil findings: the finding codes, one explained, or the reference page. */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cliutil.h"
#include "core/error.h"
#include "findings/findings.h"
#include "report/report.h"

static const char usage_text[] =
    "usage: dnsvigil findings [--format text|json] [CODE...]\n"
    "       dnsvigil findings --markdown\n"
    "  CODE                     explain these codes (any case): severity, title,\n"
    "                           explanation and what to do; without CODE, list every one\n"
    "  -f, --format text|json   output format (default text)\n"
    "      --markdown           the reference page (doc/findings.md)\n"
    "exit status: 0 printed, 3 an unknown CODE or bad usage\n";

enum { OPT_MARKDOWN = 256 };

static json_t *code_json(dv_code_t c)
{
	json_t *o = json_object();
	json_object_set_new(o, "code", json_string(dv_code_name(c)));
	json_object_set_new(o, "severity", json_string(dv_severity_name(dv_code_severity(c))));
	json_object_set_new(o, "title", json_string(dv_code_title(c)));
	json_object_set_new(o, "explanation", json_string(dv_code_explanation(c)));
	json_object_set_new(o, "remediation", json_string(dv_code_remediation(c)));
	return o;
}

int dv_cmd_findings(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"format", required_argument, NULL, 'f'},
	    {"markdown", no_argument, NULL, OPT_MARKDOWN},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	dv_cli_t cli = {.cmd = "findings", .usage = usage_text};
	dv_cli_begin(&cli, argc, argv);
	bool markdown = false, json = false;
	int c;
	optind = 1;
	while ((c = dv_cli_getopt(&cli, argc, argv, "f:h", longopts)) != -1) {
		switch (c) {
		case DV_CLI_BAD:
			return DV_EXIT_UNKNOWN;
		case 'f':
			if (strcmp(optarg, "text") != 0 && strcmp(optarg, "json") != 0)
				return dv_cli_usage(&cli, "--format '%s': text or json", optarg);
			json = strcmp(optarg, "json") == 0;
			break;
		case OPT_MARKDOWN:
			markdown = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return DV_EXIT_OK;
		}
	}
	if (markdown) {
		if (optind < argc || json)
			return dv_cli_usage(&cli,
			                    "--markdown writes the whole reference: no CODE, no "
			                    "--format");
		dv_findings_write_markdown(stdout);
		return fflush(stdout) == 0 ? DV_EXIT_OK : DV_EXIT_UNKNOWN;
	}
	/* The codes asked for, in the order given; none: every one. */
	dv_code_t want[DV_F_COUNT];
	size_t n = 0;
	for (int i = optind; i < argc; i++) {
		char up[64];
		size_t k = 0;
		for (; argv[i][k] != '\0' && k + 1 < sizeof(up); k++)
			up[k] = (char)toupper((unsigned char)argv[i][k]);
		up[k] = '\0';
		dv_code_t code;
		if (dv_code_from_name(up, &code) != DV_OK)
			return dv_cli_usage(&cli,
			                    "no finding code '%s' ('dnsvigil findings' lists "
			                    "them)",
			                    argv[i]);
		if (n < DV_F_COUNT)
			want[n++] = code;
	}
	bool all = n == 0;
	if (all)
		for (int i = 0; i < DV_F_COUNT; i++)
			want[n++] = (dv_code_t)i;
	if (json) {
		json_t *o = json_object();
		dv_report_envelope_set(o, "findings", NULL, "ok");
		json_object_set_new(o, "summary", dv_report_summary_json(NULL));
		json_object_set_new(o, "findings", json_array());
		json_t *codes = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(codes, code_json(want[i]));
		json_object_set_new(o, "codes", codes);
		int r = dv_json_write(stdout, o);
		json_decref(o);
		return r == 0 && fflush(stdout) == 0 ? DV_EXIT_OK : DV_EXIT_UNKNOWN;
	}
	for (size_t i = 0; i < n; i++) {
		dv_code_t code = want[i];
		if (all) {
			printf("%-30s %-8s %s\n", dv_code_name(code),
			       dv_severity_name(dv_code_severity(code)), dv_code_title(code));
			continue;
		}
		printf("%s%s (%s): %s\n  %s\n  fix: %s\n", i ? "\n" : "", dv_code_name(code),
		       dv_severity_name(dv_code_severity(code)), dv_code_title(code),
		       dv_code_explanation(code), dv_code_remediation(code));
	}
	return fflush(stdout) == 0 ? DV_EXIT_OK : DV_EXIT_UNKNOWN;
}
