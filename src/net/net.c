/*
 * The asynchronous query engine on libuv.
 *
 * Life of a query: submit() puts it at the tail of its server's FIFO;
 * dispatch() starts queued queries while the overall and per-server limits
 * allow; each attempt gets a fresh random ID and its own socket (a connected
 * UDP socket, so the kernel drops datagrams from any other source, RFC 5452
 * §9.1; with opts.udp_reuse a connected socket per server carries several
 * attempts, each with an ID unique on it) and the query's one timer.  Every transition after an
 * attempt ends (timeout, network error) runs from that timer's callback, so a failure found while
 * starting an attempt never recurses into dispatch() or into the user's callback.
 */
#include <stdlib.h>
#include <string.h>

#include <libknot/libknot.h>
#include <sodium.h>
#include <uv.h>

#include "core/error.h"
#include "net/net.h"
#include "net/net_int.h"

#define DEF_MAX_INFLIGHT 256
#define DEF_PER_SERVER   8
#define DEF_TIMEOUT_MS   1500
#define DEF_RETRIES      2
#define MAX_RETRIES      16    /* bounds the attempts of one query */
#define MAX_TIMEOUT_MS   60000 /* bounds the wait of one attempt */
#define SERVER_BUCKETS   256
#define IDLE_SERVERS     32          /* idle servers kept with their socket and connection */
#define IDS_POOL         256         /* query IDs drawn from the kernel at once */
#define TCP_BUF_LEN      (2 + 65535) /* RFC 1035 §4.2.2: one message is at most 65535 bytes */

struct dv_attempt;
struct dv_server;
struct dv_udpsock;
struct dv_tcpconn;

/* STEP_ALONE: a shared TCP connection closed under the query; it is asked
 * again on a connection of its own. */
enum step_reason { STEP_TIMEOUT, STEP_FAILED, STEP_ABANDON, STEP_ALONE };

typedef struct dv_qnode {
	dv_net_t *net;
	struct dv_server *srv;
	dv_query_t q;
	dv_query_cb cb;
	void *ctx;
	struct dv_qnode *next;                /* server FIFO */
	struct dv_qnode *all_prev, *all_next; /* every live query, for dv_net_free */
	uv_timer_t timer;
	bool started, closing, tcp_mode, truncated, udp_failed, bad_seen;
	bool tcp_alone; /* never on a shared TCP connection (asked again after one closed) */
	enum step_reason reason;
	struct dv_attempt *att;
	unsigned timeout_ms, udp_left, attempts;
} dv_qnode_t;

typedef struct dv_attempt {
	union {
		uv_handle_t h;
		uv_udp_t udp;
		uv_tcp_t tcp;
	} u;
	dv_net_t *net;
	dv_qnode_t *q; /* NULL once the attempt is abandoned */
	bool tcp;
	/* On a shared UDP socket (opts.udp_reuse > 1) instead of u.udp: */
	struct dv_udpsock *sock;
	struct dv_attempt *snext; /* the socket's (or connection's) attempts in flight */
	bool send_pending;        /* send_req is queued: freed by udp_send_cb */
	/* On a shared TCP connection (opts.tcp_reuse > 1) instead of u.tcp: */
	struct dv_tcpconn *conn;
	bool on_conn;       /* it was (its handle is the connection's, not u) */
	bool write_pending; /* write_req is queued: freed by tcp_write_cb */
	uint16_t id;
	uv_udp_send_t send_req;
	uv_connect_t conn_req;
	uv_write_t write_req;
	uint64_t t0; /* uv_hrtime() at send */
	uint8_t prefix[2];
	uint8_t wire[DV_NET_QUERY_MAX];
	size_t wlen;
	uint8_t *rbuf; /* TCP stream buffer, TCP_BUF_LEN */
	size_t rlen;
} dv_attempt_t;

/* A connected UDP socket that carries up to opts.udp_reuse queries to one
 * server, in flight together (told apart by ID and question). */
typedef struct dv_udpsock {
	uv_udp_t h;
	dv_net_t *net;
	struct dv_server *srv; /* NULL once the server is forgotten */
	dv_attempt_t *att;     /* attempts in flight on it */
	unsigned uses;         /* attempts sent on it */
	bool retired;          /* takes no new attempt; closes when att is empty */
} dv_udpsock_t;

/* A TCP connection that carries up to opts.tcp_reuse queries to one
 * server, pipelined (RFC 7766 §6.2.1.1) and told apart by ID (§7). */
typedef struct dv_tcpconn {
	uv_tcp_t h;
	uv_connect_t conn_req;
	dv_net_t *net;
	struct dv_server *srv; /* NULL once the server is forgotten */
	dv_attempt_t *att;     /* attempts in flight on it, oldest first */
	unsigned uses;         /* attempts sent on it */
	bool connected;
	bool retired;  /* takes no new attempt; closes when att is empty */
	bool reading;  /* inside its read callback: it closes after */
	uint8_t *rbuf; /* TCP_BUF_LEN */
	size_t rlen;
} dv_tcpconn_t;

typedef struct dv_server {
	struct sockaddr_storage addr;
	dv_udpsock_t *sock;              /* the shared UDP socket new attempts use, or NULL */
	dv_tcpconn_t *conn;              /* the shared TCP connection new attempts use, or NULL */
	struct dv_server *hnext;         /* hash chain */
	struct dv_server *rnext;         /* ready list: servers with queued queries */
	struct dv_server *iprev, *inext; /* idle list, while idle */
	bool idle;
	dv_qnode_t *qhead, *qtail; /* FIFO of queries waiting for a slot */
	unsigned inflight;
	bool ready;
} dv_server_t;

