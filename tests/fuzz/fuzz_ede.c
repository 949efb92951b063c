/* libFuzzer target: the audit's answer parser (header bits, OPT, RFC 8914 EDE). */
#include <stddef.h>
#include <stdint.h>

#include "canary/canary.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	dv_answer_t a = {0};
	dv_audit_parse_answer(data, size, &a);
	/* Invariants: bounded count, NUL-terminated printable text. */
	if (a.ede_count > DV_AUDIT_MAX_EDE)
		__builtin_trap();
	for (size_t i = 0; i < a.ede_count; i++)
		for (size_t k = 0; a.ede[i].text[k] != '\0'; k++)
			if (k >= sizeof(a.ede[i].text) || a.ede[i].text[k] < 0x20 ||
			    a.ede[i].text[k] > 0x7e)
				__builtin_trap();
	return 0;
}
