/* libFuzzer target: the C2SP signed-note, checkpoint and vkey parsers, and
 * the note verifier.  Invariants: a parsed checkpoint formats back to the
 * same text when it has no extension lines; a verdict is one of three. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/ledger.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static tlog_note_t n;
	static const char vkey[] =
	    "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
	const char *s = (const char *)data;
	tlog_vkey_t k[2];
	tlog_vkey_parse(vkey, strlen(vkey), &k[0]);
	if (tlog_vkey_parse(s, size, &k[1]) == 0) {
		char back[600];
		size_t bl = tlog_vkey_format(&k[1], back, sizeof(back));
		if (bl != size || memcmp(back, s, size) != 0)
			abort(); /* a vkey has one spelling */
	}
	if (tlog_note_parse(s, size, &n) != 0)
		return 0;
	if (n.text_len == 0 || n.text[n.text_len - 1] != '\n' || n.nsig == 0)
		abort();
	enum tlog_note_verdict v = tlog_note_verify(&n, k, 2, NULL, NULL);
	if (v != TLOG_NOTE_VERIFIED && v != TLOG_NOTE_NO_KEY && v != TLOG_NOTE_BAD_SIG)
		abort();
	tlog_checkpoint_t cp;
	if (tlog_checkpoint_parse(n.text, n.text_len, &cp) == 0 && cp.extensions == 0) {
		char back[TLOG_NAME_MAX + 128];
		size_t bl = tlog_checkpoint_format(cp.origin, cp.size, cp.root, back, sizeof(back));
		if (bl != n.text_len || memcmp(back, n.text, bl) != 0)
			abort(); /* a checkpoint body has one spelling */
	}
	return 0;
}
