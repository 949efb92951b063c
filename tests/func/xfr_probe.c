/*
 * xfr_probe - drive zone transfers (src/net/xfr.h) from tests/func/test_xfr.sh
 * and bench/xfr-bench.sh.
 *
 *   xfr_probe ADDR[@PORT] ZONE axfr|ixfr=SERIAL [tsig=FILE] [key=NAME]
 *             [dump=FILE] [idle_ms=N] [max_ms=N] [max_bytes=N]
 *             [max_messages=N] [max_records=N] [stop_after=N] [repeat=N]
 *
 * Prints one line "status=... failure=... kind=... serial=... messages=...
 * records=... bytes=... delivered=... tsig=verified|none tsig_signed=N
 * rcode=... tsig_error=N elapsed_ms=N" and, on failure, "detail: ...".
 * dump=FILE writes every delivered record (full zone) or every step of a
 * difference sequence ("step OLD NEW", then "-RR" / "+RR" lines) in kdig's
 * text form.  stop_after=N makes the record callback stop the transfer
 * after N messages.  repeat=N runs N transfers one after another on one
 * engine (the summary line is printed for each).  Exit status 0 when the
 * transfer succeeded, 1 when it failed, 2 for bad usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libknot/libknot.h>

#include "core/error.h"
#include "net/net.h"
#include "net/xfr.h"

typedef struct {
	FILE *dump;
	uint64_t delivered;
	uint64_t stop_after;
	int failed;
	char *txt;
	size_t txt_len;
} probe_t;

static void dump_rr(probe_t *p, const char *prefix, const dv_xfr_rr_t *rr)
{
	if (p->dump == NULL) {
		return;
	}
	knot_rrset_t set;
	knot_rrset_init(&set, (knot_dname_t *)rr->owner, rr->type, rr->rclass, rr->ttl);
	if (knot_rrset_add_rdata(&set, rr->rdata, rr->rdlen, NULL) != KNOT_EOK) {
		fprintf(p->dump, "%s; cannot hold the record\n", prefix);
		return;
	}
	/* kdig's form: the default style with the class shown. */
	knot_dump_style_t style = KNOT_DUMP_STYLE_DEFAULT;
	style.show_class = true;
	int n = knot_rrset_txt_dump(&set, &p->txt, &p->txt_len, &style);
	if (n < 0) {
		fprintf(p->dump, "%s; cannot print the record\n", prefix);
	} else {
		fprintf(p->dump, "%s%s", prefix, p->txt);
	}
	knot_rdataset_clear(&set.rrs, NULL);
}

static int on_msg(void *ctx, const dv_xfr_msg_t *msg)
{
	probe_t *p = ctx;
	for (size_t i = 0; i < msg->count; i++) {
		dump_rr(p, "", &msg->rrs[i]);
	}
	p->delivered += msg->count;
	if (p->stop_after != 0 && msg->index >= p->stop_after) {
		return 1;
	}
	return 0;
}

static void on_done(void *ctx, const dv_xfr_req_t *req, dv_xfr_result_t *r)
{
	probe_t *p = ctx;
	const knot_lookup_t *rc = knot_lookup_by_id(knot_rcode_names, r->rcode);
	printf("status=%s failure=%s kind=%s serial=%u up_to_date=%d messages=%llu "
	       "records=%llu bytes=%llu delivered=%llu tsig=%s tsig_signed=%llu rcode=%s "
	       "tsig_error=%u elapsed_ms=%u\n",
	       r->status == DV_OK ? "ok" : "fail", dv_xfr_failure_name(r->failure),
	       dv_xfr_kind_name(r->kind), r->serial, r->up_to_date, (unsigned long long)r->messages,
	       (unsigned long long)r->records, (unsigned long long)r->bytes,
	       (unsigned long long)p->delivered, r->tsig_verified ? "verified" : "none",
	       (unsigned long long)r->tsig_signed, rc != NULL ? rc->name : "?", r->tsig_error,
	       r->elapsed_ms);
	if (r->status != DV_OK) {
		printf("detail: %s\n", r->detail);
		p->failed = 1;
	}
	if (r->ixfr != NULL) {
		size_t n = dv_ixfr_step_count(r->ixfr);
		printf("ixfr from=%u to=%u steps=%zu\n", dv_ixfr_from_serial(r->ixfr),
		       dv_ixfr_to_serial(r->ixfr), n);
		for (size_t i = 0; i < n; i++) {
			const dv_ixfr_step_t *st = dv_ixfr_step(r->ixfr, i);
			printf("step %u %u removed=%zu added=%zu\n", st->old_serial, st->new_serial,
			       st->removed_count, st->added_count);
			if (p->dump != NULL) {
				fprintf(p->dump, "step %u %u\n", st->old_serial, st->new_serial);
			}
			for (size_t k = 0; k < st->removed_count; k++) {
				dump_rr(p, "-", &st->removed[k]);
			}
			for (size_t k = 0; k < st->added_count; k++) {
				dump_rr(p, "+", &st->added[k]);
			}
		}
	}
}