struct dv_net {
	uv_loop_t loop;
	dv_net_opts_t opts;
	dv_net_stats_t stats;
	unsigned inflight;
	uint64_t pending; /* submitted, callback not yet run */
	bool running, dispatching;
	bool abandoned;      /* the deadline passed, or dv_net_abandon */
	bool deadline_armed; /* the deadline timer runs */
	uv_timer_t deadline; /* initialised with the loop */
	dv_server_t *buckets[SERVER_BUCKETS];
	dv_server_t *rhead, *rtail;
	dv_server_t *ihead, *itail; /* idle servers kept with their socket, oldest first */
	unsigned nidle;
	uint16_t ids[IDS_POOL]; /* random query IDs, used from the end */
	unsigned nids;
	dv_qnode_t *all;
	dv_net_job_t *jobs;    /* transfers and other long work, for dv_net_free */
	uv_timer_t rate_timer; /* dispatch again when the rate limit lets a query go */
	uint64_t rate_due;     /* uv_now() it is armed for, 0: not armed */
	/* Datagrams are handled synchronously in the receive callback, so one buffer serves all. */
	uint8_t udpbuf[65536];
};

static void attempt_start(dv_qnode_t *q);
static void timer_cb(uv_timer_t *t);

/* --- servers --------------------------------------------------------------- */

static unsigned addr_hash(const struct sockaddr_storage *a)
{
	const uint8_t *p;
	size_t n;
	if (a->ss_family == AF_INET) {
		p = (const uint8_t *)&((const struct sockaddr_in *)a)->sin_addr;
		n = 4;
	} else {
		p = (const uint8_t *)&((const struct sockaddr_in6 *)a)->sin6_addr;
		n = 16;
	}
	uint32_t h = 2166136261u; /* FNV-1a */
	for (size_t i = 0; i < n; i++) {
		h = (h ^ p[i]) * 16777619u;
	}
	uint16_t port = a->ss_family == AF_INET ? ((const struct sockaddr_in *)a)->sin_port
	                                        : ((const struct sockaddr_in6 *)a)->sin6_port;
	h = (h ^ port) * 16777619u;
	return h % SERVER_BUCKETS;
}

static dv_server_t *server_get(dv_net_t *net, const struct sockaddr_storage *addr, bool create)
{
	unsigned b = addr_hash(addr);
	for (dv_server_t *s = net->buckets[b]; s != NULL; s = s->hnext) {
		if (dv_net_addr_equal(&s->addr, addr)) {
			return s;
		}
	}
	if (!create) {
		return NULL;
	}
	dv_server_t *s = calloc(1, sizeof(*s));
	if (s == NULL) {
		return NULL;
	}
	s->addr = *addr;
	s->hnext = net->buckets[b];
	net->buckets[b] = s;
	return s;
}

static void sock_close_cb(uv_handle_t *h)
{
	free(h->data);
}

static void sock_close_if_done(dv_udpsock_t *k)
{
	if (k->retired && k->att == NULL && !uv_is_closing((uv_handle_t *)&k->h))
		uv_close((uv_handle_t *)&k->h, sock_close_cb);
}

static void conn_close_cb(uv_handle_t *h)
{
	dv_tcpconn_t *k = h->data;
	free(k->rbuf);
	free(k);
}

static void conn_close_if_done(dv_tcpconn_t *k)
{
	if (k->retired && k->att == NULL && !k->reading && !uv_is_closing((uv_handle_t *)&k->h))
		uv_close((uv_handle_t *)&k->h, conn_close_cb);
}

/* The connection takes no more attempts (and closes once idle). */
static void conn_retire(dv_tcpconn_t *k)
{
	if (k->srv != NULL && k->srv->conn == k)
		k->srv->conn = NULL;
	k->srv = NULL;
	k->retired = true;
	conn_close_if_done(k);
}

/* The server's UDP socket takes no more attempts (and closes once idle). */
static void sock_retire(dv_server_t *s)
{
	dv_udpsock_t *k = s->sock;
	if (k == NULL)
		return;
	s->sock = NULL;
	k->srv = NULL;
	k->retired = true;
	sock_close_if_done(k);
}

/* The server's socket and connection take no more attempts (and close once idle). */
static void server_retire(dv_server_t *s)
{
	if (s->conn != NULL)
		conn_retire(s->conn);
	sock_retire(s);
}

static void idle_unlink(dv_net_t *net, dv_server_t *s)
{
	if (s->iprev != NULL)
		s->iprev->inext = s->inext;
	else
		net->ihead = s->inext;
	if (s->inext != NULL)
		s->inext->iprev = s->iprev;
	else
		net->itail = s->iprev;
	s->iprev = s->inext = NULL;
	s->idle = false;
	net->nidle--;
}

static void server_free(dv_net_t *net, dv_server_t *s)
{
	if (s->idle)
		idle_unlink(net, s);
	dv_server_t **pp = &net->buckets[addr_hash(&s->addr)];
	while (*pp != NULL && *pp != s) {
		pp = &(*pp)->hnext;
	}
	if (*pp == s) {
		*pp = s->hnext;
	}
	server_retire(s);
	free(s);
}

/* A server with nothing in flight keeps its shared socket and connection
 * for a while: the probe's next queries to it (the next zones of a daemon's
 * batch, on the same servers) go on them instead of opening new ones; a TCP
 * connection set up and torn down per zone was the larger part of the
 * daemon's socket work.  The handles are unreferenced meanwhile, so they
 * keep no loop running, and at most IDLE_SERVERS idle servers are kept (the
 * oldest is forgotten first), so a daemon's table and its descriptors stay
 * bounded however many servers a batch meets. */
static void server_release_if_idle(dv_net_t *net, dv_server_t *s)
{
	if (s->inflight > 0 || s->qhead != NULL || s->ready || s->idle) {
		return;
	}
	if (s->sock == NULL && s->conn == NULL) {
		server_free(net, s);
		return;
	}
	if (s->sock != NULL)
		uv_unref((uv_handle_t *)&s->sock->h);
	if (s->conn != NULL)
		uv_unref((uv_handle_t *)&s->conn->h);
	s->idle = true;
	s->iprev = net->itail;
	s->inext = NULL;
	if (net->itail != NULL)
		net->itail->inext = s;
	else
		net->ihead = s;
	net->itail = s;
	if (++net->nidle > IDLE_SERVERS)
		server_free(net, net->ihead);
}

