/*
 * The canary zone writer: a signed parent zone and one delegated child zone
 * per failure mode (canary/modes.c), signed by canary/sign.c, each with
 * exactly one fault.  Output layout: doc/canary.md.
 */
#include "canary/canary.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libknot/libknot.h>

#include "canary/sign.h"
#include "core/error.h"
#include "core/file.h"
#include "core/zone.h"
#include "dnssec/dnssec.h"

#define DAY             86400
#define MAX_TYPES       16
#define BIG_DNSKEY_KEYS 5

typedef struct {
	uint8_t owner[KNOT_DNAME_MAXLEN];
	uint16_t type;
	uint16_t rdlen;
	uint8_t *rdata;
} crec_t;

/* A zone under construction: records, then a chain, then signatures. */
typedef struct {
	crec_t *v;
	size_t len, cap;
	uint8_t apex[KNOT_DNAME_MAXLEN];
	char apex_str[KNOT_DNAME_TXT_MAXLEN + 1];
	uint32_t ttl;
} zb_t;

typedef struct {
	const dv_canary_opts_t *opts;
	char keys_dir[4096];
	int out_fd, keys_fd;             /* the directories, checked once (dv_dir_open_safe) */
	uint8_t zone[KNOT_DNAME_MAXLEN]; /* canary parent apex */
	uint8_t ns[KNOT_DNAME_MAXLEN];   /* ns1.<zone> */
	char zone_str[KNOT_DNAME_TXT_MAXLEN + 1];
	uint32_t ttl;
	char *err;
	size_t errlen;
} ctx_t;

__attribute__((format(printf, 2, 3))) static void seterr(ctx_t *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
}

static void zb_clear(zb_t *z)
{
	for (size_t i = 0; i < z->len; i++)
		free(z->v[i].rdata);
	free(z->v);
	memset(z, 0, sizeof(*z));
}

static int zb_add(zb_t *z, const uint8_t *owner, uint16_t type, const uint8_t *rdata, size_t rdlen)
{
	if (rdlen > 65535)
		return DV_ELIMIT;
	if (dv_array_grow(&z->v, &z->cap, z->len, sizeof(*z->v), 64) != DV_OK)
		return DV_ENOMEM;
	crec_t *r = &z->v[z->len];
	memcpy(r->owner, owner, knot_dname_size(owner));
	r->type = type;
	r->rdlen = (uint16_t)rdlen;
	r->rdata = malloc(rdlen ? rdlen : 1);
	if (r->rdata == NULL)
		return DV_ENOMEM;
	memcpy(r->rdata, rdata, rdlen);
	z->len++;
	return 0;
}

/* Canonical order (RFC 4034 §6.1, §6.3), each RRSIG right after what it covers. */
static uint16_t sort_type(const crec_t *r)
{
	if (r->type == KNOT_RRTYPE_RRSIG && r->rdlen >= 2)
		return dv_rrsig_type_covered(r->rdata, r->rdlen);
	return r->type;
}

static int crec_cmp(const void *pa, const void *pb)
{
	const crec_t *a = pa, *b = pb;
	int c = dv_dname_cmp(a->owner, b->owner);
	if (c != 0)
		return c;
	uint16_t ta = sort_type(a), tb = sort_type(b);
	if (ta != tb)
		return ta < tb ? -1 : 1;
	if ((a->type == KNOT_RRTYPE_RRSIG) != (b->type == KNOT_RRTYPE_RRSIG))
		return a->type == KNOT_RRTYPE_RRSIG ? 1 : -1;
	size_t m = a->rdlen < b->rdlen ? a->rdlen : b->rdlen;
	c = memcmp(a->rdata, b->rdata, m);
	if (c != 0)
		return c;
	return (int)a->rdlen - (int)b->rdlen;
}

static void zb_sort(zb_t *z)
{
	qsort(z->v, z->len, sizeof(*z->v), crec_cmp);
}

static size_t name_to_wire(const char *s, uint8_t *out)
{
	if (knot_dname_from_str(out, s, KNOT_DNAME_MAXLEN) == NULL)
		return 0;
	knot_dname_to_lower(out);
	return knot_dname_size(out);
}

