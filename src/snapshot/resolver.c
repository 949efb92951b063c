/* Resolver snapshots and their JSON form (doc/canary.md, "Snapshot"). */
#include "snapshot/resolver.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libknot/libknot.h>
#include <sodium.h>

#include "core/error.h"
#include "core/file.h"
#include "net/net.h"
#include "snapshot/jsonread.h"
#include "snapshot/snapshot_int.h"

/* Status and flag words: the check snapshot's (doc/check.md), one table
 * (snapshot_int.h). */

int dv_resolver_snapshot_new(const char *canary, dv_resolver_snapshot_t **out)
{
	uint8_t wire[255];
	if (canary == NULL || dv_snap_dname_parse(canary, wire) != DV_OK)
		return DV_EINVAL;
	dv_resolver_snapshot_t *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return DV_ENOMEM;
	s->resolvers = calloc(DV_RSNAP_MAX_RESOLVERS, sizeof(*s->resolvers));
	s->per_resolver = calloc(DV_RSNAP_MAX_RESOLVERS, sizeof(*s->per_resolver));
	if (s->resolvers == NULL || s->per_resolver == NULL) {
		dv_resolver_snapshot_free(s);
		return DV_ENOMEM;
	}
	dv_arena_init(&s->arena, 64 * 1024);
	/* Presentation form from the wire: every byte that is not printable is
	 * escaped (\DDD), so the name is safe to print wherever it came from. */
	dv_snap_dname_str(wire, s->canary, sizeof(s->canary));
	*out = s;
	return DV_OK;
}

void dv_resolver_snapshot_free(dv_resolver_snapshot_t *snap)
{
	if (snap == NULL)
		return;
	free(snap->resolvers);
	free(snap->per_resolver);
	free(snap->queries);
	dv_arena_clear(&snap->arena);
	free(snap);
}

int dv_resolver_snapshot_add_resolver(dv_resolver_snapshot_t *snap, const char *addr,
                                      uint16_t default_port, uint32_t *idx)
{
	struct sockaddr_storage ss;
	if (addr == NULL || strlen(addr) >= DV_SNAP_ADDR_MAX ||
	    dv_net_addr_parse(addr, default_port, &ss) != DV_OK)
		return DV_EINVAL;
	if (snap->nresolvers == DV_RSNAP_MAX_RESOLVERS)
		return DV_ELIMIT;
	dv_net_addr_format(&ss, snap->resolvers[snap->nresolvers], DV_SNAP_ADDR_MAX);
	snap->per_resolver[snap->nresolvers] = 0;
	*idx = (uint32_t)snap->nresolvers++;
	return DV_OK;
}

int dv_resolver_snapshot_add_query(dv_resolver_snapshot_t *snap, const dv_resolver_query_t *q)
{
	if (q->resolver >= snap->nresolvers || q->qname == NULL || q->status >= DV_SNAP_NSTATUS)
		return DV_EINVAL;
	if (snap->per_resolver[q->resolver] >= DV_RSNAP_MAX_QUERIES_PER_RESOLVER)
		return DV_ELIMIT;
	if (snap->nqueries == snap->queries_cap &&
	    dv_array_grow(&snap->queries, &snap->queries_cap, snap->nqueries,
	                  sizeof(*snap->queries), 256) != DV_OK)
		return DV_ENOMEM;
	dv_resolver_query_t c = *q;
	c.qname = dv_arena_dup(&snap->arena, q->qname, knot_dname_size(q->qname));
	c.wire = NULL;
	c.len = 0;
	if (q->status == DV_SNAP_OK && q->wire != NULL && q->len > 0) {
		c.wire = dv_arena_dup(&snap->arena, q->wire, q->len);
		c.len = q->len;
	}
	if (c.qname == NULL || (q->status == DV_SNAP_OK && c.wire == NULL))
		return DV_ENOMEM;
	knot_dname_to_lower((uint8_t *)c.qname);
	snap->queries[snap->nqueries++] = c;
	snap->per_resolver[q->resolver]++;
	return DV_OK;
}

/* ---- JSON writer ---------------------------------------------------------- */

/* Adds to an object and remembers the first failure (out of memory), so that
 * the builder below reads as the document it writes. */
