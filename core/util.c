#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

static void fill_random(void *buf, size_t n)
{
	unsigned char *p = buf;
	while (n) {
		ssize_t got = getrandom(p, n, 0);
		if (got <= 0)
			abort(); /* the kernel's CSPRNG does not fail once seeded */
		p += got;
		n -= (size_t)got;
	}
}

void cs_uuid(char out[37])
{
	unsigned char b[16];
	fill_random(b, sizeof(b));
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	/* 8-4-4-4-12 lower-case hex, without snprintf: one per created object. */
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[b[i] >> 4];
		out[o++] = hex[b[i] & 15];
	}
	out[o] = '\0';
}

void cs_rfc3339_now(char out[32])
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void cs_random_suffix(char *out, size_t n)
{
	/* Kubernetes leaves out vowels and look-alikes so names do not spell
	 * words or confuse readers. */
	static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
	unsigned char b[64];
	if (n > sizeof(b))
		n = sizeof(b);
	fill_random(b, n);
	for (size_t i = 0; i < n; i++)
		out[i] = alphabet[b[i] % (sizeof(alphabet) - 1)];
	out[n] = '\0';
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *cs_base64_encode(const unsigned char *in, size_t len)
{
	char *out = malloc(4 * ((len + 2) / 3) + 1), *p = out;
	if (!out)
		abort();
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		*p++ = b64[(v >> 18) & 63];
		*p++ = b64[(v >> 12) & 63];
		*p++ = i + 1 < len ? b64[(v >> 6) & 63] : '=';
		*p++ = i + 2 < len ? b64[v & 63] : '=';
	}
	*p = '\0';
	return out;
}

int cs_base64_decode(const char *in, size_t len, unsigned char **out, size_t *outlen)
{
	if (len % 4)
		return -1;
	unsigned char *o = malloc(len / 4 * 3 + 1);
	if (!o)
		abort();
	size_t n = 0;
	for (size_t i = 0; i < len; i += 4) {
		uint32_t v = 0;
		int pad = 0;
		for (int j = 0; j < 4; j++) {
			char c = in[i + j];
			const char *q = c ? strchr(b64, c) : NULL;
			if (c == '=' && i + 4 == len && j >= 2) {
				pad++;
				v <<= 6;
				continue;
			}
			if (!q || pad) {
				free(o);
				return -1;
			}
			v = (v << 6) | (uint32_t)(q - b64);
		}
		o[n++] = (unsigned char)(v >> 16);
		if (pad < 2)
			o[n++] = (unsigned char)(v >> 8);
		if (pad < 1)
			o[n++] = (unsigned char)v;
	}
	*out = o;
	*outlen = n;
	return 0;
}

bool cs_parse_u64(const char *s, uint64_t *out)
{
	if (!s || !*s)
		return false;
	uint64_t v = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return true;
}
