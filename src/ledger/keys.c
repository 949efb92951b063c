/* Key files: the log's signing key and a witness's cosigner key. */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "ledger/ledger.h"

/* golang.org/x/mod/sumdb/note's private key form, which the C2SP tools
 * share: "PRIVATE+KEY+" name "+" hex(id) "+" base64(type || seed). */
#define PRIVATE_PREFIX "PRIVATE+KEY+"
#define KEY_FILE_MAX   1024

void ledger_key_clear(ledger_key_t *k)
{
	sodium_memzero(k, sizeof(*k));
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int ledger_vkey_write(const char *path, const tlog_vkey_t *k, char *err, size_t errlen)
{
	char vk[600], tmp[4096];
	size_t vl = tlog_vkey_format(k, vk, sizeof(vk) - 1);
	vk[vl++] = '\n';
	/* Written aside and renamed: a reader sees the whole key or none. */
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	unlink(tmp);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 || write_all(fd, vk, vl) != 0 || fsync(fd) != 0 || rename(tmp, path) != 0) {
		snprintf(err, errlen, "%s: cannot write the public key: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		return DV_EIO;
	}
	close(fd);
	return DV_OK;
}

int ledger_key_generate(const char *path, const char *vkey_path, const char *name, uint8_t type,
                        ledger_key_t *out, char *err, size_t errlen)
{
	uint8_t seed[32], raw[33];
	char line[KEY_FILE_MAX], b64[64];
	int fd = -1, ret = DV_EIO;
	memset(out, 0, sizeof(*out));
	if (!tlog_name_valid(name, strlen(name))) {
		snprintf(err, errlen, "'%s': not a valid key name (no spaces or '+')", name);
		return DV_EINVAL;
	}
	if (sodium_init() < 0)
		return DV_ECRYPTO;
	randombytes_buf(seed, sizeof(seed));
	crypto_sign_seed_keypair(out->vkey.pub, out->sk, seed);
	snprintf(out->vkey.name, sizeof(out->vkey.name), "%s", name);
	out->vkey.type = type;
	out->vkey.id = tlog_key_id(name, type, out->vkey.pub);
	raw[0] = type;
	memcpy(raw + 1, seed, 32);
	tlog_b64_encode(raw, sizeof(raw), b64, sizeof(b64));
	int n =
	    snprintf(line, sizeof(line), PRIVATE_PREFIX "%s+%08x+%s\n", name, out->vkey.id, b64);
	if (n < 0 || (size_t)n >= sizeof(line)) {
		ret = DV_ELIMIT;
		goto fail;
	}
	/* A key file is never replaced and never followed through a link,
	 * and never seen half written: it is written to a temporary file
	 * (O_EXCL|O_NOFOLLOW, mode 0600 from the start: no chmod window), then
	 * link()ed to its name, which fails if the name exists. */
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot create the key file: %s", path, strerror(errno));
		goto fail;
	}
	if (write_all(fd, line, (size_t)n) != 0 || fsync(fd) != 0) {
		snprintf(err, errlen, "%s: cannot write the key file: %s", path, strerror(errno));
		close(fd);
		unlink(tmp);
		goto fail;
	}
	close(fd);
	if (link(tmp, path) != 0) {
		snprintf(err, errlen, "%s: cannot create the key file: %s", path, strerror(errno));
		unlink(tmp);
		goto fail;
	}
	unlink(tmp);
	if (vkey_path != NULL && (ret = ledger_vkey_write(vkey_path, &out->vkey, err, errlen)) != 0)
		goto fail;
	ret = DV_OK;
fail:
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(raw, sizeof(raw));
	sodium_memzero(line, sizeof(line));
	sodium_memzero(b64, sizeof(b64));
	if (ret != DV_OK)
		ledger_key_clear(out);
	return ret;
}

