/*
 * Unit tests of the watch configuration (src/daemon/config.c): the shipped
 * example loads with the values it shows, defaults apply, and each kind of
 * bad input is refused with "file:line: message" naming the right line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/error.h"
#include "daemon/config.h"

#ifndef TOP_SRCDIR
#error "TOP_SRCDIR must be defined (tests/unit/meson.build)"
#endif

static dv_conf_t *load(const char *text, int want, const char *want_err)
{
	dv_conf_t *c = NULL;
	char err[600];
	int r = dv_conf_load_mem(text, strlen(text), "t.yaml", &c, err, sizeof(err));
	if (r != want)
		fail_msg("rc %d, wanted %d (%s) for:\n%s", r, want, err, text);
	if (want_err != NULL && strstr(err, want_err) == NULL)
		fail_msg("error '%s' lacks '%s'", err, want_err);
	return c;
}

static void test_example(void **state)
{
	dv_conf_t *c = NULL;
	char err[600];
	int r = dv_conf_load(TOP_SRCDIR "/doc/watch.example.yaml", &c, err, sizeof(err));
	if (r != DV_OK)
		fail_msg("%s", err);
	assert_string_equal(c->state_directory, "/var/lib/dnsvigil");
	assert_string_equal(c->listen, "127.0.0.1:9853");
	assert_int_equal(c->nzones, 3);
	/* sorted by name */
	assert_string_equal(c->zones[0].name, "example.com.");
	const dv_conf_zone_t *org = dv_conf_zone_find(c, "example.org.");
	assert_non_null(org);
	assert_int_equal(org->s.interval, 60);
	assert_int_equal(org->s.warn, 10 * 86400);
	assert_int_equal(org->s.crit, 86400);
	assert_int_equal(org->s.nlabels, 2);
	assert_string_equal(org->s.labels[0].key, "team");
	assert_string_equal(org->s.labels[0].value, "web"); /* overrides the default */
	const dv_conf_zone_t *net = dv_conf_zone_find(c, "example.net.");
	assert_int_equal(net->s.expect, DV_CONF_EXPECT_INSECURE);
	assert_int_equal(net->s.interval, 300);
	assert_string_equal(net->s.labels[0].value, "dns");
	assert_int_equal(c->nresolvers, 2);
	assert_string_equal(c->resolvers[0].name, "local-unbound");
	assert_string_equal(c->resolvers[1].name, "[::1]:5353");
	assert_string_equal(c->canary, "canary.example.com.");
	assert_int_equal(c->nwitnesses, 1);
	/* the witness key is checked and kept as the vkey */
	assert_string_equal(
	    c->witnesses[0].key,
	    "witness.example.net/w1+528c126b+BKa5LwT8VKNfybEj5UHAGLgvP3zaXknTB/SNASRW74lm");
	assert_string_equal(c->ledger_origin, "dnsvigil/ns1.example.com");
	assert_int_equal(c->witness_timeout_ms, 5000);
	assert_int_equal(c->per_server_qps, 50);
	assert_int_equal(c->snapshots_per_zone, 100);
	assert_int_equal(c->keep_events, 400 * 86400);
	assert_null(dv_conf_zone_find(c, "example.edu."));
	dv_conf_free(c);
}

static void test_defaults(void **state)
{
	dv_conf_t *c = load("state_directory: /tmp/x\nzones: [a.example]\n", DV_OK, NULL);
	assert_string_equal(c->root_hints, "/usr/share/dns/root.hints");
	assert_string_equal(c->trust_anchor, "/usr/share/dns/root.ds");
	assert_string_equal(c->listen, "127.0.0.1:9853");
	assert_int_equal(c->zones[0].s.interval, 300);
	assert_int_equal(c->zones[0].s.expect, DV_CONF_EXPECT_SECURE);
	assert_false(c->zones[0].s.full);
	assert_int_equal(c->zones[0].s.signer_refresh, 0);
	dv_conf_free(c);
	/* a zone lowering warn below the default crit keeps crit <= warn */
	c = load("state_directory: /x\nzones:\n  - name: A.Example.\n    warn: 12h\n    full: "
	         "true\n    signer_refresh: 5d\n",
	         DV_OK, NULL);
	assert_string_equal(c->zones[0].name, "a.example.");
	assert_int_equal(c->zones[0].s.crit, 12 * 3600);
	assert_true(c->zones[0].s.full);
	assert_int_equal(c->zones[0].s.signer_refresh, 5 * 86400);
	dv_conf_free(c);
	/* thresholds: a bare number is days, as on the command line */
	c = load("state_directory: /x\ndefaults:\n  warn: 10\n  crit: 2\nzones: [a.example.]\n",
	         DV_OK, NULL);
	assert_int_equal(c->zones[0].s.warn, 10 * 86400);
	assert_int_equal(c->zones[0].s.crit, 2 * 86400);
	dv_conf_free(c);
	c = load("state_directory: /x\nzones: ['.']\n", DV_OK, NULL);
	assert_string_equal(c->zones[0].name, ".");
	dv_conf_free(c);
}