/* A query for an idle server: its socket and connection count again. */
static void server_wake(dv_net_t *net, dv_server_t *s)
{
	if (!s->idle)
		return;
	idle_unlink(net, s);
	if (s->sock != NULL)
		uv_ref((uv_handle_t *)&s->sock->h);
	if (s->conn != NULL)
		uv_ref((uv_handle_t *)&s->conn->h);
}

static void ready_push(dv_net_t *net, dv_server_t *s)
{
	s->ready = true;
	s->rnext = NULL;
	if (net->rtail != NULL) {
		net->rtail->rnext = s;
	} else {
		net->rhead = s;
	}
	net->rtail = s;
}

static dv_server_t *ready_pop(dv_net_t *net)
{
	dv_server_t *s = net->rhead;
	if (s != NULL) {
		net->rhead = s->rnext;
		if (net->rhead == NULL) {
			net->rtail = NULL;
		}
		s->rnext = NULL;
		s->ready = false;
	}
	return s;
}

/* --- query list -------------------------------------------------------------- */

static void all_unlink(dv_net_t *net, dv_qnode_t *q)
{
	if (q->all_prev != NULL) {
		q->all_prev->all_next = q->all_next;
	} else {
		net->all = q->all_next;
	}
	if (q->all_next != NULL) {
		q->all_next->all_prev = q->all_prev;
	}
	q->all_prev = q->all_next = NULL;
}

static void qnode_close_cb(uv_handle_t *h)
{
	dv_qnode_t *q = h->data;
	all_unlink(q->net, q);
	free(q);
}

/* --- attempts ---------------------------------------------------------------- */

static void attempt_close_cb(uv_handle_t *h)
{
	dv_attempt_t *a = h->data;
	free(a->rbuf);
	free(a);
}

/* Abandon the current attempt: its socket closes (a shared one forgets
 * it: a late answer to its ID matches nothing); late callbacks see
 * a->q == NULL. */
static void attempt_drop(dv_qnode_t *q)
{
	dv_attempt_t *a = q->att;
	if (a == NULL) {
		return;
	}
	q->att = NULL;
	a->q = NULL;
	if (a->on_conn) {
		dv_tcpconn_t *k = a->conn;
		for (dv_attempt_t **pp = &k->att; *pp != NULL; pp = &(*pp)->snext) {
			if (*pp == a) {
				*pp = a->snext;
				break;
			}
		}
		a->conn = NULL;
		if (!a->write_pending) {
			free(a);
		}
		conn_close_if_done(k);
		return;
	}
	if (a->sock == NULL) {
		uv_close(&a->u.h, attempt_close_cb);
		return;
	}
	dv_udpsock_t *k = a->sock;
	for (dv_attempt_t **pp = &k->att; *pp != NULL; pp = &(*pp)->snext) {
		if (*pp == a) {
			*pp = a->snext;
			break;
		}
	}
	a->sock = NULL;
	if (!a->send_pending) {
		free(a);
	}
	sock_close_if_done(k);
}

/* The attempt ended without an answer: move on from the timer callback. */
static void attempt_fail(dv_qnode_t *q)
{
	attempt_drop(q);
	q->reason = STEP_FAILED;
	/* Only fails for a closing timer, and then the query is already finished. */
	(void)uv_timer_start(&q->timer, timer_cb, 0, 0);
}

static void dispatch(dv_net_t *net);

static void finish(dv_qnode_t *q, int status, const uint8_t *wire, size_t len, uint64_t rtt_ns,
                   bool tcp)
{
	dv_net_t *net = q->net;
	dv_server_t *srv = q->srv;

	uv_timer_stop(&q->timer);
	dv_response_t resp = {
	    .status = status,
	    .wire = status == DV_OK ? wire : NULL,
	    .len = status == DV_OK ? len : 0,
	    .tcp = tcp,
	    .udp_truncated = q->truncated,
	    .udp_failed = q->udp_failed,
	    .rtt_ms = status == DV_OK ? (unsigned)((rtt_ns + 500000) / 1000000) : 0,
	    .rtt_us = status == DV_OK ? (unsigned)((rtt_ns + 500) / 1000) : 0,
	    .attempts = q->attempts,
	};
	if (status == DV_OK) {
		net->stats.answered++;
	}
	/* The buffer the answer sits in outlives this function: handles free on close. */
	attempt_drop(q);
	net->inflight--;
	srv->inflight--;
	q->closing = true;
	uv_close((uv_handle_t *)&q->timer, qnode_close_cb);

	q->cb(q->ctx, &q->q, &resp);
	net->pending--;

	server_release_if_idle(net, srv);
	dispatch(net);
}

/* RFC 5452 §4.3: unpredictable IDs.  Drawn from the kernel's generator a
 * pool at a time: one getrandom call per query was a syscall in twenty of
 * the daemon's. */
static uint16_t random_id(dv_net_t *net)
{
	if (net->nids == 0) {
		randombytes_buf(net->ids, sizeof(net->ids));
		net->nids = IDS_POOL;
	}
	uint16_t id = net->ids[--net->nids];
	net->ids[net->nids] = 0;
	return id;
}

/* A message arrived for attempt a: match it and act. Returns true when the query is done. */
static bool attempt_message(dv_attempt_t *a, const uint8_t *msg, size_t len)
{
	dv_qnode_t *q = a->q;
	dv_net_t *net = a->net;
	switch (dv_net_match(a->wire, a->wlen, msg, len)) {
	case DV_NET_MATCH_MISMATCH:
		net->stats.dropped_mismatch++;
		return false;
	case DV_NET_MATCH_BAD:
		net->stats.bad_answers++;
		q->bad_seen = true;
		return false;
	default:
		break;
	}
	uint64_t rtt = uv_hrtime() - a->t0;
	if (!a->tcp && knot_wire_get_tc(msg)) {
		q->truncated = true;
		if (!(q->q.flags & DV_Q_NO_TCP_FALLBACK)) {
			/* RFC 7766 §5: a truncated UDP answer is retried over TCP. */
			attempt_drop(q);
			q->tcp_mode = true;
			net->stats.tcp_fallbacks++;
			attempt_start(q);
			return true;
		}
	}
	finish(q, DV_OK, msg, len, rtt, a->tcp);
	return true;
}