/* owner = label.parent */
static int name_child(const char *label, const uint8_t *parent, uint8_t *out)
{
	size_t ll = strlen(label), pl = knot_dname_size(parent);
	if (ll == 0 || ll > 63 || 1 + ll + pl > KNOT_DNAME_MAXLEN)
		return DV_EINVAL;
	out[0] = (uint8_t)ll;
	memcpy(out + 1, label, ll);
	memcpy(out + 1 + ll, parent, pl);
	knot_dname_to_lower(out);
	return 0;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static int add_soa(ctx_t *c, zb_t *z)
{
	uint8_t rd[2 * KNOT_DNAME_MAXLEN + 20], rname[KNOT_DNAME_MAXLEN];
	if (name_child("hostmaster", z->apex, rname) != 0)
		return DV_EINVAL;
	size_t p = 0, l = knot_dname_size(c->ns);
	memcpy(rd + p, c->ns, l);
	p += l;
	l = knot_dname_size(rname);
	memcpy(rd + p, rname, l);
	p += l;
	/* Serial from --now: re-runs with the same --now write the same zone. */
	put32(rd + p, (uint32_t)c->opts->now);
	put32(rd + p + 4, 3600);
	put32(rd + p + 8, 600);
	put32(rd + p + 12, 864000);
	put32(rd + p + 16, 5); /* short negative TTL (RFC 2308 §5): audits re-run often */
	return zb_add(z, z->apex, KNOT_RRTYPE_SOA, rd, p + 20);
}

static int add_a(zb_t *z, const uint8_t *owner, const char *addr)
{
	uint8_t rd[16];
	if (inet_pton(AF_INET, addr, rd) == 1)
		return zb_add(z, owner, KNOT_RRTYPE_A, rd, 4);
	if (inet_pton(AF_INET6, addr, rd) == 1)
		return zb_add(z, owner, KNOT_RRTYPE_AAAA, rd, 16);
	return DV_EINVAL;
}

static int add_txt(zb_t *z, const uint8_t *owner, const char *text)
{
	uint8_t rd[256];
	size_t l = strlen(text);
	if (l > 255)
		l = 255;
	rd[0] = (uint8_t)l;
	memcpy(rd + 1, text, l);
	return zb_add(z, owner, KNOT_RRTYPE_TXT, rd, l + 1);
}

/* Types present at a name, sorted, de-duplicated. */
static size_t types_at(const zb_t *z, const uint8_t *owner, uint16_t *types)
{
	size_t n = 0;
	for (size_t i = 0; i < z->len; i++) {
		if (!knot_dname_is_equal(z->v[i].owner, owner))
			continue;
		uint16_t t = z->v[i].type;
		size_t k = 0;
		while (k < n && types[k] < t)
			k++;
		if (k < n && types[k] == t)
			continue;
		if (n == MAX_TYPES)
			break;
		memmove(types + k + 1, types + k, (n - k) * sizeof(*types));
		types[k] = t;
		n++;
	}
	return n;
}

static size_t add_type(uint16_t *types, size_t n, uint16_t t)
{
	size_t k = 0;
	while (k < n && types[k] < t)
		k++;
	if ((k < n && types[k] == t) || n == MAX_TYPES)
		return n;
	memmove(types + k + 1, types + k, (n - k) * sizeof(*types));
	types[k] = t;
	return n + 1;
}

static bool is_delegation(const zb_t *z, const uint8_t *owner)
{
	if (knot_dname_is_equal(owner, z->apex))
		return false;
	for (size_t i = 0; i < z->len; i++)
		if (z->v[i].type == KNOT_RRTYPE_NS && knot_dname_is_equal(z->v[i].owner, owner))
			return true;
	return false;
}

/* Distinct owner names in canonical order (z sorted).  Returns count. */
static size_t owners(const zb_t *z, size_t *idx)
{
	size_t n = 0;
	for (size_t i = 0; i < z->len; i++)
		if (n == 0 || !knot_dname_is_equal(z->v[idx[n - 1]].owner, z->v[i].owner))
			idx[n++] = i;
	return n;
}

/*
 * RFC 4034 §4, RFC 4035 §2.3: one NSEC per name, next name in canonical
 * order, the last pointing back at the apex.  `skip` (may be NULL) gets no
 * NSEC; `bad_next` (may be NULL) replaces the apex NSEC's next name.
 */
static int build_nsec(zb_t *z, const uint8_t *skip, const uint8_t *bad_next)
{
	zb_sort(z);
	size_t *idx = calloc(z->len + 1, sizeof(*idx));
	if (idx == NULL)
		return DV_ENOMEM;
	size_t n = owners(z, idx);
	uint8_t(*names)[KNOT_DNAME_MAXLEN] = calloc(n ? n : 1, sizeof(*names));
	if (names == NULL) {
		free(idx);
		return DV_ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		memcpy(names[i], z->v[idx[i]].owner, knot_dname_size(z->v[idx[i]].owner));
	free(idx);
	int ret = 0;
	for (size_t i = 0; i < n && ret == 0; i++) {
		if (skip != NULL && knot_dname_is_equal(names[i], skip))
			continue;
		uint16_t types[MAX_TYPES];
		size_t nt = types_at(z, names[i], types);
		nt = add_type(types, nt, KNOT_RRTYPE_NSEC);
		nt = add_type(types, nt, KNOT_RRTYPE_RRSIG);
		uint8_t rd[KNOT_DNAME_MAXLEN + 1024];
		const uint8_t *next = names[(i + 1) % n];
		if (bad_next != NULL && knot_dname_is_equal(names[i], z->apex))
			next = bad_next;
		size_t l = knot_dname_size(next);
		memcpy(rd, next, l);
		long bl = dv_bitmap_encode(types, nt, rd + l, sizeof(rd) - l);
		if (bl < 0) {
			ret = DV_EINVAL;
			break;
		}
		ret = zb_add(z, names[i], KNOT_RRTYPE_NSEC, rd, l + (size_t)bl);
	}
	free(names);
	return ret;
}

typedef struct {
	uint8_t hash[DV_NSEC3_HASH_LEN];
	uint8_t owner[KNOT_DNAME_MAXLEN];
} h3_t;

static int h3_cmp(const void *a, const void *b)
{
	return memcmp(((const h3_t *)a)->hash, ((const h3_t *)b)->hash, DV_NSEC3_HASH_LEN);
}

/* RFC 5155 §7.1: one NSEC3 per name (no empty non-terminals exist here),
 * no opt-out, empty salt (RFC 9276 §3.1), NSEC3PARAM at the apex. */
static int build_nsec3(zb_t *z, uint16_t iterations)
{
	uint8_t prd[5] = {1, 0, 0, 0, 0};
	put16(prd + 2, iterations);
	int ret = zb_add(z, z->apex, KNOT_RRTYPE_NSEC3PARAM, prd, sizeof(prd));
	if (ret != 0)
		return ret;
	zb_sort(z);
	size_t *idx = calloc(z->len + 1, sizeof(*idx));
	if (idx == NULL)
		return DV_ENOMEM;
	size_t n = owners(z, idx);
	h3_t *h = calloc(n ? n : 1, sizeof(*h));
	if (h == NULL) {
		free(idx);
		return DV_ENOMEM;
	}
	for (size_t i = 0; i < n && ret == 0; i++) {
		memcpy(h[i].owner, z->v[idx[i]].owner, knot_dname_size(z->v[idx[i]].owner));
		ret = dv_nsec3_hash(1, iterations, NULL, 0, h[i].owner, h[i].hash);
	}
	free(idx);
	if (ret != 0)
		goto out;
	qsort(h, n, sizeof(*h), h3_cmp);
	for (size_t i = 0; i < n && ret == 0; i++) {
		uint16_t types[MAX_TYPES];
		size_t nt = types_at(z, h[i].owner, types);
		nt = add_type(types, nt, KNOT_RRTYPE_RRSIG);
		uint8_t rd[6 + DV_NSEC3_HASH_LEN + 1024];
		rd[0] = 1; /* SHA-1 */
		rd[1] = 0; /* no opt-out */
		put16(rd + 2, iterations);
		rd[4] = 0; /* salt length */
		rd[5] = DV_NSEC3_HASH_LEN;
		memcpy(rd + 6, h[(i + 1) % n].hash, DV_NSEC3_HASH_LEN);
		size_t l = 6 + DV_NSEC3_HASH_LEN;
		long bl = dv_bitmap_encode(types, nt, rd + l, sizeof(rd) - l);
		char b32[64];
		uint8_t owner[KNOT_DNAME_MAXLEN];
		if (bl < 0 ||
		    dv_base32hex_encode(h[i].hash, DV_NSEC3_HASH_LEN, b32, sizeof(b32)) == 0 ||
		    name_child(b32, z->apex, owner) != 0) {
			ret = DV_EINVAL;
			break;
		}
		ret = zb_add(z, owner, KNOT_RRTYPE_NSEC3, rd, l + (size_t)bl);
	}
out:
	free(h);
	return ret;
}

typedef struct {
	int64_t inception, expiration;
} window_t;

/* Window policy of a zone: `all` for every RRset, `a` for the apex A. */
typedef struct {
	window_t all, apex_a;
	bool skip_apex_a, skip_dnskey, corrupt_apex_a;
} signpol_t;

static size_t labels_for_rrsig(const uint8_t *owner)
{
	size_t labels = knot_dname_labels(owner, NULL);
	/* RFC 4034 §3.1.3: a wildcard owner's '*' label is not counted. */
	if (owner[0] == 1 && owner[1] == '*')
		labels--;
	return labels;
}

static int sign_rrset(zb_t *z, const dv_signkey_t *key, size_t first, size_t n, window_t w,
                      bool corrupt, dv_buf_t *buf)
{
	const crec_t *r0 = &z->v[first];
	uint8_t rrsig[DV_RRSIG_FIXED_LEN + KNOT_DNAME_MAXLEN + DV_SIG_MAXLEN];
	put16(rrsig, r0->type);
	rrsig[2] = key->alg;
	rrsig[3] = (uint8_t)labels_for_rrsig(r0->owner);
	put32(rrsig + 4, z->ttl);
	/* RFC 4034 §3.1.5: 32-bit serial-number timestamps. */
	put32(rrsig + 8, (uint32_t)w.expiration);
	put32(rrsig + 12, (uint32_t)w.inception);
	put16(rrsig + 16, key->tag);
	size_t sl = knot_dname_size(z->apex);
	memcpy(rrsig + DV_RRSIG_FIXED_LEN, z->apex, sl);
	size_t pre = DV_RRSIG_FIXED_LEN + sl;

	const uint8_t *rds[512];
	uint16_t lens[512];
	if (n > 512)
		return DV_ELIMIT;
	for (size_t i = 0; i < n; i++) {
		rds[i] = z->v[first + i].rdata;
		lens[i] = z->v[first + i].rdlen;
	}
	uint8_t owner[KNOT_DNAME_MAXLEN];
	memcpy(owner, r0->owner, knot_dname_size(r0->owner));
	int ret = dv_sigdata_build(buf, rrsig, pre, owner, r0->type, rds, lens, n, false);
	if (ret != 0)
		return ret;
	size_t siglen = 0;
	ret = dv_signkey_sign(key, buf->data, buf->len, rrsig + pre, &siglen);
	if (ret != 0)
		return ret;
	if (corrupt)
		rrsig[pre + siglen / 2] ^= 0xff;
	return zb_add(z, owner, KNOT_RRTYPE_RRSIG, rrsig, pre + siglen);
}

/* Sign every authoritative RRset (RFC 4035 §2.2): not delegation NS, not RRSIG. */
static int sign_zone(zb_t *z, const dv_signkey_t *key, const signpol_t *pol)
{
	zb_sort(z);
	size_t nrec = z->len; /* signatures are appended past this point */
	dv_buf_t buf;
	dv_buf_init(&buf, 1u << 20);
	int ret = 0;
	for (size_t i = 0; i < nrec && ret == 0;) {
		size_t j = i + 1;
		while (j < nrec && z->v[j].type == z->v[i].type &&
		       knot_dname_is_equal(z->v[j].owner, z->v[i].owner))
			j++;
		const crec_t *r = &z->v[i];
		bool apex = knot_dname_is_equal(r->owner, z->apex);
		bool skip = r->type == KNOT_RRTYPE_RRSIG ||
		            (r->type == KNOT_RRTYPE_NS && is_delegation(z, r->owner)) ||
		            (apex && r->type == KNOT_RRTYPE_A && pol->skip_apex_a) ||
		            (r->type == KNOT_RRTYPE_DNSKEY && pol->skip_dnskey);
		if (!skip) {
			bool apex_a = apex && r->type == KNOT_RRTYPE_A;
			window_t w = apex_a ? pol->apex_a : pol->all;
			ret = sign_rrset(z, key, i, j - i, w, apex_a && pol->corrupt_apex_a, &buf);
		}
		i = j;
	}
	dv_buf_clear(&buf);
	return ret;
}

/* Start writing DIR/name: a fresh name in the directory, renamed over the
 * final one by close_out (core/file.h): a symbolic link planted at the
 * name is replaced, never followed, and a failed run keeps the old file. */
static int open_out(ctx_t *c, const char *name, dv_afile_t *af)
{
	char err[600];
	int r = dv_afile_openat(af, c->out_fd, c->opts->out_dir, name, 0644, err, sizeof(err));
	if (r != DV_OK)
		seterr(c, "%s", err);
	return r;
}

static int close_out(ctx_t *c, dv_afile_t *af, int ret)
{
	char err[600];
	if (ret != 0) {
		dv_afile_abort(af);
		return ret;
	}
	if (dv_afile_commit(af, err, sizeof(err)) != DV_OK) {
		seterr(c, "%s", err);
		return DV_EIO;
	}
	return 0;
}

static int write_zone(ctx_t *c, const zb_t *z, const char *file)
{
	dv_afile_t af;
	int n = open_out(c, file, &af);
	if (n != DV_OK)
		return n;
	FILE *f = af.f;
	knot_dump_style_t style = KNOT_DUMP_STYLE_DEFAULT;
	style.wrap = false;
	style.human_timestamp = true;
	style.now = (uint64_t)c->opts->now;
	size_t bufsize = 4096;
	char *buf = malloc(bufsize);
	int ret = buf == NULL ? DV_ENOMEM : 0;
	fprintf(f, "; %s - written by dnsvigil canary (doc/canary.md)\n", z->apex_str);
	/* Two passes: the SOA first, as operators expect, then canonical order. */
	for (int pass = 0; pass < 2 && ret == 0; pass++) {
		for (size_t i = 0; i < z->len; i++) {
			const crec_t *r = &z->v[i];
			bool soa = knot_dname_is_equal(r->owner, z->apex) &&
			           sort_type(r) == KNOT_RRTYPE_SOA;
			if (soa != (pass == 0))
				continue;
			knot_rrset_t rr;
			knot_rrset_init(&rr, (knot_dname_t *)r->owner, r->type, KNOT_CLASS_IN,
			                z->ttl);
			if (knot_rrset_add_rdata(&rr, r->rdata, r->rdlen, NULL) != KNOT_EOK) {
				ret = DV_ENOMEM;
				break;
			}
			int l = knot_rrset_txt_dump(&rr, &buf, &bufsize, &style);
			knot_rdataset_clear(&rr.rrs, NULL);
			if (l < 0) {
				seterr(c, "%s: cannot print a record", file);
				ret = DV_EINVAL;
				break;
			}
			fputs(buf, f);
		}
	}
	free(buf);
	return close_out(c, &af, ret);
}

/* RFC 4034 §5.1: tag, algorithm, digest type, digest. */
static size_t ds_rdata(const uint8_t *owner, const dv_signkey_t *k, uint8_t *rd)
{
	size_t dl = 0;
	if (dv_ds_digest(owner, k->rdata, k->rdlen, DV_DIGEST_SHA256, rd + 4, &dl) != 0)
		return 0;
	put16(rd, k->tag);
	rd[2] = k->alg;
	rd[3] = DV_DIGEST_SHA256;
	return 4 + dl;
}

static void zone_file_name(const char *apex_str, char *out, size_t len)
{
	size_t l = strlen(apex_str);
	if (l > 1 && apex_str[l - 1] == '.')
		l--;
	snprintf(out, len, "%.*s.zone", (int)l, apex_str);
}

static int key_for(ctx_t *c, const char *zone_str, int slot, uint8_t alg, uint16_t flags,
                   dv_signkey_t *k)
{
	char file[KNOT_DNAME_TXT_MAXLEN + 32];
	snprintf(file, sizeof(file), "%sk%d.pem", zone_str, slot);
	int ret = dv_signkey_load_or_new_at(c->keys_fd, c->keys_dir, file, alg, 2048, flags, k);
	if (ret != 0)
		seterr(c, "key %s/%s: %s", c->keys_dir, file, dv_strerror(ret));
	return ret;
}

/*
 * Build, sign and write the child of mode m.  Appends the DS RDATA the
 * parent must publish (none, or one) into ds/dslen.
 */
static int write_child(ctx_t *c, const dv_canary_mode_t *m, uint8_t *ds, size_t *dslen)
{
	zb_t z = {0};
	dv_signkey_t keys[BIG_DNSKEY_KEYS];
	size_t nkeys = 0;
	int ret;
	*dslen = 0;
	z.ttl = c->ttl;
	memset(keys, 0, sizeof(keys));
	if ((ret = name_child(m->label, c->zone, z.apex)) != 0)
		goto fail;
	knot_dname_to_str(z.apex_str, z.apex, sizeof(z.apex_str));

	char txt[256];
	snprintf(txt, sizeof(txt), "dnsvigil canary %s: %s; a validating resolver: %s", m->label,
	         m->title, dv_expect_name(m->expect));
	uint8_t www[KNOT_DNAME_MAXLEN], wild[KNOT_DNAME_MAXLEN], bad[KNOT_DNAME_MAXLEN];
	if ((ret = name_child("www", z.apex, www)) != 0 ||
	    (ret = name_child("*", z.apex, wild)) != 0 || (ret = name_child("b", z.apex, bad)) != 0)
		goto fail;
	if ((ret = add_soa(c, &z)) != 0 ||
	    (ret = zb_add(&z, z.apex, KNOT_RRTYPE_NS, c->ns, knot_dname_size(c->ns))) != 0 ||
	    (ret = add_a(&z, z.apex, "192.0.2.1")) != 0 || (ret = add_txt(&z, z.apex, txt)) != 0 ||
	    (ret = add_a(&z, www, "192.0.2.2")) != 0)
		goto fail;
	if (m->fault == DV_FAULT_WILDCARD_NO_PROOF && (ret = add_a(&z, wild, "192.0.2.3")) != 0)
		goto fail;

	if (m->fault == DV_FAULT_UNSIGNED)
		goto write;

	/* Keys: one CSK (alg 13), or for big-dnskey five RSA keys, one signing. */
	uint8_t alg = m->fault == DV_FAULT_BIG_DNSKEY ? DV_ALG_RSASHA256 : DV_ALG_ECDSAP256SHA256;
	uint16_t flags = m->fault == DV_FAULT_NO_ZONE_BIT ? 0 : 257;
	nkeys = m->fault == DV_FAULT_BIG_DNSKEY ? BIG_DNSKEY_KEYS : 1;
	for (size_t i = 0; i < nkeys; i++)
		if ((ret = key_for(c, z.apex_str, (int)i, alg, i == 0 ? flags : 256, &keys[i])) !=
		    0)
			goto fail;
	if (m->fault != DV_FAULT_NO_DNSKEY)
		for (size_t i = 0; i < nkeys; i++)
			if ((ret = zb_add(&z, z.apex, KNOT_RRTYPE_DNSKEY, keys[i].rdata,
			                  keys[i].rdlen)) != 0)
				goto fail;

	/* Denial of existence. */
	switch (m->fault) {
	case DV_FAULT_NSEC_NONE:
		break;
	case DV_FAULT_NSEC3:
		ret = build_nsec3(&z, (uint16_t)m->iterations);
		break;
	case DV_FAULT_NSEC_BAD_COVER:
		/* apex -> b: "nx" sorts after b, so the apex NSEC no longer covers it. */
		ret = build_nsec(&z, NULL, bad);
		break;
	case DV_FAULT_WILDCARD_NO_PROOF:
		/* "host" sorts between "*" and "www": the NSEC at "*" is the proof. */
		ret = build_nsec(&z, wild, NULL);
		break;
	default:
		ret = build_nsec(&z, NULL, NULL);
		break;
	}
	if (ret != 0)
		goto fail;

	int64_t now = c->opts->now;
	window_t ok = {now - DAY, now + 30 * DAY};
	signpol_t pol = {ok, ok, false, false, false};
	switch (m->fault) {
	case DV_FAULT_EXPIRED_ALL:
		pol.all = pol.apex_a = (window_t){now - 33 * DAY, now - 3 * DAY};
		break;
	case DV_FAULT_EXPIRED_ONE:
		pol.apex_a = (window_t){now - 33 * DAY, now - 3 * DAY};
		break;
	case DV_FAULT_NOT_YET:
		pol.all = pol.apex_a = (window_t){now + 3 * DAY, now + 33 * DAY};
		break;
	case DV_FAULT_INVERTED:
		pol.all = pol.apex_a = (window_t){now + 3 * DAY, now - 3 * DAY};
		break;
	case DV_FAULT_BAD_SIG:
		pol.corrupt_apex_a = true;
		break;
	case DV_FAULT_NO_RRSIG:
		pol.skip_apex_a = true;
		break;
	case DV_FAULT_NO_RRSIG_DNSKEY:
		pol.skip_dnskey = true;
		break;
	default:
		break;
	}
	if ((ret = sign_zone(&z, &keys[0], &pol)) != 0) {
		seterr(c, "%s: signing failed: %s", z.apex_str, dv_strerror(ret));
		goto fail;
	}

	/* The DS the parent publishes, with the mode's fault. */
	if (m->fault != DV_FAULT_ISLAND) {
		size_t l = ds_rdata(z.apex, &keys[0], ds);
		if (l == 0) {
			ret = DV_ECRYPTO;
			seterr(c, "%s: DS digest failed", z.apex_str);
			goto fail;
		}
		switch (m->fault) {
		case DV_FAULT_DS_BAD_DIGEST:
			ds[4 + 5] ^= 0xff;
			break;
		case DV_FAULT_DS_BAD_TAG:
			put16(ds, (uint16_t)(keys[0].tag + 1));
			break;
		case DV_FAULT_DS_BAD_ALG:
			ds[2] = DV_ALG_RSASHA256;
			break;
		case DV_FAULT_DS_UNKNOWN_DIGEST:
			ds[3] = 100; /* unassigned (IANA DS digest registry) */
			break;
		case DV_FAULT_DS_UNKNOWN_ALG:
			ds[2] = 100; /* unassigned (IANA DNSSEC algorithm registry) */
			break;
		default:
			break;
		}
		*dslen = l;
	}

write:
	zb_sort(&z);
	char file[KNOT_DNAME_TXT_MAXLEN + 8];
	zone_file_name(z.apex_str, file, sizeof(file));
	ret = write_zone(c, &z, file);
fail:
	for (size_t i = 0; i < BIG_DNSKEY_KEYS; i++)
		dv_signkey_clear(&keys[i]);
	zb_clear(&z);
	if (ret != 0 && c->err[0] == '\0')
		seterr(c, "%s: %s", m->label, dv_strerror(ret));
	return ret;
}

static int write_text(ctx_t *c, const char *name, const char *text)
{
	dv_afile_t af;
	int n = open_out(c, name, &af);
	if (n != DV_OK)
		return n;
	fputs(text, af.f);
	return close_out(c, &af, 0);
}

/* A growable text buffer for the small index files. */
typedef struct {
	char *s;
	size_t len, cap;
} sbuf_t;

__attribute__((format(printf, 2, 3))) static int sb_printf(sbuf_t *b, const char *fmt, ...)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return DV_EINVAL;
		if (b->s != NULL && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return 0;
		}
		size_t ncap = (b->cap + (size_t)n + 1) * 2;
		char *ns = realloc(b->s, ncap);
		if (ns == NULL)
			return DV_ENOMEM;
		b->s = ns;
		b->cap = ncap;
	}
	return DV_ENOMEM;
}

