/*
 * Zone transfers on the query engine's loop: one TCP connection per
 * transfer, the query (TSIG-signed when a key is given), then the answer
 * read message by message into the stream checker (xfr_stream.c) until the
 * closing SOA, an error, a ceiling or a timeout.  Two timers bound it: the
 * idle timer (connect, and every silence between reads) and the timer of
 * the whole transfer.
 */
#include <stdlib.h>
#include <string.h>

#include <libknot/libknot.h>
#include <sodium.h>
#include <uv.h>

#include "core/error.h"
#include "net/net_int.h"
#include "net/xfr_int.h"

#define RBUF_LEN (256 * 1024) /* > one framed message (2 + 65535), so a message always fits */

typedef struct {
	dv_net_job_t job; /* first: the engine's list points here */
	dv_net_t *net;
	dv_xfr_req_t req;
	dv_xfr_msg_cb on_msg;
	dv_xfr_done_cb on_done;
	void *ctx;

	uv_tcp_t tcp;
	uv_timer_t idle, total;
	uv_connect_t conn_req;
	uv_write_t write_req;
	int open_handles;
	bool finished, connected, early_fail;
	unsigned idle_ms;

	uint8_t query[2 + DV_XFR_QUERY_MAX];
	size_t qlen;
	uint8_t *rbuf;
	size_t rlen;
	uint64_t t0;

	xfr_stream_t stream;
	dv_xfr_result_t res;
} xfr_job_t;

/* --- the query -------------------------------------------------------------------- */

int dv_xfr_query_build(const dv_xfr_req_t *req, uint16_t id, uint8_t *buf, size_t cap, size_t *len,
                       uint8_t *mac, size_t *mac_len)
{
	if (req == NULL || buf == NULL || len == NULL || cap < KNOT_WIRE_HEADER_SIZE ||
	    cap > UINT16_MAX) {
		return DV_EINVAL;
	}
	if (knot_dname_wire_check(req->zone, req->zone + sizeof(req->zone), NULL) <= 0 ||
	    (req->type != DV_XFR_AXFR && req->type != DV_XFR_IXFR)) {
		return DV_EINVAL;
	}
	if (req->tsig != NULL && (mac == NULL || mac_len == NULL)) {
		return DV_EINVAL;
	}
	int ret = DV_OK;
	knot_rrset_t soa;
	knot_rrset_init_empty(&soa);
	knot_pkt_t *pkt = knot_pkt_new(buf, (uint16_t)cap, NULL);
	if (pkt == NULL) {
		return DV_ENOMEM;
	}
	memset(pkt->wire, 0, KNOT_WIRE_HEADER_SIZE);
	knot_wire_set_id(pkt->wire, id);
	if (knot_pkt_put_question(pkt, req->zone, KNOT_CLASS_IN, (uint16_t)req->type) != KNOT_EOK) {
		ret = DV_ELIMIT;
		goto fail;
	}
	if (req->type == DV_XFR_IXFR) {
		/* RFC 1995 §3: the client's SOA in the authority section; servers read
		 * its serial only, so the names are the root and the timers zero. */
		uint8_t rdata[2 + 20] = {0};
		rdata[2] = (uint8_t)(req->serial >> 24);
		rdata[3] = (uint8_t)(req->serial >> 16);
		rdata[4] = (uint8_t)(req->serial >> 8);
		rdata[5] = (uint8_t)req->serial;
		knot_rrset_init(&soa, (knot_dname_t *)req->zone, KNOT_RRTYPE_SOA, KNOT_CLASS_IN, 0);
		if (knot_rrset_add_rdata(&soa, rdata, sizeof(rdata), NULL) != KNOT_EOK) {
			ret = DV_ENOMEM;
			goto fail;
		}
		if (knot_pkt_begin(pkt, KNOT_AUTHORITY) != KNOT_EOK ||
		    knot_pkt_put(pkt, KNOT_COMPR_HINT_NONE, &soa, 0) != KNOT_EOK) {
			ret = DV_ELIMIT;
			goto fail;
		}
	}
	size_t n = pkt->size;
	if (req->tsig != NULL) {
		*mac_len = DV_XFR_MAC_MAX;
		if (knot_tsig_sign(buf, &n, cap, NULL, 0, mac, mac_len, &req->tsig->key, 0, 0) !=
		    KNOT_EOK) {
			ret = DV_ECRYPTO;
			goto fail;
		}
	}
	*len = n;
fail:
	knot_rdataset_clear(&soa.rrs, NULL);
	knot_pkt_free(pkt);
	return ret;
}

/* --- the connection ---------------------------------------------------------------- */

static void job_close_cb(uv_handle_t *h)
{
	xfr_job_t *j = h->data;
	if (--j->open_handles > 0) {
		return;
	}
	xfr_stream_clear(&j->stream);
	dv_ixfr_free(j->res.ixfr);
	free(j->rbuf);
	free(j);
}

