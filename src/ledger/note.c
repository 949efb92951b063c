/* C2SP signed-note, vkeys, tlog-checkpoint and tlog-cosignature. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "ledger/tlog.h"

#define EM_DASH     "\xe2\x80\x94" /* U+2014, starts every signature line */
#define EM_DASH_LEN 3

/* ---- base64 ------------------------------------------------------------ */

size_t tlog_b64_encode(const uint8_t *in, size_t len, char *out, size_t cap)
{
	size_t need = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	if (cap < need)
		return 0;
	sodium_bin2base64(out, cap, in, len, sodium_base64_VARIANT_ORIGINAL);
	return need - 1;
}

int tlog_b64_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *outlen)
{
	size_t n = 0;
	const char *end = NULL;
	if (len == 0 || len % 4 != 0 || len / 4 * 3 > cap + 2)
		return DV_EPARSE;
	/* The alphabet by hand: libsodium 1.0.18 decodes some bytes ≥ 0x80 as
	 * if they were base64 characters (found by fuzz_note).  '=' only as
	 * the last one or two characters. */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		             (c >= '0' && c <= '9') || c == '+' || c == '/';
		if (!alpha && !(c == '=' && i >= len - 2 && (i == len - 1 || in[len - 1] == '=')))
			return DV_EPARSE;
	}
	/* libsodium refuses missing padding and non-zero stray bits in the
	 * last character: one encoding only. */
	if (sodium_base642bin(out, cap, in, len, NULL, &n, &end, sodium_base64_VARIANT_ORIGINAL) !=
	        0 ||
	    end != in + len)
		return DV_EPARSE;
	*outlen = n;
	return DV_OK;
}