typedef struct {
	bool failed;
} build_t;

static void put(build_t *b, json_t *obj, const char *key, json_t *value)
{
	if (obj == NULL || value == NULL || json_object_set_new(obj, key, value) != 0)
		b->failed = true;
}

static json_t *base64_json(const uint8_t *data, size_t len)
{
	size_t cap = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
	char *text = malloc(cap);
	json_t *j = NULL;
	if (text != NULL &&
	    sodium_bin2base64(text, cap, data, len, sodium_base64_VARIANT_ORIGINAL) != NULL)
		j = json_string(text);
	free(text);
	return j;
}

static json_t *query_json(build_t *b, const dv_resolver_query_t *q)
{
	char name[1025], type[32];
	json_t *o = json_object(), *flags = json_array();
	dv_snap_dname_str(q->qname, name, sizeof(name));
	if (knot_rrtype_to_string(q->qtype, type, sizeof(type)) < 0)
		snprintf(type, sizeof(type), "TYPE%u", q->qtype);
	for (size_t k = 0; flags != NULL && k < DV_SNAP_NFLAGS; k++)
		if ((q->flags & dv_snap_flag_words[k].flag) &&
		    json_array_append_new(flags, json_string(dv_snap_flag_words[k].name)) != 0)
			b->failed = true;
	put(b, o, "resolver", json_integer(q->resolver));
	put(b, o, "qname", json_string(name));
	put(b, o, "qtype", json_string(type));
	put(b, o, "flags", flags);
	put(b, o, "status", json_string(dv_snap_status_words[q->status]));
	put(b, o, "tcp", json_boolean(q->tcp));
	put(b, o, "udp_truncated", json_boolean(q->udp_truncated));
	put(b, o, "udp_failed", json_boolean(q->udp_failed));
	put(b, o, "rtt_ms", json_integer(q->rtt_ms));
	put(b, o, "attempts", json_integer(q->attempts));
	put(b, o, "t_ms", json_integer(q->t_ms));
	if (q->wire != NULL)
		put(b, o, "wire", base64_json(q->wire, q->len));
	return o;
}

static json_t *snapshot_json(const dv_resolver_snapshot_t *snap)
{
	build_t b = {false};
	json_t *root = json_object(), *res = json_array(), *qs = json_array();
	put(&b, root, "dnsvigil_resolver_snapshot", json_integer(DV_RSNAP_VERSION));
	put(&b, root, "time", json_integer(snap->time));
	put(&b, root, "probe_ms", json_integer(snap->probe_ms));
	put(&b, root, "canary", json_string(snap->canary));
	for (size_t i = 0; res != NULL && i < snap->nresolvers; i++) {
		json_t *r = json_object();
		put(&b, r, "address", json_string(snap->resolvers[i]));
		if (r == NULL || json_array_append_new(res, r) != 0)
			b.failed = true;
	}
	put(&b, root, "resolvers", res);
	for (size_t i = 0; qs != NULL && i < snap->nqueries && !b.failed; i++)
		if (json_array_append_new(qs, query_json(&b, &snap->queries[i])) != 0)
			b.failed = true;
	put(&b, root, "queries", qs);
	if (b.failed) {
		json_decref(root);
		return NULL;
	}
	return root;
}

int dv_resolver_snapshot_write(const dv_resolver_snapshot_t *snap, FILE *out)
{
	/* The check snapshot's layout: one space per level, members in order. */
	json_t *j = snapshot_json(snap);
	int r = j == NULL ? DV_ENOMEM : DV_EIO;
	if (j != NULL && json_dumpf(j, out, JSON_INDENT(1) | JSON_PRESERVE_ORDER) == 0 &&
	    fputc('\n', out) != EOF)
		r = DV_OK;
	json_decref(j);
	return r;
}

