/*
 * `dnsvigil status` and `dnsvigil history`: read the store (read-only,
 * beside a running daemon: WAL readers never block it) and print.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "daemon/config.h"
#include "daemon/daemon.h"
#include "report/report.h"
#include "store/store.h"

static int open_store(const dv_show_opts_t *o, const char *cmd, FILE *out, dv_store_t **st,
                      dv_conf_t **conf)
{
	char err[1024];
	const char *dir = o->state_dir;
	*conf = NULL;
	if (o->config != NULL) {
		if (dv_conf_load(o->config, conf, err, sizeof(err)) != DV_OK) {
			fprintf(stderr, "%s\n", err);
			if (o->json)
				dv_report_error_json(out, cmd, NULL, o->config, err);
			return 3;
		}
		if (dir == NULL)
			dir = (*conf)->state_directory;
	}
	if (dir == NULL)
		dir = "/var/lib/dnsvigil";
	if (dv_store_open(dir, true, st, err, sizeof(err)) != DV_OK) {
		fprintf(stderr, "dnsvigil %s: %s\n", cmd, err);
		if (o->json)
			dv_report_error_json(out, cmd, NULL, dir, err);
		dv_conf_free(*conf);
		*conf = NULL;
		return 3;
	}
	return 0;
}

static void fmt_time(int64_t t, char *buf, size_t len)
{
	if (t <= 0) {
		snprintf(buf, len, "-");
		return;
	}
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

typedef struct {
	FILE *out;
	const dv_conf_t *conf;
	json_t *zones, *resolvers; /* JSON mode */
	int status;
	int nerror, nwarning; /* zones and resolvers in that state */
} status_ctx_t;

static int zone_row(const dv_store_zone_row_t *r, void *vctx)
{
	status_ctx_t *c = vctx;
	const dv_conf_zone_t *cz = c->conf ? dv_conf_zone_find(c->conf, r->zone) : NULL;
	if (c->conf != NULL && cz == NULL)
		return 0; /* remembered, but no longer configured */
	const char *expect = cz ? dv_conf_expect_name(cz->s.expect) : "any";
	bool unexpected =
	    (cz && cz->s.expect == DV_CONF_EXPECT_SECURE && strcmp(r->status, "secure")) ||
	    (cz && cz->s.expect == DV_CONF_EXPECT_INSECURE && strcmp(r->status, "insecure"));
	int st = 0;
	if (strcmp(r->worst, "warning") == 0 || !r->probe_ok)
		st = 1;
	if (strcmp(r->worst, "error") == 0 || strcmp(r->status, "bogus") == 0 || unexpected)
		st = 2;
	if (st > c->status)
		c->status = st;
	c->nerror += st == 2;
	c->nwarning += st == 1;
	unsigned answering = 0;
	for (size_t i = 0; i < r->obs->nsrv; i++)
		answering += r->obs->srv[i].answering;
	char exp[32], last[32];
	fmt_time(r->obs->earliest_expiry, exp, sizeof(exp));
	fmt_time(r->last_success, last, sizeof(last));
	if (c->zones != NULL) {
		json_t *z =
		    json_pack("{s:s, s:s, s:s, s:b, s:I, s:I, s:I, s:i, s:i, s:I, s:s?, s:s}",
		              "zone", r->zone, "status", r->status, "expect", expect, "probe_ok",
		              r->probe_ok, "last_success", (json_int_t)r->last_success,
		              "last_attempt", (json_int_t)r->last_attempt, "earliest_expiry",
		              (json_int_t)r->obs->earliest_expiry, "servers", (int)r->obs->nsrv,
		              "answering", (int)answering, "findings", (json_int_t)r->nfindings,
		              "worst", r->worst[0] ? r->worst : NULL, "error", r->error);
		if (z && r->obs->have_serial)
			json_object_set_new(z, "serial", json_integer(r->obs->serial));
		if (z)
			json_object_set_new(z, "divergent", json_boolean(r->obs->divergent));
		json_array_append_new(c->zones, z);
		return 0;
	}
	char serial[16] = "-";
	if (r->obs->have_serial)
		snprintf(serial, sizeof(serial), "%u", r->obs->serial);
	fprintf(c->out, "%-30s %-13s %-8s %10s %2u/%-2zu %-20s %3zu %-7s %-20s%s%s\n", r->zone,
	        r->status[0] ? r->status : "-", expect, serial, answering, r->obs->nsrv, exp,
	        r->nfindings, r->worst[0] ? r->worst : "-", last,
	        r->obs->divergent ? " divergent" : "", r->probe_ok ? "" : " PROBE-FAILING");
	if (!r->probe_ok && r->error[0])
		fprintf(c->out, "  %s\n", r->error);
	return 0;
}