static void job_close(xfr_job_t *j)
{
	uv_close((uv_handle_t *)&j->tcp, job_close_cb);
	uv_close((uv_handle_t *)&j->idle, job_close_cb);
	uv_close((uv_handle_t *)&j->total, job_close_cb);
}

/* Engine teardown: no callback, only the handles close. */
static void job_abort(dv_net_job_t *job)
{
	xfr_job_t *j = (xfr_job_t *)job;
	j->finished = true;
	job_close(j);
}

static void finish(xfr_job_t *j)
{
	if (j->finished) {
		return;
	}
	j->finished = true;
	uv_timer_stop(&j->idle);
	uv_timer_stop(&j->total);
	uv_read_stop((uv_stream_t *)&j->tcp);
	uint64_t ns = uv_hrtime() - j->t0;
	j->res.elapsed_ms = (unsigned)(ns / 1000000);
	if (j->res.status != DV_OK) {
		j->res.kind = DV_XFR_KIND_NONE;
		dv_ixfr_free(j->res.ixfr);
		j->res.ixfr = NULL;
	}
	dv_net_job_remove(j->net, &j->job);
	j->on_done(j->ctx, &j->req, &j->res);
	job_close(j);
}

static void fail_now(xfr_job_t *j, enum dv_xfr_failure f, const char *what, int uverr)
{
	if (j->res.failure == DV_XFR_OK) {
		xfr_result_fail(&j->res, f, "%s: %s", what, uv_strerror(uverr));
	}
	finish(j);
}

static void idle_cb(uv_timer_t *t)
{
	xfr_job_t *j = t->data;
	if (j->early_fail) {
		finish(j);
		return;
	}
	if (!j->connected) {
		xfr_result_fail(&j->res, DV_XFR_TIMEOUT, "connect timed out after %u ms",
		                j->idle_ms);
	} else {
		xfr_result_fail(&j->res, DV_XFR_TIMEOUT,
		                "nothing received for %u ms (after %llu messages)", j->idle_ms,
		                (unsigned long long)j->res.messages);
	}
	finish(j);
}

static void total_cb(uv_timer_t *t)
{
	xfr_job_t *j = t->data;
	xfr_result_fail(&j->res, DV_XFR_TIMEOUT,
	                "the transfer took longer than %u ms (after %llu messages)",
	                j->req.limits.max_ms, (unsigned long long)j->res.messages);
	finish(j);
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	xfr_job_t *j = h->data;
	buf->base = (char *)j->rbuf + j->rlen;
	buf->len = RBUF_LEN - j->rlen;
}

static void read_cb(uv_stream_t *h, ssize_t nread, const uv_buf_t *buf)
{
	xfr_job_t *j = h->data;
	if (j->finished) {
		return;
	}
	if (nread < 0) {
		if (nread == UV_EOF) {
			xfr_stream_eof(&j->stream, &j->res);
			finish(j);
		} else {
			fail_now(j, DV_XFR_NETWORK, "connection lost", (int)nread);
		}
		return;
	}
	if (nread == 0) {
		return;
	}
	uv_timer_again(&j->idle);
	j->rlen += (size_t)nread;
	size_t off, mlen, used, pos = 0;
	while (dv_net_tcp_frame(j->rbuf + pos, j->rlen - pos, &off, &mlen, &used)) {
		int r = xfr_stream_message(&j->stream, j->rbuf + pos + off, mlen, &j->res);
		pos += used;
		if (r != XFR_MORE) {
			/* Done or failed: either way the rest of the stream is not read. */
			finish(j);
			return;
		}
	}
	if (pos > 0) {
		memmove(j->rbuf, j->rbuf + pos, j->rlen - pos);
		j->rlen -= pos;
	}
}

static void write_cb(uv_write_t *req, int status)
{
	xfr_job_t *j = req->data;
	if (status < 0 && status != UV_ECANCELED && !j->finished) {
		fail_now(j, DV_XFR_NETWORK, "sending the query", status);
	}
}

static void connect_cb(uv_connect_t *req, int status)
{
	xfr_job_t *j = req->data;
	if (j->finished) {
		return;
	}
	if (status < 0) {
		fail_now(j, DV_XFR_NETWORK, "connect", status);
		return;
	}
	j->connected = true;
	uv_timer_again(&j->idle);
	uv_buf_t b = uv_buf_init((char *)j->query, (unsigned)j->qlen);
	j->write_req.data = j;
	int r = uv_write(&j->write_req, (uv_stream_t *)&j->tcp, &b, 1, write_cb);
	if (r == 0) {
		r = uv_read_start((uv_stream_t *)&j->tcp, alloc_cb, read_cb);
	}
	if (r != 0) {
		fail_now(j, DV_XFR_NETWORK, "sending the query", r);
	}
}

/* --- public ------------------------------------------------------------------------ */