int dv_resolver_snapshot_save(const dv_resolver_snapshot_t *snap, const char *path, char *errbuf,
                              size_t errlen)
{
	/* A new file beside the old one, renamed over it once complete: a full
	 * disk leaves the previous snapshot whole (core/file.h).  A snapshot is
	 * no secret: the mode a plain fopen would give. */
	dv_afile_t af;
	int r = dv_afile_open(&af, path, 0666, errbuf, errlen);
	if (r != DV_OK)
		return r;
	r = dv_resolver_snapshot_write(snap, af.f);
	long size = ftell(af.f);
	if (r == DV_OK && (size < 0 || (unsigned long)size > DV_RSNAP_MAX_BYTES))
		r = DV_ELIMIT;
	if (r != DV_OK) {
		dv_afile_abort(&af);
		if (r == DV_ELIMIT)
			snprintf(errbuf, errlen,
			         "%s: not written: the snapshot would exceed %u bytes, the most "
			         "'audit --from' reads",
			         path, DV_RSNAP_MAX_BYTES);
		else
			snprintf(errbuf, errlen, "%s: %s (the previous file, if any, is kept)",
			         path, dv_strerror(r));
		return r;
	}
	return dv_afile_commit(&af, errbuf, errlen);
}

/* ---- JSON reader ---------------------------------------------------------- */

typedef struct {
	const char *label; /*!< the input, for messages */
	char *err;
	size_t errlen;
	char where[48];  /*!< the object being read ("queries[3]"), for messages */
	uint32_t *asked; /*!< per resolver, the indexes of its questions so far
	                      (DV_RSNAP_MAX_QUERIES_PER_RESOLVER a resolver) */
} reader_t;

/* "label: where: message" into the caller's buffer; returns DV_EPARSE. */
__attribute__((format(printf, 2, 3))) static int reject(reader_t *rd, const char *fmt, ...)
{
	int n = rd->errlen == 0 ? -1
	                        : snprintf(rd->err, rd->errlen, "%s: %s%s", rd->label, rd->where,
	                                   rd->where[0] ? ": " : "");
	if (n >= 0 && (size_t)n < rd->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(rd->err + n, rd->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return DV_EPARSE;
}

/* Every member of obj is one of `known` (NULL-terminated): a misspelt or
 * foreign member is an error, not silently ignored. */
static int members_known(reader_t *rd, json_t *obj, const char *const *known)
{
	const char *key;
	json_t *value;
	json_object_foreach(obj, key, value)
	{
		size_t k = 0;
		while (known[k] != NULL && strcmp(known[k], key) != 0)
			k++;
		if (known[k] == NULL)
			return reject(rd, "unknown member \"%.40s\"", key);
	}
	return DV_OK;
}

static const char *json_type_word(json_type t)
{
	switch (t) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_TRUE:
	case JSON_FALSE:
		return "true or false";
	default:
		return "a number";
	}
}

/* The member `key` of obj, which must be present and of type `want`
 * (JSON_TRUE stands for either boolean); NULL after reject(). */
static json_t *member(reader_t *rd, json_t *obj, const char *key, json_type want)
{
	json_t *v = json_object_get(obj, key);
	if (v == NULL) {
		reject(rd, "\"%s\" is missing", key);
		return NULL;
	}
	bool ok = want == JSON_TRUE ? json_is_boolean(v) : json_typeof(v) == want;
	if (!ok) {
		reject(rd, "\"%s\" must be %s", key, json_type_word(want));
		return NULL;
	}
	return v;
}

static int member_int(reader_t *rd, json_t *obj, const char *key, int64_t min, int64_t max,
                      int64_t *out)
{
	json_t *v = member(rd, obj, key, JSON_INTEGER);
	if (v == NULL)
		return DV_EPARSE;
	*out = json_integer_value(v);
	if (*out < min || *out > max)
		return reject(rd, "\"%s\" is %lld, outside %lld..%lld", key, (long long)*out,
		              (long long)min, (long long)max);
	return DV_OK;
}

static int member_bool(reader_t *rd, json_t *obj, const char *key, bool *out)
{
	json_t *v = member(rd, obj, key, JSON_TRUE);
	if (v == NULL)
		return DV_EPARSE;
	*out = json_is_true(v);
	return DV_OK;
}

/* A string member without NUL bytes, at most `max` bytes long. */
static const char *member_str(reader_t *rd, json_t *obj, const char *key, size_t max)
{
	json_t *v = member(rd, obj, key, JSON_STRING);
	if (v == NULL)
		return NULL;
	const char *s = json_string_value(v);
	if (json_string_length(v) > max || strlen(s) != json_string_length(v)) {
		reject(rd, "\"%s\" is not a string of at most %zu bytes", key, max);
		return NULL;
	}
	return s;
}

/* Index of `word` in words[0..n), or -1. */
static long word_index(const char *word, const char *const *words, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(words[i], word) == 0)
			return (long)i;
	return -1;
}

