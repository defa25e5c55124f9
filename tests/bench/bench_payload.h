/* Request bodies for the load generator: ~1 KiB ConfigMaps for capstan, and the same
 * ConfigMap wrapped in etcd's gRPC-gateway JSON (base64 key and value) for etcd.
 *
 * Header-only: see bench_stats.h for why. */
#ifndef CS_BENCH_PAYLOAD_H
#define CS_BENCH_PAYLOAD_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Incompressible-looking padding, so a store that compresses (leveldb's snappy) does not
 * get an easier job than one that does not. */
#define BP_POOL 65536
static char bp_pool[BP_POOL];

static uint64_t bp_rng = 0x9e3779b97f4a7c15ull;

static uint64_t bp_rand(void)
{
	bp_rng ^= bp_rng << 13;
	bp_rng ^= bp_rng >> 7;
	bp_rng ^= bp_rng << 17;
	return bp_rng;
}

static void bp_init(void)
{
	static const char al[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

	for (size_t i = 0; i < BP_POOL; i++)
		bp_pool[i] = al[bp_rand() % (sizeof(al) - 1)];
}

/* A ConfigMap of about `size` bytes whose data.ts carries `ts` (send time, for watch
 * latency); returns its length. */
static size_t bp_configmap(char *out, size_t cap, const char *name, long idx, uint64_t ts,
			   size_t size)
{
	int head = snprintf(out, cap,
			    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":"
			    "\"%s\",\"labels\":{\"app\":\"bench\"}},\"data\":{\"ts\":\"%llu\","
			    "\"pad\":\"",
			    name, (unsigned long long)ts);
	size_t tail = 3; /* "}} */
	size_t pad = size > (size_t)head + tail + 16 ? size - (size_t)head - tail : 16;

	if (pad > BP_POOL / 2)
		pad = BP_POOL / 2;
	if ((size_t)head + pad + tail + 1 > cap) {
		fprintf(stderr, "loadgen: ConfigMap %s of %zu bytes does not fit %zu\n", name, size,
			cap);
		exit(1);
	}
	size_t off = ((size_t)idx * 7919u) % (BP_POOL - pad);

	memcpy(out + head, bp_pool + off, pad);
	memcpy(out + (size_t)head + pad, "\"}}", tail + 1);
	return (size_t)head + pad + tail;
}

static size_t bp_base64(const char *in, size_t n, char *out)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *s = (const unsigned char *)in;
	size_t o = 0, i = 0;

	for (; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];

		out[o++] = t[v >> 18];
		out[o++] = t[(v >> 12) & 63];
		out[o++] = t[(v >> 6) & 63];
		out[o++] = t[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)s[i] << 16 | (i + 1 < n ? (uint32_t)s[i + 1] << 8 : 0);

		out[o++] = t[v >> 18];
		out[o++] = t[(v >> 12) & 63];
		out[o++] = i + 1 < n ? t[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

/* etcd key the way a Kubernetes apiserver would store the same object. */
static size_t bp_etcd_key(char *out, size_t cap, const char *ns, const char *name)
{
	char key[512];
	int n = snprintf(key, sizeof(key), "/registry/configmaps/%s/%s", ns, name);

	if (n < 0 || (size_t)n >= sizeof(key) || cap < 4 * sizeof(key) / 3 + 4) {
		fprintf(stderr, "loadgen: etcd key for %s/%s too long\n", ns, name);
		exit(1);
	}
	return bp_base64(key, (size_t)n, out);
}

/* {"key":...,"value":...} for POST /v3/kv/put; value is the ConfigMap. */
static size_t bp_etcd_put(char *out, size_t cap, const char *ns, const char *name, long idx,
			  uint64_t ts, size_t size)
{
	char cm[BP_POOL], key[1024];
	size_t cl = bp_configmap(cm, sizeof(cm), name, idx, ts, size);

	bp_etcd_key(key, sizeof(key), ns, name);
	if (cap < strlen(key) + 4 * cl / 3 + 64) {
		fprintf(stderr, "loadgen: etcd put body for %s does not fit %zu\n", name, cap);
		exit(1);
	}
	size_t o = (size_t)snprintf(out, cap, "{\"key\":\"%s\",\"value\":\"", key);

	o += bp_base64(cm, cl, out + o);
	memcpy(out + o, "\"}", 3);
	return o + 2;
}

#endif
