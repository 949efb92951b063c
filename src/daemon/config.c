/*
 * dnsvigil watch configuration: libyaml's document loader, then a walk that
 * accepts only the schema of doc/watch.md.  A first pass over the parser's
 * events refuses aliases and over-deep nesting before anything is built, so
 * a hostile file cannot make the walk exponential.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "core/error.h"
#include "daemon/config.h"
#include "dnssec/dnssec.h"
#include "ledger/ledger.h"
#include "net/xfr.h"

typedef struct {
	const char *label;
	yaml_document_t *doc;
	char *err;
	size_t errlen;
	int rc;
} walk_t;

static int fail_at(walk_t *w, const yaml_node_t *n, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail_at(walk_t *w, const yaml_node_t *n, int rc, const char *fmt, ...)
{
	if (w->rc != 0)
		return w->rc;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(w->err, w->errlen, "%s:%lu: %s", w->label,
	         n ? (unsigned long)n->start_mark.line + 1 : 1ul, msg);
	w->rc = rc;
	return rc;
}

const char *dv_conf_expect_name(dv_conf_expect_t e)
{
	switch (e) {
	case DV_CONF_EXPECT_SECURE:
		return "secure";
	case DV_CONF_EXPECT_INSECURE:
		return "insecure";
	default:
		return "any";
	}
}

int dv_conf_duration(const char *s, int64_t *out)
{
	if (s == NULL || !isdigit((unsigned char)s[0]))
		return DV_EPARSE;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno != 0 || v > 100ull * 365 * 86400)
		return DV_EPARSE;
	int64_t mult = 1;
	if (*end != '\0') {
		switch (*end) {
		case 's':
			mult = 1;
			break;
		case 'm':
			mult = 60;
			break;
		case 'h':
			mult = 3600;
			break;
		case 'd':
			mult = 86400;
			break;
		case 'w':
			mult = 7 * 86400;
			break;
		default:
			return DV_EPARSE;
		}
		if (end[1] != '\0')
			return DV_EPARSE;
	}
	if ((int64_t)v > (int64_t)100 * 365 * 86400 / mult)
		return DV_EPARSE;
	*out = (int64_t)v * mult;
	return DV_OK;
}

/* ---- scalars ------------------------------------------------------------ */

static const char *scalar(walk_t *w, const yaml_node_t *n, const char *what)
{
	if (n == NULL || n->type != YAML_SCALAR_NODE) {
		fail_at(w, n, DV_EPARSE, "%s: a single value is expected", what);
		return NULL;
	}
	if (n->data.scalar.length > DV_CONF_MAX_STRING) {
		fail_at(w, n, DV_ELIMIT, "%s: longer than %u bytes", what, DV_CONF_MAX_STRING);
		return NULL;
	}
	if (strlen((const char *)n->data.scalar.value) != n->data.scalar.length) {
		fail_at(w, n, DV_EPARSE, "%s: contains a NUL byte", what);
		return NULL;
	}
	return (const char *)n->data.scalar.value;
}

static int get_string(walk_t *w, const yaml_node_t *n, const char *what, char **out)
{
	const char *s = scalar(w, n, what);
	if (s == NULL)
		return w->rc;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return fail_at(w, n, DV_EPARSE, "%s: control character", what);
	char *d = strdup(s);
	if (d == NULL)
		return fail_at(w, n, DV_ENOMEM, "out of memory");
	free(*out);
	*out = d;
	return DV_OK;
}

static int get_uint(walk_t *w, const yaml_node_t *n, const char *what, unsigned long min,
                    unsigned long max, unsigned long *out)
{
	const char *s = scalar(w, n, what);
	if (s == NULL)
		return w->rc;
	char *end;
	errno = 0;
	unsigned long v = isdigit((unsigned char)s[0]) ? strtoul(s, &end, 10) : 0;
	if (!isdigit((unsigned char)s[0]) || *end != '\0' || errno != 0 || v < min || v > max)
		return fail_at(w, n, DV_EPARSE, "%s: '%s' is not a whole number in %lu..%lu", what,
		               s, min, max);
	*out = v;
	return DV_OK;
}

static int get_duration(walk_t *w, const yaml_node_t *n, const char *what, int64_t min, int64_t max,
                        int64_t *out)
{
	const char *s = scalar(w, n, what);
	if (s == NULL)
		return w->rc;
	int64_t v;
	if (dv_conf_duration(s, &v) != DV_OK)
		return fail_at(w, n, DV_EPARSE,
		               "%s: '%s' is not a duration (e.g. 90, 90s, 15m, 12h, 7d, 2w)", what,
		               s);
	if (v < min || v > max)
		return fail_at(w, n, DV_EPARSE, "%s: %s is outside %llds..%llds", what, s,
		               (long long)min, (long long)max);
	*out = v;
	return DV_OK;
}

/* A threshold (warn, crit): a bare number is days, as on every command line
 * (doc/dnsvigil.1 "CONVENTIONS"). */
static int get_threshold(walk_t *w, const yaml_node_t *n, const char *what, int64_t max,
                         int64_t *out)
{
	const char *s = scalar(w, n, what);
	if (s == NULL)
		return w->rc;
	int64_t v;
	if (dv_duration_parse(s, 86400, &v) != DV_OK)
		return fail_at(
		    w, n, DV_EPARSE,
		    "%s: '%s' is not a duration (e.g. 12h, 7d, 2w; a bare number is days)", what,
		    s);
	if (v > max)
		return fail_at(w, n, DV_EPARSE, "%s: %s is above %llds", what, s, (long long)max);
	*out = v;
	return DV_OK;
}

