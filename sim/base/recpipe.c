/* recpipe.c — see recpipe.h. One mutex and two condition variables: the
 * worker waits for a full batch, the producer for a free batch or for the
 * worker to finish. Each record in a batch is its length (a size_t) then
 * its bytes, padded to 8. */
#include "recpipe.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct batch {
	struct batch *next;
	size_t cap, used;
	max_align_t align[]; /* the records */
};

struct recpipe {
	recpipe_fn consume;
	void *ud;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t work;     /* a full batch is waiting, or stop */
	pthread_cond_t done;     /* a batch came back */
	struct batch *full, **full_tail; /* handed over, in order */
	struct batch *free;      /* standard-size batches to reuse */
	size_t nbatches;         /* standard-size batches in existence */
	bool busy;               /* the worker holds a batch */
	bool stop;
	/* The producer's side, touched by it alone. */
	struct batch *cur;
	size_t reserved;         /* recpipe_reserve's length, for recpipe_commit */
};

#define HDR sizeof(size_t)

static size_t pad8(size_t n) { return (n + 7) & ~(size_t)7; }

static char *bytes(struct batch *b) { return (char *)b->align; }

static struct batch *batch_new(size_t cap)
{
	struct batch *b = xmalloc(sizeof *b + cap);
	b->next = NULL;
	b->cap = cap;
	b->used = 0;
	return b;
}

static void consume_batch(struct recpipe *p, struct batch *b)
{
	for (size_t at = 0; at < b->used;) {
		size_t len;
		memcpy(&len, bytes(b) + at, HDR);
		p->consume(p->ud, bytes(b) + at + HDR, len);
		at += HDR + pad8(len);
	}
}

static void *worker(void *arg)
{
	struct recpipe *p = arg;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->full && !p->stop)
			pthread_cond_wait(&p->work, &p->mu);
		if (!p->full)
			break; /* stopped with nothing left */
		struct batch *b = p->full;
		p->full = b->next;
		if (!p->full)
			p->full_tail = &p->full;
		p->busy = true;
		pthread_mutex_unlock(&p->mu);
		consume_batch(p, b);
		pthread_mutex_lock(&p->mu);
		p->busy = false;
		if (b->cap == RECPIPE_BATCH) {
			b->used = 0;
			b->next = p->free;
			p->free = b;
		} else {
			free(b); /* a big record's own */
		}
		pthread_cond_signal(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

struct recpipe *recpipe_new(recpipe_fn consume, void *ud)
{
	struct recpipe *p = xcalloc(1, sizeof *p);
	p->consume = consume;
	p->ud = ud;
	p->full_tail = &p->full;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	if (pthread_create(&p->thread, NULL, worker, p) != 0) {
		pthread_cond_destroy(&p->done);
		pthread_cond_destroy(&p->work);
		pthread_mutex_destroy(&p->mu);
		free(p);
		return NULL;
	}
	return p;
}

/* Give the current batch to the worker (mutex held). */
static void hand_over(struct recpipe *p)
{
	struct batch *b = p->cur;
	p->cur = NULL;
	if (!b)
		return;
	if (!b->used) {
		b->next = p->free;
		p->free = b;
		return;
	}
	b->next = NULL;
	*p->full_tail = b;
	p->full_tail = &b->next;
	pthread_cond_signal(&p->work);
}

/* A batch with room for need bytes (mutex held): a free one, a new one
 * while there are fewer than RECPIPE_BATCHES, else wait for one. */
static struct batch *take_batch(struct recpipe *p, size_t need)
{
	if (need > RECPIPE_BATCH)
		return batch_new(need);
	for (;;) {
		if (p->free) {
			struct batch *b = p->free;
			p->free = b->next;
			return b;
		}
		if (p->nbatches < RECPIPE_BATCHES) {
			p->nbatches++;
			return batch_new(RECPIPE_BATCH);
		}
		pthread_cond_wait(&p->done, &p->mu);
	}
}

void *recpipe_room(struct recpipe *p, size_t min, size_t *cap)
{
	size_t need = HDR + pad8(min);
	if (!p->cur || p->cur->cap - p->cur->used < need) {
		pthread_mutex_lock(&p->mu);
		hand_over(p);
		p->cur = take_batch(p, need);
		pthread_mutex_unlock(&p->mu);
	}
	*cap = (p->cur->cap - p->cur->used - HDR) & ~(size_t)7;
	return bytes(p->cur) + p->cur->used + HDR;
}

void recpipe_commit_len(struct recpipe *p, size_t len)
{
	memcpy(bytes(p->cur) + p->cur->used, &len, HDR);
	p->cur->used += HDR + pad8(len);
}

void *recpipe_reserve(struct recpipe *p, size_t len)
{
	size_t cap;
	void *r = recpipe_room(p, len, &cap);
	p->reserved = len;
	return r;
}

void recpipe_commit(struct recpipe *p)
{
	recpipe_commit_len(p, p->reserved);
	p->reserved = 0;
}

void recpipe_sync(struct recpipe *p)
{
	pthread_mutex_lock(&p->mu);
	hand_over(p);
	while (p->full || p->busy)
		pthread_cond_wait(&p->done, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

void recpipe_free(struct recpipe *p)
{
	if (!p)
		return;
	recpipe_sync(p);
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->thread, NULL);
	while (p->free) {
		struct batch *b = p->free;
		p->free = b->next;
		free(b);
	}
	pthread_cond_destroy(&p->done);
	pthread_cond_destroy(&p->work);
	pthread_mutex_destroy(&p->mu);
	free(p);
}
