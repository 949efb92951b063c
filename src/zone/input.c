/*
 * Input files for the reader: opening and mapping, a first pass over the
 * bytes (CRs, line feeds, directives, what $GENERATE lines will make), and
 * CRLF line ends.  See scan.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "zone/generate.h"
#include "zone/scan.h"

enum {
	BLOCK = 1 << 20,    /* read size of a first pass */
	LINE_MAX_LEN = 4096 /* a directive line read on its own, past a block's end */
};

/* The reason of a failed call: strerror_r, as parts of a file are read on
 * several threads. */
static void reason(char *why, size_t whylen)
{
	char buf[128];
	snprintf(why, whylen, "%s", strerror_r(errno, buf, sizeof(buf)));
}

int dv_input_open(dv_input_t *in, const char *path, char *why, size_t whylen)
{
	*in = (dv_input_t){.fd = -1, .data = ""};
	/* O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused
	 * below like every file that is not a regular one. */
	in->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (in->fd < 0) {
		reason(why, whylen);
		return DV_EIO;
	}
	struct stat st;
	if (fstat(in->fd, &st) != 0) {
		reason(why, whylen);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "not a regular file");
		goto fail;
	}
	in->dev = st.st_dev;
	in->ino = st.st_ino;
	in->size = (uint64_t)st.st_size;
	if (in->size > 0) {
		void *m = mmap(NULL, (size_t)in->size, PROT_READ, MAP_PRIVATE, in->fd, 0);
		if (m == MAP_FAILED) {
			reason(why, whylen);
			goto fail;
		}
		(void)madvise(m, (size_t)in->size, MADV_SEQUENTIAL);
		in->map = m;
		in->data = m;
		in->len = (size_t)in->size;
	}
	return DV_OK;
fail:
	close(in->fd);
	in->fd = -1;
	return DV_EIO;
}

void dv_input_mem(dv_input_t *in, const char *data, size_t len)
{
	*in = (dv_input_t){.fd = -1, .data = data ? data : "", .len = data ? len : 0};
}

void dv_input_close(dv_input_t *in)
{
	if (in->map != NULL)
		munmap((void *)(uintptr_t)in->map, (size_t)in->size);
	if (in->fd >= 0)
		close(in->fd);
	free(in->text);
	*in = (dv_input_t){.fd = -1, .data = ""};
}

size_t dv_crlf_strip(char *buf, size_t len)
{
	size_t w = 0;
	for (size_t r = 0; r < len; r++)
		if (!(buf[r] == '\r' && r + 1 < len && buf[r + 1] == '\n'))
			buf[w++] = buf[r];
	return w;
}

int dv_input_use_lf(dv_input_t *in)
{
	char *t = malloc(in->len + 1);
	if (t == NULL)
		return DV_ENOMEM;
	if (in->fd >= 0 && in->data == in->map) {
		/* Read, not copied from the mapping: its pages would stay resident. */
		size_t got = 0;
		while (got < in->len) {
			ssize_t r = pread(in->fd, t + got, in->len - got, (off_t)got);
			if (r <= 0) {
				free(t);
				return DV_EIO;
			}
			got += (size_t)r;
		}
	} else if (in->len > 0) {
		memcpy(t, in->data, in->len);
	}
	in->len = dv_crlf_strip(t, in->len);
	free(in->text);
	in->text = t;
	in->data = t;
	return DV_OK;
}

/* Line feeds in a buffer, eight bytes at a time: a byte of x ^ LF is zero
 * exactly where the input has a line feed, and the test below sets its top
 * bit then.  Those bits are summed per byte lane (at most 255 words per
 * round), then across the lanes. */
uint64_t dv_count_lf(const char *b, size_t n)
{
	const uint64_t ones = 0x0101010101010101ull, low7 = 0x7f7f7f7f7f7f7f7full;
	const uint64_t even = 0x00ff00ff00ff00ffull;
	uint64_t c = 0;
	size_t i = 0;
	while (i + 8 <= n) {
		uint64_t lanes = 0;
		for (unsigned k = 0; k < 255 && i + 8 <= n; k++, i += 8) {
			uint64_t x;
			memcpy(&x, b + i, 8);
			x ^= ones * '\n';
			lanes += (~(((x & low7) + low7) | x | low7)) >> 7;
		}
		uint64_t pairs = (lanes & even) + ((lanes >> 8) & even);
		c += (pairs * 0x0001000100010001ull) >> 48;
	}
	for (; i < n; i++)
		c += b[i] == '\n';
	return c;
}

/* Whether the parsed text is read from the file (pread) rather than memory. */
static bool read_from_file(const dv_input_t *in)
{
	return in->fd >= 0 && in->map != NULL && in->data == in->map;
}

uint64_t dv_input_line_at(const dv_input_t *in, uint64_t off)
{
	if (off > in->len)
		off = in->len;
	if (!read_from_file(in))
		return 1 + dv_count_lf(in->data, (size_t)off);
	uint64_t lines = 1;
	char *buf = malloc(BLOCK);
	if (buf == NULL)
		return 0;
	for (uint64_t at = 0; at < off;) {
		size_t want = off - at < BLOCK ? (size_t)(off - at) : BLOCK;
		ssize_t got = pread(in->fd, buf, want, (off_t)at);
		if (got <= 0)
			break;
		lines += dv_count_lf(buf, (size_t)got);
		at += (uint64_t)got;
	}
	free(buf);
	return lines;
}

