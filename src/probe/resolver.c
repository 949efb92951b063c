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

/* Per resolver: the questions still to send, its gate and its budgets. */
typedef struct {
	question_t **queue; /*!< its first questions, in the order they are sent */
	size_t nqueue, next;
	unsigned inflight;
	uint8_t gate;    /*!< G_* */
	int dead_status; /*!< with G_DEAD: what its first question got */
	uint64_t bytes, ms;
	bool out; /*!< a budget ran out: the rest is abandoned */
} rstate_t;

enum { G_UNKNOWN = 0, G_PROBING, G_ALIVE, G_DEAD };

struct run {
	dv_resolver_snapshot_t *snap;
	struct sockaddr_storage *addrs;
	question_t *questions; /*!< resolvers x modes x ASK_KINDS */
	rstate_t *rs;          /*!< per resolver */
	uint8_t (*qnames)[KNOT_DNAME_MAXLEN];
	unsigned timeout_ms;
	int retries;
	unsigned window; /*!< questions in flight per resolver */
	uint64_t server_bytes, server_ms;
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
static void pump(run_t *run, uint32_t r);

/* Record what one question got (an answer, or an outcome without one). */
static void record(run_t *run, const question_t *qn, const dv_query_t *query,
                   const dv_response_t *resp)
{
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
	rec.status = resp->status == DV_OK           ? DV_SNAP_OK
	             : resp->status == DV_ETIMEOUT   ? DV_SNAP_TIMEOUT
	             : resp->status == DV_ENET       ? DV_SNAP_NETERR
	             : resp->status == DV_EABANDONED ? DV_SNAP_ABANDONED
	                                             : DV_SNAP_BADREPLY;
	if (resp->status == DV_OK && resp->len <= UINT16_MAX) {
		rec.wire = resp->wire;
		rec.len = (uint16_t)resp->len;
	} else if (resp->status == DV_OK) {
		rec.status = DV_SNAP_BADREPLY;
	}
	if (dv_resolver_snapshot_add_query(run->snap, &rec) != DV_OK)
		run->errors++;
}

/* The question as it would be sent. */
static void build_query(const run_t *run, const question_t *qn, dv_query_t *q)
{
	memset(q, 0, sizeof(*q));
	q->addr = run->addrs[qn->resolver];
	memcpy(q->qname, run->qnames[qn->mode], sizeof(q->qname));
	q->qtype = dv_canary_modes[qn->mode].qtype;
	q->qclass = KNOT_CLASS_IN;
	q->flags = ask_flags[qn->kind];
	q->timeout_ms = run->timeout_ms;
	q->retries = run->retries;
}

static void on_answer(void *ctx, const dv_query_t *query, const dv_response_t *resp)
{
	question_t *qn = ctx;
	run_t *run = qn->run;
	rstate_t *rs = &run->rs[qn->resolver];
	rs->inflight--;
	/* Its budgets: time spent waiting on it and what it sent. */
	rs->ms += resp->status == DV_OK ? resp->rtt_ms : (uint64_t)resp->attempts * run->timeout_ms;
	if (resp->status == DV_OK)
		rs->bytes += resp->len;
	if (rs->bytes > run->server_bytes || rs->ms > run->server_ms)
		rs->out = true;
	if (rs->gate == G_PROBING) {
		/* Its first answer opens the gate; silence closes it. */
		bool dead = resp->status == DV_ETIMEOUT || resp->status == DV_ENET;
		rs->gate = dead ? G_DEAD : G_ALIVE;
		rs->dead_status = resp->status;
	}
	record(run, qn, query, resp);
	/* SERVFAIL: ask again with CD to tell validation from reachability. */
	const dv_canary_mode_t *m = &dv_canary_modes[qn->mode];
	if (qn->kind == ASK_FIRST && resp->status == DV_OK && resp->len <= UINT16_MAX &&
	    !dates_canary(m) && knot_wire_get_rcode(resp->wire) == RCODE_SERVFAIL &&
	    submit(run, qn - qn->kind + ASK_CD) != 0)
		run->errors++;
	pump(run, qn->resolver);
}

/* Send a question, or record it unsent when its resolver is dead, out of
 * budget, or the deadline passed. */
static int submit(run_t *run, question_t *qn)
{
	rstate_t *rs = &run->rs[qn->resolver];
	dv_query_t q;
	build_query(run, qn, &q);
	if (rs->gate == G_DEAD || rs->out || dv_net_abandoned(run->net)) {
		dv_response_t resp = {.status =
		                          rs->gate == G_DEAD ? rs->dead_status : DV_EABANDONED};
		record(run, qn, &q, &resp);
		return DV_OK;
	}
	if (rs->gate == G_UNKNOWN)
		rs->gate = G_PROBING;
	rs->inflight++;
	return dv_net_submit(run->net, &q, on_answer, qn);
}

/* Send the resolver's next questions while its window allows: one until its
 * gate is decided. */
static void pump(run_t *run, uint32_t r)
{
	rstate_t *rs = &run->rs[r];
	while (rs->next < rs->nqueue) {
		unsigned window = rs->gate == G_ALIVE ? run->window : 1;
		bool unsent = rs->gate == G_DEAD || rs->out || dv_net_abandoned(run->net);
		if (!unsent && rs->inflight >= window)
			break;
		if (submit(run, rs->queue[rs->next++]) != 0)
			run->errors++;
	}
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
	run.rs = calloc(n, sizeof(*run.rs));
	if (run.addrs == NULL || run.questions == NULL || run.rs == NULL) {
		ret = DV_ENOMEM;
		goto fail;
	}
	for (size_t r = 0; r < n; r++) {
		run.rs[r].queue =
		    calloc(dv_canary_mode_count * ASK_KINDS, sizeof(*run.rs[r].queue));
		if (run.rs[r].queue == NULL) {
			ret = DV_ENOMEM;
			goto fail;
		}
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
	    .deadline_ms = opts->deadline_ms ? opts->deadline_ms : DV_RPROBE_DEADLINE_MS,
	};
	run.timeout_ms = nopts.timeout_ms;
	run.retries = (int)nopts.retries;
	run.window = nopts.per_server_max;
	run.server_bytes = opts->server_bytes ? opts->server_bytes : DV_RPROBE_SERVER_BYTES;
	run.server_ms = opts->server_ms ? opts->server_ms : DV_RPROBE_SERVER_MS;
	if ((ret = dv_net_new(&nopts, &run.net)) != 0) {
		snprintf(err, errlen, "query engine: %s", dv_strerror(ret));
		goto fail;
	}
	run.snap->time = (int64_t)time(NULL);
	run.t0 = now_ms();
	/* Per resolver, its first questions in mode order (the valid control
	 * first: it opens the gate); the engine serves the resolvers fairly. */
	for (size_t r = 0; r < n && ret == 0; r++) {
		rstate_t *rs = &run.rs[r];
		for (size_t m = 0; m < dv_canary_mode_count; m++) {
			question_t *qn = &run.questions[(r * dv_canary_mode_count + m) * ASK_KINDS];
			for (int k = 0; k < ASK_KINDS; k++)
				qn[k] = (question_t){&run, (uint32_t)r, m, (enum ask)k};
			rs->queue[rs->nqueue++] = &qn[ASK_FIRST];
			rs->queue[rs->nqueue++] = &qn[ASK_STUB];
			if (dates_canary(&dv_canary_modes[m]))
				rs->queue[rs->nqueue++] = &qn[ASK_CD];
		}
	}
	for (size_t r = 0; r < n; r++)
		pump(&run, (uint32_t)r);
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
	for (size_t r = 0; run.rs != NULL && r < n; r++)
		free(run.rs[r].queue);
	free(run.rs);
	free(run.addrs);
	free(run.questions);
	free(run.qnames);
	return ret;
}
