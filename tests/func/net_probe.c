/*
 * net_probe - drive the query engine (src/net) from tests/func/test_net.sh.
 *
 *   net_probe ADDR[,ADDR...] QNAME QTYPE [do] [cd] [rd] [ad] [tcp] [noedns] [notc]
 *             [timeout=MS] [retries=N] [count=N] [per_server=N] [max_inflight=N] [save=FILE]
 *             [chain=N [gap=MS]] [qps=N [burst=N]] [reuse=N] [tcpreuse=N] [mixed]
 *
 * Sends COUNT copies of the query to every address at once and prints one
 * line per answer (only the first when COUNT > 1), a summary and the engine
 * stats.  With chain=N, callbacks submit N more queries, one at a time; with
 * gap=MS (and count=1) each MS milliseconds after the answer, the server idle
 * meanwhile.  With mixed, every second copy is asked over TCP.  Exit status 0 when every
 * query got an answer, 1 otherwise.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libknot/libknot.h>
#include <uv.h>

#include "core/error.h"
#include "net/net.h"
#include "net/net_int.h" /* dv_net_loop: the gap= timer runs on the engine's loop */

#define MAX_ADDRS 16
#define MAX_COUNT 10000

typedef struct {
	unsigned ok, fail, printed;
	unsigned chain; /* more queries to submit from callbacks */
	unsigned gap;   /* ms between an answer and the chained query */
	uv_timer_t gap_timer;
	dv_query_t next; /* the chained query the timer submits */
	dv_net_t *net;
	const char *save;
} probe_t;

static void on_answer(void *ctx, const dv_query_t *q, const dv_response_t *r);

static void gap_done(uv_timer_t *t)
{
	probe_t *p = t->data;
	if (dv_net_submit(p->net, &p->next, on_answer, p) != DV_OK) {
		p->fail++;
	}
}

static const char *status_name(int s)
{
	switch (s) {
	case DV_OK:
		return "ok";
	case DV_ETIMEOUT:
		return "timeout";
	case DV_ENET:
		return "net";
	case DV_EPARSE:
		return "parse";
	default:
		return "other";
	}
}

static void on_answer(void *ctx, const dv_query_t *q, const dv_response_t *r)
{
	probe_t *p = ctx;
	if (r->status == DV_OK) {
		p->ok++;
	} else {
		p->fail++;
	}
	if (p->chain > 0) {
		/* Submitting from a callback is allowed; the run covers these too. */
		p->chain--;
		if (p->gap > 0) {
			p->next = *q;
			(void)uv_timer_start(&p->gap_timer, gap_done, p->gap, 0);
		} else if (dv_net_submit(p->net, q, on_answer, p) != DV_OK) {
			p->fail++;
		}
	}
	if (p->printed++ > 0) {
		return;
	}
	char addr[80];
	dv_net_addr_format(&q->addr, addr, sizeof(addr));
	printf("server=%s status=%s", addr, status_name(r->status));
	if (r->status == DV_OK && r->len >= KNOT_WIRE_HEADER_SIZE) {
		const uint8_t *w = r->wire;
		const knot_lookup_t *rc =
		    knot_lookup_by_id(knot_rcode_names, knot_wire_get_rcode(w));
		printf(" rcode=%s flags=%s%s%s%s%s ancount=%u len=%zu", rc ? rc->name : "?",
		       knot_wire_get_qr(w) ? "qr," : "", knot_wire_get_aa(w) ? "aa," : "",
		       knot_wire_get_tc(w) ? "tc," : "", knot_wire_get_ad(w) ? "ad," : "",
		       knot_wire_get_rd(w) ? "rd" : "", (unsigned)knot_wire_get_ancount(w), r->len);
		if (p->save != NULL) {
			FILE *f = fopen(p->save, "wb");
			if (f == NULL || fwrite(w, 1, r->len, f) != r->len) {
				fprintf(stderr, "cannot write %s\n", p->save);
			}
			if (f != NULL) {
				fclose(f);
			}
		}
	}
	printf(" proto=%s attempts=%u rtt_ms=%u rtt_us=%u udp_truncated=%d udp_failed=%d\n",
	       r->tcp ? "tcp" : "udp", r->attempts, r->rtt_ms, r->rtt_us, r->udp_truncated,
	       r->udp_failed);
}