static int read_flags(reader_t *rd, json_t *q, uint16_t *flags)
{
	json_t *a = member(rd, q, "flags", JSON_ARRAY);
	if (a == NULL)
		return DV_EPARSE;
	*flags = 0;
	size_t i;
	json_t *f;
	json_array_foreach(a, i, f)
	{
		const char *w = json_string_value(f);
		size_t k = 0;
		while (w != NULL && k < DV_SNAP_NFLAGS &&
		       strcmp(dv_snap_flag_words[k].name, w) != 0)
			k++;
		if (w == NULL || k == DV_SNAP_NFLAGS)
			return reject(rd, "\"flags\"[%zu] is not a query flag name", i);
		if (*flags & dv_snap_flag_words[k].flag)
			return reject(rd, "\"flags\" names %s twice", w);
		*flags |= dv_snap_flag_words[k].flag;
	}
	return DV_OK;
}

static int read_wire(reader_t *rd, json_t *q, uint8_t *buf, uint16_t *len)
{
	const char *text = member_str(rd, q, "wire", 4 * 65536 / 3 + 4);
	size_t n = 0;
	if (text == NULL)
		return DV_EPARSE;
	if (sodium_base642bin(buf, 65535, text, strlen(text), NULL, &n, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) != 0)
		return reject(rd, "\"wire\" is not base64 of at most 65535 bytes");
	if (n < KNOT_WIRE_HEADER_SIZE)
		return reject(rd, "\"wire\" is shorter than a DNS header");
	*len = (uint16_t)n;
	return DV_OK;
}

static bool same_question(const dv_resolver_query_t *a, const dv_resolver_query_t *b)
{
	return a->resolver == b->resolver && a->qtype == b->qtype && a->flags == b->flags &&
	       knot_dname_is_equal(a->qname, b->qname);
}