/* ---- names and keys ---------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (≤ n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	if (s[0] < 0x80)
		return 1;
	size_t len;
	uint32_t cp;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and beyond U+10FFFF are not UTF-8. */
	static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
	if (cp < min[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* Unicode spaces a key name must not hold (C2SP signed-note "Format"),
 * beyond ASCII: U+0085, U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029,
 * U+202F, U+205F, U+3000. */
static bool is_unicode_space(const unsigned char *s, size_t len)
{
	if (len == 2)
		return s[0] == 0xc2 && (s[1] == 0x85 || s[1] == 0xa0);
	if (len != 3)
		return false;
	uint32_t cp = (uint32_t)(s[0] & 0x0f) << 12 | (uint32_t)(s[1] & 0x3f) << 6 | (s[2] & 0x3f);
	return cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 ||
	       cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

bool tlog_name_valid(const char *name, size_t len)
{
	if (len == 0 || len > TLOG_NAME_MAX)
		return false;
	const unsigned char *s = (const unsigned char *)name;
	for (size_t i = 0; i < len;) {
		size_t l = utf8_len(s + i, len - i);
		if (l == 0 || s[i] <= 0x20 || s[i] == 0x7f || s[i] == '+' ||
		    is_unicode_space(s + i, l))
			return false;
		i += l;
	}
	return true;
}

uint32_t tlog_key_id(const char *name, uint8_t type, const uint8_t pub[32])
{
	crypto_hash_sha256_state st;
	uint8_t h[32];
	const uint8_t sep[2] = {'\n', type};
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)name, strlen(name));
	crypto_hash_sha256_update(&st, sep, 2);
	crypto_hash_sha256_update(&st, pub, 32);
	crypto_hash_sha256_final(&st, h);
	return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
}

int tlog_vkey_parse(const char *s, size_t len, tlog_vkey_t *out)
{
	memset(out, 0, sizeof(*out));
	const char *p1 = memchr(s, '+', len);
	if (p1 == NULL)
		return DV_EPARSE;
	size_t nlen = (size_t)(p1 - s);
	const char *p2 = memchr(p1 + 1, '+', len - nlen - 1);
	if (p2 == NULL || p2 - p1 != 9 || !tlog_name_valid(s, nlen))
		return DV_EPARSE;
	uint32_t id = 0;
	for (int i = 1; i <= 8; i++) {
		char c = p1[i];
		int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (v < 0)
			return DV_EPARSE;
		id = id << 4 | (uint32_t)v;
	}
	uint8_t key[64];
	size_t klen = 0;
	if (tlog_b64_decode(p2 + 1, len - (size_t)(p2 + 1 - s), key, sizeof(key), &klen) != 0)
		return DV_EPARSE;
	if (klen != 33)
		return DV_ENOTSUP;
	if (key[0] != TLOG_SIGTYPE_ED25519 && key[0] != TLOG_SIGTYPE_COSIGNATURE)
		return DV_ENOTSUP;
	memcpy(out->name, s, nlen);
	out->type = key[0];
	memcpy(out->pub, key + 1, 32);
	out->id = id;
	if (tlog_key_id(out->name, out->type, out->pub) != id)
		return DV_EPARSE;
	return DV_OK;
}

size_t tlog_vkey_format(const tlog_vkey_t *k, char *out, size_t cap)
{
	uint8_t key[33];
	char b64[64];
	key[0] = k->type;
	memcpy(key + 1, k->pub, 32);
	if (tlog_b64_encode(key, sizeof(key), b64, sizeof(b64)) == 0)
		return 0;
	int n = snprintf(out, cap, "%s+%08x+%s", k->name, k->id, b64);
	return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

/* ---- signed notes ------------------------------------------------------ */

/* One "— name base64\n" line at p (len bytes, ending in '\n'). */
static int parse_sig_line(const char *p, size_t len, tlog_sig_t *sig)
{
	if (len < EM_DASH_LEN + 2 || memcmp(p, EM_DASH " ", EM_DASH_LEN + 1) != 0 ||
	    p[len - 1] != '\n')
		return DV_EPARSE;
	const char *name = p + EM_DASH_LEN + 1;
	const char *end = p + len - 1;
	const char *sp = memchr(name, ' ', (size_t)(end - name));
	if (sp == NULL || !tlog_name_valid(name, (size_t)(sp - name)))
		return DV_EPARSE;
	uint8_t raw[4 + TLOG_SIG_MAX];
	size_t n = 0;
	if (tlog_b64_decode(sp + 1, (size_t)(end - sp - 1), raw, sizeof(raw), &n) != 0 || n < 5)
		return DV_EPARSE;
	sig->name = name;
	sig->name_len = (size_t)(sp - name);
	sig->id = (uint32_t)raw[0] << 24 | (uint32_t)raw[1] << 16 | (uint32_t)raw[2] << 8 | raw[3];
	sig->sig_len = n - 4;
	memcpy(sig->sig, raw + 4, n - 4);
	return DV_OK;
}

/* UTF-8 throughout, no control characters but newline (C2SP signed-note). */
static bool text_clean(const char *buf, size_t len)
{
	const unsigned char *s = (const unsigned char *)buf;
	for (size_t i = 0; i < len;) {
		if (s[i] < 0x20 && s[i] != '\n')
			return false;
		if (s[i] == 0x7f)
			return false;
		size_t l = utf8_len(s + i, len - i);
		if (l == 0)
			return false;
		i += l;
	}
	return true;
}

int tlog_sigs_parse(const char *buf, size_t len, const char *text, size_t text_len,
                    tlog_note_t *out)
{
	memset(out, 0, sizeof(*out));
	out->text = text;
	out->text_len = text_len;
	if (len == 0 || buf[len - 1] != '\n' || !text_clean(buf, len))
		return DV_EPARSE;
	for (size_t off = 0; off < len;) {
		const char *nl = memchr(buf + off, '\n', len - off);
		size_t l = (size_t)(nl - (buf + off)) + 1;
		if (out->nsig == TLOG_NOTE_SIGS_MAX)
			return DV_ELIMIT;
		if (parse_sig_line(buf + off, l, &out->sig[out->nsig]) != 0)
			return DV_EPARSE;
		out->nsig++;
		off += l;
	}
	return DV_OK;
}

int tlog_note_parse(const char *buf, size_t len, tlog_note_t *out)
{
	memset(out, 0, sizeof(*out));
	if (len > TLOG_NOTE_MAX)
		return DV_ELIMIT;
	if (len < 2 || buf[len - 1] != '\n' || !text_clean(buf, len))
		return DV_EPARSE;
	/* The text ends at the last blank line ("\n\n"): signatures follow. */
	size_t sep = len;
	for (size_t i = len - 1; i > 0; i--)
		if (buf[i] == '\n' && buf[i - 1] == '\n') {
			sep = i;
			break;
		}
	if (sep == len)
		return DV_EPARSE;
	int r = tlog_sigs_parse(buf + sep + 1, len - sep - 1, buf, sep, out);
	if (r != 0)
		return r;
	return DV_OK;
}

static bool ed25519_ok(const uint8_t *sig, const uint8_t pub[32], const uint8_t *msg, size_t len)
{
	return crypto_sign_verify_detached(sig, msg, len, pub) == 0;
}

/* The tlog-cosignature/v1 signed message: header, time, checkpoint body. */
static int cosig_message(const char *text, size_t text_len, uint64_t t, uint8_t *out, size_t cap,
                         size_t *len)
{
	int n = snprintf((char *)out, cap, "cosignature/v1\ntime %llu\n", (unsigned long long)t);
	if (n < 0 || (size_t)n + text_len > cap)
		return DV_ELIMIT;
	memcpy(out + n, text, text_len);
	*len = (size_t)n + text_len;
	return DV_OK;
}

enum tlog_note_verdict tlog_note_verify(const tlog_note_t *n, const tlog_vkey_t *keys, size_t nkeys,
                                        bool *ok, uint64_t *times)
{
	bool any = false;
	if (ok != NULL)
		memset(ok, 0, nkeys * sizeof(*ok));
	static _Thread_local uint8_t msg[TLOG_NOTE_MAX + 64];
	for (size_t i = 0; i < n->nsig; i++) {
		const tlog_sig_t *s = &n->sig[i];
		for (size_t k = 0; k < nkeys; k++) {
			const tlog_vkey_t *key = &keys[k];
			if (s->id != key->id || strlen(key->name) != s->name_len ||
			    memcmp(key->name, s->name, s->name_len) != 0)
				continue;
			bool good = false;
			if (key->type == TLOG_SIGTYPE_ED25519) {
				good = s->sig_len == 64 &&
				       ed25519_ok(s->sig, key->pub, (const uint8_t *)n->text,
				                  n->text_len);
			} else if (key->type == TLOG_SIGTYPE_COSIGNATURE && s->sig_len == 72) {
				uint64_t t = 0;
				for (int b = 0; b < 8; b++)
					t = t << 8 | s->sig[b];
				size_t mlen = 0;
				good = t <= (uint64_t)INT64_MAX &&
				       cosig_message(n->text, n->text_len, t, msg, sizeof(msg),
				                     &mlen) == 0 &&
				       ed25519_ok(s->sig + 8, key->pub, msg, mlen);
				if (good && times != NULL)
					times[k] = t;
			}
			/* C2SP signed-note: a known key whose signature fails
			 * rejects the whole note. */
			if (!good)
				return TLOG_NOTE_BAD_SIG;
			any = true;
			if (ok != NULL)
				ok[k] = true;
		}
	}
	return any ? TLOG_NOTE_VERIFIED : TLOG_NOTE_NO_KEY;
}

static size_t sig_line(const char *name, uint32_t id, const uint8_t *sig, size_t sig_len, char *out,
                       size_t cap)
{
	uint8_t raw[4 + TLOG_SIG_MAX];
	char b64[2 * sizeof(raw)];
	raw[0] = (uint8_t)(id >> 24);
	raw[1] = (uint8_t)(id >> 16);
	raw[2] = (uint8_t)(id >> 8);
	raw[3] = (uint8_t)id;
	memcpy(raw + 4, sig, sig_len);
	if (tlog_b64_encode(raw, 4 + sig_len, b64, sizeof(b64)) == 0)
		return 0;
	int n = snprintf(out, cap, EM_DASH " %s %s\n", name, b64);
	return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

size_t tlog_note_sign(const char *text, size_t text_len, const char *name, uint32_t id,
                      const uint8_t sk[64], char *out, size_t cap)
{
	uint8_t sig[64];
	crypto_sign_detached(sig, NULL, (const uint8_t *)text, text_len, sk);
	return sig_line(name, id, sig, sizeof(sig), out, cap);
}

size_t tlog_cosign(const char *text, size_t text_len, uint64_t t, const char *name, uint32_t id,
                   const uint8_t sk[64], char *out, size_t cap)
{
	static _Thread_local uint8_t msg[TLOG_NOTE_MAX + 64];
	size_t mlen = 0;
	uint8_t sig[72];
	if (cosig_message(text, text_len, t, msg, sizeof(msg), &mlen) != 0)
		return 0;
	for (int b = 0; b < 8; b++)
		sig[b] = (uint8_t)(t >> (56 - 8 * b));
	crypto_sign_detached(sig + 8, NULL, msg, mlen, sk);
	return sig_line(name, id, sig, sizeof(sig), out, cap);
}

/* ---- checkpoints ------------------------------------------------------- */

int tlog_checkpoint_parse(const char *text, size_t len, tlog_checkpoint_t *out)
{
	memset(out, 0, sizeof(*out));
	if (len == 0 || text[len - 1] != '\n')
		return DV_EPARSE;
	const char *line[3];
	size_t llen[3];
	size_t off = 0;
	for (int i = 0; i < 3; i++) {
		if (off >= len)
			return DV_EPARSE;
		const char *nl = memchr(text + off, '\n', len - off);
		line[i] = text + off;
		llen[i] = (size_t)(nl - line[i]);
		if (llen[i] == 0)
			return DV_EPARSE;
		off += llen[i] + 1;
	}
	/* Extension lines: each non-empty (C2SP tlog-checkpoint "Note text"). */
	while (off < len) {
		const char *nl = memchr(text + off, '\n', len - off);
		if (nl == text + off)
			return DV_EPARSE;
		out->extensions++;
		off = (size_t)(nl - text) + 1;
	}
	if (llen[0] > TLOG_NAME_MAX || memchr(line[0], '\0', llen[0]) != NULL)
		return DV_EPARSE;
	memcpy(out->origin, line[0], llen[0]);
	/* Decimal without leading zeroes, except the size 0 itself. */
	if (llen[1] > 19 || (line[1][0] == '0' && llen[1] > 1))
		return DV_EPARSE;
	uint64_t size = 0;
	for (size_t i = 0; i < llen[1]; i++) {
		if (line[1][i] < '0' || line[1][i] > '9')
			return DV_EPARSE;
		size = size * 10 + (uint64_t)(line[1][i] - '0');
	}
	if (size > TLOG_SIZE_MAX)
		return DV_EPARSE;
	out->size = size;
	size_t rlen = 0;
	if (tlog_b64_decode(line[2], llen[2], out->root, TLOG_HASH_LEN, &rlen) != 0 ||
	    rlen != TLOG_HASH_LEN)
		return DV_EPARSE;
	return DV_OK;
}

size_t tlog_checkpoint_format(const char *origin, uint64_t size, const tlog_hash_t root, char *out,
                              size_t cap)
{
	char b64[64];
	if (tlog_b64_encode(root, TLOG_HASH_LEN, b64, sizeof(b64)) == 0)
		return 0;
	int n = snprintf(out, cap, "%s\n%llu\n%s\n", origin, (unsigned long long)size, b64);
	return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}
