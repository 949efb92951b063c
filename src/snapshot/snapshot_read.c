/* The check snapshot's JSON reader (doc/check.md): strict and bounded. */
#include "snapshot/snapshot.h"

#include <jansson.h>
#include <libknot/libknot.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/file.h"
#include "core/text.h"
#include "net/net.h"
#include "snapshot/jsonread.h"
#include "snapshot/snapshot_int.h"

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
	if (!json_is_array(fl) || json_array_size(fl) > DV_SNAP_NFLAGS)
		return rd_fail(rd, "%s: \"flags\" must be an array of flag names", ctx);
	for (size_t k = 0; k < json_array_size(fl); k++) {
		const char *f = json_string_value(json_array_get(fl, k));
		size_t m = 0;
		while (f != NULL && m < DV_SNAP_NFLAGS &&
		       strcmp(f, dv_snap_flag_words[m].name) != 0)
			m++;
		if (f == NULL || m == DV_SNAP_NFLAGS)
			return rd_fail(rd, "%s: unknown flag", ctx);
		if (q.flags & dv_snap_flag_words[m].flag)
			return rd_fail(rd, "%s: flag %s given twice", ctx, f);
		q.flags |= dv_snap_flag_words[m].flag;
	}
	if (get_str(rd, o, "status", ctx, &str) != DV_OK)
		return DV_EPARSE;
	size_t st = 0;
	while (st < DV_SNAP_NSTATUS && strcmp(str, dv_snap_status_words[st]) != 0)
		st++;
	if (st == DV_SNAP_NSTATUS)
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

static int read_limit(rd_t *rd, dv_snapshot_t *s, json_t *o, size_t i)
{
	static const char *const keys[] = {"limit", "zone",    "server", "abandoned",
	                                   "count", "ceiling", NULL};
	char ctx[48];
	snprintf(ctx, sizeof(ctx), "limits[%zu]", i);
	if (!json_is_object(o))
		return rd_fail(rd, "%s: not an object", ctx);
	if (check_keys(rd, o, ctx, keys) != DV_OK)
		return DV_EPARSE;
	dv_snap_limit_t l = {.zone = -1};
	const char *str = NULL;
	int64_t v = 0;
	if (get_str(rd, o, "limit", ctx, &str) != DV_OK)
		return DV_EPARSE;
	while (l.kind < DV_SNAP_LIMIT_KINDS &&
	       strcmp(str, dv_snap_limit_name((dv_snap_limit_kind_t)l.kind)) != 0)
		l.kind++;
	if (l.kind == DV_SNAP_LIMIT_KINDS)
		return rd_fail(rd, "%s: unknown \"limit\"", ctx);
	json_t *z = json_object_get(o, "zone");
	if (!json_is_null(z)) {
		uint8_t zname[255];
		if (get_name(rd, o, "zone", ctx, zname) != DV_OK)
			return DV_EPARSE;
		if ((l.zone = zone_lookup(rd, s, zname)) < 0)
			return rd_fail(rd, "%s: zone is not in \"zones\"", ctx);
	}
	if (get_str(rd, o, "server", ctx, &l.server) != DV_OK)
		return DV_EPARSE;
	struct sockaddr_storage ss;
	if (l.server[0] != '\0' &&
	    (strlen(l.server) >= DV_SNAP_ADDR_MAX || dv_net_addr_parse(l.server, 53, &ss) != DV_OK))
		return rd_fail(rd, "%s: \"server\" is not an IP address", ctx);
	if (get_str(rd, o, "abandoned", ctx, &l.names) != DV_OK)
		return DV_EPARSE;
	/* Names in presentation form and addresses: printable text only. */
	if (strlen(l.names) >= DV_SNAP_NAMES_MAX || !dv_text_is_safe(l.names, DV_TEXT_PIPE))
		return rd_fail(rd, "%s: \"abandoned\" is not a short list of names", ctx);
	if (get_int(rd, o, "count", ctx, 0, INT64_MAX, &v) != DV_OK)
		return DV_EPARSE;
	l.count = (uint64_t)v;
	if (get_int(rd, o, "ceiling", ctx, 0, INT64_MAX, &v) != DV_OK)
		return DV_EPARSE;
	l.ceiling = (uint64_t)v;
	int r = dv_snapshot_add_limit(s, &l);
	if (r == DV_ELIMIT)
		return rd_fail(rd, "too many limit records");
	return r;
}