static int u64_opt(const char *arg, const char *name, uint64_t *out)
{
	size_t n = strlen(name);
	if (strncmp(arg, name, n) != 0 || arg[n] != '=') {
		return 0;
	}
	char *end = NULL;
	errno = 0;
	unsigned long long v = strtoull(arg + n + 1, &end, 10);
	if (errno != 0 || *end != '\0' || end == arg + n + 1) {
		fprintf(stderr, "bad %s\n", arg);
		exit(2);
	}
	*out = v;
	return 1;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: xfr_probe ADDR ZONE axfr|ixfr=SERIAL [options]\n");
		return 2;
	}
	dv_xfr_req_t req;
	memset(&req, 0, sizeof(req));
	if (dv_net_addr_parse(argv[1], 53, &req.addr) != DV_OK) {
		fprintf(stderr, "bad address %s\n", argv[1]);
		return 2;
	}
	if (knot_dname_from_str(req.zone, argv[2], sizeof(req.zone)) == NULL) {
		fprintf(stderr, "bad zone %s\n", argv[2]);
		return 2;
	}
	uint64_t v = 0;
	if (strcmp(argv[3], "axfr") == 0) {
		req.type = DV_XFR_AXFR;
	} else if (u64_opt(argv[3], "ixfr", &v) && v <= UINT32_MAX) {
		req.type = DV_XFR_IXFR;
		req.serial = (uint32_t)v;
	} else {
		fprintf(stderr, "bad type %s\n", argv[3]);
		return 2;
	}
	probe_t probe = {0};
	probe.txt_len = 65536; /* knot_rrset_txt_dump grows it, but wants one to start */
	probe.txt = malloc(probe.txt_len);
	if (probe.txt == NULL) {
		return 2;
	}
	const char *tsig_file = NULL, *key_name = NULL, *dump = NULL;
	uint64_t repeat = 1;
	for (int i = 4; i < argc; i++) {
		const char *a = argv[i];
		if (strncmp(a, "tsig=", 5) == 0) {
			tsig_file = a + 5;
		} else if (strncmp(a, "key=", 4) == 0) {
			key_name = a + 4;
		} else if (strncmp(a, "dump=", 5) == 0) {
			dump = a + 5;
		} else if (u64_opt(a, "idle_ms", &v)) {
			req.limits.idle_ms = (unsigned)v;
		} else if (u64_opt(a, "max_ms", &v)) {
			req.limits.max_ms = (unsigned)v;
		} else if (u64_opt(a, "max_bytes", &v)) {
			req.limits.max_bytes = v;
		} else if (u64_opt(a, "max_messages", &v)) {
			req.limits.max_messages = v;
		} else if (u64_opt(a, "max_records", &v)) {
			req.limits.max_records = v;
		} else if (u64_opt(a, "stop_after", &probe.stop_after)) {
			/* stored */
		} else if (u64_opt(a, "repeat", &repeat)) {
			if (repeat == 0 || repeat > 1000) {
				return 2;
			}
		} else {
			fprintf(stderr, "unknown option %s\n", a);
			return 2;
		}
	}
	dv_tsig_key_t *key = NULL;
	if (tsig_file != NULL) {
		char err[300];
		int r = dv_tsig_key_load(tsig_file, key_name, &key, err, sizeof(err));
		if (r != DV_OK) {
			fprintf(stderr, "tsig: %s (%s)\n", err, dv_strerror(r));
			return 2;
		}
		req.tsig = key;
	}
	if (dump != NULL) {
		probe.dump = fopen(dump, "w");
		if (probe.dump == NULL) {
			fprintf(stderr, "cannot write %s\n", dump);
			dv_tsig_key_free(key);
			return 2;
		}
	}
	dv_net_t *net = NULL;
	int ret = dv_net_new(NULL, &net);
	for (uint64_t i = 0; ret == DV_OK && i < repeat; i++) {
		probe.delivered = 0;
		ret = dv_xfr_submit(net, &req, on_msg, on_done, &probe);
		if (ret == DV_OK) {
			ret = dv_net_run(net);
		}
	}
	if (ret != DV_OK) {
		fprintf(stderr, "engine: %s\n", dv_strerror(ret));
		probe.failed = 1;
	}
	dv_net_free(net);
	dv_tsig_key_free(key);
	if (probe.dump != NULL) {
		fclose(probe.dump);
	}
	free(probe.txt);
	return probe.failed ? 1 : 0;
}
