/* Kubernetes resource quantities (k8s.io/apimachinery resource.Quantity):
 *
 *   quantity ::= [+-] digits [ "." digits ] suffix
 *   suffix   ::= Ki Mi Gi Ti Pi Ei          (powers of 2)
 *              | n u m "" k M G T P E       (powers of 10)
 *              | (e|E) [+-] digits          (decimal exponent)
 *
 * The value is mantissa * 10^e10 * 2^e2; it is computed exactly in 128
 * bits and rounded up to a whole unit (or thousandth) like Value() and
 * MilliValue(). */
#include <string.h>

#include "fw.h"

#define MAX_DIGITS 36 /* significant digits; 10^36 < 2^120 */

static const __int128 I128_MAX = (__int128)(((unsigned __int128)1 << 127) - 1);

static int suffix(const char *s, int *e10, int *e2)
{
	static const struct {
		const char *s;
		int e10, e2;
	} tab[] = {
		{"Ki", 0, 10}, {"Mi", 0, 20}, {"Gi", 0, 30}, {"Ti", 0, 40},
		{"Pi", 0, 50}, {"Ei", 0, 60}, {"n", -9, 0},  {"u", -6, 0},
		{"m", -3, 0},  {"", 0, 0},    {"k", 3, 0},   {"M", 6, 0},
		{"G", 9, 0},   {"T", 12, 0},  {"P", 15, 0},  {"E", 18, 0},
	};
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (!strcmp(s, tab[i].s)) {
			*e10 = tab[i].e10;
			*e2 = tab[i].e2;
			return 0;
		}
	/* A decimal exponent: e3, E-2, e+6. */
	if (*s != 'e' && *s != 'E')
		return -1;
	s++;
	bool neg = *s == '-';
	if (*s == '-' || *s == '+')
		s++;
	if (!*s)
		return -1;
	int v = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > 1000)
			return -1;
		v = v * 10 + (*s - '0');
	}
	*e10 = neg ? -v : v;
	*e2 = 0;
	return 0;
}

int fw_quantity(const char *s, bool milli, int64_t *out)
{
	if (!s)
		return -1;
	bool neg = *s == '-';
	if (*s == '-' || *s == '+')
		s++;
	__int128 v = 0;
	int digits = 0, frac = 0, sig = 0;
	bool dot = false;
	for (; (*s >= '0' && *s <= '9') || (*s == '.' && !dot); s++) {
		if (*s == '.') {
			dot = true;
			continue;
		}
		digits++;
		if (dot)
			frac++;
		if (sig || *s != '0')
			sig++;
		if (sig > MAX_DIGITS)
			return -1;
		v = v * 10 + (*s - '0');
	}
	int e10, e2;
	if (!digits || suffix(s, &e10, &e2) < 0)
		return -1;
	int p10 = e10 - frac + (milli ? 3 : 0);
	/* Scale up: every step must stay representable. */
	for (int i = 0; i < e2; i++) {
		if (v > I128_MAX / 2)
			return -1;
		v *= 2;
	}
	for (; p10 > 0; p10--) {
		if (v > INT64_MAX)
			return -1; /* only grows from here */
		v *= 10;
	}
	if (p10 < 0) {
		/* Scale down, rounding up (toward +inf): the magnitude of a
		 * negative amount rounds down. */
		if (-p10 > 38) {
			v = !neg && v > 0;
		} else {
			__int128 d = 1;
			for (int i = 0; i < -p10; i++)
				d *= 10;
			v = v / d + (!neg && v % d != 0);
		}
	}
	if (v > INT64_MAX)
		return -1;
	*out = neg ? -(int64_t)v : (int64_t)v;
	return 0;
}
