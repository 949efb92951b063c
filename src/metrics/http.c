/*
 * /metrics over libmicrohttpd: one internal polling thread (epoll), a
 * connection ceiling, a per-connection memory ceiling (bounds the request
 * line and headers) and an idle timeout, so a flood of connections is
 * refused at accept and never grows the daemon.  Pages are pre-rendered by
 * the daemon and shared by reference count; a request never waits for a
 * cycle.
 */
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/error.h"
#include "net/net.h"
#include "metrics/metrics.h"

typedef struct {
	char *text;
	size_t len;
	unsigned refs; /* under the server's lock */
} page_t;

struct dv_metrics_server {
	struct MHD_Daemon *mhd;
	pthread_mutex_t lock;
	page_t *page;
	uint16_t port;
};

static void page_release(dv_metrics_server_t *srv, page_t *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&srv->lock);
	bool last = --p->refs == 0;
	pthread_mutex_unlock(&srv->lock);
	if (last) {
		free(p->text);
		free(p);
	}
}

typedef struct {
	dv_metrics_server_t *srv;
	page_t *page;
} hold_t;

static void hold_free(void *cls)
{
	hold_t *h = cls;
	page_release(h->srv, h->page);
	free(h);
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned code, const char *text)
{
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	enum MHD_Result ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **con_cls)
{
	dv_metrics_server_t *srv = cls;
	bool get = strcmp(method, MHD_HTTP_METHOD_GET) == 0,
	     head = strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
	if (!get && !head) {
		/* A body is never read: refuse before any upload arrives. */
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n");
	}
	if (*upload_size != 0)
		return MHD_NO;
	if (strcmp(url, "/metrics") != 0) {
		if (strcmp(url, "/") == 0)
			return reply(c, MHD_HTTP_OK, "dnsvigil watch: see /metrics\n");
		return reply(c, MHD_HTTP_NOT_FOUND, "not found\n");
	}
	pthread_mutex_lock(&srv->lock);
	page_t *p = srv->page;
	if (p != NULL)
		p->refs++;
	pthread_mutex_unlock(&srv->lock);
	if (p == NULL)
		return reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, "starting\n");
	hold_t *h = malloc(sizeof(*h));
	if (h == NULL) {
		page_release(srv, p);
		return MHD_NO;
	}
	h->srv = srv;
	h->page = p;
	struct MHD_Response *r =
	    MHD_create_response_from_buffer_with_free_callback_cls(p->len, p->text, hold_free, h);
	if (r == NULL) {
		hold_free(h);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	                        "text/plain; version=0.0.4; charset=utf-8");
	enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static void log_mhd(void *cls, const char *fmt, va_list ap)
{
	/* libmicrohttpd's own messages (refused connections under a flood)
	 * would flood the journal; they are counted by the kernel instead. */
	(void)cls;
	(void)fmt;
	(void)ap;
}

int dv_metrics_server_start(const char *listen, dv_metrics_server_t **out, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	*out = NULL;
	if (dv_net_listen_parse(listen, &ss, &sl) != DV_OK) {
		snprintf(err, errlen, "listen: '%s' is not HOST:PORT or [V6]:PORT", listen);
		return DV_EINVAL;
	}
	dv_metrics_server_t *srv = calloc(1, sizeof(*srv));
	if (srv == NULL)
		return DV_ENOMEM;
	pthread_mutex_init(&srv->lock, NULL);
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	srv->mhd = MHD_start_daemon(
	    flags, 0, NULL, NULL, handle, srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)DV_METRICS_MAX_CONNECTIONS,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)DV_METRICS_CONN_MEMORY,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)DV_METRICS_CONN_TIMEOUT,
	    MHD_OPTION_LISTEN_BACKLOG_SIZE, 128u, MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL,
	    MHD_OPTION_END);
	if (srv->mhd == NULL) {
		snprintf(err, errlen, "listen: cannot serve /metrics on %s (address in use?)",
		         listen);
		pthread_mutex_destroy(&srv->lock);
		free(srv);
		return DV_ENET;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->mhd, MHD_DAEMON_INFO_BIND_PORT);
	srv->port = info ? info->port : 0;
	*out = srv;
	return DV_OK;
}

uint16_t dv_metrics_server_port(const dv_metrics_server_t *srv)
{
	return srv->port;
}

void dv_metrics_server_publish(dv_metrics_server_t *srv, char *text, size_t len)
{
	page_t *p = malloc(sizeof(*p));
	if (p == NULL) {
		free(text);
		return;
	}
	p->text = text;
	p->len = len;
	p->refs = 1;
	pthread_mutex_lock(&srv->lock);
	page_t *old = srv->page;
	srv->page = p;
	pthread_mutex_unlock(&srv->lock);
	page_release(srv, old);
}

void dv_metrics_server_stop(dv_metrics_server_t *srv)
{
	if (srv == NULL)
		return;
	MHD_stop_daemon(srv->mhd);
	page_release(srv, srv->page);
	pthread_mutex_destroy(&srv->lock);
	free(srv);
}
