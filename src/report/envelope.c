/*
 * What every report shares: the JSON envelope (doc/json.md), the JSON error
 * object of a run that could not judge, and text from input escaped for a
 * terminal.
 */
#include <stdlib.h>
#include <string.h>

#include "dnssec/dnssec.h"
#include "report/report.h"

const char *dv_report_status_name(int exit_status)
{
	static const char *const words[] = {"ok", "warning", "error"};
	return exit_status >= 0 && exit_status <= 2 ? words[exit_status] : "unknown";
}

void dv_report_envelope(dv_jw_t *w, const char *command, const char *subcommand, const char *status)
{
	/* The members dv_report_envelope_set makes, streamed. */
	json_t *head = json_object();
	dv_report_envelope_set(head, command, subcommand, status);
	dv_jw_object(w, NULL);
	const char *k;
	json_t *v;
	json_object_foreach(head, k, v)
	{
		dv_jw_value(w, k, json_incref(v));
	}
	json_decref(head);
}

void dv_report_judged_at(dv_jw_t *w, int64_t now, int64_t warn, int64_t crit)
{
	char t[32];
	dv_jw_value(w, "now", json_integer(now));
	dv_time_format(now, t, sizeof(t));
	dv_jw_value(w, "now_text", json_string(t));
	dv_jw_value(w, "warn_seconds", json_integer(warn));
	dv_jw_value(w, "crit_seconds", json_integer(crit));
}

void dv_report_envelope_set(json_t *o, const char *command, const char *subcommand,
                            const char *status)
{
	/* Set first, so that they lead an object dumped in insertion order;
	 * members of the same name set before are replaced and moved. */
	json_t *rest = json_object();
	if (rest == NULL)
		return;
	json_object_update(rest, o);
	json_object_clear(o);
	json_object_set_new(o, "dnsvigil", json_string(DV_VERSION));
	json_object_set_new(o, "format", json_integer(DV_REPORT_FORMAT));
	json_object_set_new(o, "command", json_string(command));
	if (subcommand != NULL)
		json_object_set_new(o, "subcommand", json_string(subcommand));
	json_object_set_new(o, "status", json_string(status));
	const char *k;
	json_t *v;
	json_object_foreach(rest, k, v)
	{
		if (strcmp(k, "dnsvigil") != 0 && strcmp(k, "format") != 0 &&
		    strcmp(k, "command") != 0 && strcmp(k, "subcommand") != 0 &&
		    strcmp(k, "status") != 0)
			json_object_set(o, k, v);
	}
	json_decref(rest);
}

json_t *dv_report_summary_json(const dv_findings_t *l)
{
	json_t *s = json_object();
	if (s == NULL)
		return NULL;
	json_object_set_new(s, "errors",
	                    json_integer((json_int_t)(l ? dv_findings_count(l, DV_SEV_ERROR) : 0)));
	json_object_set_new(
	    s, "warnings",
	    json_integer((json_int_t)(l ? dv_findings_count(l, DV_SEV_WARNING) : 0)));
	json_object_set_new(s, "info",
	                    json_integer((json_int_t)(l ? dv_findings_count(l, DV_SEV_INFO) : 0)));
	return s;
}

/* "FILE:LINE: rest" (FILE may be an included file, so any name is taken),
 * or "FILE: rest" for the file named: the parts. */
static void split_message(const char *file, const char *msg, char *fbuf, size_t flen,
                          const char **fout, long *line, const char **rest)
{
	*fout = file;
	*line = -1;
	*rest = msg;
	for (const char *p = strchr(msg, ':'); p != NULL; p = strchr(p + 1, ':')) {
		const char *d = p + 1;
		while (*d >= '0' && *d <= '9')
			d++;
		if (d == p + 1 || d[0] != ':' || d[1] != ' ' || p == msg || d - p > 12)
			continue;
		if ((size_t)(p - msg) < flen) {
			memcpy(fbuf, msg, (size_t)(p - msg));
			fbuf[p - msg] = '\0';
			*fout = fbuf;
		}
		*line = strtol(p + 1, NULL, 10);
		*rest = d + 2;
		return;
	}
	size_t fl = file ? strlen(file) : 0;
	if (fl > 0 && strncmp(msg, file, fl) == 0 && msg[fl] == ':' && msg[fl + 1] == ' ')
		*rest = msg + fl + 2;
}

int dv_report_error_json(FILE *out, const char *command, const char *subcommand, const char *file,
                         const char *msg)
{
	dv_jw_t *w = dv_jw_new(out);
	if (w == NULL)
		return -1;
	char fbuf[1024];
	const char *f, *rest;
	long line;
	split_message(file, msg, fbuf, sizeof(fbuf), &f, &line, &rest);
	dv_report_envelope(w, command, subcommand, "unknown");
	dv_jw_value(w, "summary", dv_report_summary_json(NULL));
	dv_jw_array(w, "findings");
	dv_jw_end_array(w);
	json_t *e = json_object();
	if (e != NULL) {
		json_object_set_new(e, "file", f ? dv_report_json_text(f) : json_null());
		json_object_set_new(e, "line", line >= 0 ? json_integer(line) : json_null());
		json_object_set_new(e, "message", dv_report_json_text(rest));
	}
	dv_jw_value(w, "error", e);
	dv_jw_end_object(w);
	return dv_jw_free(w);
}

/* The length of the valid UTF-8 sequence at s that is not a C1 control,
 * or 0. */
static size_t utf8_ok(const unsigned char *s)
{
	size_t n;
	unsigned cp;
	if (s[0] < 0xC2)
		return 0;
	if (s[0] < 0xE0) {
		n = 2;
		cp = s[0] & 0x1F;
	} else if (s[0] < 0xF0) {
		n = 3;
		cp = s[0] & 0x0F;
	} else if (s[0] < 0xF5) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	/* Overlong forms, surrogates, past U+10FFFF, and U+0080..U+009F (the C1
	 * controls, CSI among them). */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || (cp >= 0xD800 && cp < 0xE000) ||
	    cp > 0x10FFFF || cp < 0xA0)
		return 0;
	return n;
}

const char *dv_report_escape(const char *s, char *buf, size_t len)
{
	size_t o = 0;
	if (len == 0)
		return buf;
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	while (*p != '\0') {
		size_t n = *p >= 0x20 && *p < 0x7F ? 1 : utf8_ok(p);
		if (n > 0) {
			if (o + n >= len)
				break;
			memcpy(buf + o, p, n);
			o += n;
			p += n;
			continue;
		}
		if (o + 4 >= len)
			break;
		buf[o++] = '\\';
		buf[o++] = (char)('0' + *p / 100);
		buf[o++] = (char)('0' + *p / 10 % 10);
		buf[o++] = (char)('0' + *p % 10);
		p++;
	}
	buf[o] = '\0';
	return buf;
}

void dv_report_put_text(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	while (*p != '\0') {
		size_t n = *p >= 0x20 && *p < 0x7F ? 1 : utf8_ok(p);
		if (n > 0) {
			fwrite(p, 1, n, out);
			p += n;
		} else {
			fprintf(out, "\\%03u", *p++);
		}
	}
}

json_t *dv_report_json_text(const char *s)
{
	json_t *j = json_string(s ? s : "");
	if (j != NULL)
		return j;
	/* Not UTF-8: escaped, as a text report would show it. */
	char buf[4096];
	return json_string(dv_report_escape(s, buf, sizeof(buf)));
}
