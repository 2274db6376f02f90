/*
 * http: HTTP POST through libcurl (see http.h).
 */
#include "http.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#define NOTIFY_HTTP_REPLY_MAX (64 * 1024)

static pthread_once_t notify_http_once = PTHREAD_ONCE_INIT;

/* curl_global_init is not thread-safe: done once. */
static void
notify_http_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* Initialises libcurl. */
void
notify_http_global_init(void)
{
	pthread_once(&notify_http_once, notify_http_init_once);
}

/* Reads the answer's body and drops it, stopping a runaway one. */
static size_t
notify_http_discard(char *p, size_t size, size_t nmemb, void *arg)
{
	size_t *seen = arg;

	(void)p;
	*seen += size * nmemb;
	return *seen > NOTIFY_HTTP_REPLY_MAX ? 0 : size * nmemb;
}

/* libcurl's progress hook: ends the transfer once the sender stops. */
static int
notify_http_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		     curl_off_t ulnow)
{
	const int *cancel = arg;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return cancel && __atomic_load_n(cancel, __ATOMIC_RELAXED);
}

/* One POST. */
enum notify_http_result
notify_http_post(const char *url, const char *content_type, const char *body, size_t len,
		 int timeout_ms, const int *cancel, long *status, char *err, size_t n)
{
	struct curl_slist *hdr = NULL;
	char ctype[128], cerr[CURL_ERROR_SIZE];
	size_t seen = 0;
	CURLcode rc;
	CURL *h;

	*status = 0;
	notify_http_global_init();
	if (!(h = curl_easy_init())) {
		snprintf(err, n, "cannot start libcurl");
		return NOTIFY_HTTP_RETRY;
	}
	snprintf(ctype, sizeof(ctype), "Content-Type: %s", content_type);
	hdr = curl_slist_append(hdr, ctype);
	/* No "Expect: 100-continue" round trip for a small body. */
	hdr = curl_slist_append(hdr, "Expect:");
	cerr[0] = '\0';
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_POST, 1L);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "cm/" CM_VERSION);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
			 (long)(timeout_ms < 5000 ? timeout_ms : 5000));
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, notify_http_discard);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &seen);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, notify_http_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, (void *)cancel);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	rc = curl_easy_perform(h);
	if (rc == CURLE_OK || rc == CURLE_WRITE_ERROR)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
	curl_easy_cleanup(h);
	curl_slist_free_all(hdr);
	if (*status == 0) {
		snprintf(err, n, "%s", cerr[0] ? cerr : curl_easy_strerror(rc));
		return NOTIFY_HTTP_RETRY;
	}
	if (*status >= 200 && *status < 300)
		return NOTIFY_HTTP_OK;
	snprintf(err, n, "HTTP status %ld", *status);
	if (*status == 408 || *status == 429 || *status >= 500)
		return NOTIFY_HTTP_RETRY;
	return NOTIFY_HTTP_PERMANENT;
}
