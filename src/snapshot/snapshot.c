/* Snapshot model and its JSON form (doc/check.md). */
#include "snapshot/snapshot.h"

#include <errno.h>
#include <jansson.h>
#include <libknot/libknot.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

/* Grow an array of `size`-byte elements to hold one more; bounded. */
static int grow(void **v, size_t *cap, size_t len, size_t size, size_t max)
{
	if (len < *cap)
		return DV_OK;
	if (len >= max)
		return DV_ELIMIT;
	size_t ncap = *cap ? *cap * 2 : 16;
	if (ncap > max)
		ncap = max;
	void *n = realloc(*v, ncap * size);
	if (n == NULL)
		return DV_ENOMEM;
	*v = n;
	*cap = ncap;
	return DV_OK;
}

static const char *arena_str(dv_arena_t *a, const char *s)
{
	return dv_arena_dup(a, s, strlen(s) + 1);
}

int dv_snapshot_new(dv_snapshot_t **out)
{
	dv_snapshot_t *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return DV_ENOMEM;
	dv_arena_init(&s->arena, 256 * 1024);
	*out = s;
	return DV_OK;
}

void dv_snapshot_free(dv_snapshot_t *snap)
{
	if (snap == NULL)
		return;
	for (size_t i = 0; i < snap->nzones; i++)
		free(snap->zones[i].servers);
	free(snap->domains);
	free(snap->anchors);
	free(snap->servers);
	free(snap->zones);
	free(snap->queries);
	dv_arena_clear(&snap->arena);
	free(snap);
}

void dv_snap_dname_str(const uint8_t *dname, char *buf, size_t len)
{
	if (len == 0)
		return;
	if (dname == NULL || knot_dname_to_str(buf, dname, len) == NULL)
		snprintf(buf, len, "?");
}

int dv_snap_dname_parse(const char *text, uint8_t out[255])
{
	if (text == NULL || *text == '\0' || strlen(text) > 1024)
		return DV_EPARSE;
	if (knot_dname_from_str(out, text, 255) == NULL)
		return DV_EPARSE;
	knot_dname_to_lower(out);
	return DV_OK;
}

int dv_snapshot_add_domain(dv_snapshot_t *snap, const char *domain)
{
	int r = grow((void **)&snap->domains, &snap->domains_cap, snap->ndomains,
	             sizeof(*snap->domains), DV_SNAP_MAX_DOMAINS);
	if (r != DV_OK)
		return r;
	const char *d = arena_str(&snap->arena, domain);
	if (d == NULL)
		return DV_ENOMEM;
	snap->domains[snap->ndomains++] = d;
	return DV_OK;
}

int dv_snapshot_add_anchor(dv_snapshot_t *snap, const uint8_t *owner, uint16_t type, uint32_t ttl,
                           const uint8_t *rdata, uint16_t rdlen)
{
	int r = grow((void **)&snap->anchors, &snap->anchors_cap, snap->nanchors,
	             sizeof(*snap->anchors), DV_SNAP_MAX_ANCHORS);
	if (r != DV_OK)
		return r;
	dv_snap_anchor_t a = {.type = type, .ttl = ttl, .rdlen = rdlen};
	a.owner = dv_arena_dup(&snap->arena, owner, knot_dname_size(owner));
	a.rdata =
	    rdlen ? dv_arena_dup(&snap->arena, rdata, rdlen) : dv_arena_alloc(&snap->arena, 1);
	if (a.owner == NULL || a.rdata == NULL)
		return DV_ENOMEM;
	snap->anchors[snap->nanchors++] = a;
	return DV_OK;
}

int dv_snapshot_server(dv_snapshot_t *snap, const char *name, const char *addr, uint32_t *idx)
{
	if (name == NULL)
		name = "";
	if (strlen(addr) >= DV_SNAP_ADDR_MAX)
		return DV_EINVAL;
	for (size_t i = 0; i < snap->nservers; i++) {
		if (strcmp(snap->servers[i].addr, addr) == 0 &&
		    strcasecmp(snap->servers[i].name, name) == 0) {
			*idx = (uint32_t)i;
			return DV_OK;
		}
	}
	int r = grow((void **)&snap->servers, &snap->servers_cap, snap->nservers,
	             sizeof(*snap->servers), DV_SNAP_MAX_SERVERS);
	if (r != DV_OK)
		return r;
	dv_snap_server_t *s = &snap->servers[snap->nservers];
	memset(s, 0, sizeof(*s));
	s->name = arena_str(&snap->arena, name);
	if (s->name == NULL)
		return DV_ENOMEM;
	memcpy(s->addr, addr, strlen(addr) + 1);
	*idx = (uint32_t)snap->nservers++;
	return DV_OK;
}