static int get_bool(walk_t *w, const yaml_node_t *n, const char *what, bool *out)
{
	const char *s = scalar(w, n, what);
	if (s == NULL)
		return w->rc;
	if (strcmp(s, "true") == 0 || strcmp(s, "yes") == 0) {
		*out = true;
	} else if (strcmp(s, "false") == 0 || strcmp(s, "no") == 0) {
		*out = false;
	} else {
		return fail_at(w, n, DV_EPARSE, "%s: '%s' is not true or false", what, s);
	}
	return DV_OK;
}

/* ---- mappings ----------------------------------------------------------- */

typedef int (*key_fn)(walk_t *w, const char *key, yaml_node_t *val, void *ctx);

/* Call fn for every key of a mapping; duplicate keys and non-scalar keys are errors. */
static int each_key(walk_t *w, yaml_node_t *map, const char *what, key_fn fn, void *ctx)
{
	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return fail_at(w, map, DV_EPARSE, "%s: a mapping (key: value lines) is expected",
		               what);
	yaml_node_pair_t *a = map->data.mapping.pairs.start, *e = map->data.mapping.pairs.top;
	for (yaml_node_pair_t *p = a; p < e; p++) {
		yaml_node_t *k = yaml_document_get_node(w->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(w->doc, p->value);
		const char *ks = scalar(w, k, what);
		if (ks == NULL)
			return w->rc;
		/* Duplicates are refused (YAML 1.2 §3.2.1.1): the later one would
		 * silently win otherwise.  Quadratic only in one mapping's width,
		 * which the schema keeps small except for labels (capped). */
		for (yaml_node_pair_t *q = a; q < p; q++) {
			yaml_node_t *k2 = yaml_document_get_node(w->doc, q->key);
			if (k2 && k2->type == YAML_SCALAR_NODE &&
			    strcmp((const char *)k2->data.scalar.value, ks) == 0)
				return fail_at(w, k, DV_EPARSE, "%s: duplicate key '%s'", what, ks);
		}
		if (fn(w, ks, v, ctx) != DV_OK)
			return w->rc ? w->rc : fail_at(w, k, DV_EPARSE, "%s: bad '%s'", what, ks);
	}
	return DV_OK;
}

static int unknown(walk_t *w, yaml_node_t *val, const char *section, const char *key)
{
	return fail_at(w, val, DV_EPARSE, "unknown key '%s' in %s", key, section);
}

/* ---- labels --------------------------------------------------------------- */

static void labels_free(dv_conf_label_t *l, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(l[i].key);
		free(l[i].value);
	}
	free(l);
}

/* Names the metrics use themselves; a configured label may not shadow them. */
static const char *const reserved_labels[] = {
    "zone", "server", "parent_server", "resolver", "code", "severity", "state", "job", "instance",
};

