/* The resolver probe (probe/resolver.h): canary questions to resolvers. */
#include "probe/resolver.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libknot/libknot.h>

#include "canary/canary.h"
#include "core/error.h"
#include "net/net.h"

#define RCODE_SERVFAIL 2

/* How a question is asked (snapshot/resolver.h; checks/audit.c reads them back). */
enum ask { ASK_FIRST, ASK_STUB, ASK_CD, ASK_KINDS };
static const unsigned ask_flags[ASK_KINDS] = {
    [ASK_FIRST] = DV_RSNAP_ASK_DO,
    [ASK_STUB] = DV_RSNAP_ASK_STUB,
    [ASK_CD] = DV_RSNAP_ASK_CD,
};

typedef struct run run_t;

typedef struct {
	run_t *run;
	uint32_t resolver;
	size_t mode;
	enum ask kind;
} question_t;

struct run {
	dv_resolver_snapshot_t *snap;
	struct sockaddr_storage *addrs;
	question_t *questions; /*!< resolvers x modes x ASK_KINDS */
	uint8_t (*qnames)[KNOT_DNAME_MAXLEN];
	unsigned timeout_ms;
	int retries;
	dv_net_t *net;
	uint64_t t0;
	int errors; /*!< submissions or records that failed (out of memory) */
};

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint16_t clamp16(unsigned v)
{
	return v > UINT16_MAX ? UINT16_MAX : (uint16_t)v;
}

/* A canary mode whose signatures date the canary: asked with CD up front. */
static bool dates_canary(const dv_canary_mode_t *m)
{
	return m->fault == DV_FAULT_NONE || m->fault == DV_FAULT_NOT_YET;
}

static int submit(run_t *run, question_t *qn);

static void on_answer(void *ctx, const dv_query_t *query, const dv_response_t *resp)
{
	question_t *qn = ctx;
	run_t *run = qn->run;
	static const uint8_t status[] = {DV_SNAP_OK, DV_SNAP_TIMEOUT, DV_SNAP_NETERR,
	                                 DV_SNAP_BADREPLY};
	dv_resolver_query_t rec = {
	    .resolver = qn->resolver,
	    .qtype = query->qtype,
	    .flags = (uint16_t)query->flags,
	    .tcp = resp->tcp,
	    .udp_truncated = resp->udp_truncated,
	    .udp_failed = resp->udp_failed,
	    .rtt_ms = clamp16(resp->rtt_ms),
	    .attempts = clamp16(resp->attempts),
	    .qname = query->qname,
	};
	uint64_t t = now_ms() - run->t0;
	rec.t_ms = t > UINT32_MAX ? UINT32_MAX : (uint32_t)t;
	rec.status = resp->status == DV_OK         ? status[0]
	             : resp->status == DV_ETIMEOUT ? status[1]
	             : resp->status == DV_ENET     ? status[2]
	                                           : status[3];
	if (resp->status == DV_OK && resp->len <= UINT16_MAX) {
		rec.wire = resp->wire;
		rec.len = (uint16_t)resp->len;
	} else if (resp->status == DV_OK) {
		rec.status = DV_SNAP_BADREPLY;
	}
	if (dv_resolver_snapshot_add_query(run->snap, &rec) != DV_OK)
		run->errors++;
	/* SERVFAIL: ask again with CD to tell validation from reachability. */
	const dv_canary_mode_t *m = &dv_canary_modes[qn->mode];
	if (qn->kind == ASK_FIRST && rec.status == DV_SNAP_OK && !dates_canary(m) &&
	    knot_wire_get_rcode(resp->wire) == RCODE_SERVFAIL &&
	    submit(run, qn - qn->kind + ASK_CD) != 0)
		run->errors++;
}

static int submit(run_t *run, question_t *qn)
{
	dv_query_t q;
	memset(&q, 0, sizeof(q));
	q.addr = run->addrs[qn->resolver];
	memcpy(q.qname, run->qnames[qn->mode], sizeof(q.qname));
	q.qtype = dv_canary_modes[qn->mode].qtype;
	q.qclass = KNOT_CLASS_IN;
	q.flags = ask_flags[qn->kind];
	q.timeout_ms = run->timeout_ms;
	q.retries = run->retries;
	return dv_net_submit(run->net, &q, on_answer, qn);
}

/* The wire form of every mode's question; DV_EINVAL when the canary name
 * leaves no room for a mode's labels. */
static int mode_qnames(run_t *run, const char *canary)
{
	run->qnames = calloc(dv_canary_mode_count, sizeof(*run->qnames));
	if (run->qnames == NULL)
		return DV_ENOMEM;
	for (size_t m = 0; m < dv_canary_mode_count; m++) {
		char text[KNOT_DNAME_TXT_MAXLEN + 16];
		if (dv_canary_qname(&dv_canary_modes[m], canary, text, sizeof(text)) != 0 ||
		    knot_dname_from_str(run->qnames[m], text, sizeof(run->qnames[m])) == NULL)
			return DV_EINVAL;
		knot_dname_to_lower(run->qnames[m]);
	}
	return DV_OK;
}