static int read_query(reader_t *rd, dv_resolver_snapshot_t *s, json_t *o, uint8_t *wirebuf)
{
	static const char *const known[] = {
	    "resolver", "qname",    "qtype",         "flags", "status", "tcp", "udp_failed",
	    "rtt_ms",   "attempts", "udp_truncated", "t_ms",  "wire",   NULL};
	dv_resolver_query_t q = {0};
	uint8_t qname[255];
	int64_t v;
	const char *str;
	if (!json_is_object(o))
		return reject(rd, "not an object");
	if (members_known(rd, o, known) != DV_OK ||
	    member_int(rd, o, "resolver", 0, (int64_t)s->nresolvers - 1, &v) != DV_OK)
		return DV_EPARSE;
	q.resolver = (uint32_t)v;
	if ((str = member_str(rd, o, "qname", 1024)) == NULL)
		return DV_EPARSE;
	if (dv_snap_dname_parse(str, qname) != DV_OK)
		return reject(rd, "\"qname\" is not a domain name");
	q.qname = qname;
	if ((str = member_str(rd, o, "qtype", 20)) == NULL)
		return DV_EPARSE;
	if (knot_rrtype_from_string(str, &q.qtype) != 0)
		return reject(rd, "\"qtype\" is not an RR type");
	if (read_flags(rd, o, &q.flags) != DV_OK || (str = member_str(rd, o, "status", 20)) == NULL)
		return DV_EPARSE;
	long st = word_index(str, dv_snap_status_words, DV_SNAP_NSTATUS);
	if (st < 0)
		return reject(rd, "\"status\" must be ok, timeout, neterror or badreply");
	q.status = (uint8_t)st;
	if (member_bool(rd, o, "tcp", &q.tcp) != DV_OK ||
	    member_bool(rd, o, "udp_truncated", &q.udp_truncated) != DV_OK ||
	    member_bool(rd, o, "udp_failed", &q.udp_failed) != DV_OK ||
	    member_int(rd, o, "rtt_ms", 0, UINT16_MAX, &v) != DV_OK)
		return DV_EPARSE;
	q.rtt_ms = (uint16_t)v;
	if (member_int(rd, o, "attempts", 0, UINT16_MAX, &v) != DV_OK)
		return DV_EPARSE;
	q.attempts = (uint16_t)v;
	/* An answer cannot arrive after the probe ended. */
	if (member_int(rd, o, "t_ms", 0, s->probe_ms, &v) != DV_OK)
		return DV_EPARSE;
	q.t_ms = (uint32_t)v;
	if (q.status == DV_SNAP_OK) {
		if (read_wire(rd, o, wirebuf, &q.len) != DV_OK)
			return DV_EPARSE;
		q.wire = wirebuf;
	} else if (json_object_get(o, "wire") != NULL) {
		return reject(rd, "\"wire\" given, but \"status\" is not ok");
	}
	if (s->per_resolver[q.resolver] >= DV_RSNAP_MAX_QUERIES_PER_RESOLVER)
		return reject(rd, "more than %u questions to resolver %u",
		              DV_RSNAP_MAX_QUERIES_PER_RESOLVER, q.resolver);
	/* One record per question: a second one would make the verdict depend on
	 * which the checks happen to look at.  Only the resolver's own questions
	 * can be the same (at most a few hundred, not every question of the file). */
	uint32_t *mine = rd->asked + (size_t)q.resolver * DV_RSNAP_MAX_QUERIES_PER_RESOLVER;
	uint32_t n = s->per_resolver[q.resolver];
	for (uint32_t k = 0; k < n; k++)
		if (same_question(&s->queries[mine[k]], &q))
			return reject(rd, "the same question as queries[%u]", mine[k]);
	mine[n] = (uint32_t)s->nqueries;
	return dv_resolver_snapshot_add_query(s, &q);
}

static int read_root(reader_t *rd, json_t *root, dv_resolver_snapshot_t **out)
{
	static const char *const known[] = {"dnsvigil_resolver_snapshot",
	                                    "time",
	                                    "probe_ms",
	                                    "canary",
	                                    "resolvers",
	                                    "queries",
	                                    NULL};
	int64_t v;
	int r;
	if (!json_is_object(root))
		return reject(rd, "not a JSON object");
	if (json_object_get(root, "dnsvigil_snapshot") != NULL)
		return reject(rd, "a 'dnsvigil check' snapshot, not an audit's (audit --save)");
	if (json_object_get(root, "dnsvigil_resolver_snapshot") == NULL &&
	    json_is_array(json_object_get(root, "resolvers")))
		return reject(rd, "an audit report (--format json): it holds no raw answers to "
		                  "judge again; save them with 'audit --save'");
	if (members_known(rd, root, known) != DV_OK ||
	    member_int(rd, root, "dnsvigil_resolver_snapshot", 1, 1000, &v) != DV_OK)
		return DV_EPARSE;
	if (v != DV_RSNAP_VERSION)
		return reject(rd, "snapshot version %lld: this dnsvigil reads version %d",
		              (long long)v, DV_RSNAP_VERSION);
	const char *canary = member_str(rd, root, "canary", 1024);
	if (canary == NULL)
		return DV_EPARSE;
	dv_resolver_snapshot_t *s = NULL;
	if ((r = dv_resolver_snapshot_new(canary, &s)) != DV_OK)
		return r == DV_EINVAL ? reject(rd, "\"canary\" is not a domain name") : r;
	*out = s;
	/* Up to the year 9999, like the check snapshot. */
	if (member_int(rd, root, "time", 0, 253402300799LL, &s->time) != DV_OK ||
	    member_int(rd, root, "probe_ms", 0, UINT32_MAX, &v) != DV_OK)
		return DV_EPARSE;
	s->probe_ms = (uint32_t)v;

	json_t *a = member(rd, root, "resolvers", JSON_ARRAY);
	if (a == NULL)
		return DV_EPARSE;
	if (json_array_size(a) == 0 || json_array_size(a) > DV_RSNAP_MAX_RESOLVERS)
		return reject(rd, "\"resolvers\" must list 1 to %u resolvers",
		              DV_RSNAP_MAX_RESOLVERS);
	for (size_t i = 0; i < json_array_size(a); i++) {
		static const char *const rk[] = {"address", NULL};
		json_t *o = json_array_get(a, i);
		snprintf(rd->where, sizeof(rd->where), "resolvers[%zu]", i);
		if (!json_is_object(o))
			return reject(rd, "not an object");
		const char *addr;
		uint32_t idx;
		if (members_known(rd, o, rk) != DV_OK ||
		    (addr = member_str(rd, o, "address", DV_SNAP_ADDR_MAX - 1)) == NULL)
			return DV_EPARSE;
		if (dv_resolver_snapshot_add_resolver(s, addr, 53, &idx) != DV_OK)
			return reject(rd, "\"address\" is not an IP address");
	}
	rd->where[0] = '\0';

	a = member(rd, root, "queries", JSON_ARRAY);
	if (a == NULL)
		return DV_EPARSE;
	if (json_array_size(a) > s->nresolvers * DV_RSNAP_MAX_QUERIES_PER_RESOLVER)
		return reject(rd, "more than %u questions per resolver",
		              DV_RSNAP_MAX_QUERIES_PER_RESOLVER);
	uint8_t *wirebuf = malloc(65536);
	rd->asked = calloc(s->nresolvers * DV_RSNAP_MAX_QUERIES_PER_RESOLVER, sizeof(*rd->asked));
	if (wirebuf == NULL || rd->asked == NULL) {
		free(wirebuf);
		free(rd->asked);
		return DV_ENOMEM;
	}
	r = DV_OK;
	for (size_t i = 0; r == DV_OK && i < json_array_size(a); i++) {
		snprintf(rd->where, sizeof(rd->where), "queries[%zu]", i);
		r = read_query(rd, s, json_array_get(a, i), wirebuf);
	}
	free(wirebuf);
	free(rd->asked);
	return r;
}