static bool label_name_ok(const char *s)
{
	if (!(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return false;
	if (s[0] == '_' && s[1] == '_')
		return false;
	for (const char *p = s; *p; p++)
		if (!(isalnum((unsigned char)*p) || *p == '_'))
			return false;
	return strlen(s) <= 64;
}

static int label_set(walk_t *w, yaml_node_t *at, dv_conf_zone_settings_t *s, const char *key,
                     const char *value)
{
	for (size_t i = 0; i < sizeof(reserved_labels) / sizeof(reserved_labels[0]); i++)
		if (strcmp(key, reserved_labels[i]) == 0)
			return fail_at(w, at, DV_EPARSE, "labels: '%s' is used by dnsvigil itself",
			               key);
	if (!label_name_ok(key))
		return fail_at(
		    w, at, DV_EPARSE,
		    "labels: '%s' is not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*, "
		    "no leading __, at most 64)",
		    key);
	if (strlen(value) > DV_CONF_MAX_LABEL_LEN)
		return fail_at(w, at, DV_ELIMIT, "labels: value of '%s' longer than %u bytes", key,
		               DV_CONF_MAX_LABEL_LEN);
	for (size_t i = 0; i < s->nlabels; i++) {
		if (strcmp(s->labels[i].key, key) == 0) {
			char *v = strdup(value);
			if (v == NULL)
				return fail_at(w, at, DV_ENOMEM, "out of memory");
			free(s->labels[i].value);
			s->labels[i].value = v;
			return DV_OK;
		}
	}
	if (s->nlabels >= DV_CONF_MAX_LABELS)
		return fail_at(w, at, DV_ELIMIT, "labels: more than %u", DV_CONF_MAX_LABELS);
	dv_conf_label_t *n = realloc(s->labels, (s->nlabels + 1) * sizeof(*n));
	if (n == NULL)
		return fail_at(w, at, DV_ENOMEM, "out of memory");
	s->labels = n;
	n[s->nlabels].key = strdup(key);
	n[s->nlabels].value = strdup(value);
	if (n[s->nlabels].key == NULL || n[s->nlabels].value == NULL) {
		free(n[s->nlabels].key);
		free(n[s->nlabels].value);
		return fail_at(w, at, DV_ENOMEM, "out of memory");
	}
	s->nlabels++;
	return DV_OK;
}

static int label_key(walk_t *w, const char *key, yaml_node_t *val, void *ctx)
{
	const char *v = scalar(w, val, "labels");
	if (v == NULL)
		return w->rc;
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return fail_at(w, val, DV_EPARSE, "labels: control character in '%s'", key);
	return label_set(w, val, ctx, key, v);
}

static int settings_copy(walk_t *w, dv_conf_zone_settings_t *dst,
                         const dv_conf_zone_settings_t *src)
{
	*dst = *src;
	dst->labels = NULL;
	dst->nlabels = 0;
	dst->tsig_key = NULL;
	dst->tsig = src->tsig ? strdup(src->tsig) : NULL;
	dst->tsig_name = src->tsig_name ? strdup(src->tsig_name) : NULL;
	if ((src->tsig && !dst->tsig) || (src->tsig_name && !dst->tsig_name))
		return fail_at(w, NULL, DV_ENOMEM, "out of memory");
	for (size_t i = 0; i < src->nlabels; i++)
		if (label_set(w, NULL, dst, src->labels[i].key, src->labels[i].value) != DV_OK)
			return w->rc;
	return DV_OK;
}

/* ---- zone settings (defaults: and each zone) ---------------------------- */

typedef struct {
	dv_conf_zone_settings_t *s;
	const char *section;
	bool *seen_warn, *seen_crit;
} settings_ctx_t;

#define MIN_INTERVAL 1 /* rehearsals with accelerated timers observe every second */
#define MAX_INTERVAL (7 * 86400)
#define MAX_WARN     (365 * 86400)

static int settings_key(walk_t *w, const char *key, yaml_node_t *val, void *vctx)
{
	settings_ctx_t *c = vctx;
	dv_conf_zone_settings_t *s = c->s;
	if (strcmp(key, "interval") == 0)
		return get_duration(w, val, "interval", MIN_INTERVAL, MAX_INTERVAL, &s->interval);
	if (strcmp(key, "warn") == 0) {
		*c->seen_warn = true;
		return get_threshold(w, val, "warn", MAX_WARN, &s->warn);
	}
	if (strcmp(key, "crit") == 0) {
		*c->seen_crit = true;
		return get_threshold(w, val, "crit", MAX_WARN, &s->crit);
	}
	if (strcmp(key, "full") == 0)
		return get_bool(w, val, "full", &s->full);
	if (strcmp(key, "tsig") == 0)
		return get_string(w, val, "tsig", &s->tsig);
	if (strcmp(key, "tsig_name") == 0)
		return get_string(w, val, "tsig_name", &s->tsig_name);
	if (strcmp(key, "signer_refresh") == 0) {
		const char *v = scalar(w, val, "signer_refresh");
		if (v == NULL)
			return w->rc;
		if (strcmp(v, "learn") == 0) {
			s->signer_refresh = 0;
			return DV_OK;
		}
		return get_duration(w, val, "signer_refresh", 60, MAX_WARN, &s->signer_refresh);
	}
	if (strcmp(key, "expect") == 0) {
		const char *v = scalar(w, val, "expect");
		if (v == NULL)
			return w->rc;
		if (strcmp(v, "secure") == 0)
			s->expect = DV_CONF_EXPECT_SECURE;
		else if (strcmp(v, "insecure") == 0)
			s->expect = DV_CONF_EXPECT_INSECURE;
		else if (strcmp(v, "any") == 0)
			s->expect = DV_CONF_EXPECT_ANY;
		else
			return fail_at(w, val, DV_EPARSE,
			               "expect: '%s' is not secure, insecure or any", v);
		return DV_OK;
	}
	if (strcmp(key, "labels") == 0)
		return each_key(w, val, "labels", label_key, s);
	return unknown(w, val, c->section, key);
}

static int settings_check(walk_t *w, yaml_node_t *at, const dv_conf_zone_settings_t *s)
{
	if (s->crit > s->warn)
		return fail_at(w, at, DV_EPARSE, "crit (%llds) exceeds warn (%llds)",
		               (long long)s->crit, (long long)s->warn);
	if (s->tsig_name != NULL && s->tsig == NULL)
		return fail_at(w, at, DV_EPARSE, "tsig_name without tsig (the key file)");
	return DV_OK;
}

/* A zone's TSIG key, read once here: a missing or unusable key file is a
 * configuration error (file:line), not a transfer refused later. */
static int zone_tsig(walk_t *w, yaml_node_t *at, dv_conf_zone_settings_t *s)
{
	if (s->tsig == NULL)
		return DV_OK;
	char why[512];
	int rc = dv_tsig_key_load(s->tsig, s->tsig_name, &s->tsig_key, why, sizeof(why));
	bool named = strncmp(why, s->tsig, strlen(s->tsig)) == 0; /* the reason names the file */
	if (rc != DV_OK)
		return fail_at(w, at, rc == DV_ENOMEM ? DV_ENOMEM : DV_EPARSE, "tsig: %s%s%s",
		               named ? "" : s->tsig, named ? "" : ": ", why);
	return DV_OK;
}

/* ---- zones ---------------------------------------------------------------- */

/* Lowercase, check as a DNS name, add the final dot. */
static int zone_name(walk_t *w, yaml_node_t *n, char **out)
{
	const char *s = scalar(w, n, "zone name");
	if (s == NULL)
		return w->rc;
	size_t len = strlen(s);
	if (len == 0 || len > 253)
		return fail_at(w, n, DV_EPARSE, "zone name '%s': empty or longer than 253", s);
	size_t lab = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '.') {
			if (lab == 0 && !(len == 1))
				return fail_at(w, n, DV_EPARSE, "zone name '%s': empty label", s);
			lab = 0;
			continue;
		}
		/* Host-name-like plus '_' and '-' (RFC 2181 §11 allows more; a
		 * monitored zone with an escaped byte is not worth the risk of
		 * metric label injection). */
		if (!(isalnum(ch) || ch == '-' || ch == '_'))
			return fail_at(w, n, DV_EPARSE,
			               "zone name '%s': character '%c' not allowed", s,
			               isprint(ch) ? ch : '?');
		if (++lab > 63)
			return fail_at(w, n, DV_EPARSE, "zone name '%s': label longer than 63", s);
	}
	char *d = malloc(len + 2);
	if (d == NULL)
		return fail_at(w, n, DV_ENOMEM, "out of memory");
	for (size_t i = 0; i < len; i++)
		d[i] = (char)tolower((unsigned char)s[i]);
	if (len == 1 && s[0] == '.') {
		d[1] = '\0';
	} else if (d[len - 1] != '.') {
		d[len] = '.';
		d[len + 1] = '\0';
	} else {
		d[len] = '\0';
	}
	*out = d;
	return DV_OK;
}

