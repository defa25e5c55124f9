/* Quantity parsing.  Values are compared, never re-serialised.  The value
 * is computed as one correctly rounded operation on exact operands
 * (digits * 2^b * 10^e, or digits * 2^b / 10^-e), so two spellings of the
 * same number ("500m", "0.5", "5e-1") compare equal, and integers below
 * 2^64 are exact. */
#include "quantity.h"

#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Suffix -> power of ten and power of two. */
static int suffix_scale(const char *sfx, long *exp10, int *exp2)
{
	static const struct {
		const char *s;
		int e10, e2;
	} tab[] = {
		{"", 0, 0},    {"n", -9, 0},  {"u", -6, 0},  {"m", -3, 0},
		{"k", 3, 0},   {"M", 6, 0},   {"G", 9, 0},   {"T", 12, 0},
		{"P", 15, 0},  {"E", 18, 0},  {"Ki", 0, 10}, {"Mi", 0, 20},
		{"Gi", 0, 30}, {"Ti", 0, 40}, {"Pi", 0, 50}, {"Ei", 0, 60},
	};
	*exp2 = 0;
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if (!strcmp(sfx, tab[i].s)) {
			*exp10 = tab[i].e10;
			*exp2 = tab[i].e2;
			return 0;
		}
	}
	/* Decimal exponent: e or E, optional sign, at least one digit. */
	if (sfx[0] != 'e' && sfx[0] != 'E')
		return -1;
	const char *p = sfx + 1;
	if (*p == '+' || *p == '-')
		p++;
	if (!*p || strlen(p) > 6) /* longer exponents overflow any value */
		return -1;
	for (const char *q = p; *q; q++)
		if (!isdigit((unsigned char)*q))
			return -1;
	*exp10 = strtol(sfx + 1, NULL, 10);
	return 0;
}

int cs_quantity_parse(const char *s, long double *out)
{
	if (!s || !*s)
		return -1;
	const char *p = s;
	bool neg = false;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	/* Mantissa: digits with at most one '.', at least one digit; kept as
	 * an integer and a count of fraction digits. */
	char digits[128];
	size_t nd = 0;
	long frac = 0;
	bool dot = false;
	for (; *p; p++) {
		if (isdigit((unsigned char)*p)) {
			if (nd + 1 >= sizeof(digits))
				return -1;
			digits[nd++] = *p;
			frac += dot;
		} else if (*p == '.' && !dot) {
			dot = true;
		} else {
			break;
		}
	}
	if (!nd)
		return -1;
	digits[nd] = '\0';
	long e10;
	int e2;
	if (suffix_scale(p, &e10, &e2) < 0)
		return -1;
	e10 -= frac;
	long double m = ldexpl(strtold(digits, NULL), e2);
	long double v = e10 >= 0 ? m * powl(10, (long double)e10) : m / powl(10, (long double)-e10);
	if (!isfinite(v))
		return -1;
	*out = neg ? -v : v;
	return 0;
}
