/*
 * Unit tests of the metrics (src/metrics): the exposition text has every
 * family of doc/watch.md with HELP/TYPE, label values escaped, series of a
 * zone whose probe failed still present with dnsvigil_probe_success 0,
 * findings counted per (code, severity); the endpoint serves /metrics,
 * refuses other paths and methods, and survives a burst of connections
 * beyond its ceiling.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/error.h"
#include "metrics/metrics.h"

static void mkobs(dv_obs_t *o, const char *zone, const char *status)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->zone, sizeof(o->zone), "%s", zone);
	snprintf(o->status, sizeof(o->status), "%s", status);
	o->probe_ok = true;
	o->earliest_expiry = 1700000000;
	o->newest_inception = 1690000000;
	dv_obs_server_t *s;
	assert_int_equal(dv_obs_server(o, "192.0.2.1", &s), DV_OK);
	s->answering = true;
	s->have_serial = true;
	s->serial = 4000000001u;
	s->newest_inception = 1690000000;
	dv_obs_parent_t *p;
	assert_int_equal(dv_obs_parent(o, "198.51.100.1", &p), DV_OK);
	p->ds_match = 0;
}

static char *render_two(void)
{
	static dv_obs_t a, b;
	static dv_store_findings_t f;
	mkobs(&a, "a.example.", "secure");
	mkobs(&b, "b\"x.example.", "bogus");
	dv_store_finding_t x;
	memset(&x, 0, sizeof(x));
	snprintf(x.code, sizeof(x.code), "RRSIG_EXPIRED");
	snprintf(x.severity, sizeof(x.severity), "error");
	assert_int_equal(dv_store_findings_add(&f, &x), DV_OK);
	x.type = 1;
	assert_int_equal(dv_store_findings_add(&f, &x), DV_OK);
	snprintf(x.code, sizeof(x.code), "CHAIN_BOGUS");
	assert_int_equal(dv_store_findings_add(&f, &x), DV_OK);
	const char *k[] = {"team"}, *v[] = {"dns\nops"};
	dv_metrics_zone_t z[2] = {
	    {.obs = &a,
	     .expect = "secure",
	     .label_keys = k,
	     .label_values = v,
	     .nlabels = 1,
	     .probe_ok = true,
	     .last_success = 1699990000,
	     .signer_state = 1,
	     .signer_margin = 432000},
	    {.obs = &b,
	     .expect = "any",
	     .probe_ok = false,
	     .last_success = 0,
	     .findings = &f,
	     .signer_state = 2},
	};
	dv_metrics_resolver_t r[2] = {{"unbound", "validating", true, 5},
	                              {"open", "not-validating", true, 5}};
	dv_metrics_view_t view = {.zones = z,
	                          .nzones = 2,
	                          .resolvers = r,
	                          .nresolvers = 2,
	                          .version = "t",
	                          .ledger_entries = 7,
	                          .ledger_unanchored = 7};
	char *text;
	size_t len;
	assert_int_equal(dv_metrics_render(&view, &text, &len), DV_OK);
	assert_int_equal(strlen(text), len);
	dv_obs_clear(&a);
	dv_obs_clear(&b);
	dv_store_findings_free(&f);
	return text;
}

static void has(const char *text, const char *line)
{
	if (strstr(text, line) == NULL)
		fail_msg("missing: %s", line);
}

static void test_render(void **state)
{
	char *t = render_two();
	static const char *families[] = {
	    "dnsvigil_zone_rrsig_earliest_expiry_timestamp_seconds",
	    "dnsvigil_zone_rrsig_newest_inception_timestamp_seconds",
	    "dnsvigil_zone_serial",
	    "dnsvigil_zone_servers_divergent",
	    "dnsvigil_zone_validation_state",
	    "dnsvigil_zone_ds_match",
	    "dnsvigil_findings",
	    "dnsvigil_resolver_validating",
	    "dnsvigil_probe_success",
	    "dnsvigil_probe_last_success_timestamp_seconds",
	    "dnsvigil_ledger_entries",
	    "dnsvigil_ledger_unanchored_entries",
	    "dnsvigil_zone_signer_late",
	    "dnsvigil_zone_info",
	};
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		char l[200];
		snprintf(l, sizeof(l), "# TYPE %s gauge\n", families[i]);
		has(t, l);
	}
	has(t, "dnsvigil_zone_serial{zone=\"a.example.\",server=\"192.0.2.1\"} 4000000001\n");
	has(t, "dnsvigil_zone_rrsig_earliest_expiry_timestamp_seconds{zone=\"a.example.\"} "
	       "1700000000\n");
	has(t, "dnsvigil_zone_validation_state{zone=\"a.example.\",state=\"secure\"} 1\n");
	has(t, "dnsvigil_zone_validation_state{zone=\"a.example.\",state=\"bogus\"} 0\n");
	/* escaping */
	has(t, "dnsvigil_zone_validation_state{zone=\"b\\\"x.example.\",state=\"bogus\"} 1\n");
	has(t, "dnsvigil_zone_info{zone=\"a.example.\",expect=\"secure\",team=\"dns\\nops\"} 1\n");
	/* the failing probe: series present, success 0 */
	has(t, "dnsvigil_probe_success{zone=\"b\\\"x.example.\"} 0\n");
	has(t, "dnsvigil_zone_serial{zone=\"b\\\"x.example.\",server=\"192.0.2.1\"}");
	has(t,
	    "dnsvigil_findings{zone=\"b\\\"x.example.\",code=\"RRSIG_EXPIRED\",severity=\"error\"} "
	    "2\n");
	has(t,
	    "dnsvigil_findings{zone=\"b\\\"x.example.\",code=\"CHAIN_BOGUS\",severity=\"error\"} "
	    "1\n");
	has(t, "dnsvigil_zone_ds_match{zone=\"a.example.\",parent_server=\"198.51.100.1\"} 0\n");
	has(t, "dnsvigil_zone_signer_late{zone=\"b\\\"x.example.\"} 1\n");
	has(t, "dnsvigil_zone_signer_late{zone=\"a.example.\"} 0\n");
	has(t, "dnsvigil_resolver_validating{resolver=\"open\"} 0\n");
	has(t, "dnsvigil_resolver_validating{resolver=\"unbound\"} 1\n");
	has(t, "dnsvigil_ledger_unanchored_entries 7\n");
	/* one TYPE line per family */
	const char *p = t;
	size_t n = 0;
	while ((p = strstr(p, "# TYPE dnsvigil_zone_serial ")) != NULL) {
		n++;
		p++;
	}
	assert_int_equal(n, 1);
	free(t);
}