typedef struct {
	dv_conf_t *conf;
	dv_conf_zone_t *zone;
	bool seen_warn, seen_crit;
} zone_ctx_t;

static int zone_key(walk_t *w, const char *key, yaml_node_t *val, void *vctx)
{
	zone_ctx_t *c = vctx;
	if (strcmp(key, "name") == 0) {
		if (c->zone->name != NULL)
			return fail_at(w, val, DV_EPARSE, "zone: name given twice");
		return zone_name(w, val, &c->zone->name);
	}
	settings_ctx_t sc = {&c->zone->s, "a zone", &c->seen_warn, &c->seen_crit};
	return settings_key(w, key, val, &sc);
}

/* Zone names are checked for duplicates through a sorted copy once all are read. */
static int cmp_zone(const void *a, const void *b)
{
	const dv_conf_zone_t *x = *(dv_conf_zone_t *const *)a, *y = *(dv_conf_zone_t *const *)b;
	return strcmp(x->name, y->name);
}

static int cmp_zone_name(const void *a, const void *b)
{
	const dv_conf_zone_t *x = a, *y = b;
	return strcmp(x->name, y->name);
}

/* The list `what` (at most `max` items of `size` bytes): its length in *n and
 * an array for it, zeroed, in *(T **)array. */
static int list_alloc(walk_t *w, yaml_node_t *seq, const char *what, size_t max, size_t size,
                      void *array, size_t *n)
{
	if (seq->type != YAML_SEQUENCE_NODE)
		return fail_at(w, seq, DV_EPARSE, "%s: a list is expected", what);
	*n = (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
	if (*n > max)
		return fail_at(w, seq, DV_ELIMIT, "%s: more than %zu", what, max);
	void *v = calloc(*n ? *n : 1, size);
	if (v == NULL)
		return fail_at(w, seq, DV_ENOMEM, "out of memory");
	memcpy(array, &v, sizeof(v));
	return DV_OK;
}

/* Item i of the list `what`, or NULL after a message. */
static yaml_node_t *list_item(walk_t *w, yaml_node_t *seq, const char *what, size_t i)
{
	yaml_node_t *it = yaml_document_get_node(w->doc, seq->data.sequence.items.start[i]);
	if (it == NULL)
		fail_at(w, seq, DV_EPARSE, "%s: bad item", what);
	return it;
}

/* Each item of the list `what`, read by `fn` into the next of the *count
 * entries (of `size` bytes) of the array list_alloc makes in *(T **)array. */
static int each_item(walk_t *w, yaml_node_t *seq, const char *what, size_t max, size_t size,
                     void *array, size_t *count,
                     int (*fn)(walk_t *w, yaml_node_t *it, void *entry, void *ctx), void *ctx)
{
	size_t n = 0;
	if (list_alloc(w, seq, what, max, size, array, &n) != DV_OK)
		return w->rc;
	char *base;
	memcpy(&base, array, sizeof(base));
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *it = list_item(w, seq, what, i);
		void *entry = base + (*count)++ * size;
		if (it == NULL || fn(w, it, entry, ctx) != DV_OK)
			return w->rc;
	}
	return DV_OK;
}