int dv_xfr_submit(dv_net_t *net, const dv_xfr_req_t *req, dv_xfr_msg_cb on_msg,
                  dv_xfr_done_cb on_done, void *ctx)
{
	if (net == NULL || req == NULL || on_done == NULL) {
		return DV_EINVAL;
	}
	sa_family_t fam = req->addr.ss_family;
	if (fam != AF_INET && fam != AF_INET6) {
		return DV_EINVAL;
	}
	xfr_job_t *j = calloc(1, sizeof(*j));
	if (j == NULL) {
		return DV_ENOMEM;
	}
	j->rbuf = malloc(RBUF_LEN);
	if (j->rbuf == NULL) {
		free(j);
		return DV_ENOMEM;
	}
	j->net = net;
	j->req = *req;
	j->on_msg = on_msg;
	j->on_done = on_done;
	j->ctx = ctx;
	dv_xfr_limits_t *lim = &j->req.limits;
	if (lim->max_ms == 0) {
		lim->max_ms = DV_XFR_DEF_MAX_MS;
	}
	if (lim->idle_ms == 0) {
		lim->idle_ms = DV_XFR_DEF_IDLE_MS;
	}
	if (lim->max_ms > DV_XFR_MAX_MS_CAP) {
		lim->max_ms = DV_XFR_MAX_MS_CAP;
	}
	if (lim->idle_ms > DV_XFR_MAX_MS_CAP) {
		lim->idle_ms = DV_XFR_MAX_MS_CAP;
	}
	j->idle_ms = lim->idle_ms;

	uint16_t id;
	randombytes_buf(&id, sizeof(id)); /* RFC 5452 §4.3: unpredictable IDs */
	uint8_t mac[DV_XFR_MAC_MAX];
	size_t mac_len = 0;
	int r = dv_xfr_query_build(&j->req, id, j->query + 2, DV_XFR_QUERY_MAX, &j->qlen, mac,
	                           &mac_len);
	if (r == DV_OK) {
		r = xfr_stream_init(&j->stream, &j->req, id, mac, mac_len, on_msg, ctx);
	}
	if (r != DV_OK) {
		goto fail;
	}
	/* RFC 1035 §4.2.2: the two-byte length prefix. */
	j->query[0] = (uint8_t)(j->qlen >> 8);
	j->query[1] = (uint8_t)j->qlen;
	j->qlen += 2;

	uv_loop_t *loop = dv_net_loop(net);
	uv_update_time(loop); /* timers count from now, not from the last loop turn */
	if (uv_tcp_init_ex(loop, &j->tcp, fam) != 0) {
		r = DV_ENOMEM;
		goto fail;
	}
	uv_timer_init(loop, &j->idle);
	uv_timer_init(loop, &j->total);
	j->tcp.data = j->idle.data = j->total.data = j;
	j->open_handles = 3;
	j->job.abort = job_abort;
	j->t0 = uv_hrtime();
	dv_net_job_add(net, &j->job);

	uv_timer_start(&j->total, total_cb, lim->max_ms, 0);
	uv_timer_start(&j->idle, idle_cb, lim->idle_ms, lim->idle_ms);
	uv_tcp_nodelay(&j->tcp, 1);
	j->conn_req.data = j;
	r = uv_tcp_connect(&j->conn_req, &j->tcp, (const struct sockaddr *)&j->req.addr,
	                   connect_cb);
	if (r != 0) {
		/* Report from the loop, never from inside submit. */
		xfr_result_fail(&j->res, DV_XFR_NETWORK, "connect: %s", uv_strerror(r));
		j->early_fail = true;
		uv_timer_start(&j->idle, idle_cb, 0, 0);
	}
	return DV_OK;
fail:
	xfr_stream_clear(&j->stream);
	free(j->rbuf);
	free(j);
	return r;
}

const char *dv_xfr_failure_name(enum dv_xfr_failure f)
{
	switch (f) {
	case DV_XFR_OK:
		return "ok";
	case DV_XFR_REFUSED:
		return "refused";
	case DV_XFR_TSIG_REJECTED:
		return "tsig-rejected";
	case DV_XFR_TSIG_INVALID:
		return "tsig-invalid";
	case DV_XFR_MALFORMED:
		return "malformed";
	case DV_XFR_TRUNCATED:
		return "truncated";
	case DV_XFR_NETWORK:
		return "network";
	case DV_XFR_TIMEOUT:
		return "timeout";
	case DV_XFR_LIMIT:
		return "limit";
	case DV_XFR_ABORTED:
		return "aborted";
	case DV_XFR_INTERNAL:
		return "internal";
	}
	return "?";
}

const char *dv_xfr_kind_name(enum dv_xfr_kind k)
{
	switch (k) {
	case DV_XFR_KIND_FULL:
		return "full";
	case DV_XFR_KIND_DIFF:
		return "diff";
	case DV_XFR_KIND_SOA:
		return "soa";
	default:
		return "none";
	}
}
