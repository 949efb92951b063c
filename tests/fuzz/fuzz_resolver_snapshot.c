/* libFuzzer target: the resolver snapshot reader (dv_resolver_snapshot_load_mem),
 * then the audit's judge and every report on whatever it accepted.
 * Invariants: what the reader accepts it writes back to text that it reads
 * again into the same text; every resolver gets a verdict with a name. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/audit.h"
#include "report/audit.h"
#include "snapshot/resolver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *to_text(const dv_resolver_snapshot_t *s, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	if (f == NULL)
		__builtin_trap();
	if (dv_resolver_snapshot_write(s, f) != 0)
		__builtin_trap();
	fclose(f);
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	dv_resolver_snapshot_t *s = NULL, *again = NULL;
	char err[512];
	if (dv_resolver_snapshot_load_mem((const char *)data, size, "fuzz", &s, err, sizeof(err)) !=
	    0) {
		if (s != NULL || err[0] == '\0')
			__builtin_trap(); /* a refusal always says why and returns nothing */
		return 0;
	}
	size_t len1, len2;
	char *t1 = to_text(s, &len1);
	if (dv_resolver_snapshot_load_mem(t1, len1, "again", &again, err, sizeof(err)) != 0)
		__builtin_trap();
	char *t2 = to_text(again, &len2);
	if (len1 != len2 || memcmp(t1, t2, len1) != 0)
		__builtin_trap();

	dv_audit_result_t res;
	if (dv_audit_judge(s, s->time, &res) == 0) {
		if (res.len != s->nresolvers)
			__builtin_trap();
		for (size_t r = 0; r < res.len; r++)
			if (strcmp(dv_verdict_name(res.v[r].verdict), "?") == 0)
				__builtin_trap();
		FILE *null = fopen("/dev/null", "w");
		if (null != NULL) {
			dv_report_audit_text(null, &res, true);
			dv_report_audit_nagios(null, &res);
			fclose(null);
		}
		json_decref(dv_report_audit_json(&res));
		dv_audit_result_clear(&res);
	}
	free(t1);
	free(t2);
	dv_resolver_snapshot_free(again);
	dv_resolver_snapshot_free(s);
	return 0;
}