static void udp_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	dv_attempt_t *a = h->data;
	buf->base = (char *)a->net->udpbuf;
	buf->len = sizeof(a->net->udpbuf);
}

/* A whole datagram from the server's address and port (a connected socket
 * already drops the others; this is the check that does not rely on it). */
static bool from_server(const struct sockaddr *from, unsigned flags, const dv_server_t *srv)
{
	if (from == NULL || (flags & UV_UDP_PARTIAL)) {
		return false;
	}
	struct sockaddr_storage src;
	memset(&src, 0, sizeof(src));
	memcpy(&src, from,
	       from->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
	                                   : sizeof(struct sockaddr_in));
	return dv_net_addr_equal(&src, &srv->addr);
}

static void udp_recv_cb(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf,
                        const struct sockaddr *from, unsigned flags)
{
	dv_attempt_t *a = h->data;
	if (a->q == NULL || (nread == 0 && from == NULL)) {
		return;
	}
	if (nread < 0) {
		/* ICMP port unreachable on the connected socket: nobody listens. */
		attempt_fail(a->q);
		return;
	}
	if (!from_server(from, flags, a->q->srv)) {
		a->net->stats.dropped_mismatch++;
		return;
	}
	attempt_message(a, (const uint8_t *)buf->base, (size_t)nread);
}

static void sock_fail_all(dv_udpsock_t *k);

static void udp_send_cb(uv_udp_send_t *req, int status)
{
	dv_attempt_t *a = req->data;
	a->send_pending = false;
	if (a->q == NULL) {
		if (a->sock == NULL && a->u.h.type != UV_UDP) {
			free(a); /* dropped from a shared socket while its send was queued */
		}
		return;
	}
	if (status < 0 && status != UV_ECANCELED) {
		/* On a shared socket the send may have collected the ICMP error of
		 * an earlier datagram (the kernel reports it once, to whichever
		 * call comes first): it concerns all of them. */
		if (a->sock != NULL) {
			sock_fail_all(a->sock);
		} else {
			attempt_fail(a->q);
		}
	}
}

/* An error on a shared socket (ICMP port unreachable: nobody listens
 * there): every attempt on it fails, and it takes no more. */
static void sock_fail_all(dv_udpsock_t *k)
{
	k->retired = true;
	if (k->srv != NULL && k->srv->sock == k) {
		k->srv->sock = NULL;
	}
	k->srv = NULL;
	while (k->att != NULL) {
		attempt_fail(k->att->q); /* unlinks it */
	}
	sock_close_if_done(k);
}

/* A datagram on a shared socket: to the attempt whose ID it carries. */
static void sock_recv_cb(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf,
                         const struct sockaddr *from, unsigned flags)
{
	dv_udpsock_t *k = h->data;
	if (nread == 0 && from == NULL) {
		return;
	}
	if (nread < 0) {
		sock_fail_all(k);
		return;
	}
	dv_attempt_t *a = k->att;
	if (nread >= 2) {
		uint16_t id = (uint16_t)(((uint8_t)buf->base[0] << 8) | (uint8_t)buf->base[1]);
		while (a != NULL && a->id != id) {
			a = a->snext;
		}
	}
	if (a == NULL || nread < 2 || !from_server(from, flags, a->q->srv)) {
		k->net->stats.dropped_mismatch++;
		return;
	}
	attempt_message(a, (const uint8_t *)buf->base, (size_t)nread);
}

static void sock_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	dv_udpsock_t *k = h->data;
	buf->base = (char *)k->net->udpbuf;
	buf->len = sizeof(k->net->udpbuf);
}

/* The server's shared socket for one more attempt, opened when there is
 * none or the last has carried its share.  NULL: could not open one. */
static dv_udpsock_t *sock_get(dv_net_t *net, dv_server_t *s)
{
	if (s->sock != NULL && s->sock->uses < net->opts.udp_reuse) {
		return s->sock;
	}
	sock_retire(s);
	dv_udpsock_t *k = calloc(1, sizeof(*k));
	if (k == NULL) {
		return NULL;
	}
	k->net = net;
	if (uv_udp_init_ex(&net->loop, &k->h, (unsigned)s->addr.ss_family) != 0) {
		free(k);
		return NULL;
	}
	k->h.data = k;
	net->stats.udp_sockets++;
	/* connected: the kernel drops datagrams from any other source (RFC 5452 §9.1) */
	if (uv_udp_connect(&k->h, (const struct sockaddr *)&s->addr) != 0 ||
	    uv_udp_recv_start(&k->h, sock_alloc_cb, sock_recv_cb) != 0) {
		k->retired = true;
		uv_close((uv_handle_t *)&k->h, sock_close_cb);
		return NULL;
	}
	k->srv = s;
	s->sock = k;
	return k;
}

/* An ID no attempt of `list` (a shared socket's or connection's) has
 * (RFC 5452 §4.3: unpredictable). */
static uint16_t unique_id(dv_net_t *net, const dv_attempt_t *list)
{
	for (;;) {
		uint16_t id = random_id(net);
		const dv_attempt_t *a = list;
		while (a != NULL && a->id != id) {
			a = a->snext;
		}
		if (a == NULL) {
			return id;
		}
	}
}

/* For a shared socket or connection (`have`: one could be had, `list`: its
 * attempts): build a's query with an ID unique on it and count the send.
 * False: no socket or no query (a is freed, q fails from its timer). */
static bool attempt_prepare(dv_qnode_t *q, dv_attempt_t *a, bool have, const dv_attempt_t *list)
{
	if (have) {
		a->id = unique_id(q->net, list);
	}
	if (!have ||
	    dv_net_query_build(&q->q, a->id, a->wire, sizeof(a->wire), &a->wlen) != DV_OK) {
		free(a);
		attempt_fail(q);
		return false;
	}
	q->attempts++;
	q->net->stats.sent++;
	a->q = q;
	q->att = a;
	return true;
}