static int resolver_row(const dv_store_resolver_row_t *r, void *vctx)
{
	status_ctx_t *c = vctx;
	if (strcmp(r->verdict, "validating") != 0 && c->status < 2)
		c->status = 2;
	c->nerror += strcmp(r->verdict, "validating") != 0;
	if (c->resolvers != NULL) {
		json_array_append_new(c->resolvers,
		                      json_pack("{s:s, s:s, s:s, s:I}", "resolver", r->resolver,
		                                "address", r->address, "verdict", r->verdict,
		                                "time", (json_int_t)r->time));
		return 0;
	}
	char t[32];
	fmt_time(r->time, t, sizeof(t));
	fprintf(c->out, "%-30s %-24s %-20s since %s\n", r->resolver, r->address, r->verdict, t);
	return 0;
}

int dv_show_status(const dv_show_opts_t *o, FILE *out)
{
	dv_store_t *st;
	dv_conf_t *conf;
	int rc = open_store(o, "status", out, &st, &conf);
	if (rc != 0)
		return rc;
	status_ctx_t c = {.out = out, .conf = conf};
	if (o->json) {
		c.zones = json_array();
		c.resolvers = json_array();
	} else {
		fprintf(out, "%-30s %-13s %-8s %10s %5s %-20s %3s %-7s %-20s\n", "ZONE", "STATUS",
		        "EXPECT", "SERIAL", "UP", "EARLIEST-EXPIRY", "FND", "WORST",
		        "LAST-SUCCESS");
	}
	int r1 = dv_store_zones_each(st, zone_row, &c);
	if (!o->json)
		fprintf(out, "\n%-30s %-24s %-20s\n", "RESOLVER", "ADDRESS", "VERDICT");
	int r2 = dv_store_resolvers_each(st, resolver_row, &c);
	if (r1 != DV_OK || r2 != DV_OK) {
		fprintf(stderr, "dnsvigil status: %s\n", dv_store_errmsg(st));
		c.status = 3;
	}
	if (o->json) {
		/* The envelope of every report (doc/json.md); the counts are of
		 * zones and resolvers by their state. */
		json_t *j = json_object();
		dv_report_envelope_set(j, "status", NULL, dv_report_status_name(c.status));
		json_t *sum = dv_report_summary_json(NULL);
		json_object_set_new(sum, "errors", json_integer(c.nerror));
		json_object_set_new(sum, "warnings", json_integer(c.nwarning));
		json_object_set_new(sum, "zones",
		                    json_integer((json_int_t)json_array_size(c.zones)));
		json_object_set_new(sum, "resolvers",
		                    json_integer((json_int_t)json_array_size(c.resolvers)));
		json_object_set_new(j, "summary", sum);
		json_object_set_new(j, "zones", c.zones);
		json_object_set_new(j, "resolvers", c.resolvers);
		json_object_set_new(j, "findings", json_array());
		dv_json_write(out, j);
		json_decref(j);
	}
	dv_store_close(st);
	dv_conf_free(conf);
	return c.status;
}

typedef struct {
	FILE *out;
	json_t *arr;
	size_t n;
} hist_ctx_t;