long dv_snapshot_zone_find(const dv_snapshot_t *snap, const uint8_t *dname)
{
	for (size_t i = 0; i < snap->nzones; i++)
		if (knot_dname_is_case_equal(snap->zones[i].dname, dname))
			return (long)i;
	return -1;
}

int dv_snapshot_zone(dv_snapshot_t *snap, const uint8_t *dname, long parent, uint32_t *idx)
{
	long f = dv_snapshot_zone_find(snap, dname);
	if (f >= 0) {
		*idx = (uint32_t)f;
		return DV_OK;
	}
	if (parent >= (long)snap->nzones)
		return DV_EINVAL;
	int r = grow((void **)&snap->zones, &snap->zones_cap, snap->nzones, sizeof(*snap->zones),
	             DV_SNAP_MAX_ZONES);
	if (r != DV_OK)
		return r;
	dv_snap_zone_t *z = &snap->zones[snap->nzones];
	memset(z, 0, sizeof(*z));
	size_t n = knot_dname_size(dname);
	if (n == 0 || n > 255)
		return DV_EINVAL;
	memcpy(z->dname, dname, n);
	knot_dname_to_lower(z->dname);
	char buf[1025];
	dv_snap_dname_str(z->dname, buf, sizeof(buf));
	z->name = arena_str(&snap->arena, buf);
	if (z->name == NULL)
		return DV_ENOMEM;
	z->parent = parent;
	*idx = (uint32_t)snap->nzones++;
	return DV_OK;
}

int dv_snapshot_zone_add_server(dv_snapshot_t *snap, uint32_t zone, uint32_t server)
{
	if (zone >= snap->nzones || server >= snap->nservers)
		return DV_EINVAL;
	dv_snap_zone_t *z = &snap->zones[zone];
	for (size_t i = 0; i < z->nservers; i++)
		if (z->servers[i] == server)
			return DV_OK;
	int r = grow((void **)&z->servers, &z->cap, z->nservers, sizeof(*z->servers),
	             DV_SNAP_MAX_ZONE_SERVERS);
	if (r != DV_OK)
		return r;
	z->servers[z->nservers++] = server;
	return DV_OK;
}

int dv_snapshot_add_query(dv_snapshot_t *snap, const dv_snap_query_t *q, uint32_t *idx)
{
	if (q->zone >= snap->nzones || q->server >= snap->nservers || q->qname == NULL)
		return DV_EINVAL;
	int r = grow((void **)&snap->queries, &snap->queries_cap, snap->nqueries,
	             sizeof(*snap->queries), DV_SNAP_MAX_QUERIES);
	if (r != DV_OK)
		return r;
	dv_snap_query_t c = *q;
	c.qname = dv_arena_dup(&snap->arena, q->qname, knot_dname_size(q->qname));
	if (c.qname == NULL)
		return DV_ENOMEM;
	if (q->wire != NULL && q->status == DV_SNAP_OK) {
		c.wire = q->len ? dv_arena_dup(&snap->arena, q->wire, q->len)
		                : dv_arena_alloc(&snap->arena, 1);
		if (c.wire == NULL)
			return DV_ENOMEM;
	} else {
		c.wire = NULL;
		c.len = 0;
	}
	snap->queries[snap->nqueries] = c;
	if (idx != NULL)
		*idx = (uint32_t)snap->nqueries;
	snap->nqueries++;
	return DV_OK;
}

/* ---- JSON writer ---------------------------------------------------------- */

static const char *status_names[] = {"ok", "timeout", "neterror", "badreply"};
static const struct {
	const char *name;
	unsigned flag;
} flag_names[] = {
    {"DO", 1 << 0},  {"CD", 1 << 1},      {"RD", 1 << 2},
    {"TCP", 1 << 3}, {"NO_EDNS", 1 << 4}, {"NO_TCP_FALLBACK", 1 << 5},
    {"AD", 1 << 6},
};
#define NFLAGS (sizeof(flag_names) / sizeof(flag_names[0]))