/* A UDP attempt on the server's shared socket. */
static void attempt_start_shared(dv_qnode_t *q, dv_attempt_t *a)
{
	dv_net_t *net = q->net;
	dv_udpsock_t *k = sock_get(net, q->srv);
	if (!attempt_prepare(q, a, k != NULL, k ? k->att : NULL)) {
		return;
	}
	a->sock = k;
	a->snext = k->att;
	k->att = a;
	k->uses++;
	uv_buf_t buf = uv_buf_init((char *)a->wire, (unsigned)a->wlen);
	a->send_req.data = a;
	a->t0 = uv_hrtime();
	if (uv_udp_send(&a->send_req, &k->h, &buf, 1, NULL, udp_send_cb) != 0) {
		attempt_fail(q);
		return;
	}
	a->send_pending = true;
}

static void tcp_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	dv_attempt_t *a = h->data;
	buf->base = (char *)a->rbuf + a->rlen;
	buf->len = TCP_BUF_LEN - a->rlen;
}

static void tcp_read_cb(uv_stream_t *h, ssize_t nread, const uv_buf_t *buf)
{
	dv_attempt_t *a = h->data;
	if (a->q == NULL) {
		return;
	}
	if (nread < 0) {
		/* EOF or reset before a matching answer. */
		attempt_fail(a->q);
		return;
	}
	a->rlen += (size_t)nread;
	/* Partial reads: consume every complete message, keep the rest for later. */
	size_t off, mlen, used;
	while (dv_net_tcp_frame(a->rbuf, a->rlen, &off, &mlen, &used)) {
		if (attempt_message(a, a->rbuf + off, mlen)) {
			return;
		}
		memmove(a->rbuf, a->rbuf + used, a->rlen - used);
		a->rlen -= used;
	}
}

static void tcp_write_cb(uv_write_t *req, int status)
{
	dv_attempt_t *a = req->data;
	if (a->on_conn) {
		a->write_pending = false;
		if (a->q == NULL) {
			free(a); /* dropped from its connection while the write was queued */
			return;
		}
	}
	if (status < 0 && status != UV_ECANCELED && a->q != NULL) {
		attempt_fail(a->q);
	}
}

static void tcp_connect_cb(uv_connect_t *req, int status)
{
	dv_attempt_t *a = req->data;
	if (a->q == NULL) {
		return;
	}
	if (status < 0) {
		attempt_fail(a->q);
		return;
	}
	uv_buf_t bufs[2] = {
	    uv_buf_init((char *)a->prefix, 2),
	    uv_buf_init((char *)a->wire, (unsigned)a->wlen),
	};
	a->write_req.data = a;
	if (uv_write(&a->write_req, (uv_stream_t *)&a->u.tcp, bufs, 2, tcp_write_cb) != 0 ||
	    uv_read_start((uv_stream_t *)&a->u.tcp, tcp_alloc_cb, tcp_read_cb) != 0) {
		attempt_fail(a->q);
	}
}

/* --- shared TCP connections (opts.tcp_reuse) ------------------------------------ */

static void conn_write(dv_attempt_t *a)
{
	uv_buf_t bufs[2] = {
	    uv_buf_init((char *)a->prefix, 2),
	    uv_buf_init((char *)a->wire, (unsigned)a->wlen),
	};
	a->write_req.data = a;
	if (uv_write(&a->write_req, (uv_stream_t *)&a->conn->h, bufs, 2, tcp_write_cb) != 0) {
		attempt_fail(a->q);
		return;
	}
	a->write_pending = true;
}

/* The connection failed or closed under its attempts.  Where it carried
 * only one query, that query failed as it would have on a connection of its
 * own; where it carried more, the server may simply not take pipelined
 * queries or closed after a number of them (RFC 7766 §6.2.1: the client
 * retries what is left), so each is asked again on a connection of its own
 * and ends as it would have without sharing. */
static void conn_fail_all(dv_tcpconn_t *k)
{
	bool alone = k->uses > 1;
	dv_attempt_t *list = k->att;
	k->att = NULL;
	while (list != NULL) {
		dv_attempt_t *a = list;
		list = a->snext;
		a->snext = NULL;
		a->conn = NULL;
		dv_qnode_t *q = a->q;
		q->att = NULL;
		a->q = NULL;
		if (!a->write_pending) {
			free(a);
		}
		q->tcp_alone = q->tcp_alone || alone;
		q->reason = alone ? STEP_ALONE : STEP_FAILED;
		(void)uv_timer_start(&q->timer, timer_cb, 0, 0);
	}
	conn_retire(k);
}

static void conn_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	dv_tcpconn_t *k = h->data;
	buf->base = (char *)k->rbuf + k->rlen;
	buf->len = TCP_BUF_LEN - k->rlen;
}

static void conn_read_cb(uv_stream_t *h, ssize_t nread, const uv_buf_t *buf)
{
	dv_tcpconn_t *k = h->data;
	(void)buf;
	if (nread < 0) {
		/* EOF or reset: what is still in flight did not get its answer. */
		(void)uv_read_stop(h);
		conn_fail_all(k);
		return;
	}
	k->rlen += (size_t)nread;
	k->reading = true;
	size_t off, mlen, used;
	while (dv_net_tcp_frame(k->rbuf, k->rlen, &off, &mlen, &used)) {
		dv_attempt_t *a = k->att;
		if (mlen >= 2) {
			uint16_t id = (uint16_t)((k->rbuf[off] << 8) | k->rbuf[off + 1]);
			while (a != NULL && a->id != id) {
				a = a->snext;
			}
		}
		if (a == NULL) {
			k->net->stats.dropped_mismatch++;
		} else {
			(void)attempt_message(a, k->rbuf + off, mlen);
		}
		memmove(k->rbuf, k->rbuf + used, k->rlen - used);
		k->rlen -= used;
	}
	k->reading = false;
	conn_close_if_done(k);
}

