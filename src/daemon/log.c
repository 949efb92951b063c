/*
 * Structured logs of the daemon: journald fields (PRIORITY, MESSAGE,
 * DNSVIGIL_ZONE, DNSVIGIL_EVENT) when stderr is connected to the journal
 * (systemd sets JOURNAL_STREAM, systemd.exec(5)), plain lines otherwise.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>

#include "daemon/daemon_int.h"

static int journal = -1;

static bool to_journal(void)
{
	if (journal < 0) {
		journal = 0;
		const char *js = getenv("JOURNAL_STREAM");
		struct stat st;
		unsigned long long dev, ino;
		char *end;
		if (js != NULL && fstat(2, &st) == 0) {
			dev = strtoull(js, &end, 10);
			if (*end == ':') {
				ino = strtoull(end + 1, &end, 10);
				journal = *end == '\0' && dev == (unsigned long long)st.st_dev &&
				          ino == (unsigned long long)st.st_ino;
			}
		}
	}
	return journal == 1;
}

static const char *level_name(int prio)
{
	switch (prio) {
	case DV_LOG_ERR:
		return "error";
	case DV_LOG_WARNING:
		return "warning";
	case DV_LOG_NOTICE:
		return "notice";
	case DV_LOG_INFO:
		return "info";
	default:
		return "debug";
	}
}

void dv_log(int prio, const char *zone, const char *event, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* one record, one line: set texts are '\n'-joined */
	for (char *p = msg; *p; p++)
		if (*p == '\n')
			*p = ';';
	if (to_journal()) {
		sd_journal_send("MESSAGE=%s", msg, "PRIORITY=%d", prio,
		                "SYSLOG_IDENTIFIER=dnsvigil", "DNSVIGIL_ZONE=%s", zone ? zone : "",
		                "DNSVIGIL_EVENT=%s", event ? event : "", NULL);
		return;
	}
	fprintf(stderr, "dnsvigil watch: %s: %s%s%s%s%s\n", level_name(prio), zone ? zone : "",
	        zone ? ": " : "", event ? event : "", event ? ": " : "", msg);
}