static int dirs_add(dv_prescan_t *ps, const char *line, size_t len)
{
	if (ps->dirs_len + len + 1 > ps->dirs_cap) {
		size_t nc = (ps->dirs_len + len + 1) * 2;
		char *nv = realloc(ps->dirs, nc);
		if (nv == NULL)
			return DV_ENOMEM;
		ps->dirs = nv;
		ps->dirs_cap = nc;
	}
	memcpy(ps->dirs + ps->dirs_len, line, len);
	ps->dirs_len += len;
	ps->dirs[ps->dirs_len++] = '\n';
	return DV_OK;
}

static bool is_directive(const char *line, size_t len, const char *name)
{
	size_t nl = strlen(name);
	return len > nl && strncasecmp(line, name, nl) == 0 &&
	       (line[nl] == ' ' || line[nl] == '\t');
}

/* A line that starts with '$', at byte `off`.  $ORIGIN and $TTL change the
 * state the lines after them are read in (kept when asked for); $GENERATE
 * lines count for the records they will make.  `whole`: the line was not
 * cut short. */
static int directive(dv_prescan_t *ps, const char *line, size_t len, bool whole, uint64_t off,
                     unsigned flags, uint64_t gen_budget)
{
	if ((flags & DV_PRESCAN_DIRS) &&
	    (is_directive(line, len, "$ORIGIN") || is_directive(line, len, "$TTL"))) {
		if (!whole)
			return DV_ELIMIT; /* no such line is that long: let the reader judge it */
		return dirs_add(ps, line, len);
	}
	uint64_t n;
	if (is_directive(line, len, "$GENERATE") && dv_generate_count(line, len, &n) == DV_OK) {
		ps->gen_records += n;
		if (ps->gen_records > gen_budget && ps->gen_over_at == UINT64_MAX)
			ps->gen_over_at = off;
	}
	return DV_OK;
}

/* One block of bytes starting at offset `off` of the text; `line_start`:
 * the block starts a line. */
static int prescan_block(const dv_input_t *in, dv_prescan_t *ps, const char *buf, size_t n,
                         uint64_t off, uint64_t to, bool line_start, unsigned flags,
                         uint64_t gen_budget)
{
	int ret = DV_OK;
	if (!ps->has_cr && memchr(buf, '\r', n) != NULL)
		ps->has_cr = true;
	if (flags & DV_PRESCAN_LINES)
		ps->newlines += dv_count_lf(buf, n);
	for (const char *d = memchr(buf, '$', n); d != NULL && ret == DV_OK;
	     d = memchr(d + 1, '$', n - (size_t)(d + 1 - buf))) {
		if (d == buf ? !line_start : d[-1] != '\n')
			continue;
		uint64_t at = off + (uint64_t)(d - buf);
		const char *e = memchr(d, '\n', n - (size_t)(d - buf));
		if (e != NULL || at + (uint64_t)(buf + n - d) >= to) {
			size_t len = e ? (size_t)(e - d) : (size_t)(buf + n - d);
			ret = directive(ps, d, len, true, at, flags, gen_budget);
			continue;
		}
		/* The line goes on past the block: read its start on its own. */
		char line[LINE_MAX_LEN];
		size_t lw = to - at < sizeof(line) ? (size_t)(to - at) : sizeof(line);
		ssize_t lg = pread(in->fd, line, lw, (off_t)at);
		if (lg <= 0)
			return DV_EIO;
		const char *le = memchr(line, '\n', (size_t)lg);
		size_t len = le ? (size_t)(le - line) : (size_t)lg;
		ret = directive(ps, line, len, le != NULL || (size_t)lg == to - at, at, flags,
		                gen_budget);
	}
	return ret;
}

int dv_input_prescan(const dv_input_t *in, uint64_t from, uint64_t to, unsigned flags,
                     uint64_t gen_budget, dv_prescan_t *ps)
{
	*ps = (dv_prescan_t){.gen_over_at = UINT64_MAX};
	if (to > in->len)
		to = in->len;
	if (from >= to)
		return DV_OK;
	if (!read_from_file(in))
		return prescan_block(in, ps, in->data + from, (size_t)(to - from), from, to, true,
		                     flags, gen_budget);
	char *buf = malloc(BLOCK);
	if (buf == NULL)
		return DV_ENOMEM;
	int ret = DV_OK;
	bool line_start = true;
	for (uint64_t off = from; off < to && ret == DV_OK;) {
		size_t want = to - off < BLOCK ? (size_t)(to - off) : BLOCK;
		ssize_t got = pread(in->fd, buf, want, (off_t)off);
		if (got <= 0) {
			ret = DV_EIO;
			break;
		}
		size_t n = (size_t)got;
		ret = prescan_block(in, ps, buf, n, off, to, line_start, flags, gen_budget);
		line_start = buf[n - 1] == '\n';
		off += n;
	}
	free(buf);
	return ret;
}
