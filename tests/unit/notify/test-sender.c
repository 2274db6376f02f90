/*
 * Unit tests of the delivery threads (src/notify/sender.c) with programs
 * as destinations: a failing one is retried with backoff and then given
 * up, a good one is delivered once, one that hangs delays only itself and
 * is cut short at exit, a full queue refuses at once, and done() sees
 * every job that is over.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/err.h"
#include "common/timeutil.h"
#include "notify/dest.h"
#include "notify/kind.h"
#include "notify/msg.h"
#include "notify/sender.h"

/* What done() saw. */
struct seen {
	pthread_mutex_t mu;
	int delivered, given_up, idle;
	int64_t last_seq;
};

static void
on_done(void *arg, void *owner, int64_t seq, int delivered)
{
	struct seen *s = arg;

	(void)owner;
	pthread_mutex_lock(&s->mu);
	if (delivered)
		s->delivered++;
	else
		s->given_up++;
	s->last_seq = seq;
	pthread_mutex_unlock(&s->mu);
}

static void
on_idle(void *arg)
{
	struct seen *s = arg;

	pthread_mutex_lock(&s->mu);
	s->idle++;
	pthread_mutex_unlock(&s->mu);
}

/* A program destination. */
static void
prog(struct notify_dest *d, const char *a0, const char *a1, const char *a2)
{
	char *argv[] = {(char *)a0, (char *)a1, (char *)a2, NULL};
	char err[256];
	size_t n = a2 ? 3 : a1 ? 2 : 1;

	assert_int_equal(notify_dest_exec(d, argv, n, err, sizeof(err)), 0);
}

/* A message to send. */
static void
message(struct notify_msg *m)
{
	json_t *e = json_pack("{s:s, s:s, s:I, s:f}", "type", "session_completed", "sessionId",
			      "cm-1", "seq", (json_int_t)7, "timestamp", 1.0);
	struct notify_about a = {.kind = NOTIFY_DONE, .context = "t", .event = e};

	notify_msg_compose(m, &a);
	json_decref(e);
}

/* Waits until cond holds or ms pass. */
static int
wait_until(struct seen *s, int (*cond)(struct seen *), int ms)
{
	int ok = 0;

	for (; ms > 0 && !ok; ms -= 10) {
		pthread_mutex_lock(&s->mu);
		ok = cond(s);
		pthread_mutex_unlock(&s->mu);
		if (!ok)
			usleep(10 * 1000);
	}
	return ok;
}

static int
two_over(struct seen *s)
{
	return s->delivered + s->given_up >= 2;
}

/* A good program is delivered once; a failing one is tried max_attempts times, then given up. */
static void
test_sender_retry(void **state)
{
	struct seen s = {.mu = PTHREAD_MUTEX_INITIALIZER};
	struct notify_sender_opts o = {.max_attempts = 3,
				       .backoff_ms = 20,
				       .backoff_max_ms = 40,
				       .timeout_ms = 2000,
				       .done = on_done,
				       .idle = on_idle,
				       .arg = &s};
	struct notify_sender_stats st;
	struct notify_dest good, bad;
	struct notify_msg m;
	struct notify_sender *snd;

	(void)state;
	prog(&good, "true", NULL, NULL);
	prog(&bad, "false", NULL, NULL);
	message(&m);
	snd = notify_sender_new(&o);
	assert_non_null(snd);
	assert_int_equal(notify_sender_push(snd, &good, &m, NULL, 7), 0);
	assert_int_equal(notify_sender_push(snd, &bad, &m, NULL, 8), 0);
	assert_true(wait_until(&s, two_over, 5000));
	notify_sender_stats(snd, &st);
	assert_int_equal(st.delivered, 1);
	assert_int_equal(st.given_up, 1);
	assert_int_equal(st.retried, 2);
	assert_int_equal(s.delivered, 1);
	assert_int_equal(s.given_up, 1);
	assert_int_equal(notify_sender_pending(snd), 0);
	notify_sender_free(snd, 0);
	assert_true(s.idle > 0);
	notify_msg_release(&m);
	notify_dest_release(&good);
	notify_dest_release(&bad);
}

static int
one_delivered(struct seen *s)
{
	return s->delivered >= 1;
}