static void conn_connect_cb(uv_connect_t *req, int status)
{
	dv_tcpconn_t *k = req->data;
	if (status == UV_ECANCELED) {
		return;
	}
	if (status < 0 || uv_read_start((uv_stream_t *)&k->h, conn_alloc_cb, conn_read_cb) != 0) {
		conn_fail_all(k);
		return;
	}
	k->connected = true;
	/* conn_write may fail an attempt, which unlinks (and frees) it */
	for (dv_attempt_t *a = k->att, *next; a != NULL; a = next) {
		next = a->snext;
		conn_write(a);
	}
}

/* The server's shared connection for one more attempt, opened when there
 * is none or the last has carried its share.  NULL: could not open one. */
static dv_tcpconn_t *conn_get(dv_net_t *net, dv_server_t *s)
{
	if (s->conn != NULL && s->conn->uses < net->opts.tcp_reuse) {
		return s->conn;
	}
	if (s->conn != NULL) {
		conn_retire(s->conn);
	}
	dv_tcpconn_t *k = calloc(1, sizeof(*k));
	if (k == NULL || (k->rbuf = malloc(TCP_BUF_LEN)) == NULL) {
		free(k);
		return NULL;
	}
	k->net = net;
	if (uv_tcp_init_ex(&net->loop, &k->h, (unsigned)s->addr.ss_family) != 0) {
		free(k->rbuf);
		free(k);
		return NULL;
	}
	k->h.data = k;
	k->conn_req.data = k;
	net->stats.tcp_connects++;
	uv_tcp_nodelay(&k->h, 1);
	if (uv_tcp_connect(&k->conn_req, &k->h, (const struct sockaddr *)&s->addr,
	                   conn_connect_cb) != 0) {
		k->retired = true;
		uv_close((uv_handle_t *)&k->h, conn_close_cb);
		return NULL;
	}
	k->srv = s;
	s->conn = k;
	return k;
}

/* A TCP attempt on the server's shared connection. */
static void attempt_start_conn(dv_qnode_t *q, dv_attempt_t *a)
{
	dv_net_t *net = q->net;
	dv_tcpconn_t *k = conn_get(net, q->srv);
	if (!attempt_prepare(q, a, k != NULL, k ? k->att : NULL)) {
		return;
	}
	a->on_conn = true;
	a->conn = k;
	a->prefix[0] = (uint8_t)(a->wlen >> 8);
	a->prefix[1] = (uint8_t)(a->wlen & 0xff);
	/* oldest first: written in the order asked */
	dv_attempt_t **pp = &k->att;
	while (*pp != NULL) {
		pp = &(*pp)->snext;
	}
	*pp = a;
	k->uses++;
	a->t0 = uv_hrtime();
	if (k->connected) {
		conn_write(a);
	}
}

static void timer_cb(uv_timer_t *t)
{
	dv_qnode_t *q = t->data;
	dv_net_t *net = q->net;
	if (q->reason == STEP_ABANDON || net->abandoned) {
		attempt_drop(q);
		finish(q, DV_EABANDONED, NULL, 0, 0, q->tcp_mode);
		return;
	}
	if (q->reason == STEP_ALONE) {
		attempt_drop(q);
		attempt_start(q);
		return;
	}
	if (q->reason == STEP_TIMEOUT) {
		net->stats.timeouts++;
	}
	attempt_drop(q);
	if (!q->tcp_mode && q->udp_left > 0 && q->reason == STEP_TIMEOUT) {
		q->udp_left--;
		attempt_start(q);
		return;
	}
	if (!q->tcp_mode) {
		/* UDP gave nothing (timeouts or ICMP errors): ask once over TCP. */
		q->udp_failed = true;
		q->tcp_mode = true;
		net->stats.tcp_fallbacks++;
		attempt_start(q);
		return;
	}
	int status = q->reason == STEP_TIMEOUT ? DV_ETIMEOUT : DV_ENET;
	if (q->bad_seen) {
		status = DV_EPARSE;
	}
	finish(q, status, NULL, 0, 0, true);
}

/* Start one attempt (UDP or TCP per q->tcp_mode); errors surface through the timer. */
static void attempt_start(dv_qnode_t *q)
{
	dv_net_t *net = q->net;
	const struct sockaddr *sa = (const struct sockaddr *)&q->srv->addr;
	int family = q->srv->addr.ss_family;

	q->reason = STEP_TIMEOUT;
	uv_timer_start(&q->timer, timer_cb, q->timeout_ms, 0);

	dv_attempt_t *a = calloc(1, sizeof(*a));
	if (a == NULL) {
		attempt_fail(q);
		return;
	}
	a->net = net;
	a->tcp = q->tcp_mode;
	if (!a->tcp && net->opts.udp_reuse > 1) {
		attempt_start_shared(q, a);
		return;
	}
	if (a->tcp && net->opts.tcp_reuse > 1 && !q->tcp_alone) {
		attempt_start_conn(q, a);
		return;
	}
	a->u.h.data = a;
	if (dv_net_query_build(&q->q, random_id(net), a->wire, sizeof(a->wire), &a->wlen) !=
	    DV_OK) {
		free(a);
		attempt_fail(q);
		return;
	}
	q->attempts++;
	net->stats.sent++;

	int r;
	if (!a->tcp) {
		r = uv_udp_init_ex(&net->loop, &a->u.udp, (unsigned)family);
		if (r != 0) {
			free(a);
			attempt_fail(q);
			return;
		}
		net->stats.udp_sockets++;
		a->u.h.data = a;
		a->q = q;
		q->att = a;
		uv_buf_t buf = uv_buf_init((char *)a->wire, (unsigned)a->wlen);
		a->send_req.data = a;
		a->t0 = uv_hrtime();
		if (uv_udp_connect(&a->u.udp, sa) != 0 ||
		    uv_udp_recv_start(&a->u.udp, udp_alloc_cb, udp_recv_cb) != 0 ||
		    uv_udp_send(&a->send_req, &a->u.udp, &buf, 1, NULL, udp_send_cb) != 0) {
			attempt_fail(q);
		}
		return;
	}

	a->rbuf = malloc(TCP_BUF_LEN);
	if (a->rbuf == NULL) {
		free(a);
		attempt_fail(q);
		return;
	}
	r = uv_tcp_init_ex(&net->loop, &a->u.tcp, (unsigned)family);
	if (r != 0) {
		free(a->rbuf);
		free(a);
		attempt_fail(q);
		return;
	}
	a->u.h.data = a;
	a->q = q;
	q->att = a;
	a->prefix[0] = (uint8_t)(a->wlen >> 8);
	a->prefix[1] = (uint8_t)(a->wlen & 0xff);
	a->conn_req.data = a;
	a->t0 = uv_hrtime();
	net->stats.tcp_connects++;
	uv_tcp_nodelay(&a->u.tcp, 1);
	if (uv_tcp_connect(&a->conn_req, &a->u.tcp, sa, tcp_connect_cb) != 0) {
		attempt_fail(q);
	}
}

