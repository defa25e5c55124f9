/* Work the API event loop must not do itself (module admission calls):
 * run on a small pool of threads, then completed on the loop thread. */
#ifndef CS_OFFLOAD_H
#define CS_OFFLOAD_H

#include <stddef.h>

struct cs_server;
typedef struct cs_offload cs_offload;
typedef void (*cs_offload_fn)(void *arg);

/* Starts the pool's threads; NULL with err set when none could start. */
cs_offload *cs_offload_new(struct cs_server *srv, unsigned threads, char *err, size_t errlen);
/* Queue work(arg) for a pool thread; done(arg) then runs on the loop
 * thread (from cs_offload_dispatch).  Any thread. */
void cs_offload_submit(cs_offload *o, cs_offload_fn work, cs_offload_fn done, void *arg);
/* Loop thread, after a wake: run the done callbacks of finished work. */
void cs_offload_dispatch(cs_offload *o);
/* Submitted jobs whose done has not run yet. */
size_t cs_offload_busy(cs_offload *o);
/* Joins the threads (jobs still queued are run first) and runs the
 * remaining done callbacks; on the loop thread, after its loop ended. */
void cs_offload_free(cs_offload *o);

#endif