static int ds_text(ctx_t *c, const uint8_t *owner, const uint8_t *rd, size_t rdlen, sbuf_t *sb)
{
	knot_rrset_t rr;
	knot_rrset_init(&rr, (knot_dname_t *)owner, KNOT_RRTYPE_DS, KNOT_CLASS_IN, c->ttl);
	if (knot_rrset_add_rdata(&rr, rd, (uint16_t)rdlen, NULL) != KNOT_EOK)
		return DV_ENOMEM;
	size_t size = 1024;
	char *buf = malloc(size);
	if (buf == NULL) {
		knot_rdataset_clear(&rr.rrs, NULL);
		return DV_ENOMEM;
	}
	knot_dump_style_t style = KNOT_DUMP_STYLE_DEFAULT;
	style.wrap = false;
	int l = knot_rrset_txt_dump(&rr, &buf, &size, &style);
	knot_rdataset_clear(&rr.rrs, NULL);
	int ret = l < 0 ? DV_EINVAL : sb_printf(sb, "%s", buf);
	free(buf);
	return ret;
}

static const char *type_str(uint16_t t, char *buf, size_t len)
{
	if (knot_rrtype_to_string(t, buf, len) < 0)
		snprintf(buf, len, "TYPE%u", t);
	return buf;
}

int dv_canary_write(const dv_canary_opts_t *opts, char *errbuf, size_t errlen)
{
	ctx_t c = {.opts = opts, .err = errbuf, .errlen = errlen, .out_fd = -1, .keys_fd = -1};
	zb_t p = {0};
	dv_signkey_t pk = {0};
	sbuf_t zl = {0}, tsv = {0}, dsset = {0}, deleg = {0};
	int ret;
	errbuf[0] = '\0';
	c.ttl = opts->ttl ? opts->ttl : 30;
	if (opts->zone == NULL || name_to_wire(opts->zone, c.zone) == 0 ||
	    knot_dname_size(c.zone) + 64 > KNOT_DNAME_MAXLEN) {
		seterr(&c, "bad canary zone name '%s'", opts->zone ? opts->zone : "");
		return DV_EINVAL;
	}
	knot_dname_to_str(c.zone_str, c.zone, sizeof(c.zone_str));
	if (name_child("ns1", c.zone, c.ns) != 0)
		return DV_EINVAL;
	int n = opts->keys_dir ? snprintf(c.keys_dir, sizeof(c.keys_dir), "%s", opts->keys_dir)
	                       : snprintf(c.keys_dir, sizeof(c.keys_dir), "%s/keys", opts->out_dir);
	if (n < 0 || (size_t)n >= sizeof(c.keys_dir))
		return DV_EINVAL;
	/* Directories another user could write to, or that are another user's,
	 * would let them swap what is written there (issue 10 §14): refused.
	 * The keys directory, holding private keys, not even group-writable. */
	char derr[1200];
	c.out_fd = dv_dir_open_safe(opts->out_dir, DV_DIR_CREATE, 0755, derr, sizeof(derr));
	if (c.out_fd >= 0)
		c.keys_fd = dv_dir_open_safe(c.keys_dir, DV_DIR_CREATE | DV_DIR_NO_GROUP_W, 0700,
		                             derr, sizeof(derr));
	if (c.out_fd < 0 || c.keys_fd < 0) {
		seterr(&c, "%s", derr);
		if (c.out_fd >= 0)
			close(c.out_fd);
		return DV_EIO;
	}

	p.ttl = c.ttl;
	memcpy(p.apex, c.zone, knot_dname_size(c.zone));
	memcpy(p.apex_str, c.zone_str, sizeof(p.apex_str));
	if ((ret = add_soa(&c, &p)) != 0 ||
	    (ret = zb_add(&p, p.apex, KNOT_RRTYPE_NS, c.ns, knot_dname_size(c.ns))) != 0 ||
	    (ret = add_txt(&p, p.apex,
	                   "dnsvigil canary: one child zone per DNSSEC failure mode")) != 0)
		goto fail;
	for (size_t i = 0; i < opts->ns_addr_count; i++) {
		if ((ret = add_a(&p, c.ns, opts->ns_addrs[i])) != 0) {
			seterr(&c, "bad name server address '%s'", opts->ns_addrs[i]);
			goto fail;
		}
	}
	if ((ret = sb_printf(&tsv, "# mode\tqname\tqtype\texpect\tede\n")) != 0)
		goto fail;
	char pfile[KNOT_DNAME_TXT_MAXLEN + 8];
	zone_file_name(c.zone_str, pfile, sizeof(pfile));
	if ((ret = sb_printf(&zl, "%s %s\n", c.zone_str, pfile)) != 0)
		goto fail;

	for (size_t i = 0; i < dv_canary_mode_count; i++) {
		const dv_canary_mode_t *m = &dv_canary_modes[i];
		uint8_t ds[4 + DV_DIGEST_MAXLEN], child[KNOT_DNAME_MAXLEN];
		size_t dslen = 0;
		if ((ret = write_child(&c, m, ds, &dslen)) != 0)
			goto fail;
		if ((ret = name_child(m->label, c.zone, child)) != 0 ||
		    (ret = zb_add(&p, child, KNOT_RRTYPE_NS, c.ns, knot_dname_size(c.ns))) != 0)
			goto fail;
		if (dslen > 0 && (ret = zb_add(&p, child, KNOT_RRTYPE_DS, ds, dslen)) != 0)
			goto fail;
		char cstr[KNOT_DNAME_TXT_MAXLEN + 1], cfile[KNOT_DNAME_TXT_MAXLEN + 8];
		char qname[KNOT_DNAME_TXT_MAXLEN + 16], tbuf[32], expect[32], ede[16];
		knot_dname_to_str(cstr, child, sizeof(cstr));
		zone_file_name(cstr, cfile, sizeof(cfile));
		if ((ret = dv_canary_qname(m, c.zone_str, qname, sizeof(qname))) != 0)
			goto fail;
		if (m->expect == DV_EXPECT_NSEC3)
			snprintf(expect, sizeof(expect), "nsec3-iter-%d", m->iterations);
		else
			snprintf(expect, sizeof(expect), "%s", dv_expect_name(m->expect));
		if (m->ede >= 0)
			snprintf(ede, sizeof(ede), "%d", m->ede);
		else
			snprintf(ede, sizeof(ede), "-");
		if ((ret = sb_printf(&zl, "%s %s\n", cstr, cfile)) != 0 ||
		    (ret = sb_printf(&tsv, "%s\t%s\t%s\t%s\t%s\n", m->label, qname,
		                     type_str(m->qtype, tbuf, sizeof(tbuf)), expect, ede)) != 0)
			goto fail;
	}

	if ((ret = key_for(&c, c.zone_str, 0, DV_ALG_ECDSAP256SHA256, 257, &pk)) != 0)
		goto fail;
	if ((ret = zb_add(&p, p.apex, KNOT_RRTYPE_DNSKEY, pk.rdata, pk.rdlen)) != 0 ||
	    (ret = build_nsec(&p, NULL, NULL)) != 0)
		goto fail;
	int64_t now = opts->now;
	signpol_t pol = {
	    {now - DAY, now + 30 * DAY}, {now - DAY, now + 30 * DAY}, false, false, false};
	if ((ret = sign_zone(&p, &pk, &pol)) != 0) {
		seterr(&c, "%s: signing failed: %s", c.zone_str, dv_strerror(ret));
		goto fail;
	}
	zb_sort(&p);
	if ((ret = write_zone(&c, &p, pfile)) != 0)
		goto fail;

	/* What the parent's parent publishes: DS (dsset), NS and glue (delegation). */
	uint8_t pds[4 + DV_DIGEST_MAXLEN];
	size_t pdslen = ds_rdata(c.zone, &pk, pds);
	if (pdslen == 0) {
		ret = DV_ECRYPTO;
		goto fail;
	}
	if ((ret = ds_text(&c, c.zone, pds, pdslen, &dsset)) != 0)
		goto fail;
	char nsstr[KNOT_DNAME_TXT_MAXLEN + 1];
	knot_dname_to_str(nsstr, c.ns, sizeof(nsstr));
	if ((ret = sb_printf(&deleg, "%s %u IN NS %s\n", c.zone_str, c.ttl, nsstr)) != 0)
		goto fail;
	for (size_t i = 0; i < opts->ns_addr_count; i++) {
		bool v6 = strchr(opts->ns_addrs[i], ':') != NULL;
		if ((ret = sb_printf(&deleg, "%s %u IN %s %s\n", nsstr, c.ttl, v6 ? "AAAA" : "A",
		                     opts->ns_addrs[i])) != 0)
			goto fail;
	}
	if ((ret = write_text(&c, "dsset", dsset.s)) != 0 ||
	    (ret = write_text(&c, "delegation", deleg.s)) != 0 ||
	    (ret = write_text(&c, "zones.list", zl.s)) != 0 ||
	    (ret = write_text(&c, "modes.tsv", tsv.s)) != 0)
		goto fail;
fail:
	if (ret != 0 && errbuf[0] == '\0')
		seterr(&c, "%s", dv_strerror(ret));
	dv_signkey_clear(&pk);
	zb_clear(&p);
	free(zl.s);
	free(tsv.s);
	free(dsset.s);
	free(deleg.s);
	close(c.out_fd);
	close(c.keys_fd);
	return ret;
}