int dv_resolver_probe_run(const dv_resolver_probe_opts_t *opts, const char *const *addrs, size_t n,
                          dv_resolver_snapshot_t **out, char *err, size_t errlen)
{
	run_t run;
	int ret;
	memset(&run, 0, sizeof(run));
	*out = NULL;
	err[0] = '\0';
	if (n == 0) {
		snprintf(err, errlen, "no resolver address given");
		return DV_EINVAL;
	}
	/* At most ASK_KINDS questions per mode: the snapshot must hold them all. */
	if (dv_canary_mode_count * ASK_KINDS > DV_RSNAP_MAX_QUERIES_PER_RESOLVER) {
		snprintf(err, errlen, "%zu canary modes: more than a snapshot holds",
		         dv_canary_mode_count);
		return DV_ELIMIT;
	}
	if (n > DV_RSNAP_MAX_RESOLVERS) {
		snprintf(err, errlen, "%zu resolver addresses: an audit asks at most %u", n,
		         DV_RSNAP_MAX_RESOLVERS);
		return DV_ELIMIT;
	}
	const char *canary = opts->canary ? opts->canary : "";
	if ((ret = dv_resolver_snapshot_new(canary, &run.snap)) != DV_OK ||
	    (ret = mode_qnames(&run, run.snap->canary)) != DV_OK) {
		if (ret == DV_EINVAL)
			snprintf(err, errlen, "bad canary zone name '%s'", canary);
		goto fail;
	}
	uint16_t port = opts->port ? opts->port : 53;
	run.addrs = calloc(n, sizeof(*run.addrs));
	run.questions = calloc(n * dv_canary_mode_count * ASK_KINDS, sizeof(*run.questions));
	if (run.addrs == NULL || run.questions == NULL) {
		ret = DV_ENOMEM;
		goto fail;
	}
	for (size_t r = 0; r < n; r++) {
		uint32_t idx;
		if (dv_resolver_snapshot_add_resolver(run.snap, addrs[r], port, &idx) != DV_OK ||
		    dv_net_addr_parse(addrs[r], port, &run.addrs[r]) != DV_OK) {
			snprintf(err, errlen, "bad resolver address '%.*s'", 64, addrs[r]);
			ret = DV_EINVAL;
			goto fail;
		}
	}

	dv_net_opts_t nopts = {
	    .max_inflight = opts->max_inflight ? opts->max_inflight : 256,
	    .per_server_max = opts->per_server_max ? opts->per_server_max : 16,
	    .timeout_ms = opts->timeout_ms ? opts->timeout_ms : 3000,
	    .retries = opts->retries >= 0 ? (unsigned)opts->retries : 1,
	};
	run.timeout_ms = nopts.timeout_ms;
	run.retries = (int)nopts.retries;
	if ((ret = dv_net_new(&nopts, &run.net)) != 0) {
		snprintf(err, errlen, "query engine: %s", dv_strerror(ret));
		goto fail;
	}
	run.snap->time = (int64_t)time(NULL);
	run.t0 = now_ms();
	/* Interleave resolvers so that the bounded queue serves them fairly. */
	for (size_t m = 0; m < dv_canary_mode_count && ret == 0; m++) {
		for (size_t r = 0; r < n && ret == 0; r++) {
			question_t *qn = &run.questions[(r * dv_canary_mode_count + m) * ASK_KINDS];
			for (int k = 0; k < ASK_KINDS; k++)
				qn[k] = (question_t){&run, (uint32_t)r, m, (enum ask)k};
			ret = submit(&run, &qn[ASK_FIRST]);
			if (ret == 0)
				ret = submit(&run, &qn[ASK_STUB]);
			if (ret == 0 && dates_canary(&dv_canary_modes[m]))
				ret = submit(&run, &qn[ASK_CD]);
		}
	}
	if (ret == 0)
		ret = dv_net_run(run.net);
	if (ret == 0 && run.errors > 0)
		ret = DV_ENOMEM;
	if (ret != 0) {
		snprintf(err, errlen, "queries failed: %s", dv_strerror(ret));
		goto fail;
	}
	uint64_t took = now_ms() - run.t0;
	run.snap->probe_ms = took > UINT32_MAX ? UINT32_MAX : (uint32_t)took;
	*out = run.snap;
	run.snap = NULL;
fail:
	dv_net_free(run.net);
	dv_resolver_snapshot_free(run.snap);
	free(run.addrs);
	free(run.questions);
	free(run.qnames);
	return ret;
}