static int hist_row(const dv_store_hist_row_t *r, void *vctx)
{
	hist_ctx_t *c = vctx;
	char t[32], e[32], i[32], serial[16] = "-";
	fmt_time(r->time, t, sizeof(t));
	fmt_time(r->earliest_expiry, e, sizeof(e));
	fmt_time(r->newest_inception, i, sizeof(i));
	if (r->have_serial)
		snprintf(serial, sizeof(serial), "%u", r->serial);
	c->n++;
	if (c->arr != NULL) {
		json_t *j = json_pack("{s:s, s:I, s:s, s:I, s:I, s:I}", "type", "observation",
		                      "time", (json_int_t)r->time, "status", r->status,
		                      "earliest_expiry", (json_int_t)r->earliest_expiry,
		                      "newest_inception", (json_int_t)r->newest_inception,
		                      "snapshot", (json_int_t)r->snapshot_id);
		if (j && r->have_serial)
			json_object_set_new(j, "serial", json_integer(r->serial));
		json_array_append_new(c->arr, j);
		return 0;
	}
	fprintf(c->out, "%s observed  status=%s serial=%s earliest-expiry=%s newest-inception=%s",
	        t, r->status, serial, e, i);
	if (r->snapshot_id)
		fprintf(c->out, " snapshot=%lld", (long long)r->snapshot_id);
	fputc('\n', c->out);
	return 0;
}

static void print_value(FILE *out, const char *v)
{
	if (*v == '\0') {
		fputs("-", out);
		return;
	}
	for (; *v; v++)
		fputs(*v == '\n' ? "; " : (char[]){*v, 0}, out);
}

static int event_row(const dv_event_t *e, void *vctx)
{
	hist_ctx_t *c = vctx;
	c->n++;
	if (c->arr != NULL) {
		json_array_append_new(
		    c->arr, json_pack("{s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:s}", "type", "event",
		                      "id", (json_int_t)e->id, "time", (json_int_t)e->time, "kind",
		                      e->kind, "server", e->server, "subject", e->subject, "old",
		                      e->old_value, "new", e->new_value));
		return 0;
	}
	char t[32];
	fmt_time(e->time, t, sizeof(t));
	fprintf(c->out, "%s %-16s %s%s%s: ", t, e->kind, e->server, e->server[0] ? " " : "",
	        e->subject);
	print_value(c->out, e->old_value);
	fputs(" -> ", c->out);
	print_value(c->out, e->new_value);
	fputc('\n', c->out);
	return 0;
}

int dv_show_history(const dv_show_opts_t *o, const char *zone, int64_t since, int64_t snapshot_id,
                    FILE *out)
{
	dv_store_t *st;
	dv_conf_t *conf;
	int rc = open_store(o, "history", out, &st, &conf);
	if (rc != 0)
		return rc;
	int status = 0;
	if (snapshot_id > 0) {
		char *data;
		size_t len;
		int r = dv_store_snapshot_get(st, snapshot_id, &data, &len);
		if (r != DV_OK) {
			fprintf(
			    stderr, "dnsvigil history: snapshot %lld: %s\n", (long long)snapshot_id,
			    r == DV_EINVAL ? "not in the store (retention?)" : dv_store_errmsg(st));
			status = 3;
		} else {
			if (fwrite(data, 1, len, out) != len)
				status = 3;
			free(data);
		}
		goto done;
	}
	hist_ctx_t c = {.out = out, .arr = o->json ? json_array() : NULL};
	int r1 = dv_store_history_each(st, zone, hist_row, &c);
	if (!o->json)
		fputc('\n', out);
	int r2 = dv_store_events_each(st, zone, since, event_row, &c);
	if (r1 != DV_OK || r2 != DV_OK) {
		fprintf(stderr, "dnsvigil history: %s\n", dv_store_errmsg(st));
		status = 3;
	} else if (c.n == 0) {
		/* Nothing to judge: not a finding about the zone. */
		fprintf(stderr, "dnsvigil history: nothing is known of %s\n", zone);
		status = 3;
	}
	if (o->json) {
		json_t *j = json_object();
		dv_report_envelope_set(j, "history", NULL, dv_report_status_name(status));
		json_t *sum = dv_report_summary_json(NULL);
		json_object_set_new(sum, "entries", json_integer((json_int_t)c.n));
		json_object_set_new(j, "summary", sum);
		json_object_set_new(j, "zone", json_string(zone));
		json_object_set_new(j, "history", c.arr);
		json_object_set_new(j, "findings", json_array());
		dv_json_write(out, j);
		json_decref(j);
	}
done:
	dv_store_close(st);
	dv_conf_free(conf);
	return status;
}
