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
#include "core/file.h"
#include "net/net.h"
#include "snapshot/snapshot_int.h"

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
	free(snap->limits);
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

const char *dv_snap_limit_name(dv_snap_limit_kind_t kind)
{
	static const char *const names[DV_SNAP_LIMIT_KINDS] = {
	    [DV_SNAP_LIMIT_DEADLINE] = "deadline",
	    [DV_SNAP_LIMIT_QUERIES] = "queries",
	    [DV_SNAP_LIMIT_SERVER_QUERIES] = "server-queries",
	    [DV_SNAP_LIMIT_SERVER_BYTES] = "server-bytes",
	    [DV_SNAP_LIMIT_SERVER_TIME] = "server-time",
	    [DV_SNAP_LIMIT_DEPTH] = "depth",
	    [DV_SNAP_LIMIT_ZONE_NS] = "zone-ns",
	    [DV_SNAP_LIMIT_ZONE_ADDRS] = "zone-addresses",
	    [DV_SNAP_LIMIT_RESOLVES] = "resolves",
	    [DV_SNAP_LIMIT_BYTES] = "bytes",
	};
	return (unsigned)kind < DV_SNAP_LIMIT_KINDS ? names[kind] : "?";
}

int dv_snapshot_add_limit(dv_snapshot_t *snap, const dv_snap_limit_t *l)
{
	if (l->kind >= DV_SNAP_LIMIT_KINDS || l->zone >= (long)snap->nzones)
		return DV_EINVAL;
	int r = grow((void **)&snap->limits, &snap->limits_cap, snap->nlimits,
	             sizeof(*snap->limits), DV_SNAP_MAX_LIMITS);
	if (r != DV_OK)
		return r;
	dv_snap_limit_t c = *l;
	char names[DV_SNAP_NAMES_MAX];
	snprintf(names, sizeof(names), "%s", l->names != NULL ? l->names : "");
	c.server = arena_str(&snap->arena, l->server != NULL ? l->server : "");
	c.names = arena_str(&snap->arena, names);
	if (c.server == NULL || c.names == NULL)
		return DV_ENOMEM;
	snap->limits[snap->nlimits++] = c;
	return DV_OK;
}

/* ---- JSON writer ---------------------------------------------------------- */

const char *const dv_snap_status_words[DV_SNAP_NSTATUS] = {"ok", "timeout", "neterror", "badreply",
                                                           "abandoned"};
const dv_snap_flag_word_t dv_snap_flag_words[DV_SNAP_NFLAGS] = {
    {"DO", DV_Q_DO},   {"CD", DV_Q_CD},           {"RD", DV_Q_RD},
    {"TCP", DV_Q_TCP}, {"NO_EDNS", DV_Q_NO_EDNS}, {"NO_TCP_FALLBACK", DV_Q_NO_TCP_FALLBACK},
    {"AD", DV_Q_AD},
};

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
		for (size_t k = 0; fl && k < DV_SNAP_NFLAGS; k++)
			if ((q->flags & dv_snap_flag_words[k].flag) &&
			    json_array_append_new(fl, json_string(dv_snap_flag_words[k].name)) != 0)
				bad = true;
		set(o, "flags", fl, &bad);
		set(o, "status",
		    json_string(dv_snap_status_words[q->status < DV_SNAP_NSTATUS ? q->status : 3]),
		    &bad);
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

	a = json_array();
	for (size_t i = 0; a && i < snap->nlimits && !bad; i++) {
		const dv_snap_limit_t *l = &snap->limits[i];
		json_t *o = json_object();
		set(o, "limit", json_string(dv_snap_limit_name((dv_snap_limit_kind_t)l->kind)),
		    &bad);
		set(o, "zone", l->zone < 0 ? json_null() : json_string(snap->zones[l->zone].name),
		    &bad);
		set(o, "server", json_string(l->server), &bad);
		set(o, "abandoned", json_string(l->names), &bad);
		set(o, "count", json_integer((json_int_t)l->count), &bad);
		set(o, "ceiling", json_integer((json_int_t)l->ceiling), &bad);
		if (o == NULL || json_array_append_new(a, o) != 0)
			bad = true;
	}
	set(root, "limits", a, &bad);
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

int dv_snapshot_save(const dv_snapshot_t *snap, const char *path, char *err, size_t errlen)
{
	/* A snapshot is no secret: the mode a plain fopen would give. */
	dv_afile_t af;
	int r = dv_afile_open(&af, path, 0666, err, errlen);
	if (r != DV_OK)
		return r;
	if ((r = dv_snapshot_write(snap, af.f)) != DV_OK) {
		int e = errno;
		dv_afile_abort(&af);
		snprintf(err, errlen, "%s: %s (the previous file, if any, is kept)", path,
		         r == DV_EIO && e != 0 ? strerror(e) : dv_strerror(r));
		return r;
	}
	return dv_afile_commit(&af, err, errlen);
}
