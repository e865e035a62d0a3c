/* test_recpipe.c — the ordered record pipe to a worker thread: every
 * record arrives once, whole and in order, across batch boundaries, for
 * records bigger than a batch, and when the producer outruns the worker
 * (more than RECPIPE_BATCHES batches in flight); recpipe_sync() returns
 * only when all of them are consumed. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "recpipe.h"
#include "util.h"

struct sink {
	uint64_t next;  /* the number the next record must carry */
	uint64_t bytes; /* payload bytes seen */
	bool bad;       /* a record out of order or damaged */
	bool slow;      /* the first record takes 20 ms: the producer waits */
};

/* A record: its number, then len - 8 bytes of (number + i) & 0xff. */
static void fill(void *rec, size_t len, uint64_t n)
{
	memcpy(rec, &n, sizeof n);
	unsigned char *b = (unsigned char *)rec + sizeof n;
	for (size_t i = 0; i < len - sizeof n; i++)
		b[i] = (unsigned char)((n + i) & 0xff);
}

static void consume(void *ud, void *rec, size_t len)
{
	struct sink *s = ud;
	uint64_t n;
	memcpy(&n, rec, sizeof n);
	const unsigned char *b = (const unsigned char *)rec + sizeof n;
	bool ok = n == s->next;
	for (size_t i = 0; ok && i < len - sizeof n; i++)
		ok = b[i] == (unsigned char)((n + i) & 0xff);
	s->bad |= !ok;
	s->next++;
	s->bytes += len;
	if (s->slow && n == 0) { /* the producer fills every batch meanwhile */
		struct timespec ts = {0, 20 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
}

/* Record sizes that cross batch boundaries at odd places, now and then
 * one bigger than a whole batch. */
static size_t size_of(uint64_t n)
{
	if (n % 997 == 5)
		return RECPIPE_BATCH + 123;
	return 8 + (size_t)((n * 7919) % 700);
}

static void run(struct sink *s, uint64_t count)
{
	struct recpipe *p = recpipe_new(consume, s);
	assert_non_null(p);
	uint64_t bytes = 0;
	for (uint64_t n = 0; n < count; n++) {
		size_t len = size_of(n);
		void *rec = recpipe_reserve(p, len);
		assert_int_equal((uintptr_t)rec % 8, 0);
		fill(rec, len, n);
		recpipe_commit(p);
		bytes += len;
		if (n == count / 2) {
			recpipe_sync(p); /* everything so far is consumed, nothing more */
			assert_int_equal(s->next, n + 1);
			assert_false(s->bad);
		}
	}
	recpipe_sync(p);
	assert_int_equal(s->next, count);
	assert_int_equal(s->bytes, bytes);
	assert_false(s->bad);
	recpipe_free(p);
}

static void test_records_arrive_in_order_across_batches(void **state)
{
	(void)state;
	struct sink s = {0};
	run(&s, 20000); /* about 7 MB: every batch is reused */
}

static void test_a_slow_worker_holds_the_producer_back(void **state)
{
	(void)state;
	struct sink s = {.slow = true};
	run(&s, 12000);
}

static void test_free_consumes_what_is_left(void **state)
{
	(void)state;
	struct sink s = {0};
	struct recpipe *p = recpipe_new(consume, &s);
	for (uint64_t n = 0; n < 100; n++) {
		fill(recpipe_reserve(p, 64), 64, n);
		recpipe_commit(p);
	}
	recpipe_free(p); /* no sync first */
	assert_int_equal(s.next, 100);
	assert_false(s.bad);
	recpipe_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records_arrive_in_order_across_batches),
		cmocka_unit_test(test_a_slow_worker_holds_the_producer_back),
		cmocka_unit_test(test_free_consumes_what_is_left),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