static int read_zones(walk_t *w, yaml_node_t *seq, dv_conf_t *conf)
{
	size_t n = 0;
	if (list_alloc(w, seq, "zones", DV_CONF_MAX_ZONES, sizeof(*conf->zones), &conf->zones,
	               &n) != DV_OK)
		return w->rc;
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *item = list_item(w, seq, "zones", i);
		dv_conf_zone_t *z = &conf->zones[conf->nzones];
		if (item == NULL)
			return w->rc;
		z->line = (unsigned)item->start_mark.line + 1;
		conf->nzones++;
		if (settings_copy(w, &z->s, &conf->defaults) != DV_OK)
			return w->rc;
		if (item->type == YAML_SCALAR_NODE) {
			if (zone_name(w, item, &z->name) != DV_OK)
				return w->rc;
		} else {
			zone_ctx_t c = {conf, z, false, false};
			if (each_key(w, item, "a zone", zone_key, &c) != DV_OK)
				return w->rc;
			if (z->name == NULL)
				return fail_at(w, item, DV_EPARSE, "zone without a name");
			/* A zone that sets warn below the default crit (or the
			 * reverse) without the other keeps a consistent pair. */
			if (c.seen_warn && !c.seen_crit && z->s.crit > z->s.warn)
				z->s.crit = z->s.warn;
			if (settings_check(w, item, &z->s) != DV_OK)
				return w->rc;
		}
		if (zone_tsig(w, item, &z->s) != DV_OK)
			return w->rc;
	}
	if (conf->nzones > 1) {
		dv_conf_zone_t **idx = malloc(conf->nzones * sizeof(*idx));
		if (idx == NULL)
			return fail_at(w, seq, DV_ENOMEM, "out of memory");
		for (size_t i = 0; i < conf->nzones; i++)
			idx[i] = &conf->zones[i];
		qsort(idx, conf->nzones, sizeof(*idx), cmp_zone);
		for (size_t i = 1; i < conf->nzones; i++) {
			if (strcmp(idx[i]->name, idx[i - 1]->name) == 0) {
				const dv_conf_zone_t *a =
				    idx[i - 1]->line < idx[i]->line ? idx[i - 1] : idx[i];
				const dv_conf_zone_t *b = a == idx[i] ? idx[i - 1] : idx[i];
				snprintf(w->err, w->errlen,
				         "%s:%u: zone %s listed again (first at line %u)", w->label,
				         b->line, b->name, a->line);
				w->rc = DV_EPARSE;
				free(idx);
				return w->rc;
			}
		}
		free(idx);
		/* Sorted by name: dv_conf_zone_find bisects. */
		qsort(conf->zones, conf->nzones, sizeof(*conf->zones), cmp_zone_name);
	}
	return DV_OK;
}

const dv_conf_zone_t *dv_conf_zone_find(const dv_conf_t *conf, const char *name)
{
	if (conf->nzones == 0)
		return NULL;
	dv_conf_zone_t key = {.name = (char *)name};
	return bsearch(&key, conf->zones, conf->nzones, sizeof(key), cmp_zone_name);
}

/* ---- resolvers, ledger, probe, retention --------------------------------- */

static int resolver_item_key(walk_t *w, const char *key, yaml_node_t *val, void *vctx)
{
	dv_conf_resolver_t *r = vctx;
	if (strcmp(key, "address") == 0)
		return get_string(w, val, "address", &r->address);
	if (strcmp(key, "name") == 0) {
		if (get_string(w, val, "name", &r->name) != DV_OK)
			return w->rc;
		if (strlen(r->name) > DV_CONF_MAX_LABEL_LEN)
			return fail_at(w, val, DV_ELIMIT, "name: longer than %u bytes",
			               DV_CONF_MAX_LABEL_LEN);
		return DV_OK;
	}
	return unknown(w, val, "a resolver", key);
}

static int resolver_item(walk_t *w, yaml_node_t *it, void *entry, void *vctx)
{
	dv_conf_t *conf = vctx;
	dv_conf_resolver_t *r = entry;
	r->line = (unsigned)it->start_mark.line + 1;
	if (it->type == YAML_SCALAR_NODE) {
		if (get_string(w, it, "resolver address", &r->address) != DV_OK)
			return w->rc;
	} else if (each_key(w, it, "a resolver", resolver_item_key, r) != DV_OK) {
		return w->rc;
	}
	if (r->address == NULL)
		return fail_at(w, it, DV_EPARSE, "resolver without an address");
	if (r->name == NULL && (r->name = strdup(r->address)) == NULL)
		return fail_at(w, it, DV_ENOMEM, "out of memory");
	for (size_t j = 0; j + 1 < conf->nresolvers; j++)
		if (strcmp(conf->resolvers[j].name, r->name) == 0)
			return fail_at(w, it, DV_EPARSE,
			               "resolver %s listed again (first at line %u)", r->name,
			               conf->resolvers[j].line);
	return DV_OK;
}

static int resolvers_key(walk_t *w, const char *key, yaml_node_t *val, void *vctx)
{
	dv_conf_t *conf = vctx;
	if (strcmp(key, "canary") == 0)
		return zone_name(w, val, &conf->canary);
	if (strcmp(key, "interval") == 0)
		return get_duration(w, val, "interval", MIN_INTERVAL, MAX_INTERVAL,
		                    &conf->resolver_interval);
	if (strcmp(key, "servers") != 0)
		return unknown(w, val, "resolvers", key);
	return each_item(w, val, "servers", DV_CONF_MAX_RESOLVERS, sizeof(*conf->resolvers),
	                 &conf->resolvers, &conf->nresolvers, resolver_item, conf);
}

static int witness_key(walk_t *w, const char *key, yaml_node_t *val, void *vctx)
{
	dv_conf_witness_t *wt = vctx;
	if (strcmp(key, "url") == 0) {
		if (get_string(w, val, "url", &wt->url) != DV_OK)
			return w->rc;
		if (strncmp(wt->url, "http://", 7) != 0 && strncmp(wt->url, "https://", 8) != 0)
			return fail_at(w, val, DV_EPARSE, "url: '%s' is not an http(s) URL",
			               wt->url);
		return DV_OK;
	}
	if (strcmp(key, "key") == 0) {
		if (get_string(w, val, "key", &wt->key) != DV_OK)
			return w->rc;
		/* a cosignature vkey (C2SP tlog-cosignature), or a file holding one */
		tlog_vkey_t k;
		char err[256];
		if (ledger_vkey_load(wt->key, &k, err, sizeof(err)) != DV_OK)
			return fail_at(w, val, DV_EPARSE, "key: %s", err);
		if (k.type != TLOG_SIGTYPE_COSIGNATURE)
			return fail_at(
			    w, val, DV_EPARSE,
			    "key: not a witness cosignature key (C2SP tlog-cosignature)");
		/* kept as the vkey itself (a file is read once, here) */
		char text[TLOG_NAME_MAX + 128];
		size_t n = tlog_vkey_format(&k, text, sizeof(text));
		char *dup = n > 0 ? strdup(text) : NULL;
		if (dup == NULL)
			return fail_at(w, val, DV_ENOMEM, "out of memory");
		free(wt->key);
		wt->key = dup;
		return DV_OK;
	}
	return unknown(w, val, "a witness", key);
}