static void qnode_start(dv_net_t *net, dv_qnode_t *q)
{
	dv_server_t *s = q->srv;
	s->inflight++;
	net->inflight++;
	if (net->inflight > net->stats.max_inflight_seen) {
		net->stats.max_inflight_seen = net->inflight;
	}
	if (s->inflight > net->stats.max_server_inflight_seen) {
		net->stats.max_server_inflight_seen = s->inflight;
	}
	uv_timer_init(&net->loop, &q->timer);
	q->timer.data = q;
	q->started = true;
	q->tcp_mode = (q->q.flags & DV_Q_TCP) != 0;
	if (net->abandoned) {
		/* Not sent: it ends from its timer, never from here. */
		q->reason = STEP_ABANDON;
		uv_timer_start(&q->timer, timer_cb, 0, 0);
		return;
	}
	attempt_start(q);
}

static void rate_timer_cb(uv_timer_t *t)
{
	dv_net_t *net = t->data;
	net->rate_due = 0;
	dispatch(net);
}

/* Whether the rate limit lets a query to s start now; if not, dispatch
 * runs again when it will. */
static bool rate_admits(dv_net_t *net, dv_server_t *s)
{
	if (net->opts.ratelimit == NULL)
		return true;
	uint64_t wait = dv_net_ratelimit_take(net->opts.ratelimit, &s->addr, uv_hrtime());
	if (wait == 0)
		return true;
	uint64_t due = uv_now(&net->loop) + (wait + 999999) / 1000000;
	if (net->rate_due == 0 || due < net->rate_due) {
		net->rate_due = due;
		uv_timer_start(&net->rate_timer, rate_timer_cb, due - uv_now(&net->loop), 0);
	}
	return false;
}

/* Start queued queries while the limits allow, one pass round-robin over waiting servers. */
static void dispatch(dv_net_t *net)
{
	if (net->dispatching || !net->running) {
		return;
	}
	net->dispatching = true;
	dv_server_t *last = net->rtail;
	/* Abandoned: every queued query starts at once, only to end. */
	bool drain = net->abandoned;
	while ((drain || net->inflight < net->opts.max_inflight) && net->rhead != NULL) {
		dv_server_t *s = ready_pop(net);
		/* Draining, a query only starts to end: it sends nothing, so it
		 * takes no rate-limit token. */
		while (s->qhead != NULL &&
		       (drain || (s->inflight < net->opts.per_server_max &&
		                  net->inflight < net->opts.max_inflight && rate_admits(net, s)))) {
			dv_qnode_t *q = s->qhead;
			s->qhead = q->next;
			if (s->qhead == NULL) {
				s->qtail = NULL;
			}
			q->next = NULL;
			qnode_start(net, q);
		}
		if (s->qhead != NULL) {
			ready_push(net, s);
		}
		if (s == last) {
			break;
		}
	}
	net->dispatching = false;
}

/* --- giving up ---------------------------------------------------------------- */

void dv_net_abandon(dv_net_t *net)
{
	if (net == NULL || net->abandoned)
		return;
	net->abandoned = true;
	/* Started queries end from their timers (now), queued ones are started
	 * to end the same way: callbacks never run from inside this function. */
	for (dv_qnode_t *q = net->all; q != NULL; q = q->all_next) {
		if (!q->started || q->closing)
			continue;
		attempt_drop(q);
		q->reason = STEP_ABANDON;
		(void)uv_timer_start(&q->timer, timer_cb, 0, 0);
	}
	if (net->deadline_armed) {
		uv_timer_stop(&net->deadline);
		net->deadline_armed = false;
	}
	dispatch(net);
}

bool dv_net_abandoned(const dv_net_t *net)
{
	return net != NULL && net->abandoned;
}

static void deadline_cb(uv_timer_t *t)
{
	dv_net_t *net = t->data;
	net->deadline_armed = false;
	dv_net_abandon(net);
}

/* --- public API -------------------------------------------------------------- */

int dv_net_new(const dv_net_opts_t *opts, dv_net_t **out)
{
	if (out == NULL) {
		return DV_EINVAL;
	}
	if (sodium_init() < 0) {
		return DV_ENOMEM;
	}
	dv_net_t *net = calloc(1, sizeof(*net));
	if (net == NULL) {
		return DV_ENOMEM;
	}
	net->opts.max_inflight = DEF_MAX_INFLIGHT;
	net->opts.per_server_max = DEF_PER_SERVER;
	net->opts.timeout_ms = DEF_TIMEOUT_MS;
	net->opts.retries = DEF_RETRIES;
	if (opts != NULL) {
		/* Zero means "default" for the limits and the timeout; zero retries is a real
		 * choice. */
		if (opts->max_inflight != 0) {
			net->opts.max_inflight = opts->max_inflight;
		}
		if (opts->per_server_max != 0) {
			net->opts.per_server_max = opts->per_server_max;
		}
		if (opts->timeout_ms != 0) {
			net->opts.timeout_ms = opts->timeout_ms;
		}
		net->opts.retries = opts->retries;
		net->opts.deadline_ms = opts->deadline_ms;
		net->opts.ratelimit = opts->ratelimit;
		net->opts.udp_reuse =
		    opts->udp_reuse > DV_NET_UDP_REUSE_MAX ? DV_NET_UDP_REUSE_MAX : opts->udp_reuse;
		net->opts.tcp_reuse =
		    opts->tcp_reuse > DV_NET_TCP_REUSE_MAX ? DV_NET_TCP_REUSE_MAX : opts->tcp_reuse;
	}
	if (net->opts.timeout_ms > MAX_TIMEOUT_MS) {
		net->opts.timeout_ms = MAX_TIMEOUT_MS;
	}
	if (net->opts.retries > MAX_RETRIES) {
		net->opts.retries = MAX_RETRIES;
	}
	if (uv_loop_init(&net->loop) != 0) {
		free(net);
		return DV_ENOMEM;
	}
	uv_timer_init(&net->loop, &net->deadline);
	net->deadline.data = net;
	/* The deadline timer must not keep an otherwise finished run alive. */
	uv_unref((uv_handle_t *)&net->deadline);
	uv_timer_init(&net->loop, &net->rate_timer);
	net->rate_timer.data = net;
	*out = net;
	return DV_OK;
}

