/*
 * TSIG key files (RFC 8945): BIND's named.conf-style key statement and
 * Knot's YAML key section (read with libknot's own configuration parser,
 * yparser).  Both are untrusted input: every token, line and file has a
 * ceiling and a malformed file is an error naming the line.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libknot/libknot.h>
#include <libknot/yparser/yparser.h>

#include "core/error.h"
#include "net/xfr_int.h"

#define TOKEN_MAX  1024 /* a key name is at most 255 wire bytes; a secret far less */
#define KEYS_MAX   64   /* key statements in one file */
#define ALG_MAX    32
#define NAME_MAX_T 1024

/* One key as written in the file, before libknot checks it. */
typedef struct {
	char name[NAME_MAX_T];
	char alg[ALG_MAX];
	char secret[TOKEN_MAX];
	size_t line;
	bool has_alg, has_secret;
} key_text_t;

typedef struct {
	key_text_t keys[KEYS_MAX];
	size_t count;
	char *err;
	size_t errlen;
} key_list_t;

static int fail(key_list_t *kl, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(key_list_t *kl, int code, const char *fmt, ...)
{
	if (kl->err != NULL && kl->errlen > 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(kl->err, kl->errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

static int copy_token(char *dst, size_t cap, const char *src, size_t len)
{
	if (len >= cap) {
		return DV_ELIMIT;
	}
	memcpy(dst, src, len);
	dst[len] = '\0';
	return DV_OK;
}

/* --- BIND: key "name" { algorithm hmac-sha256; secret "..."; }; -------------- */

typedef enum { TOK_END, TOK_WORD, TOK_STRING, TOK_OPEN, TOK_CLOSE, TOK_SEMI, TOK_BAD } tok_t;

typedef struct {
	const char *p, *end;
	size_t line;
	const char *tok;
	size_t tok_len;
	const char *bad; /* why TOK_BAD */
} lexer_t;

/* Skip white space and the three comment styles named.conf accepts. */
static void skip_space(lexer_t *lx)
{
	while (lx->p < lx->end) {
		char c = *lx->p;
		if (c == '\n') {
			lx->line++;
			lx->p++;
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
			lx->p++;
		} else if (c == '#' || (c == '/' && lx->p + 1 < lx->end && lx->p[1] == '/')) {
			while (lx->p < lx->end && *lx->p != '\n') {
				lx->p++;
			}
		} else if (c == '/' && lx->p + 1 < lx->end && lx->p[1] == '*') {
			lx->p += 2;
			while (lx->p < lx->end &&
			       !(*lx->p == '*' && lx->p + 1 < lx->end && lx->p[1] == '/')) {
				if (*lx->p == '\n') {
					lx->line++;
				}
				lx->p++;
			}
			lx->p = lx->p < lx->end ? lx->p + 2 : lx->end;
		} else {
			return;
		}
	}
}

static tok_t lex(lexer_t *lx)
{
	skip_space(lx);
	if (lx->p >= lx->end) {
		return TOK_END;
	}
	char c = *lx->p;
	lx->tok = lx->p;
	lx->tok_len = 1;
	switch (c) {
	case '{':
		lx->p++;
		return TOK_OPEN;
	case '}':
		lx->p++;
		return TOK_CLOSE;
	case ';':
		lx->p++;
		return TOK_SEMI;
	case '"': {
		const char *s = ++lx->p;
		while (lx->p < lx->end && *lx->p != '"' && *lx->p != '\n') {
			lx->p++;
		}
		if (lx->p >= lx->end || *lx->p != '"') {
			lx->bad = "unterminated string";
			return TOK_BAD;
		}
		lx->tok = s;
		lx->tok_len = (size_t)(lx->p - s);
		lx->p++;
		return TOK_STRING;
	}
	default:
		break;
	}
	const char *s = lx->p;
	while (lx->p < lx->end) {
		unsigned char u = (unsigned char)*lx->p;
		if (isspace(u) || u == '{' || u == '}' || u == ';' || u == '"' || u == '#') {
			break;
		}
		if (u < 0x20 || u >= 0x7f) {
			lx->bad = "control or non-ASCII character";
			return TOK_BAD;
		}
		lx->p++;
	}
	lx->tok = s;
	lx->tok_len = (size_t)(lx->p - s);
	return TOK_WORD;
}

static bool tok_is(const lexer_t *lx, const char *word)
{
	return lx->tok_len == strlen(word) && strncasecmp(lx->tok, word, lx->tok_len) == 0;
}

/* A token other than the expected one: the lexer's complaint, if it had one. */
static int unexpected(key_list_t *kl, const lexer_t *lx, tok_t t, const char *expected)
{
	if (t == TOK_BAD) {
		return fail(kl, DV_EPARSE, "line %zu: %s", lx->line, lx->bad);
	}
	return fail(kl, DV_EPARSE, "line %zu: %s", lx->line, expected);
}

static int parse_bind(key_list_t *kl, const char *text, size_t len)
{
	lexer_t lx = {.p = text, .end = text + len, .line = 1};
	for (;;) {
		tok_t t = lex(&lx);
		if (t == TOK_END) {
			break;
		}
		if (t != TOK_WORD || !tok_is(&lx, "key")) {
			return unexpected(kl, &lx, t, "expected a 'key' statement");
		}
		if (kl->count == KEYS_MAX) {
			return fail(kl, DV_ELIMIT, "line %zu: more than %d keys", lx.line,
			            KEYS_MAX);
		}
		key_text_t *k = &kl->keys[kl->count];
		memset(k, 0, sizeof(*k));
		k->line = lx.line;
		t = lex(&lx);
		if ((t != TOK_WORD && t != TOK_STRING) || lx.tok_len == 0 ||
		    copy_token(k->name, sizeof(k->name), lx.tok, lx.tok_len) != DV_OK) {
			return unexpected(kl, &lx, t, "expected the key name after 'key'");
		}
		t = lex(&lx);
		if (t != TOK_OPEN) {
			return unexpected(kl, &lx, t, "expected '{' after the key name");
		}
		for (;;) {
			t = lex(&lx);
			if (t == TOK_CLOSE) {
				break;
			}
			if (t != TOK_WORD) {
				return unexpected(kl, &lx, t,
				                  "expected 'algorithm', 'secret' or '}'");
			}
			bool is_alg = tok_is(&lx, "algorithm");
			bool is_secret = tok_is(&lx, "secret");
			if (!is_alg && !is_secret) {
				return fail(kl, DV_EPARSE, "line %zu: unknown key clause '%.*s'",
				            lx.line, (int)(lx.tok_len > 40 ? 40 : lx.tok_len),
				            lx.tok);
			}
			if ((is_alg && k->has_alg) || (is_secret && k->has_secret)) {
				return fail(kl, DV_EPARSE, "line %zu: '%s' given twice", lx.line,
				            is_alg ? "algorithm" : "secret");
			}
			t = lex(&lx);
			if (t != TOK_WORD && t != TOK_STRING) {
				return unexpected(kl, &lx, t,
				                  is_alg ? "expected a value for 'algorithm'"
				                         : "expected a value for 'secret'");
			}
			int r = is_alg
			            ? copy_token(k->alg, sizeof(k->alg), lx.tok, lx.tok_len)
			            : copy_token(k->secret, sizeof(k->secret), lx.tok, lx.tok_len);
			if (r != DV_OK) {
				return fail(kl, DV_EPARSE, "line %zu: '%s' value too long", lx.line,
				            is_alg ? "algorithm" : "secret");
			}
			if (is_alg) {
				k->has_alg = true;
			} else {
				k->has_secret = true;
			}
			t = lex(&lx);
			if (t != TOK_SEMI) {
				return unexpected(kl, &lx, t, "expected ';'");
			}
		}
		t = lex(&lx);
		if (t != TOK_SEMI) {
			return unexpected(kl, &lx, t, "expected ';' after '}'");
		}
		kl->count++;
	}
	if (kl->count == 0) {
		return fail(kl, DV_EPARSE, "no key statement");
	}
	return DV_OK;
}

/* --- Knot: key: / - id: / algorithm: / secret: (libknot's yparser) ---------- */

static int parse_knot(key_list_t *kl, const char *text, size_t len)
{
	yp_parser_t *yp = malloc(sizeof(*yp));
	if (yp == NULL) {
		return DV_ENOMEM;
	}
	yp_init(yp);
	int ret = DV_OK;
	if (yp_set_input_string(yp, text, len) != KNOT_EOK) {
		ret = fail(kl, DV_EPARSE, "cannot read the key file");
		goto out;
	}
	bool in_key = false;
	key_text_t *k = NULL;
	for (;;) {
		int r = yp_parse(yp);
		if (r == KNOT_EOF) {
			break;
		}
		if (r != KNOT_EOK) {
			ret = fail(kl, DV_EPARSE, "line %zu: %s", yp->line_count, knot_strerror(r));
			goto out;
		}
		switch (yp->event) {
		case YP_EKEY0:
			/* Knot key files may carry other sections; only key: matters here. */
			in_key = strcmp(yp->key, "key") == 0;
			k = NULL;
			if (in_key && yp->data_len != 0) {
				ret = fail(kl, DV_EPARSE, "line %zu: 'key:' takes a list of keys",
				           yp->line_count);
				goto out;
			}
			break;
		case YP_EID:
			if (!in_key) {
				break;
			}
			if (strcmp(yp->key, "id") != 0) {
				ret = fail(kl, DV_EPARSE, "line %zu: a key starts with '- id:'",
				           yp->line_count);
				goto out;
			}
			if (kl->count == KEYS_MAX) {
				ret = fail(kl, DV_ELIMIT, "line %zu: more than %d keys",
				           yp->line_count, KEYS_MAX);
				goto out;
			}
			k = &kl->keys[kl->count++];
			memset(k, 0, sizeof(*k));
			k->line = yp->line_count;
			if (yp->data_len == 0 ||
			    copy_token(k->name, sizeof(k->name), yp->data, yp->data_len) != DV_OK) {
				ret = fail(kl, DV_EPARSE, "line %zu: bad key id", yp->line_count);
				goto out;
			}
			break;
		case YP_EKEY1:
			if (!in_key) {
				break;
			}
			if (k == NULL) {
				ret = fail(kl, DV_EPARSE, "line %zu: '%s' before '- id:'",
				           yp->line_count, yp->key);
				goto out;
			}
			bool is_alg = strcmp(yp->key, "algorithm") == 0;
			bool is_secret = strcmp(yp->key, "secret") == 0;
			if (!is_alg && !is_secret) {
				ret = fail(kl, DV_EPARSE, "line %zu: unknown key item '%s'",
				           yp->line_count, yp->key);
				goto out;
			}
			if ((is_alg && k->has_alg) || (is_secret && k->has_secret)) {
				ret = fail(kl, DV_EPARSE, "line %zu: '%s' given twice",
				           yp->line_count, yp->key);
				goto out;
			}
			r = is_alg
			        ? copy_token(k->alg, sizeof(k->alg), yp->data, yp->data_len)
			        : copy_token(k->secret, sizeof(k->secret), yp->data, yp->data_len);
			if (r != DV_OK) {
				ret = fail(kl, DV_EPARSE, "line %zu: '%s' value too long",
				           yp->line_count, yp->key);
				goto out;
			}
			if (is_alg) {
				k->has_alg = true;
			} else {
				k->has_secret = true;
			}
			break;
		default:
			break;
		}
	}
	if (kl->count == 0) {
		ret = fail(kl, DV_EPARSE, "no key in the 'key:' section");
	}
out:
	yp_deinit(yp);
	free(yp);
	return ret;
}

/* --- keys ---------------------------------------------------------------------- */

/* Whether the text starts (after blank lines and # comments) with "key:". */
static bool looks_like_knot(const char *text, size_t len)
{
	size_t i = 0;
	for (;;) {
		while (i < len && isspace((unsigned char)text[i])) {
			i++;
		}
		if (i < len && text[i] == '#') {
			while (i < len && text[i] != '\n') {
				i++;
			}
			continue;
		}
		break;
	}
	return len - i >= 4 && memcmp(text + i, "key:", 4) == 0;
}

/*
 * RFC 8945 §6: HMAC-MD5 is deprecated and HMAC-SHA1 / HMAC-SHA224 are "NOT
 * RECOMMENDED" for use; HMAC-SHA256 is the recommended one and SHA384/512
 * are allowed.  A tool that judges zones should not help keep weak keys in
 * service, so only the last three are accepted.
 */
static const char *const ALLOWED_ALGS[] = {"hmac-sha256", "hmac-sha384", "hmac-sha512"};
static const char *const REFUSED_ALGS[] = {"hmac-md5", "hmac-md5.sig-alg.reg.int", "hmac-sha1",
                                           "hmac-sha224"};

static int check_algorithm(key_list_t *kl, const key_text_t *k, const char **canon)
{
	if (!k->has_alg) {
		/* BIND and Knot both default to hmac-md5 without one: refuse, say why. */
		return fail(kl, DV_ENOTSUP,
		            "line %zu: key '%.64s' names no algorithm (the default would be "
		            "hmac-md5, refused: RFC 8945 §6)",
		            k->line, k->name);
	}
	for (size_t i = 0; i < sizeof(ALLOWED_ALGS) / sizeof(ALLOWED_ALGS[0]); i++) {
		if (strcasecmp(k->alg, ALLOWED_ALGS[i]) == 0) {
			*canon = ALLOWED_ALGS[i];
			return DV_OK;
		}
	}
	for (size_t i = 0; i < sizeof(REFUSED_ALGS) / sizeof(REFUSED_ALGS[0]); i++) {
		if (strcasecmp(k->alg, REFUSED_ALGS[i]) == 0) {
			return fail(kl, DV_ENOTSUP,
			            "line %zu: key '%.64s': algorithm %s is refused (RFC 8945 §6: "
			            "deprecated or not recommended); use hmac-sha256",
			            k->line, k->name, k->alg);
		}
	}
	return fail(kl, DV_ENOTSUP,
	            "line %zu: key '%.64s': unsupported algorithm '%s' (hmac-sha256, hmac-sha384, "
	            "hmac-sha512 are accepted)",
	            k->line, k->name, k->alg);
}

static bool name_matches(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 0 && a[la - 1] == '.') {
		la--;
	}
	if (lb > 0 && b[lb - 1] == '.') {
		lb--;
	}
	return la == lb && strncasecmp(a, b, la) == 0;
}

int dv_tsig_key_parse(const char *text, size_t len, const char *name, dv_tsig_key_t **out,
                      char *err, size_t errlen)
{
	if (err != NULL && errlen > 0) {
		err[0] = '\0';
	}
	if (text == NULL || out == NULL) {
		return DV_EINVAL;
	}
	key_list_t *kl = calloc(1, sizeof(*kl));
	if (kl == NULL) {
		return DV_ENOMEM;
	}
	kl->err = err;
	kl->errlen = errlen;
	int ret;
	if (len > DV_TSIG_FILE_MAX) {
		ret = fail(kl, DV_ELIMIT, "key file larger than %d bytes", DV_TSIG_FILE_MAX);
		goto out;
	}
	if (memchr(text, '\0', len) != NULL) {
		ret = fail(kl, DV_EPARSE, "NUL byte in the key file");
		goto out;
	}
	ret = looks_like_knot(text, len) ? parse_knot(kl, text, len) : parse_bind(kl, text, len);
	if (ret != DV_OK) {
		goto out;
	}
	const key_text_t *k = NULL;
	for (size_t i = 0; i < kl->count; i++) {
		if (name == NULL || name_matches(kl->keys[i].name, name)) {
			if (k != NULL) {
				ret = fail(kl, DV_EINVAL,
				           name == NULL ? "the file holds several keys: name one"
				                        : "key '%.64s' is defined twice",
				           name);
				goto out;
			}
			k = &kl->keys[i];
		}
	}
	if (k == NULL) {
		ret = fail(kl, DV_EINVAL, "no key named '%s' in the file", name);
		goto out;
	}
	if (!k->has_secret || k->secret[0] == '\0') {
		ret = fail(kl, DV_EPARSE, "line %zu: key '%.64s' has no secret", k->line, k->name);
		goto out;
	}
	const char *alg = NULL;
	ret = check_algorithm(kl, k, &alg);
	if (ret != DV_OK) {
		goto out;
	}
	uint8_t wire_name[KNOT_DNAME_MAXLEN];
	if (knot_dname_from_str(wire_name, k->name, sizeof(wire_name)) == NULL) {
		ret = fail(kl, DV_EPARSE, "line %zu: key '%.64s': not a valid domain name", k->line,
		           k->name);
		goto out;
	}
	dv_tsig_key_t *key = calloc(1, sizeof(*key));
	if (key == NULL) {
		ret = DV_ENOMEM;
		goto out;
	}
	int r = knot_tsig_key_init(&key->key, alg, k->name, k->secret);
	if (r != KNOT_EOK) {
		free(key);
		ret = fail(kl, r == KNOT_ENOMEM ? DV_ENOMEM : DV_EPARSE,
		           "line %zu: key '%.64s': %s", k->line, k->name,
		           r == KNOT_ENOMEM ? "out of memory" : "the secret is not valid base64");
		goto out;
	}
	if (key->key.secret.size == 0) {
		knot_tsig_key_deinit(&key->key);
		free(key);
		ret = fail(kl, DV_EPARSE, "line %zu: key '%.64s': empty secret", k->line, k->name);
		goto out;
	}
	knot_dname_to_lower(key->key.name);
	if (knot_dname_to_str(key->name, key->key.name, sizeof(key->name)) == NULL) {
		key->name[0] = '\0';
	}
	key->alg = alg;
	*out = key;
out:
	free(kl);
	return ret;
}

int dv_tsig_key_load(const char *path, const char *name, dv_tsig_key_t **out, char *err,
                     size_t errlen)
{
	if (err != NULL && errlen > 0) {
		err[0] = '\0';
	}
	if (path == NULL || out == NULL) {
		return DV_EINVAL;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (err != NULL) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		}
		return DV_EIO;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		if (err != NULL) {
			snprintf(err, errlen, "%s: not a regular file", path);
		}
		close(fd);
		return DV_EIO;
	}
	char *buf = malloc(DV_TSIG_FILE_MAX + 1);
	if (buf == NULL) {
		close(fd);
		return DV_ENOMEM;
	}
	size_t len = 0;
	for (;;) {
		ssize_t n = read(fd, buf + len, DV_TSIG_FILE_MAX + 1 - len);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0) {
			if (err != NULL) {
				snprintf(err, errlen, "%s: %s", path, strerror(errno));
			}
			free(buf);
			close(fd);
			return DV_EIO;
		}
		if (n == 0 || (len += (size_t)n) > DV_TSIG_FILE_MAX) {
			break;
		}
	}
	close(fd);
	char inner[256];
	int ret = dv_tsig_key_parse(buf, len, name, out, inner, sizeof(inner));
	if (ret != DV_OK && err != NULL) {
		snprintf(err, errlen, "%s: %s", path, inner);
	}
	free(buf);
	return ret;
}

const char *dv_tsig_key_name(const dv_tsig_key_t *key)
{
	return key != NULL ? key->name : "";
}

const char *dv_tsig_key_algorithm(const dv_tsig_key_t *key)
{
	return key != NULL ? key->alg : "";
}

int dv_tsig_key_dup(const dv_tsig_key_t *key, dv_tsig_key_t **out)
{
	*out = NULL;
	dv_tsig_key_t *k = calloc(1, sizeof(*k));
	if (k == NULL)
		return DV_ENOMEM;
	if (knot_tsig_key_copy(&k->key, &key->key) != KNOT_EOK) {
		free(k);
		return DV_ENOMEM;
	}
	k->alg = key->alg;
	memcpy(k->name, key->name, sizeof(k->name));
	*out = k;
	return DV_OK;
}

void dv_tsig_key_free(dv_tsig_key_t *key)
{
	if (key == NULL) {
		return;
	}
	knot_tsig_key_deinit(&key->key);
	free(key);
}