static int witness_item(walk_t *w, yaml_node_t *it, void *entry, void *vctx)
{
	dv_conf_witness_t *wt = entry;
	wt->line = (unsigned)it->start_mark.line + 1;
	if (each_key(w, it, "a witness", witness_key, wt) != DV_OK)
		return w->rc;
	if (wt->url == NULL || wt->key == NULL)
		return fail_at(w, it, DV_EPARSE, "a witness needs both url and key");
	return DV_OK;
}

static int ledger_key(walk_t *w, const char *key, yaml_node_t *val, void *vctx)
{
	dv_conf_t *conf = vctx;
	if (strcmp(key, "key") == 0)
		return get_string(w, val, "key", &conf->ledger_key);
	if (strcmp(key, "origin") == 0) {
		if (get_string(w, val, "origin", &conf->ledger_origin) != DV_OK)
			return w->rc;
		/* C2SP signed-note key names: no spaces, no '+' */
		size_t n = strlen(conf->ledger_origin);
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)conf->ledger_origin[i] <= ' ' ||
			    conf->ledger_origin[i] == '+' || conf->ledger_origin[i] == 0x7f)
				return fail_at(w, val, DV_EPARSE,
				               "origin: no spaces, control characters or '+'");
		if (n == 0 || n > TLOG_NAME_MAX)
			return fail_at(w, val, DV_EPARSE, "origin: 1 to %d bytes", TLOG_NAME_MAX);
		return DV_OK;
	}
	if (strcmp(key, "checkpoint_interval") == 0)
		return get_duration(w, val, "checkpoint_interval", 1, 86400,
		                    &conf->checkpoint_interval);
	if (strcmp(key, "witness_timeout_ms") == 0) {
		unsigned long v;
		if (get_uint(w, val, "witness_timeout_ms", 100, 60000, &v) != DV_OK)
			return w->rc;
		conf->witness_timeout_ms = (unsigned)v;
		return DV_OK;
	}
	if (strcmp(key, "witnesses") != 0)
		return unknown(w, val, "ledger", key);
	return each_item(w, val, "witnesses", DV_CONF_MAX_WITNESSES, sizeof(*conf->witnesses),
	                 &conf->witnesses, &conf->nwitnesses, witness_item, NULL);
}

/* The probe's keys, whole numbers each: range, and the field it sets. */
typedef struct {
	const char *key;
	unsigned long min, max;
	size_t off, size;
} num_key_t;

#define NUM_KEY(name, lo, hi, field)                                                               \
	{                                                                                          \
		name, lo, hi, offsetof(dv_conf_t, field), sizeof(((dv_conf_t *)NULL)->field)       \
	}

static const num_key_t probe_keys[] = {
    NUM_KEY("timeout_ms", 10, 60000, timeout_ms), /* milliseconds, as `check --timeout` */
    NUM_KEY("retries", 0, 10, retries),
    NUM_KEY("port", 1, 65535, port),
    NUM_KEY("concurrency", 1, 256, concurrency),
    NUM_KEY("max_inflight", 1, 4096, max_inflight),
    NUM_KEY("per_server_qps", 0, 100000, per_server_qps),
    NUM_KEY("per_server_burst", 1, 100000, per_server_burst),
};

static int probe_key(walk_t *w, const char *key, yaml_node_t *val, void *vctx)
{
	for (size_t i = 0; i < sizeof(probe_keys) / sizeof(probe_keys[0]); i++) {
		const num_key_t *k = &probe_keys[i];
		if (strcmp(key, k->key) != 0)
			continue;
		unsigned long v;
		int r = get_uint(w, val, k->key, k->min, k->max, &v);
		if (r != DV_OK || (k->size != 2 && k->size != 4))
			return r != DV_OK ? r : DV_EINVAL;
		/* the range fits the field: every one is 16 or 32 bits wide */
		uint16_t v16 = (uint16_t)v;
		uint32_t v32 = (uint32_t)v;
		memcpy((char *)vctx + k->off, k->size == 2 ? (void *)&v16 : (void *)&v32, k->size);
		return DV_OK;
	}
	return unknown(w, val, "probe", key);
}

static int retention_key(walk_t *w, const char *key, yaml_node_t *val, void *vctx)
{
	dv_conf_t *conf = vctx;
	const int64_t day = 86400, max = 100 * 365 * day;
	if (strcmp(key, "events") == 0)
		return get_duration(w, val, "events", day, max, &conf->keep_events);
	if (strcmp(key, "snapshots") == 0)
		return get_duration(w, val, "snapshots", 3600, max, &conf->keep_snapshots);
	if (strcmp(key, "observations") == 0)
		return get_duration(w, val, "observations", day, max, &conf->keep_observations);
	if (strcmp(key, "snapshots_per_zone") == 0) {
		unsigned long v;
		if (get_uint(w, val, "snapshots_per_zone", 1, 100000, &v) != DV_OK)
			return w->rc;
		conf->snapshots_per_zone = (unsigned)v;
		return DV_OK;
	}
	return unknown(w, val, "retention", key);
}

