/* libFuzzer target: the audit's answer parser (header bits, OPT, RFC 8914
 * EDE, the answer section and its RRSIG window). */
#include <stddef.h>
#include <stdint.h>

#include "checks/audit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The question of the seeds: "x." A (looked for when the ID is odd). */
	static const uint8_t qname[] = {1, 'x', 0};
	dv_answer_t a = {0};
	dv_audit_parse_answer(data, size, size > 1 && (data[1] & 1) ? qname : NULL, 1, 1795392000,
	                      &a);
	/* Invariants: bounded count, NUL-terminated printable text, a window only
	 * with a signature, data only for a message that parsed. */
	if (a.ede_count > DV_AUDIT_MAX_EDE)
		__builtin_trap();
	for (size_t i = 0; i < a.ede_count; i++)
		for (size_t k = 0; a.ede[i].text[k] != '\0'; k++)
			if (k >= sizeof(a.ede[i].text) || a.ede[i].text[k] < 0x20 ||
			    a.ede[i].text[k] > 0x7e)
				__builtin_trap();
	if ((!a.have_sig && (a.sig_inception != 0 || a.sig_expiration != 0)) ||
	    (a.data && a.status != 0))
		__builtin_trap();
	return 0;
}
