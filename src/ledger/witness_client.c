/* The C2SP tlog-witness client: POST add-checkpoint, check the cosignature. */
#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/error.h"
#include "ledger/ledger.h"

/* Answers are a few signature lines or a size: 64 KiB is generous. */
#define ANSWER_MAX 65536

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
	dv_buf_t *b = ctx;
	/* Past the ceiling the transfer is aborted (curl sees a short write). */
	return dv_buf_append(b, p, size * n) == DV_OK ? size * n : 0;
}

int ledger_witness_push(const char *url, const tlog_vkey_t *wkey, uint64_t old_size,
                        const tlog_hash_t *proof, size_t nproof, const char *note, size_t note_len,
                        unsigned timeout_ms, ledger_push_result_t *res)
{
	dv_buf_t body, answer;
	static _Thread_local tlog_note_t got;
	char full[4096];
	int ret = DV_ENOMEM;
	memset(res, 0, sizeof(*res));
	res->result = LEDGER_PUSH_FAILED;
	dv_buf_init(&body, TLOG_NOTE_MAX + TLOG_PROOF_MAX * 64);
	dv_buf_init(&answer, ANSWER_MAX);
	pthread_once(&curl_once, curl_init);

	/* Body: "old N\n", the proof lines, a blank line, the checkpoint. */
	char line[64];
	int n = snprintf(line, sizeof(line), "old %llu\n", (unsigned long long)old_size);
	if (dv_buf_append(&body, line, (size_t)n) != DV_OK)
		goto out;
	for (size_t i = 0; i < nproof; i++) {
		size_t l = tlog_b64_encode(proof[i], TLOG_HASH_LEN, line, sizeof(line) - 1);
		line[l++] = '\n';
		if (dv_buf_append(&body, line, l) != DV_OK)
			goto out;
	}
	if (dv_buf_append(&body, "\n", 1) != DV_OK || dv_buf_append(&body, note, note_len) != DV_OK)
		goto out;

	size_t ul = strlen(url);
	n = snprintf(full, sizeof(full), "%s%sadd-checkpoint", url,
	             ul > 0 && url[ul - 1] == '/' ? "" : "/");
	if (n < 0 || (size_t)n >= sizeof(full)) {
		snprintf(res->message, sizeof(res->message), "URL too long");
		ret = DV_EINVAL;
		goto out;
	}
	CURL *c = curl_easy_init();
	if (c == NULL)
		goto out;
	struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: text/plain");
	curl_easy_setopt(c, CURLOPT_URL, full);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, (const char *)body.data);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body.len);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &answer);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	CURLcode cr = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &res->http_status);
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	ret = DV_OK;
	if (cr != CURLE_OK) {
		snprintf(res->message, sizeof(res->message), "%s", curl_easy_strerror(cr));
		goto out;
	}
	const char *a = (const char *)answer.data;
	size_t alen = answer.len;
	switch (res->http_status) {
	case 200: {
		/* Cosignature lines for the checkpoint we sent (C2SP tlog-witness
		 * "add-checkpoint"): verify them against the witness key. */
		const char *sep = NULL;
		for (size_t i = note_len - 1; i > 0; i--)
			if (note[i] == '\n' && note[i - 1] == '\n') {
				sep = note + i;
				break;
			}
		bool ok = false;
		uint64_t t = 0;
		if (sep != NULL && a != NULL &&
		    tlog_sigs_parse(a, alen, note, (size_t)(sep - note), &got) == DV_OK &&
		    tlog_note_verify(&got, wkey, 1, &ok, &t) == TLOG_NOTE_VERIFIED && ok) {
			/* Keep the one line that verified. */
			for (size_t i = 0; i < got.nsig; i++) {
				if (got.sig[i].id != wkey->id)
					continue;
				const char *start = got.sig[i].name - 4; /* "— " */
				const char *nl = memchr(start, '\n', alen - (size_t)(start - a));
				size_t l = nl ? (size_t)(nl - start) + 1 : 0;
				if (l > 0 && l < sizeof(res->cosig_line)) {
					memcpy(res->cosig_line, start, l);
					res->cosig_line[l] = '\0';
				}
				break;
			}
			res->result = LEDGER_PUSH_COSIGNED;
			res->cosig_time = t;
			snprintf(res->message, sizeof(res->message), "cosigned");
		} else {
			snprintf(res->message, sizeof(res->message),
			         "answer 200 without a valid cosignature of the witness key");
		}
		break;
	}
	case 409: {
		uint64_t s = 0;
		size_t i = 0;
		while (i < alen && i < 20 && a[i] >= '0' && a[i] <= '9')
			s = s * 10 + (uint64_t)(a[i++] - '0');
		if (i == 0 || i >= alen || a[i] != '\n') {
			snprintf(res->message, sizeof(res->message), "409 without a size");
			break;
		}
		res->result = LEDGER_PUSH_CONFLICT;
		res->witness_size = s;
		snprintf(res->message, sizeof(res->message), "409: the witness holds size %llu",
		         (unsigned long long)s);
		break;
	}
	case 422:
		res->result = LEDGER_PUSH_REFUSED;
		snprintf(res->message, sizeof(res->message), "422: inconsistent with what it saw");
		break;
	case 400:
	case 403:
	case 404:
		res->result = LEDGER_PUSH_REJECTED;
		snprintf(res->message, sizeof(res->message), "%ld: %s", res->http_status,
		         res->http_status == 403   ? "the witness does not trust this log key"
		         : res->http_status == 404 ? "the witness does not know this origin"
		                                   : "bad request");
		break;
	default:
		snprintf(res->message, sizeof(res->message), "HTTP status %ld", res->http_status);
		break;
	}
out:
	dv_buf_clear(&body);
	dv_buf_clear(&answer);
	return ret;
}