/* A program that hangs holds one thread: another destination is still delivered; exit cuts it. */
static void
test_sender_hang(void **state)
{
	struct seen s = {.mu = PTHREAD_MUTEX_INITIALIZER};
	struct notify_sender_opts o = {.timeout_ms = 30000, .done = on_done, .arg = &s};
	struct notify_dest slow, good;
	struct notify_msg m;
	struct notify_sender *snd;
	uint64_t t0;

	(void)state;
	prog(&slow, "sleep", "30", NULL);
	prog(&good, "true", NULL, NULL);
	message(&m);
	snd = notify_sender_new(&o);
	assert_int_equal(notify_sender_push(snd, &slow, &m, NULL, 1), 0);
	assert_int_equal(notify_sender_push(snd, &slow, &m, NULL, 2), 0);
	usleep(100 * 1000);
	assert_int_equal(notify_sender_push(snd, &good, &m, NULL, 3), 0);
	assert_true(wait_until(&s, one_delivered, 3000));
	t0 = time_mono_ms();
	notify_sender_free(snd, 200);
	assert_true(time_mono_ms() - t0 < 3000);
	/* The hung ones were cut short: neither delivered nor given up. */
	assert_int_equal(s.delivered, 1);
	assert_int_equal(s.given_up, 0);
	notify_msg_release(&m);
	notify_dest_release(&slow);
	notify_dest_release(&good);
}

/* A full queue refuses at once. */
static void
test_sender_full(void **state)
{
	struct notify_sender_opts o = {.max_jobs = 2, .timeout_ms = 30000};
	struct notify_dest slow;
	struct notify_msg m;
	struct notify_sender *snd;
	struct notify_sender_stats st;

	(void)state;
	prog(&slow, "sleep", "30", NULL);
	message(&m);
	snd = notify_sender_new(&o);
	assert_int_equal(notify_sender_push(snd, &slow, &m, NULL, 1), 0);
	assert_int_equal(notify_sender_push(snd, &slow, &m, NULL, 2), 0);
	assert_int_equal(notify_sender_push(snd, &slow, &m, NULL, 3), CM_ELIMIT);
	notify_sender_stats(snd, &st);
	assert_int_equal(st.refused, 1);
	notify_sender_free(snd, 0);
	notify_msg_release(&m);
	notify_dest_release(&slow);
}

/* The program gets the JSON document on stdin; a missing program is an error, not a hang. */
static void
test_sender_stdin(void **state)
{
	struct seen s = {.mu = PTHREAD_MUTEX_INITIALIZER};
	struct notify_sender_opts o = {.max_attempts = 1, .done = on_done, .arg = &s};
	char path[] = "/tmp/cm-sender-XXXXXX", cmd[128], buf[4096];
	struct notify_dest sh, missing;
	struct notify_msg m;
	struct notify_sender *snd;
	FILE *f;
	int fd;

	(void)state;
	fd = mkstemp(path);
	close(fd);
	snprintf(cmd, sizeof(cmd), "cat > %s", path);
	prog(&sh, "sh", "-c", cmd);
	prog(&missing, "/nonexistent/cm-no-such-program", NULL, NULL);
	message(&m);
	snd = notify_sender_new(&o);
	assert_int_equal(notify_sender_push(snd, &sh, &m, NULL, 1), 0);
	assert_int_equal(notify_sender_push(snd, &missing, &m, NULL, 2), 0);
	assert_true(wait_until(&s, two_over, 5000));
	assert_int_equal(s.delivered, 1);
	assert_int_equal(s.given_up, 1);
	notify_sender_free(snd, 0);
	f = fopen(path, "r");
	assert_non_null(f);
	memset(buf, 0, sizeof(buf));
	assert_true(fread(buf, 1, sizeof(buf) - 1, f) > 0);
	fclose(f);
	assert_non_null(strstr(buf, "\"kind\":\"done\""));
	assert_non_null(strstr(buf, "\"sessionId\":\"cm-1\""));
	unlink(path);
	notify_msg_release(&m);
	notify_dest_release(&sh);
	notify_dest_release(&missing);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sender_retry),
	    cmocka_unit_test(test_sender_hang),
	    cmocka_unit_test(test_sender_full),
	    cmocka_unit_test(test_sender_stdin),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