static void test_errors(void **state)
{
	static const struct {
		const char *text;
		int rc;
		const char *err;
	} cases[] = {
	    {"state_directory: /x\nzone: [a]\n", DV_EPARSE, "t.yaml:2: unknown key 'zone'"},
	    {"zones: [a]\n", DV_EPARSE, "state_directory is required"},
	    {"state_directory: /x\ndefaults:\n  interval: 0\n", DV_EPARSE, "t.yaml:3: interval"},
	    {"state_directory: /x\ndefaults:\n  interval: 5x\n", DV_EPARSE, "not a duration"},
	    {"state_directory: /x\ndefaults:\n  warn: 1d\n  crit: 2d\n", DV_EPARSE,
	     "crit (172800s) exceeds warn"},
	    {"state_directory: /x\ndefaults:\n  expect: maybe\n", DV_EPARSE,
	     "t.yaml:3: expect: 'maybe'"},
	    {"state_directory: /x\nzones:\n  - a.example\n  - b.example\n  - A.example.\n",
	     DV_EPARSE, "t.yaml:5: zone a.example. listed again (first at line 3)"},
	    {"state_directory: /x\nzones:\n  - name: a\n    colour: red\n", DV_EPARSE,
	     "t.yaml:4: unknown key 'colour' in a zone"},
	    {"state_directory: /x\nzones:\n  - interval: 1m\n", DV_EPARSE, "zone without a name"},
	    {"state_directory: /x\nzones: ['a..b']\n", DV_EPARSE, "empty label"},
	    {"state_directory: /x\nzones: ['a b']\n", DV_EPARSE, "not allowed"},
	    {"state_directory: /x\nstate_directory: /y\n", DV_EPARSE,
	     "t.yaml:2: the top level: duplicate key 'state_directory'"},
	    {"state_directory: &a /x\nroot_hints: *a\n", DV_EPARSE, "t.yaml:1: YAML anchors"},
	    {"state_directory: /x\n  bad: [\n", DV_EPARSE, "t.yaml:"},
	    {"state_directory: [/x]\n", DV_EPARSE, "a single value is expected"},
	    {"state_directory: /x\n---\nb: 1\n", DV_EPARSE, "only one YAML document"},
	    {"state_directory: /x\ndefaults:\n  labels:\n    zone: x\n", DV_EPARSE,
	     "used by dnsvigil itself"},
	    {"state_directory: /x\ndefaults:\n  labels:\n    __x: y\n", DV_EPARSE,
	     "not a Prometheus label name"},
	    {"state_directory: /x\ndefaults:\n  labels:\n    9x: y\n", DV_EPARSE,
	     "not a Prometheus label name"},
	    {"state_directory: /x\nresolvers:\n  servers: [127.0.0.1]\n", DV_EPARSE,
	     "need a canary"},
	    {"state_directory: /x\nprobe:\n  port: 70000\n", DV_EPARSE,
	     "t.yaml:3: port: '70000' is not a whole number in 1..65535"},
	    {"state_directory: /x\nprobe:\n  retries: -1\n", DV_EPARSE, "retries"},
	    {"state_directory: /x\nledger:\n  witnesses:\n    - url: ftp://x\n      key: k\n",
	     DV_EPARSE, "t.yaml:4: url: 'ftp://x' is not an http(s) URL"},
	    {"state_directory: /x\nledger:\n  witnesses:\n    - url: http://x\n", DV_EPARSE,
	     "t.yaml:4: a witness needs both url and key"},
	    {"state_directory: /x\nledger:\n  witnesses:\n    - url: http://x\n      key: nokey\n",
	     DV_EPARSE, "t.yaml:5: key: 'nokey': neither a vkey"},
	    /* a log's (Ed25519) key is not a witness's (cosignature) key */
	    {"state_directory: /x\nledger:\n  witnesses:\n    - url: http://x\n      key: "
	     "example.com/log+773bc44d+AfAJw/D6tonES/1B6VbxC+QlQCvrbKeKfSCo3gbDzM1j\n",
	     DV_EPARSE, "not a witness cosignature key"},
	    {"state_directory: /x\nledger:\n  origin: a b\n", DV_EPARSE,
	     "t.yaml:3: origin: no spaces"},
	    {"state_directory: /x\nledger:\n  origin: a+b\n", DV_EPARSE, "origin: no spaces"},
	    {"state_directory: /x\nledger:\n  checkpoint_interval: 2d\n", DV_EPARSE,
	     "checkpoint_interval"},
	    {"state_directory: /x\nledger:\n  witness_timeout_ms: 10\n", DV_EPARSE,
	     "witness_timeout_ms"},
	    {"state_directory: /x\nretention:\n  snapshots_per_zone: 0\n", DV_EPARSE,
	     "snapshots_per_zone"},
	    {"state_directory: \"a\\x01b\"\n", DV_EPARSE, "control character"},
	    {"- a\n- b\n", DV_EPARSE, "t.yaml:1: the top level: a mapping"},
	    {"", DV_EPARSE, "empty configuration"},
	    {"state_directory: /x\ndefaults:\n  full: perhaps\n", DV_EPARSE, "not true or false"},
	    {"state_directory: /x\nzones:\n  - name: a\n    tsig_name: k.\n", DV_EPARSE,
	     "t.yaml:3: tsig_name without tsig"},
	    {"state_directory: /x\nzones:\n  - name: a\n    tsig: /nonexistent/k.key\n", DV_EPARSE,
	     "t.yaml:3: tsig: /nonexistent/k.key: "},
	    {"state_directory: /x\ndefaults:\n  tsig: /nonexistent/k.key\nzones: [a]\n", DV_EPARSE,
	     "t.yaml:4: tsig: /nonexistent/k.key: "},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_null(load(cases[i].text, cases[i].rc, cases[i].err));
}

static void append(char *buf, size_t size, const char *s)
{
	size_t len = strlen(buf);
	snprintf(buf + len, size - len, "%s", s);
}

static void test_ceilings(void **state)
{
	/* nesting deeper than the ceiling */
	char deep[512] = "state_directory: /x\ndefaults:\n  labels: ";
	for (int i = 0; i < 12; i++)
		append(deep, sizeof(deep), "[");
	assert_null(load(deep, DV_ELIMIT, "nested deeper"));
	/* too many labels */
	char many[2048] = "state_directory: /x\ndefaults:\n  labels:\n";
	for (int i = 0; i < 17; i++) {
		char l[32];
		snprintf(l, sizeof(l), "    l%d: v\n", i);
		append(many, sizeof(many), l);
	}
	assert_null(load(many, DV_ELIMIT, "labels: more than 16"));
	/* a long scalar */
	size_t n = DV_CONF_MAX_STRING + 64;
	char *big = malloc(n + 64);
	assert_non_null(big);
	memcpy(big, "state_directory: ", 17);
	memset(big + 17, 'a', DV_CONF_MAX_STRING + 1);
	big[17 + DV_CONF_MAX_STRING + 1] = '\n';
	big[17 + DV_CONF_MAX_STRING + 2] = '\0';
	assert_null(load(big, DV_ELIMIT, "longer than 4096 bytes"));
	free(big);
	/* the whole file */
	dv_conf_t *c = NULL;
	char err[300];
	assert_int_equal(
	    dv_conf_load_mem("", DV_CONF_MAX_BYTES + 1, "t.yaml", &c, err, sizeof(err)), DV_ELIMIT);
	assert_int_equal(dv_conf_load("/nonexistent/watch.yaml", &c, err, sizeof(err)), DV_EIO);
	assert_non_null(strstr(err, "/nonexistent/watch.yaml: cannot open"));
}

static void test_duration(void **state)
{
	int64_t v;
	assert_int_equal(dv_conf_duration("90", &v), DV_OK);
	assert_int_equal(v, 90);
	assert_int_equal(dv_conf_duration("2w", &v), DV_OK);
	assert_int_equal(v, 14 * 86400);
	assert_int_equal(dv_conf_duration("15m", &v), DV_OK);
	assert_int_equal(v, 900);
	assert_int_equal(dv_conf_duration("-1", &v), DV_EPARSE);
	assert_int_equal(dv_conf_duration("1dd", &v), DV_EPARSE);
	assert_int_equal(dv_conf_duration("99999999999999999999", &v), DV_EPARSE);
	assert_int_equal(dv_conf_duration("", &v), DV_EPARSE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_example),  cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_errors),   cmocka_unit_test(test_ceilings),
	    cmocka_unit_test(test_duration),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