/* The rollover families (doc/watch.md): a zone judged mid-rollover, one in
 * steady state, one never judged (no series). */
static void test_rollover(void **state)
{
	(void)state;
	static dv_obs_t a, b, c;
	mkobs(&a, "a.example.", "secure");
	mkobs(&b, "b.example.", "secure");
	mkobs(&c, "c.example.", "secure");
	const int64_t now = 1700000000;
	/* past, open now, ahead, and one still open at the horizon */
	static const int64_t w[] = {now - 500, now - 100, now - 10,  now + 10,
	                            now + 60,  now + 90,  now + 200, INT64_MAX};
	dv_metrics_rollover_t ra = {.known = true,
	                            .phase = "zsk-retired",
	                            .blocked_since = now - 250,
	                            .next_step = now + 90,
	                            .windows = w,
	                            .nwindows = 4,
	                            .windows_older = 2};
	dv_metrics_rollover_t rb = {.known = true, .phase = "steady"};
	dv_metrics_zone_t z[3] = {
	    {.obs = &a, .expect = "secure", .probe_ok = true, .rollover = &ra},
	    {.obs = &b, .expect = "secure", .probe_ok = true, .rollover = &rb},
	    {.obs = &c, .expect = "secure", .probe_ok = true}};
	dv_metrics_view_t view = {.zones = z, .nzones = 3, .version = "t", .now = now};
	char *t;
	size_t len;
	assert_int_equal(dv_metrics_render(&view, &t, &len), DV_OK);
	has(t, "# TYPE dnsvigil_rollover_phase gauge\n");
	has(t, "dnsvigil_rollover_phase{zone=\"a.example.\",phase=\"zsk-retired\"} 1\n");
	has(t, "dnsvigil_rollover_phase{zone=\"b.example.\",phase=\"steady\"} 1\n");
	has(t, "dnsvigil_rollover_blocked_seconds{zone=\"a.example.\"} 250\n");
	has(t, "dnsvigil_rollover_blocked_seconds{zone=\"b.example.\"} 0\n");
	has(t, "dnsvigil_rollover_next_step_timestamp_seconds{zone=\"a.example.\"} 1700000090\n");
	has(t, "dnsvigil_rollover_bogus_windows{zone=\"a.example.\",when=\"past\"} 3\n");
	has(t, "dnsvigil_rollover_bogus_windows{zone=\"a.example.\",when=\"now\"} 1\n");
	has(t, "dnsvigil_rollover_bogus_windows{zone=\"a.example.\",when=\"ahead\"} 2\n");
	has(t, "dnsvigil_rollover_bogus_windows{zone=\"b.example.\",when=\"now\"} 0\n");
	has(t, "dnsvigil_rollover_bogus_windows{zone=\"b.example.\",when=\"ahead\"} 0\n");
	/* absent: a steady zone's next step, a zone never judged */
	assert_null(
	    strstr(t, "dnsvigil_rollover_next_step_timestamp_seconds{zone=\"b.example.\"}"));
	assert_null(strstr(t, "rollover_phase{zone=\"c.example.\""));
	assert_null(strstr(t, "rollover_bogus_windows{zone=\"c.example.\""));
	free(t);
	dv_obs_clear(&a);
	dv_obs_clear(&b);
	dv_obs_clear(&c);
}