static int read_root(rd_t *rd, dv_snapshot_t *s, json_t *root)
{
	static const char *const keys[] = {
	    "dnsvigil_snapshot", "time",  "probe_ms", "domains", "trust_anchors",
	    "servers",           "zones", "queries",  "limits",  NULL};
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
		char canon[1025];
		if (d == NULL || strlen(d) != json_string_length(json_array_get(a, i)) ||
		    dv_snap_dname_parse(d, w) != DV_OK)
			return rd_fail(rd, "domains[%zu]: not a domain name", i);
		/* Kept in presentation form from the wire: every byte that is not
		 * printable escaped, whatever the file held. */
		dv_snap_dname_str(w, canon, sizeof(canon));
		if ((r = dv_snapshot_add_domain(s, canon)) != DV_OK)
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
		char nname[1025] = "";
		if (*name != '\0' && dv_snap_dname_parse(name, w) != DV_OK)
			return rd_fail(rd, "%s: \"name\" is not a domain name", ctx);
		if (*name != '\0')
			dv_snap_dname_str(w, nname, sizeof(nname));
		name = nname;
		/* An address as the probe writes it (dv_net_addr_format), nothing
		 * else: it is printed, and queried by nothing. */
		struct sockaddr_storage ss;
		char canon[DV_SNAP_ADDR_MAX];
		if (*addr == '\0' || strlen(addr) >= DV_SNAP_ADDR_MAX ||
		    dv_net_addr_parse(addr, 53, &ss) != DV_OK)
			return rd_fail(rd, "%s: \"address\" is not an IP address", ctx);
		dv_net_addr_format(&ss, canon, sizeof(canon));
		if (strcmp(canon, addr) != 0)
			return rd_fail(rd,
			               "%s: \"address\" is not in the form dnsvigil writes (%s)",
			               ctx, canon);
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
	if (json_array_size(a) > DV_SNAP_MAX_QUERIES)
		return rd_fail(rd, "more than %u queries: more than a probe sends",
		               DV_SNAP_MAX_QUERIES);
	for (size_t i = 0; i < json_array_size(a); i++)
		if ((r = read_query(rd, s, json_array_get(a, i), i)) != DV_OK)
			return r;

	/* What the probe abandoned; absent in snapshots of dnsvigil before it. */
	a = json_object_get(root, "limits");
	if (a != NULL && (!json_is_array(a) || json_array_size(a) > DV_SNAP_MAX_LIMITS))
		return rd_fail(rd, "\"limits\" must be an array (at most %u)", DV_SNAP_MAX_LIMITS);
	for (size_t i = 0; a != NULL && i < json_array_size(a); i++)
		if ((r = read_limit(rd, s, json_array_get(a, i), i)) != DV_OK)
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
	static const dv_jread_limits_t lim = {
	    .max_values = DV_SNAP_MAX_VALUES,
	    .max_depth = DV_SNAP_MAX_DEPTH,
	    .too_many = "more than a probe of 50000 queries writes",
	    .too_deep = "not a check snapshot",
	};
	char why[400];
	int r;
	json_t *root = dv_jread_load(data, len, &lim, &r, why, sizeof(why));
	if (root == NULL) {
		rd_fail(&rd, "%s", why);
		return r;
	}
	dv_snapshot_t *s = NULL;
	rd.scratch = malloc(DV_SCRATCH);
	r = rd.scratch == NULL ? DV_ENOMEM : dv_snapshot_new(&s);
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
	char *buf = NULL;
	size_t len = 0;
	/* The size first: nothing of a file beyond the ceiling is read. */
	int r = dv_file_read_bounded(path, DV_SNAP_MAX_BYTES, "a check snapshot", &buf, &len,
	                             errbuf, errlen);
	if (r == DV_OK)
		r = dv_snapshot_load_mem(buf, len, path, out, errbuf, errlen);
	free(buf);
	return r;
}