static json_t *b64(const uint8_t *data, size_t len)
{
	size_t n = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
	char *buf = malloc(n);
	if (buf == NULL)
		return NULL;
	sodium_bin2base64(buf, n, data, len, sodium_base64_VARIANT_ORIGINAL);
	json_t *j = json_string(buf);
	free(buf);
	return j;
}

static json_t *type_json(uint16_t type)
{
	char buf[32];
	if (knot_rrtype_to_string(type, buf, sizeof(buf)) < 0)
		snprintf(buf, sizeof(buf), "TYPE%u", type);
	return json_string(buf);
}

/* json_object_set_new that remembers a failure instead of checking each call. */
static void set(json_t *o, const char *k, json_t *v, bool *bad)
{
	if (v == NULL || json_object_set_new(o, k, v) != 0)
		*bad = true;
}

static json_t *snapshot_json(const dv_snapshot_t *snap)
{
	bool bad = false;
	char buf[1025];
	json_t *root = json_object();
	if (root == NULL)
		return NULL;
	set(root, "dnsvigil_snapshot", json_integer(DV_SNAP_VERSION), &bad);
	set(root, "time", json_integer(snap->time), &bad);
	set(root, "probe_ms", json_integer(snap->probe_ms), &bad);

	json_t *a = json_array();
	for (size_t i = 0; a && i < snap->ndomains; i++)
		if (json_array_append_new(a, json_string(snap->domains[i])) != 0)
			bad = true;
	set(root, "domains", a, &bad);

	a = json_array();
	for (size_t i = 0; a && i < snap->nanchors; i++) {
		const dv_snap_anchor_t *an = &snap->anchors[i];
		json_t *o = json_object();
		dv_snap_dname_str(an->owner, buf, sizeof(buf));
		set(o, "owner", json_string(buf), &bad);
		set(o, "type", type_json(an->type), &bad);
		set(o, "ttl", json_integer(an->ttl), &bad);
		set(o, "rdata", b64(an->rdata, an->rdlen), &bad);
		if (o == NULL || json_array_append_new(a, o) != 0)
			bad = true;
	}
	set(root, "trust_anchors", a, &bad);

	a = json_array();
	for (size_t i = 0; a && i < snap->nservers; i++) {
		json_t *o = json_object();
		set(o, "name", json_string(snap->servers[i].name), &bad);
		set(o, "address", json_string(snap->servers[i].addr), &bad);
		if (o == NULL || json_array_append_new(a, o) != 0)
			bad = true;
	}
	set(root, "servers", a, &bad);

	a = json_array();
	for (size_t i = 0; a && i < snap->nzones; i++) {
		const dv_snap_zone_t *z = &snap->zones[i];
		json_t *o = json_object();
		set(o, "name", json_string(z->name), &bad);
		set(o, "parent",
		    z->parent < 0 ? json_null() : json_string(snap->zones[z->parent].name), &bad);
		json_t *sv = json_array();
		for (size_t k = 0; sv && k < z->nservers; k++)
			if (json_array_append_new(sv, json_integer(z->servers[k])) != 0)
				bad = true;
		set(o, "servers", sv, &bad);
		if (o == NULL || json_array_append_new(a, o) != 0)
			bad = true;
	}
	set(root, "zones", a, &bad);

	a = json_array();
	for (size_t i = 0; a && i < snap->nqueries && !bad; i++) {
		const dv_snap_query_t *q = &snap->queries[i];
		json_t *o = json_object();
		set(o, "zone", json_string(snap->zones[q->zone].name), &bad);
		set(o, "side", json_string(q->side == DV_SIDE_PARENT ? "parent" : "child"), &bad);
		set(o, "server", json_integer(q->server), &bad);
		dv_snap_dname_str(q->qname, buf, sizeof(buf));
		set(o, "qname", json_string(buf), &bad);
		set(o, "qtype", type_json(q->qtype), &bad);
		json_t *fl = json_array();
		for (size_t k = 0; fl && k < NFLAGS; k++)
			if ((q->flags & flag_names[k].flag) &&
			    json_array_append_new(fl, json_string(flag_names[k].name)) != 0)
				bad = true;
		set(o, "flags", fl, &bad);
		set(o, "status", json_string(status_names[q->status < 4 ? q->status : 3]), &bad);
		set(o, "tcp", json_boolean(q->tcp), &bad);
		set(o, "udp_truncated", json_boolean(q->udp_truncated), &bad);
		set(o, "udp_failed", json_boolean(q->udp_failed), &bad);
		set(o, "rtt_ms", json_integer(q->rtt_ms), &bad);
		set(o, "attempts", json_integer(q->attempts), &bad);
		set(o, "t_ms", json_integer(q->t_ms), &bad);
		if (q->wire != NULL)
			set(o, "wire", b64(q->wire, q->len), &bad);
		if (o == NULL || json_array_append_new(a, o) != 0)
			bad = true;
	}
	set(root, "queries", a, &bad);
	if (bad) {
		json_decref(root);
		return NULL;
	}
	return root;
}

