/* dnsvigil findings: the finding codes, or the generated reference page. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "findings/findings.h"

int dv_cmd_findings(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--markdown") == 0) {
		dv_findings_write_markdown(stdout);
		return DV_EXIT_OK;
	}
	if (argc != 1) {
		fprintf(stderr, "usage: dnsvigil findings [--markdown]\n");
		return DV_EXIT_ERROR;
	}
	for (int i = 0; i < DV_F_COUNT; i++)
		printf("%-30s %-8s %s\n", dv_code_name((dv_code_t)i),
		       dv_severity_name(dv_code_severity((dv_code_t)i)),
		       dv_code_title((dv_code_t)i));
	return DV_EXIT_OK;
}
