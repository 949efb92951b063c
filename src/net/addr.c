/*
 * Server address text forms: "127.0.0.1", "::1", "127.0.0.1@5353",
 * "::1@5353", "[::1]:5353", "127.0.0.1:5353", "fe80::1%2".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "net/net.h"

#define ADDR_TEXT_MAX 128

/* Strict decimal port, min..65535, digits only. */
static int port_parse_min(const char *s, unsigned long min, uint16_t *port)
{
	if (*s < '0' || *s > '9' || strlen(s) > 5) {
		return DV_EINVAL;
	}
	for (const char *p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9') {
			return DV_EINVAL;
		}
	}
	errno = 0;
	unsigned long v = strtoul(s, NULL, 10);
	if (errno != 0 || v < min || v > UINT16_MAX) {
		return DV_EINVAL;
	}
	*port = (uint16_t)v;
	return DV_OK;
}

static int port_parse(const char *s, uint16_t *port)
{
	return port_parse_min(s, 1, port);
}

/* Numeric or interface-name IPv6 zone (RFC 4007 §11). */
static int scope_parse(const char *s, uint32_t *scope)
{
	if (*s == '\0') {
		return DV_EINVAL;
	}
	if (*s >= '0' && *s <= '9') {
		char *end = NULL;
		errno = 0;
		unsigned long v = strtoul(s, &end, 10);
		if (errno != 0 || *end != '\0' || v > UINT32_MAX) {
			return DV_EINVAL;
		}
		*scope = (uint32_t)v;
		return DV_OK;
	}
	unsigned idx = if_nametoindex(s);
	if (idx == 0) {
		return DV_EINVAL;
	}
	*scope = idx;
	return DV_OK;
}

/* host is modified (a '%' zone separator is cut off). */
static int host_parse(char *host, uint16_t port, struct sockaddr_storage *addr, bool v6_only)
{
	memset(addr, 0, sizeof(*addr));
	if (!v6_only) {
		struct sockaddr_in *in = (struct sockaddr_in *)addr;
		if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
			in->sin_family = AF_INET;
			in->sin_port = htons(port);
			return DV_OK;
		}
	}
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)addr;
	char *zone = strchr(host, '%');
	if (zone != NULL) {
		*zone++ = '\0';
		if (scope_parse(zone, &in6->sin6_scope_id) != DV_OK) {
			return DV_EINVAL;
		}
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1) {
		return DV_EINVAL;
	}
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons(port);
	return DV_OK;
}

int dv_net_addr_parse(const char *text, uint16_t default_port, struct sockaddr_storage *addr)
{
	if (text == NULL || addr == NULL) {
		return DV_EINVAL;
	}
	size_t n = strlen(text);
	if (n == 0 || n >= ADDR_TEXT_MAX) {
		return DV_EINVAL;
	}
	char buf[ADDR_TEXT_MAX];
	memcpy(buf, text, n + 1);
	uint16_t port = default_port;
	char *host = buf;
	bool v6_only = false;

	if (buf[0] == '[') {
		char *close = strchr(buf, ']');
		if (close == NULL) {
			return DV_EINVAL;
		}
		*close = '\0';
		host = buf + 1;
		v6_only = true;
		const char *rest = close + 1;
		if (*rest == ':' || *rest == '@') {
			if (port_parse(rest + 1, &port) != DV_OK) {
				return DV_EINVAL;
			}
		} else if (*rest != '\0') {
			return DV_EINVAL;
		}
	} else {
		char *at = strrchr(buf, '@');
		char *colon = strchr(buf, ':');
		if (at != NULL) {
			*at = '\0';
			if (port_parse(at + 1, &port) != DV_OK) {
				return DV_EINVAL;
			}
		} else if (colon != NULL && strchr(colon + 1, ':') == NULL) {
			/* One colon: IPv4 "addr:port" (IPv6 has at least two). */
			*colon = '\0';
			if (port_parse(colon + 1, &port) != DV_OK) {
				return DV_EINVAL;
			}
		}
	}
	if (port == 0) {
		return DV_EINVAL;
	}
	return host_parse(host, port, addr, v6_only);
}

void dv_net_addr_format(const struct sockaddr_storage *addr, char *buf, size_t len)
{
	if (buf == NULL || len == 0) {
		return;
	}
	char host[INET6_ADDRSTRLEN] = "?";
	char zone[16] = "";
	uint16_t port = 0;
	if (addr != NULL && addr->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)addr;
		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		port = ntohs(in->sin_port);
	} else if (addr != NULL && addr->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)addr;
		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		port = ntohs(in6->sin6_port);
		if (in6->sin6_scope_id != 0) {
			snprintf(zone, sizeof(zone), "%%%u", (unsigned)in6->sin6_scope_id);
		}
	}
	if (port == 53 || port == 0) {
		snprintf(buf, len, "%s%s", host, zone);
	} else {
		snprintf(buf, len, "%s%s@%u", host, zone, (unsigned)port);
	}
}

int dv_net_listen_parse(const char *text, struct sockaddr_storage *addr, socklen_t *len)
{
	if (text == NULL || addr == NULL || len == NULL) {
		return DV_EINVAL;
	}
	size_t n = strlen(text);
	if (n == 0 || n >= ADDR_TEXT_MAX) {
		return DV_EINVAL;
	}
	char buf[ADDR_TEXT_MAX];
	memcpy(buf, text, n + 1);
	char *host = buf, *sep;
	bool v6_only = buf[0] == '[';
	if (v6_only) {
		char *close = strchr(buf, ']');
		if (close == NULL || close[1] != ':') {
			return DV_EINVAL;
		}
		*close = '\0';
		host = buf + 1;
		sep = close + 1;
	} else {
		/* One colon: IPv4 "addr:port"; an IPv6 address needs its brackets. */
		sep = strchr(buf, ':');
		if (sep == NULL || strchr(sep + 1, ':') != NULL) {
			return DV_EINVAL;
		}
	}
	*sep = '\0';
	uint16_t port;
	/* Port 0: any free port (the tests ask the kernel for one). */
	if (port_parse_min(sep + 1, 0, &port) != DV_OK ||
	    host_parse(host, port, addr, v6_only) != DV_OK) {
		return DV_EINVAL;
	}
	*len =
	    addr->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	return DV_OK;
}
