/* Growing arrays the scheduler modules keep. */
#ifndef SK_GROW_H
#define SK_GROW_H

#include <stddef.h>

/* Room for element n of the array at *arrp (a T **, cast to void *) whose
 * capacity is *cap elements of elem bytes: when full it doubles (first
 * elements at first).  0; or -1 when out of memory, with the array and
 * *cap unchanged. */
int sk_grow(void *arrp, size_t n, size_t *cap, size_t elem, size_t first);

#endif