/* Read a small file (≤ KEY_FILE_MAX bytes) without following a link. */
static int read_small(const char *path, bool secret, char *buf, size_t cap, size_t *len, char *err,
                      size_t errlen)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return DV_EIO;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return DV_EIO;
	}
	if (secret && (st.st_mode & 077) != 0) {
		snprintf(err, errlen, "%s: key file is accessible by group or others (mode %03o)",
		         path, (unsigned)(st.st_mode & 0777));
		close(fd);
		return DV_EINVAL;
	}
	ssize_t n = read(fd, buf, cap);
	close(fd);
	if (n < 0 || (size_t)n >= cap) {
		snprintf(err, errlen, "%s: unreadable or too large", path);
		return DV_EIO;
	}
	*len = (size_t)n;
	/* One line; the final newline is optional. */
	while (*len > 0 && (buf[*len - 1] == '\n' || buf[*len - 1] == '\r'))
		(*len)--;
	buf[*len] = '\0';
	return DV_OK;
}

int ledger_key_load(const char *path, ledger_key_t *out, char *err, size_t errlen)
{
	char buf[KEY_FILE_MAX];
	size_t len = 0;
	uint8_t raw[64];
	size_t rlen = 0;
	memset(out, 0, sizeof(*out));
	int ret = read_small(path, true, buf, sizeof(buf), &len, err, errlen);
	if (ret != DV_OK)
		return ret;
	ret = DV_EPARSE;
	/* PRIVATE+KEY+name+id+key: names hold no '+', base64 may. */
	size_t plen = strlen(PRIVATE_PREFIX);
	char *i = len > plen ? memchr(buf + plen, '+', len - plen) : NULL;
	char *k = i && (size_t)(i - buf) + 9 < len ? i + 9 : NULL;
	if (strncmp(buf, PRIVATE_PREFIX, plen) != 0 || i == NULL || k == NULL || *k != '+')
		goto fail;
	size_t nlen = (size_t)(i - buf) - plen;
	if (nlen > TLOG_NAME_MAX || !tlog_name_valid(buf + plen, nlen))
		goto fail;
	if (tlog_b64_decode(k + 1, strlen(k + 1), raw, sizeof(raw), &rlen) != 0 || rlen != 33 ||
	    (raw[0] != TLOG_SIGTYPE_ED25519 && raw[0] != TLOG_SIGTYPE_COSIGNATURE))
		goto fail;
	if (sodium_init() < 0)
		goto fail;
	memcpy(out->vkey.name, buf + plen, nlen);
	out->vkey.type = raw[0];
	crypto_sign_seed_keypair(out->vkey.pub, out->sk, raw + 1);
	out->vkey.id = tlog_key_id(out->vkey.name, out->vkey.type, out->vkey.pub);
	char idhex[9];
	snprintf(idhex, sizeof(idhex), "%08x", out->vkey.id);
	if (memcmp(idhex, i + 1, 8) != 0) {
		snprintf(err, errlen, "%s: the key ID does not match the key", path);
		goto fail_quiet;
	}
	ret = DV_OK;
	goto done;
fail:
	/* Never echo the file: it holds the secret. */
	snprintf(err, errlen, "%s: not a key file (PRIVATE+KEY+name+id+key)", path);
fail_quiet:
	ledger_key_clear(out);
	ret = DV_EPARSE;
done:
	sodium_memzero(buf, sizeof(buf));
	sodium_memzero(raw, sizeof(raw));
	return ret;
}

int ledger_vkey_load(const char *s, tlog_vkey_t *out, char *err, size_t errlen)
{
	if (tlog_vkey_parse(s, strlen(s), out) == DV_OK)
		return DV_OK;
	char buf[KEY_FILE_MAX];
	size_t len = 0;
	if (strchr(s, '/') == NULL && access(s, F_OK) != 0) {
		snprintf(err, errlen, "'%s': neither a vkey (name+id+key) nor a file", s);
		return DV_EPARSE;
	}
	int ret = read_small(s, false, buf, sizeof(buf), &len, err, errlen);
	if (ret != DV_OK)
		return ret;
	ret = tlog_vkey_parse(buf, len, out);
	if (ret != DV_OK)
		snprintf(err, errlen, "%s: not a verifier key (name+id+base64 key)", s);
	return ret;
}