int dv_net_submit(dv_net_t *net, const dv_query_t *query, dv_query_cb cb, void *ctx)
{
	if (net == NULL || query == NULL || cb == NULL) {
		return DV_EINVAL;
	}
	sa_family_t fam = query->addr.ss_family;
	if (fam != AF_INET && fam != AF_INET6) {
		return DV_EINVAL;
	}
	if (knot_dname_wire_check(query->qname, query->qname + sizeof(query->qname), NULL) <= 0) {
		return DV_EINVAL;
	}
	dv_qnode_t *q = calloc(1, sizeof(*q));
	if (q == NULL) {
		return DV_ENOMEM;
	}
	dv_server_t *s = server_get(net, &query->addr, true);
	if (s == NULL) {
		free(q);
		return DV_ENOMEM;
	}
	server_wake(net, s);
	q->net = net;
	q->srv = s;
	q->q = *query;
	q->cb = cb;
	q->ctx = ctx;
	q->timeout_ms = query->timeout_ms ? query->timeout_ms : net->opts.timeout_ms;
	if (q->timeout_ms > MAX_TIMEOUT_MS) {
		q->timeout_ms = MAX_TIMEOUT_MS;
	}
	unsigned retries = query->retries >= 0 ? (unsigned)query->retries : net->opts.retries;
	q->udp_left = retries > MAX_RETRIES ? MAX_RETRIES : retries;

	if (s->qtail != NULL) {
		s->qtail->next = q;
	} else {
		s->qhead = q;
	}
	s->qtail = q;
	if (!s->ready) {
		ready_push(net, s);
	}
	q->all_next = net->all;
	if (net->all != NULL) {
		net->all->all_prev = q;
	}
	net->all = q;
	net->pending++;

	/* Submitted from a callback: start now.  Before dv_net_run: wait for it. */
	dispatch(net);
	return DV_OK;
}

int dv_net_run(dv_net_t *net)
{
	if (net == NULL || net->running) {
		return DV_EINVAL;
	}
	net->running = true;
	uv_update_time(&net->loop);
	if (net->opts.deadline_ms != 0 && !net->deadline_armed && !net->abandoned) {
		/* Armed once, at the first run; later runs share what is left. */
		net->deadline_armed = true;
		uv_timer_start(&net->deadline, deadline_cb, net->opts.deadline_ms, 0);
		net->opts.deadline_ms = 0;
	}
	dispatch(net);
	int r = uv_run(&net->loop, UV_RUN_DEFAULT);
	net->running = false;
	/* Every started query holds a timer, so an empty loop means all callbacks ran. */
	if (r != 0 || net->pending != 0) {
		return DV_ENET;
	}
	return DV_OK;
}

void dv_net_stats(const dv_net_t *net, dv_net_stats_t *out)
{
	if (net == NULL || out == NULL) {
		return;
	}
	*out = net->stats;
}

static void walk_close_cb(uv_handle_t *h, void *arg)
{
	if (!uv_is_closing(h)) {
		uv_close(h, NULL);
	}
}

uv_loop_t *dv_net_loop(dv_net_t *net)
{
	return &net->loop;
}

void dv_net_job_add(dv_net_t *net, dv_net_job_t *job)
{
	job->prev = NULL;
	job->next = net->jobs;
	if (net->jobs != NULL) {
		net->jobs->prev = job;
	}
	net->jobs = job;
	net->pending++;
}

void dv_net_job_remove(dv_net_t *net, dv_net_job_t *job)
{
	if (job->prev != NULL) {
		job->prev->next = job->next;
	} else if (net->jobs == job) {
		net->jobs = job->next;
	}
	if (job->next != NULL) {
		job->next->prev = job->prev;
	}
	job->prev = job->next = NULL;
	net->pending--;
}

void dv_net_free(dv_net_t *net)
{
	if (net == NULL) {
		return;
	}
	while (net->jobs != NULL) {
		dv_net_job_t *job = net->jobs;
		dv_net_job_remove(net, job);
		job->abort(job);
	}
	dv_qnode_t *q = net->all;
	while (q != NULL) {
		dv_qnode_t *next = q->all_next;
		if (!q->started) {
			all_unlink(net, q);
			free(q);
		} else if (!q->closing) {
			attempt_drop(q);
			q->closing = true;
			uv_close((uv_handle_t *)&q->timer, qnode_close_cb);
		}
		q = next;
	}
	for (unsigned b = 0; b < SERVER_BUCKETS; b++) {
		dv_server_t *s = net->buckets[b];
		while (s != NULL) {
			dv_server_t *next = s->hnext;
			server_retire(s);
			free(s);
			s = next;
		}
		net->buckets[b] = NULL;
	}
	uv_close((uv_handle_t *)&net->deadline, NULL);
	uv_close((uv_handle_t *)&net->rate_timer, NULL);
	/* Close callbacks free the attempts and the started queries. */
	uv_run(&net->loop, UV_RUN_DEFAULT);
	if (uv_loop_close(&net->loop) == UV_EBUSY) {
		uv_walk(&net->loop, walk_close_cb, NULL);
		uv_run(&net->loop, UV_RUN_DEFAULT);
		uv_loop_close(&net->loop);
	}
	free(net);
}
