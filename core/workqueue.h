/* Rate-limited keyed work queue with worker threads, client-go style:
 *  - a key waits in the queue at most once (adding it again is a no-op);
 *  - a key is never handed to two workers at once; a key added while it is
 *    being processed is queued again when its worker finishes ("dirty");
 *  - fn returns CS_WQ_DONE (forget the key's failure count), CS_WQ_RETRY
 *    (queue again after base_ms * 2^failures, capped at max_ms), or a
 *    positive delay in milliseconds to queue it again after;
 *  - delayed adds wait on a timer; an earlier add of the same key wins.
 *
 * Every function may be called from any thread, including fn. */
#ifndef CS_WORKQUEUE_H
#define CS_WORKQUEUE_H

#include <stddef.h>
#include <stdint.h>

#define CS_WQ_DONE 0
#define CS_WQ_RETRY (-1)

typedef struct cs_wq cs_wq;
typedef int (*cs_wq_fn)(void *arg, const char *key);

/* Workers start with cs_wq_start; keys added before wait.  workers 0 means
 * 1; base_ms/max_ms 0 mean 5 ms / 1000 s. */
cs_wq *cs_wq_new(const char *name, unsigned workers, cs_wq_fn fn, void *arg, uint32_t base_ms,
		 uint32_t max_ms);
void cs_wq_start(cs_wq *q);
void cs_wq_add(cs_wq *q, const char *key);
void cs_wq_add_after(cs_wq *q, const char *key, uint32_t delay_ms);

typedef struct cs_wq_stats {
	size_t depth;      /* keys waiting to be processed now */
	size_t delayed;    /* keys waiting for their delay */
	size_t processing; /* keys a worker holds */
	uint64_t adds;     /* cs_wq_add* calls that queued something */
	uint64_t retries;  /* CS_WQ_RETRY results */
	uint64_t done;     /* fn calls completed */
} cs_wq_stats;
void cs_wq_stats_get(cs_wq *q, cs_wq_stats *st);
/* depth + delayed */
size_t cs_wq_len(cs_wq *q);

/* Stop: no new keys are taken; returns when every running fn returned and
 * the workers are joined.  Queued and delayed keys are dropped. */
void cs_wq_shutdown(cs_wq *q);
void cs_wq_free(cs_wq *q); /* shuts down first if needed */

#endif