int dv_snapshot_write(const dv_snapshot_t *snap, FILE *out)
{
	json_t *j = snapshot_json(snap);
	if (j == NULL)
		return DV_ENOMEM;
	int r = json_dumpf(j, out, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (r != 0 || fputc('\n', out) == EOF)
		return DV_EIO;
	return DV_OK;
}

int dv_snapshot_save(const dv_snapshot_t *snap, const char *path)
{
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return DV_EIO;
	int r = dv_snapshot_write(snap, f);
	if (fclose(f) != 0 && r == DV_OK)
		r = DV_EIO;
	return r;
}

/* ---- JSON reader ---------------------------------------------------------- */

typedef struct {
	char *err;
	size_t errlen;
	const char *label;
	uint8_t *scratch;  /*!< DV_SCRATCH bytes: one decoded message or RDATA */
	uint32_t *zsorted; /*!< zone indexes in canonical name order (query lookups) */
} rd_t;
#define DV_SCRATCH (65536 + 4)

__attribute__((format(printf, 2, 3))) static int rd_fail(rd_t *rd, const char *fmt, ...)
{
	char msg[384];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (rd->errlen)
		snprintf(rd->err, rd->errlen, "%s: %s", rd->label, msg);
	return DV_EPARSE;
}

static int get_int(rd_t *rd, json_t *o, const char *key, const char *ctx, int64_t min, int64_t max,
                   int64_t *out)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_integer(v))
		return rd_fail(rd, "%s: \"%s\" must be an integer", ctx, key);
	json_int_t x = json_integer_value(v);
	if (x < min || x > max)
		return rd_fail(rd, "%s: \"%s\" out of range", ctx, key);
	*out = x;
	return DV_OK;
}

static int get_str(rd_t *rd, json_t *o, const char *key, const char *ctx, const char **out)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_string(v))
		return rd_fail(rd, "%s: \"%s\" must be a string", ctx, key);
	*out = json_string_value(v);
	if (strlen(*out) != json_string_length(v))
		return rd_fail(rd, "%s: \"%s\" contains NUL", ctx, key);
	return DV_OK;
}

static int get_bool(rd_t *rd, json_t *o, const char *key, const char *ctx, bool *out)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_boolean(v))
		return rd_fail(rd, "%s: \"%s\" must be true or false", ctx, key);
	*out = json_is_true(v);
	return DV_OK;
}

static int get_type(rd_t *rd, json_t *o, const char *key, const char *ctx, uint16_t *out)
{
	const char *s = NULL;
	if (get_str(rd, o, key, ctx, &s) != DV_OK)
		return DV_EPARSE;
	if (strlen(s) > 20 || knot_rrtype_from_string(s, out) != 0)
		return rd_fail(rd, "%s: unknown RR type \"%.20s\"", ctx, s);
	return DV_OK;
}

static int get_name(rd_t *rd, json_t *o, const char *key, const char *ctx, uint8_t out[255])
{
	const char *s = NULL;
	if (get_str(rd, o, key, ctx, &s) != DV_OK)
		return DV_EPARSE;
	if (dv_snap_dname_parse(s, out) != DV_OK)
		return rd_fail(rd, "%s: \"%s\" is not a domain name", ctx, key);
	return DV_OK;
}