/* ---- the endpoint -------------------------------------------------------------- */

static int conn(uint16_t port)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	if (connect(s, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(s);
		return -1;
	}
	struct timeval tv = {5, 0};
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return s;
}

static void get(uint16_t port, const char *req, char *buf, size_t len)
{
	int s = conn(port);
	assert_true(s >= 0);
	assert_int_equal(write(s, req, strlen(req)), (ssize_t)strlen(req));
	size_t at = 0;
	ssize_t n;
	while (at + 1 < len && (n = read(s, buf + at, len - 1 - at)) > 0)
		at += (size_t)n;
	buf[at] = '\0';
	close(s);
}

static void test_server(void **state)
{
	dv_metrics_server_t *srv;
	char err[200];
	assert_int_equal(dv_metrics_server_start("nonsense", NULL, NULL, &srv, err, sizeof(err)),
	                 DV_EINVAL);
	assert_int_equal(dv_metrics_server_start("127.0.0.1:0", NULL, NULL, &srv, err, sizeof(err)),
	                 DV_OK);
	uint16_t port = dv_metrics_server_port(srv);
	assert_true(port > 0);
	static char buf[65536];
	get(port, "GET /metrics HTTP/1.0\r\n\r\n", buf, sizeof(buf));
	has(buf, " 503 ");
	char *t = render_two();
	dv_metrics_server_publish(srv, t, strlen(t));
	get(port, "GET /metrics HTTP/1.0\r\n\r\n", buf, sizeof(buf));
	has(buf, " 200 ");
	has(buf, "text/plain; version=0.0.4");
	has(buf, "dnsvigil_probe_success{zone=\"a.example.\"} 1\n");
	get(port, "GET /other HTTP/1.0\r\n\r\n", buf, sizeof(buf));
	has(buf, " 404 ");
	get(port, "POST /metrics HTTP/1.0\r\nContent-Length: 5\r\n\r\nhello", buf, sizeof(buf));
	has(buf, " 405 ");
	/* a request larger than the per-connection memory is refused, not buffered */
	size_t big = DV_METRICS_CONN_MEMORY * 2;
	char *req = malloc(big + 64);
	assert_non_null(req);
	int off = snprintf(req, big + 64, "GET /metrics HTTP/1.0\r\nX-A: ");
	memset(req + off, 'a', big);
	memcpy(req + off + big, "\r\n\r\n", 5);
	get(port, req, buf, sizeof(buf));
	free(req);
	assert_null(strstr(buf, " 200 "));
	/* more idle connections than the ceiling: still serving afterwards */
	int fds[200];
	for (int i = 0; i < 200; i++)
		fds[i] = conn(port);
	for (int i = 0; i < 200; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	usleep(100000);
	get(port, "GET /metrics HTTP/1.0\r\n\r\n", buf, sizeof(buf));
	has(buf, " 200 ");
	dv_metrics_server_stop(srv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_render),
	    cmocka_unit_test(test_rollover),
	    cmocka_unit_test(test_server),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