static int uint_opt(const char *arg, const char *name, unsigned *out)
{
	size_t n = strlen(name);
	if (strncmp(arg, name, n) != 0 || arg[n] != '=') {
		return 0;
	}
	char *end = NULL;
	errno = 0;
	unsigned long v = strtoul(arg + n + 1, &end, 10);
	if (errno != 0 || *end != '\0' || end == arg + n + 1 || v > 1000000) {
		fprintf(stderr, "bad %s\n", arg);
		exit(2);
	}
	*out = (unsigned)v;
	return 1;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: net_probe ADDR[,ADDR] QNAME QTYPE [options]\n");
		return 2;
	}
	dv_query_t q;
	memset(&q, 0, sizeof(q));
	q.retries = -1;
	if (knot_dname_from_str(q.qname, argv[2], sizeof(q.qname)) == NULL) {
		fprintf(stderr, "bad name %s\n", argv[2]);
		return 2;
	}
	knot_dname_to_lower(q.qname);
	if (knot_rrtype_from_string(argv[3], &q.qtype) != 0) {
		fprintf(stderr, "bad type %s\n", argv[3]);
		return 2;
	}
	dv_net_opts_t opts = {
	    .max_inflight = 0, .per_server_max = 0, .timeout_ms = 0, .retries = 2};
	unsigned count = 1, retries = 0, tmp = 0, qps = 0, burst = 1;
	bool mixed = false;
	probe_t probe = {0};
	for (int i = 4; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "do") == 0) {
			q.flags |= DV_Q_DO;
		} else if (strcmp(a, "cd") == 0) {
			q.flags |= DV_Q_CD;
		} else if (strcmp(a, "rd") == 0) {
			q.flags |= DV_Q_RD;
		} else if (strcmp(a, "ad") == 0) {
			q.flags |= DV_Q_AD;
		} else if (strcmp(a, "tcp") == 0) {
			q.flags |= DV_Q_TCP;
		} else if (strcmp(a, "mixed") == 0) {
			mixed = true;
		} else if (strcmp(a, "noedns") == 0) {
			q.flags |= DV_Q_NO_EDNS;
		} else if (strcmp(a, "notc") == 0) {
			q.flags |= DV_Q_NO_TCP_FALLBACK;
		} else if (strncmp(a, "save=", 5) == 0) {
			probe.save = a + 5;
		} else if (uint_opt(a, "timeout", &tmp)) {
			opts.timeout_ms = tmp;
		} else if (uint_opt(a, "retries", &retries)) {
			opts.retries = retries;
		} else if (uint_opt(a, "count", &count)) {
			if (count == 0 || count > MAX_COUNT) {
				return 2;
			}
		} else if (uint_opt(a, "chain", &probe.chain) || uint_opt(a, "gap", &probe.gap)) {
			/* stored by uint_opt */
		} else if (uint_opt(a, "per_server", &tmp)) {
			opts.per_server_max = tmp;
		} else if (uint_opt(a, "max_inflight", &tmp)) {
			opts.max_inflight = tmp;
		} else if (uint_opt(a, "reuse", &tmp)) {
			opts.udp_reuse = tmp;
		} else if (uint_opt(a, "tcpreuse", &tmp)) {
			opts.tcp_reuse = tmp;
		} else if (uint_opt(a, "qps", &qps) || uint_opt(a, "burst", &burst)) {
			/* the per-server rate limit, below */
		} else {
			fprintf(stderr, "unknown option %s\n", a);
			return 2;
		}
	}

	struct sockaddr_storage addrs[MAX_ADDRS];
	unsigned naddr = 0;
	char list[512];
	if (strlen(argv[1]) >= sizeof(list)) {
		return 2;
	}
	memcpy(list, argv[1], strlen(argv[1]) + 1);
	for (char *s = list, *comma; s != NULL && naddr < MAX_ADDRS; s = comma) {
		comma = strchr(s, ',');
		if (comma != NULL) {
			*comma++ = '\0';
		}
		if (dv_net_addr_parse(s, 53, &addrs[naddr]) != DV_OK) {
			fprintf(stderr, "bad address %s\n", s);
			return 2;
		}
		naddr++;
	}

	dv_net_ratelimit_t *rl = NULL;
	if (qps > 0 && dv_net_ratelimit_new(qps, burst, &rl) != DV_OK)
		return 1;
	opts.ratelimit = rl;
	dv_net_t *net = NULL;
	int ret = dv_net_new(&opts, &net);
	if (ret != DV_OK) {
		fprintf(stderr, "dv_net_new: %s\n", dv_strerror(ret));
		return 1;
	}
	probe.net = net;
	if (probe.gap > 0 && count > 1) {
		fprintf(stderr, "gap= takes count=1\n");
		dv_net_free(net);
		dv_net_ratelimit_free(rl);
		return 2;
	}
	uv_timer_init(dv_net_loop(net), &probe.gap_timer);
	probe.gap_timer.data = &probe;
	for (unsigned c = 0; c < count; c++) {
		for (unsigned i = 0; i < naddr; i++) {
			q.addr = addrs[i];
			if (mixed && c % 2 == 1)
				q.flags |= DV_Q_TCP;
			else if (mixed)
				q.flags &= ~DV_Q_TCP;
			ret = dv_net_submit(net, &q, on_answer, &probe);
			if (ret != DV_OK) {
				fprintf(stderr, "submit: %s\n", dv_strerror(ret));
				dv_net_free(net);
				dv_net_ratelimit_free(rl);
				return 1;
			}
		}
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = dv_net_run(net);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long elapsed = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;

	dv_net_stats_t st;
	dv_net_stats(net, &st);
	printf("summary ok=%u fail=%u run=%s elapsed_ms=%ld\n", probe.ok, probe.fail,
	       dv_strerror(ret), elapsed);
	printf("stats sent=%llu answered=%llu timeouts=%llu tcp_fallbacks=%llu "
	       "dropped_mismatch=%llu bad_answers=%llu max_inflight_seen=%llu "
	       "max_server_inflight_seen=%llu udp_sockets=%llu tcp_connects=%llu\n",
	       (unsigned long long)st.sent, (unsigned long long)st.answered,
	       (unsigned long long)st.timeouts, (unsigned long long)st.tcp_fallbacks,
	       (unsigned long long)st.dropped_mismatch, (unsigned long long)st.bad_answers,
	       (unsigned long long)st.max_inflight_seen,
	       (unsigned long long)st.max_server_inflight_seen, (unsigned long long)st.udp_sockets,
	       (unsigned long long)st.tcp_connects);
	uv_close((uv_handle_t *)&probe.gap_timer, NULL);
	dv_net_free(net);
	dv_net_ratelimit_free(rl);
	return (ret == DV_OK && probe.fail == 0) ? 0 : 1;
}