/* Base64 into buf (bufsize >= max + 4); bounded by max. */
static int get_b64(rd_t *rd, json_t *o, const char *key, const char *ctx, uint8_t *buf,
                   size_t bufsize, size_t max, uint16_t *outlen)
{
	const char *s = NULL;
	if (get_str(rd, o, key, ctx, &s) != DV_OK)
		return DV_EPARSE;
	size_t slen = strlen(s);
	if (slen / 4 * 3 > max + 3)
		return rd_fail(rd, "%s: \"%s\" too long", ctx, key);
	size_t n = 0;
	if (sodium_base642bin(buf, bufsize, s, slen, NULL, &n, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    n > max)
		return rd_fail(rd, "%s: \"%s\" is not valid base64", ctx, key);
	*outlen = (uint16_t)n;
	return DV_OK;
}

static int check_keys(rd_t *rd, json_t *o, const char *ctx, const char *const *allowed)
{
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v)
	{
		bool ok = false;
		for (size_t i = 0; allowed[i] != NULL; i++)
			if (strcmp(k, allowed[i]) == 0)
				ok = true;
		if (!ok)
			return rd_fail(rd, "%s: unknown member \"%.40s\"", ctx, k);
	}
	return DV_OK;
}

static int zone_cmp(const void *a, const void *b, void *arg)
{
	const dv_snapshot_t *s = arg;
	return knot_dname_cmp(s->zones[*(const uint32_t *)a].dname,
	                      s->zones[*(const uint32_t *)b].dname);
}

/* Binary search of the (lowercase) zone names: snapshots of many zones hold
 * many more queries, each naming its zone. */