/* ---- top level ------------------------------------------------------------ */

typedef struct {
	dv_conf_t *conf;
	yaml_node_t *zones, *zones_key; /* read after defaults, wherever they appear */
	yaml_node_t *defaults;
	bool seen_warn, seen_crit;
} top_ctx_t;

static int top_key(walk_t *w, const char *key, yaml_node_t *val, void *vctx)
{
	top_ctx_t *c = vctx;
	dv_conf_t *conf = c->conf;
	if (strcmp(key, "state_directory") == 0)
		return get_string(w, val, key, &conf->state_directory);
	if (strcmp(key, "root_hints") == 0)
		return get_string(w, val, key, &conf->root_hints);
	if (strcmp(key, "trust_anchor") == 0)
		return get_string(w, val, key, &conf->trust_anchor);
	if (strcmp(key, "listen") == 0)
		return get_string(w, val, key, &conf->listen);
	if (strcmp(key, "probe") == 0)
		return each_key(w, val, "probe", probe_key, conf);
	if (strcmp(key, "defaults") == 0) {
		c->defaults = val;
		settings_ctx_t sc = {&conf->defaults, "defaults", &c->seen_warn, &c->seen_crit};
		if (each_key(w, val, "defaults", settings_key, &sc) != DV_OK)
			return w->rc;
		return settings_check(w, val, &conf->defaults);
	}
	if (strcmp(key, "zones") == 0) {
		c->zones = val;
		return DV_OK;
	}
	if (strcmp(key, "resolvers") == 0)
		return each_key(w, val, "resolvers", resolvers_key, conf);
	if (strcmp(key, "ledger") == 0)
		return each_key(w, val, "ledger", ledger_key, conf);
	if (strcmp(key, "retention") == 0)
		return each_key(w, val, "retention", retention_key, conf);
	return unknown(w, val, "the top level", key);
}

static int set_default_string(char **p, const char *v)
{
	if (*p != NULL)
		return DV_OK;
	*p = strdup(v);
	return *p ? DV_OK : DV_ENOMEM;
}

/* Pass 1: refuse aliases (and anchors), bound nesting, report syntax errors with their line. */
static int prescan(walk_t *w, const char *data, size_t len)
{
	yaml_parser_t p;
	yaml_event_t ev;
	if (!yaml_parser_initialize(&p))
		return fail_at(w, NULL, DV_ENOMEM, "out of memory");
	yaml_parser_set_input_string(&p, (const unsigned char *)data, len);
	unsigned depth = 0, docs = 0;
	int rc = DV_OK;
	for (;;) {
		if (!yaml_parser_parse(&p, &ev)) {
			snprintf(w->err, w->errlen, "%s:%lu: %s%s%s", w->label,
			         (unsigned long)p.problem_mark.line + 1,
			         p.problem ? p.problem : "YAML syntax error", p.context ? " " : "",
			         p.context ? p.context : "");
			rc = w->rc = DV_EPARSE;
			break;
		}
		yaml_event_type_t t = ev.type;
		unsigned long line = (unsigned long)ev.start_mark.line + 1;
		bool anchor = (t == YAML_SCALAR_EVENT && ev.data.scalar.anchor) ||
		              (t == YAML_SEQUENCE_START_EVENT && ev.data.sequence_start.anchor) ||
		              (t == YAML_MAPPING_START_EVENT && ev.data.mapping_start.anchor);
		yaml_event_delete(&ev);
		if (t == YAML_ALIAS_EVENT || anchor) {
			snprintf(w->err, w->errlen,
			         "%s:%lu: YAML anchors and aliases are not accepted", w->label,
			         line);
			rc = w->rc = DV_EPARSE;
			break;
		}
		if (t == YAML_DOCUMENT_START_EVENT && ++docs > 1) {
			snprintf(w->err, w->errlen, "%s:%lu: only one YAML document is accepted",
			         w->label, line);
			rc = w->rc = DV_EPARSE;
			break;
		}
		if (t == YAML_SEQUENCE_START_EVENT || t == YAML_MAPPING_START_EVENT) {
			if (++depth > DV_CONF_MAX_DEPTH) {
				snprintf(w->err, w->errlen, "%s:%lu: nested deeper than %u levels",
				         w->label, line, DV_CONF_MAX_DEPTH);
				rc = w->rc = DV_ELIMIT;
				break;
			}
		} else if (t == YAML_SEQUENCE_END_EVENT || t == YAML_MAPPING_END_EVENT) {
			depth--;
		} else if (t == YAML_STREAM_END_EVENT) {
			break;
		}
	}
	yaml_parser_delete(&p);
	return rc;
}

