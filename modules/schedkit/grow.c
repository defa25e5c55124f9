/* Growing arrays: see grow.h. */
#include <stdlib.h>
#include <string.h>

#include "grow.h"

int sk_grow(void *arrp, size_t n, size_t *cap, size_t elem, size_t first)
{
	if (n < *cap)
		return 0;
	size_t c = *cap ? *cap * 2 : first;
	void *old, *v;
	/* arrp points to a T *: copy the pointer rather than cast it to
	 * void **, which would read it as another type. */
	memcpy(&old, arrp, sizeof(old));
	if (!(v = realloc(old, c * elem)))
		return -1;
	memcpy(arrp, &v, sizeof(v));
	*cap = c;
	return 0;
}