static long zone_lookup(rd_t *rd, const dv_snapshot_t *s, const uint8_t *name)
{
	size_t lo = 0, hi = s->nzones;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = knot_dname_cmp(s->zones[rd->zsorted[mid]].dname, name);
		if (c == 0)
			return (long)rd->zsorted[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int read_query(rd_t *rd, dv_snapshot_t *s, json_t *o, size_t i)
{
	static const char *const keys[] = {
	    "zone",          "side",       "server", "qname",    "qtype", "flags", "status", "tcp",
	    "udp_truncated", "udp_failed", "rtt_ms", "attempts", "t_ms",  "wire",  NULL};
	char ctx[48];
	snprintf(ctx, sizeof(ctx), "queries[%zu]", i);
	if (!json_is_object(o))
		return rd_fail(rd, "%s: not an object", ctx);
	if (check_keys(rd, o, ctx, keys) != DV_OK)
		return DV_EPARSE;
	dv_snap_query_t q = {0};
	uint8_t zname[255], qname[255];
	const char *str = NULL;
	int64_t v = 0;
	if (get_name(rd, o, "zone", ctx, zname) != DV_OK)
		return DV_EPARSE;
	long z = zone_lookup(rd, s, zname);
	if (z < 0)
		return rd_fail(rd, "%s: zone is not in \"zones\"", ctx);
	q.zone = (uint32_t)z;
	if (get_str(rd, o, "side", ctx, &str) != DV_OK)
		return DV_EPARSE;
	if (strcmp(str, "parent") == 0)
		q.side = DV_SIDE_PARENT;
	else if (strcmp(str, "child") == 0)
		q.side = DV_SIDE_CHILD;
	else
		return rd_fail(rd, "%s: \"side\" must be \"parent\" or \"child\"", ctx);
	if (get_int(rd, o, "server", ctx, 0, (int64_t)s->nservers - 1, &v) != DV_OK)
		return DV_EPARSE;
	q.server = (uint32_t)v;
	if (get_name(rd, o, "qname", ctx, qname) != DV_OK ||
	    get_type(rd, o, "qtype", ctx, &q.qtype) != DV_OK)
		return DV_EPARSE;
	q.qname = qname;
	json_t *fl = json_object_get(o, "flags");
	if (!json_is_array(fl) || json_array_size(fl) > NFLAGS)
		return rd_fail(rd, "%s: \"flags\" must be an array of flag names", ctx);
	for (size_t k = 0; k < json_array_size(fl); k++) {
		const char *f = json_string_value(json_array_get(fl, k));
		size_t m = 0;
		while (f != NULL && m < NFLAGS && strcmp(f, flag_names[m].name) != 0)
			m++;
		if (f == NULL || m == NFLAGS)
			return rd_fail(rd, "%s: unknown flag", ctx);
		q.flags |= flag_names[m].flag;
	}
	if (get_str(rd, o, "status", ctx, &str) != DV_OK)
		return DV_EPARSE;
	size_t st = 0;
	while (st < 4 && strcmp(str, status_names[st]) != 0)
		st++;
	if (st == 4)
		return rd_fail(rd, "%s: unknown \"status\"", ctx);
	q.status = (uint8_t)st;
	if (get_bool(rd, o, "tcp", ctx, &q.tcp) != DV_OK ||
	    get_bool(rd, o, "udp_truncated", ctx, &q.udp_truncated) != DV_OK ||
	    get_bool(rd, o, "udp_failed", ctx, &q.udp_failed) != DV_OK)
		return DV_EPARSE;
	if (get_int(rd, o, "rtt_ms", ctx, 0, UINT16_MAX, &v) != DV_OK)
		return DV_EPARSE;
	q.rtt_ms = (uint16_t)v;
	if (get_int(rd, o, "attempts", ctx, 0, UINT16_MAX, &v) != DV_OK)
		return DV_EPARSE;
	q.attempts = (uint16_t)v;
	if (get_int(rd, o, "t_ms", ctx, 0, UINT32_MAX, &v) != DV_OK)
		return DV_EPARSE;
	q.t_ms = (uint32_t)v;
	if (q.status == DV_SNAP_OK) {
		if (get_b64(rd, o, "wire", ctx, rd->scratch, DV_SCRATCH, 65535, &q.len) != DV_OK)
			return DV_EPARSE;
		q.wire = rd->scratch;
		if (q.len < 12)
			return rd_fail(rd, "%s: \"wire\" shorter than a DNS header", ctx);
	} else if (json_object_get(o, "wire") != NULL) {
		return rd_fail(rd, "%s: \"wire\" present without status \"ok\"", ctx);
	}
	int r = dv_snapshot_add_query(s, &q, NULL);
	if (r == DV_ELIMIT)
		return rd_fail(rd, "too many queries");
	return r;
}

static int read_root(rd_t *rd, dv_snapshot_t *s, json_t *root)
{
	static const char *const keys[] = {
	    "dnsvigil_snapshot", "time",  "probe_ms", "domains", "trust_anchors",
	    "servers",           "zones", "queries",  NULL};
	int64_t v = 0;
	int r;
	if (!json_is_object(root))
		return rd_fail(rd, "not a JSON object");
	if (check_keys(rd, root, "snapshot", keys) != DV_OK)
		return DV_EPARSE;
	if (get_int(rd, root, "dnsvigil_snapshot", "snapshot", 1, 1000, &v) != DV_OK)
		return DV_EPARSE;
	if (v != DV_SNAP_VERSION)
		return rd_fail(rd, "unsupported snapshot version %lld", (long long)v);
	/* Times beyond year 9999 make no sense and would overflow time formatting. */
	if (get_int(rd, root, "time", "snapshot", 0, 253402300799LL, &s->time) != DV_OK)
		return DV_EPARSE;
	if (get_int(rd, root, "probe_ms", "snapshot", 0, UINT32_MAX, &v) != DV_OK)
		return DV_EPARSE;
	s->probe_ms = (uint32_t)v;

	json_t *a = json_object_get(root, "domains");
	if (!json_is_array(a))
		return rd_fail(rd, "\"domains\" must be an array");
	for (size_t i = 0; i < json_array_size(a); i++) {
		const char *d = json_string_value(json_array_get(a, i));
		uint8_t w[255];
		if (d == NULL || dv_snap_dname_parse(d, w) != DV_OK)
			return rd_fail(rd, "domains[%zu]: not a domain name", i);
		if ((r = dv_snapshot_add_domain(s, d)) != DV_OK)
			return r == DV_ELIMIT ? rd_fail(rd, "too many domains") : r;
	}

	a = json_object_get(root, "trust_anchors");
	if (!json_is_array(a))
		return rd_fail(rd, "\"trust_anchors\" must be an array");
	for (size_t i = 0; i < json_array_size(a); i++) {
		static const char *const ak[] = {"owner", "type", "ttl", "rdata", NULL};
		json_t *o = json_array_get(a, i);
		char ctx[48];
		snprintf(ctx, sizeof(ctx), "trust_anchors[%zu]", i);
		if (!json_is_object(o))
			return rd_fail(rd, "%s: not an object", ctx);
		uint8_t owner[255];
		uint16_t type, rdlen;
		uint8_t *rdata = rd->scratch;
		if (check_keys(rd, o, ctx, ak) != DV_OK ||
		    get_name(rd, o, "owner", ctx, owner) != DV_OK ||
		    get_type(rd, o, "type", ctx, &type) != DV_OK ||
		    get_int(rd, o, "ttl", ctx, 0, UINT32_MAX, &v) != DV_OK ||
		    get_b64(rd, o, "rdata", ctx, rdata, DV_SCRATCH, 65535, &rdlen) != DV_OK)
			return DV_EPARSE;
		if (type != KNOT_RRTYPE_DS && type != KNOT_RRTYPE_DNSKEY)
			return rd_fail(rd, "%s: type must be DS or DNSKEY", ctx);
		if ((r = dv_snapshot_add_anchor(s, owner, type, (uint32_t)v, rdata, rdlen)) !=
		    DV_OK)
			return r == DV_ELIMIT ? rd_fail(rd, "too many trust anchors") : r;
	}

	a = json_object_get(root, "servers");
	if (!json_is_array(a))
		return rd_fail(rd, "\"servers\" must be an array");
	for (size_t i = 0; i < json_array_size(a); i++) {
		static const char *const sk[] = {"name", "address", NULL};
		json_t *o = json_array_get(a, i);
		char ctx[48];
		snprintf(ctx, sizeof(ctx), "servers[%zu]", i);
		const char *name = NULL, *addr = NULL;
		if (!json_is_object(o))
			return rd_fail(rd, "%s: not an object", ctx);
		if (check_keys(rd, o, ctx, sk) != DV_OK ||
		    get_str(rd, o, "name", ctx, &name) != DV_OK ||
		    get_str(rd, o, "address", ctx, &addr) != DV_OK)
			return DV_EPARSE;
		uint8_t w[255];
		if (*name != '\0' && dv_snap_dname_parse(name, w) != DV_OK)
			return rd_fail(rd, "%s: \"name\" is not a domain name", ctx);
		if (*addr == '\0' || strlen(addr) >= DV_SNAP_ADDR_MAX)
			return rd_fail(rd, "%s: bad \"address\"", ctx);
		/* Duplicates would make server indexes ambiguous: add directly. */
		for (size_t k = 0; k < s->nservers; k++)
			if (strcmp(s->servers[k].addr, addr) == 0 &&
			    strcasecmp(s->servers[k].name, name) == 0)
				return rd_fail(rd, "%s: duplicate server", ctx);
		uint32_t idx;
		if ((r = dv_snapshot_server(s, name, addr, &idx)) != DV_OK)
			return r == DV_ELIMIT ? rd_fail(rd, "too many servers") : r;
	}

	a = json_object_get(root, "zones");
	if (!json_is_array(a) || json_array_size(a) > DV_SNAP_MAX_ZONES)
		return rd_fail(rd, "\"zones\" must be an array (at most %u)", DV_SNAP_MAX_ZONES);
	for (size_t i = 0; i < json_array_size(a); i++) {
		static const char *const zk[] = {"name", "parent", "servers", NULL};
		json_t *o = json_array_get(a, i);
		char ctx[48];
		snprintf(ctx, sizeof(ctx), "zones[%zu]", i);
		uint8_t name[255], pname[255];
		if (!json_is_object(o))
			return rd_fail(rd, "%s: not an object", ctx);
		if (check_keys(rd, o, ctx, zk) != DV_OK ||
		    get_name(rd, o, "name", ctx, name) != DV_OK)
			return DV_EPARSE;
		if (dv_snapshot_zone_find(s, name) >= 0)
			return rd_fail(rd, "%s: duplicate zone", ctx);
		long parent = -1;
		json_t *p = json_object_get(o, "parent");
		if (json_is_null(p)) {
			if (name[0] != 0)
				return rd_fail(rd, "%s: only the root has no parent", ctx);
		} else {
			if (get_name(rd, o, "parent", ctx, pname) != DV_OK)
				return DV_EPARSE;
			parent = dv_snapshot_zone_find(s, pname);
			/* Parents come first, so the zone graph is a tree by construction. */
			if (parent < 0)
				return rd_fail(rd, "%s: parent must be listed before the zone",
				               ctx);
			if (knot_dname_in_bailiwick(name, pname) <= 0)
				return rd_fail(rd, "%s: zone is not below its parent", ctx);
		}
		uint32_t zi;
		if ((r = dv_snapshot_zone(s, name, parent, &zi)) != DV_OK)
			return r;
		json_t *sv = json_object_get(o, "servers");
		if (!json_is_array(sv) || json_array_size(sv) > DV_SNAP_MAX_ZONE_SERVERS)
			return rd_fail(rd, "%s: \"servers\" must be an array of server indexes",
			               ctx);
		for (size_t k = 0; k < json_array_size(sv); k++) {
			json_t *x = json_array_get(sv, k);
			if (!json_is_integer(x) || json_integer_value(x) < 0 ||
			    json_integer_value(x) >= (json_int_t)s->nservers)
				return rd_fail(rd, "%s: server index out of range", ctx);
			if ((r = dv_snapshot_zone_add_server(
			         s, zi, (uint32_t)json_integer_value(x))) != DV_OK)
				return r;
		}
	}

	a = json_object_get(root, "queries");
	if (!json_is_array(a))
		return rd_fail(rd, "\"queries\" must be an array");
	rd->zsorted = malloc((s->nzones ? s->nzones : 1) * sizeof(*rd->zsorted));
	if (rd->zsorted == NULL)
		return DV_ENOMEM;
	for (uint32_t z = 0; z < s->nzones; z++)
		rd->zsorted[z] = z;
	qsort_r(rd->zsorted, s->nzones, sizeof(*rd->zsorted), zone_cmp, s);
	for (size_t i = 0; i < json_array_size(a); i++)
		if ((r = read_query(rd, s, json_array_get(a, i), i)) != DV_OK)
			return r;
	return DV_OK;
}

int dv_snapshot_load_mem(const char *data, size_t len, const char *label, dv_snapshot_t **out,
                         char *errbuf, size_t errlen)
{
	rd_t rd = {.err = errbuf, .errlen = errlen, .label = label};
	if (errlen)
		errbuf[0] = '\0';
	if (len > DV_SNAP_MAX_BYTES) {
		rd_fail(&rd, "larger than %u bytes", DV_SNAP_MAX_BYTES);
		return DV_ELIMIT;
	}
	json_error_t je;
	json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL)
		return rd_fail(&rd, "line %d: %s", je.line, je.text);
	dv_snapshot_t *s = NULL;
	rd.scratch = malloc(DV_SCRATCH);
	int r = rd.scratch == NULL ? DV_ENOMEM : dv_snapshot_new(&s);
	if (r == DV_OK)
		r = read_root(&rd, s, root);
	json_decref(root);
	free(rd.scratch);
	free(rd.zsorted);
	if (r != DV_OK) {
		if (errlen && errbuf[0] == '\0')
			rd_fail(&rd, "%s", dv_strerror(r));
		dv_snapshot_free(s);
		return r;
	}
	*out = s;
	return DV_OK;
}

int dv_snapshot_load(const char *path, dv_snapshot_t **out, char *errbuf, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
		return DV_EIO;
	}
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	int r = DV_OK;
	while (buf != NULL) {
		if (len == cap) {
			if (cap > DV_SNAP_MAX_BYTES) {
				snprintf(errbuf, errlen, "%s: larger than %u bytes", path,
				         DV_SNAP_MAX_BYTES);
				r = DV_ELIMIT;
				break;
			}
			char *n = realloc(buf, cap * 2);
			if (n == NULL)
				break;
			buf = n;
			cap *= 2;
		}
		size_t got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0) {
			if (ferror(f)) {
				snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
				r = DV_EIO;
			}
			break;
		}
	}
	fclose(f);
	if (buf == NULL || (r == DV_OK && len == cap)) {
		free(buf);
		snprintf(errbuf, errlen, "%s: out of memory", path);
		return DV_ENOMEM;
	}
	if (r == DV_OK)
		r = dv_snapshot_load_mem(buf, len, path, out, errbuf, errlen);
	free(buf);
	return r;
}