int dv_conf_load_mem(const char *data, size_t len, const char *label, dv_conf_t **out, char *err,
                     size_t errlen)
{
	walk_t w = {.label = label, .err = err, .errlen = errlen};
	dv_conf_t *conf = NULL;
	yaml_parser_t p;
	yaml_document_t doc;
	bool have_doc = false, have_parser = false;
	*out = NULL;
	if (errlen)
		err[0] = '\0';
	if (len > DV_CONF_MAX_BYTES) {
		snprintf(err, errlen, "%s:1: larger than %u bytes", label, DV_CONF_MAX_BYTES);
		return DV_ELIMIT;
	}
	if (prescan(&w, data, len) != DV_OK)
		return w.rc;
	if (!yaml_parser_initialize(&p))
		return DV_ENOMEM;
	have_parser = true;
	yaml_parser_set_input_string(&p, (const unsigned char *)data, len);
	if (!yaml_parser_load(&p, &doc)) {
		snprintf(err, errlen, "%s:%lu: %s", label, (unsigned long)p.problem_mark.line + 1,
		         p.problem ? p.problem : "YAML error");
		w.rc = DV_EPARSE;
		goto fail;
	}
	have_doc = true;
	w.doc = &doc;
	conf = calloc(1, sizeof(*conf));
	if (conf == NULL || (conf->path = strdup(label)) == NULL) {
		w.rc = DV_ENOMEM;
		goto fail;
	}
	conf->defaults = (dv_conf_zone_settings_t){
	    .interval = 300, .warn = 7 * 86400, .crit = 86400, .expect = DV_CONF_EXPECT_SECURE};
	conf->timeout_ms = 1000;
	conf->retries = 1;
	conf->concurrency = 4;
	conf->per_server_burst = 20;
	conf->resolver_interval = 600;
	conf->keep_events = 400 * 86400;
	conf->keep_snapshots = 30 * 86400;
	conf->snapshots_per_zone = 100;
	conf->keep_observations = 90 * 86400;

	yaml_node_t *root = yaml_document_get_root_node(&doc);
	if (root == NULL) {
		snprintf(err, errlen, "%s:1: empty configuration", label);
		w.rc = DV_EPARSE;
		goto fail;
	}
	top_ctx_t c = {.conf = conf};
	if (each_key(&w, root, "the top level", top_key, &c) != DV_OK)
		goto fail;
	if (c.seen_warn && !c.seen_crit && conf->defaults.crit > conf->defaults.warn)
		conf->defaults.crit = conf->defaults.warn;
	if (c.zones != NULL && read_zones(&w, c.zones, conf) != DV_OK)
		goto fail;
	if (conf->state_directory == NULL) {
		fail_at(&w, root, DV_EPARSE, "state_directory is required");
		goto fail;
	}
	if (conf->nresolvers > 0 && conf->canary == NULL) {
		fail_at(&w, root, DV_EPARSE, "resolvers: servers need a canary zone");
		goto fail;
	}
	if (set_default_string(&conf->root_hints, "/usr/share/dns/root.hints") ||
	    set_default_string(&conf->trust_anchor, "/usr/share/dns/root.ds") ||
	    set_default_string(&conf->listen, "127.0.0.1:9853")) {
		w.rc = DV_ENOMEM;
		goto fail;
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&p);
	*out = conf;
	return DV_OK;
fail:
	if (w.rc == DV_ENOMEM && errlen && err[0] == '\0')
		snprintf(err, errlen, "%s:1: out of memory", label);
	if (have_doc)
		yaml_document_delete(&doc);
	if (have_parser)
		yaml_parser_delete(&p);
	dv_conf_free(conf);
	return w.rc ? w.rc : DV_EPARSE;
}

int dv_conf_load(const char *path, dv_conf_t **out, char *err, size_t errlen)
{
	*out = NULL;
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return DV_EIO;
	}
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap);
	int rc = DV_OK;
	while (buf != NULL) {
		if (len == cap) {
			if (cap > DV_CONF_MAX_BYTES) {
				snprintf(err, errlen, "%s:1: larger than %u bytes", path,
				         DV_CONF_MAX_BYTES);
				rc = DV_ELIMIT;
				break;
			}
			char *nb = realloc(buf, cap * 2);
			if (nb == NULL)
				break;
			buf = nb;
			cap *= 2;
		}
		size_t n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (buf == NULL || (rc == DV_OK && ferror(f))) {
		if (buf == NULL)
			snprintf(err, errlen, "%s: out of memory", path);
		else
			snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
		rc = buf == NULL ? DV_ENOMEM : DV_EIO;
	}
	fclose(f);
	if (rc == DV_OK)
		rc = dv_conf_load_mem(buf, len, path, out, err, errlen);
	free(buf);
	return rc;
}

static void settings_free(dv_conf_zone_settings_t *s)
{
	free(s->tsig);
	free(s->tsig_name);
	dv_tsig_key_free(s->tsig_key);
	s->tsig = s->tsig_name = NULL;
	s->tsig_key = NULL;
	labels_free(s->labels, s->nlabels);
	s->labels = NULL;
	s->nlabels = 0;
}

void dv_conf_free(dv_conf_t *conf)
{
	if (conf == NULL)
		return;
	for (size_t i = 0; i < conf->nzones; i++) {
		free(conf->zones[i].name);
		settings_free(&conf->zones[i].s);
	}
	free(conf->zones);
	for (size_t i = 0; i < conf->nresolvers; i++) {
		free(conf->resolvers[i].address);
		free(conf->resolvers[i].name);
	}
	free(conf->resolvers);
	for (size_t i = 0; i < conf->nwitnesses; i++) {
		free(conf->witnesses[i].url);
		free(conf->witnesses[i].key);
	}
	free(conf->witnesses);
	settings_free(&conf->defaults);
	free(conf->path);
	free(conf->state_directory);
	free(conf->root_hints);
	free(conf->trust_anchor);
	free(conf->listen);
	free(conf->canary);
	free(conf->ledger_key);
	free(conf->ledger_origin);
	free(conf);
}