int dv_resolver_snapshot_load_mem(const char *data, size_t len, const char *label,
                                  dv_resolver_snapshot_t **out, char *errbuf, size_t errlen)
{
	reader_t rd = {.label = label, .err = errbuf, .errlen = errlen};
	dv_resolver_snapshot_t *s = NULL;
	int r;
	if (errlen > 0)
		errbuf[0] = '\0';
	*out = NULL;
	if (len > DV_RSNAP_MAX_BYTES) {
		reject(&rd, "larger than %u bytes", DV_RSNAP_MAX_BYTES);
		return DV_ELIMIT;
	}
	/* Per resolver: its object, and per question about 40 separators. */
	static const dv_jread_limits_t lim = {
	    .max_values = 64 + 8 * DV_RSNAP_MAX_RESOLVERS + 40 * DV_RSNAP_MAX_QUERIES,
	    .max_depth = DV_RSNAP_MAX_DEPTH,
	    .too_many = "more than an audit of 256 resolvers writes",
	    .too_deep = "not a resolver snapshot",
	};
	char why[400];
	json_t *root = dv_jread_load(data, len, &lim, &r, why, sizeof(why));
	if (root == NULL) {
		reject(&rd, "%s", why);
		return r;
	}
	r = read_root(&rd, root, &s);
	json_decref(root);
	if (r != DV_OK) {
		if (errlen > 0 && errbuf[0] == '\0')
			reject(&rd, "%s", dv_strerror(r));
		dv_resolver_snapshot_free(s);
		return r;
	}
	*out = s;
	return DV_OK;
}

int dv_resolver_snapshot_load(const char *path, dv_resolver_snapshot_t **out, char *errbuf,
                              size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	*out = NULL;
	/* The size first: nothing of a file beyond the ceiling is read. */
	int r = dv_file_read_bounded(path, DV_RSNAP_MAX_BYTES, "a resolver snapshot", &buf, &len,
	                             errbuf, errlen);
	if (r == DV_OK)
		r = dv_resolver_snapshot_load_mem(buf, len, path, out, errbuf, errlen);
	free(buf);
	return r;
}
