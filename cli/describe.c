#include "describe.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "applypatch.h"
#include "cliutil.h"
#include "printer.h"

/* Lines as kubectl's describers emit them: "KEY:\tVALUE" or plain text. */
typedef struct line {
	char *key;  /* indent + "Key:"; NULL for a plain line */
	char *text; /* the value, or the whole plain line */
} line;

typedef struct dw {
	line *v;
	size_t n, cap;
} dw;

static void push_line(dw *w, char *key, char *text)
{
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 64;
		w->v = cs_ctl_xrealloc(w->v, w->cap * sizeof(*w->v));
	}
	w->v[w->n].key = key;
	w->v[w->n].text = text;
	w->n++;
}

static void dw_kv(dw *w, int indent, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void dw_kv(dw *w, int indent, const char *key, const char *fmt, ...)
{
	va_list ap;
	char *val;
	va_start(ap, fmt);
	if (vasprintf(&val, fmt, ap) < 0)
		abort();
	va_end(ap);
	push_line(w, cs_ctl_xasprintf("%*s%s", indent, "", key), val);
}

static void dw_line(dw *w, int indent, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void dw_line(dw *w, int indent, const char *fmt, ...)
{
	va_list ap;
	char *s;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	push_line(w, NULL, cs_ctl_xasprintf("%*s%s", indent, "", s));
	free(s);
}

/* Runs of KEY/VALUE lines share one key width (+2), like Go's tabwriter
 * with padding 2; a plain line ends the run. */
static void dw_render(dw *w, FILE *f)
{
	size_t i = 0;
	while (i < w->n) {
		if (!w->v[i].key) {
			fprintf(f, "%s\n", w->v[i].text);
			i++;
			continue;
		}
		size_t j = i, width = 0;
		for (; j < w->n && w->v[j].key; j++)
			if (strlen(w->v[j].key) > width)
				width = strlen(w->v[j].key);
		for (; i < j; i++) {
			if (w->v[i].text[0])
				fprintf(f, "%-*s%s\n", (int)width + 2, w->v[i].key, w->v[i].text);
			else
				fprintf(f, "%s\n", w->v[i].key);
		}
	}
	for (i = 0; i < w->n; i++) {
		free(w->v[i].key);
		free(w->v[i].text);
	}
	free(w->v);
	memset(w, 0, sizeof(*w));
}

char *cs_ctl_smart_label(const char *key)
{
	for (const char *p = key; *p; p++)
		if (!isalpha((unsigned char)*p) && *p != '-')
			return cs_ctl_xstrdup(key);
	static const char *const acronyms[] = {"API",  "URL", "UID", "OSB", "GUID", "IP", "IPs",
					       "CIDR", "DNS", "TCP", "UDP", "CPU",  NULL};
	cs_ctl_sb b = {0};
	size_t n = strlen(key), start = 0;
	for (size_t i = 1; i <= n; i++) {
		bool split = i == n;
		if (!split && isupper((unsigned char)key[i])) {
			/* fooBar -> foo|Bar; IPAddress -> IP|Address */
			split = islower((unsigned char)key[i - 1]) ||
				(i + 1 < n && islower((unsigned char)key[i + 1]) &&
				 isupper((unsigned char)key[i - 1]));
			/* "podIPs": keep the plural s with its acronym */
			if (split && i + 2 == n && key[i + 1] == 's' &&
			    isupper((unsigned char)key[i - 1]))
				split = false;
		}
		if (!split)
			continue;
		char word[128];
		snprintf(word, sizeof(word), "%.*s", (int)(i - start), key + start);
		bool acr = false;
		for (size_t k = 0; acronyms[k]; k++)
			if (!strcasecmp(word, acronyms[k])) {
				snprintf(word, sizeof(word), "%s", acronyms[k]);
				acr = true;
				break;
			}
		if (!acr)
			word[0] = (char)toupper((unsigned char)word[0]);
		if (b.len)
			cs_ctl_sb_addc(&b, ' ');
		cs_ctl_sb_add(&b, word);
		start = i;
	}
	return cs_ctl_sb_take(&b);
}

static char *scalar_text(const cs_json *v)
{
	if (v->type == CS_JSON_STRING)
		return cs_ctl_xstrdup(v->u.str.s);
	return cs_ctl_cell_text(v);
}

/* labels, annotations and selectors print as key=value lines. */
static bool is_string_map_key(const char *key)
{
	static const char *const keys[] = {"labels", "annotations", "matchLabels", "nodeSelector",
					   NULL};
	for (size_t i = 0; keys[i]; i++)
		if (!strcmp(key, keys[i]))
			return true;
	return false;
}

static void string_map(dw *w, int indent, const char *label, const cs_json *m, bool skip_applied)
{
	size_t shown = 0;
	for (size_t i = 0; m && m->type == CS_JSON_OBJECT && i < m->u.obj.len; i++) {
		const char *k = m->u.obj.keys[i];
		if (skip_applied && !strcmp(k, CS_CTL_LAST_APPLIED))
			continue;
		char *v = scalar_text(m->u.obj.vals[i]);
		const char *sep = strcmp(label, "Annotations:") ? "=" : ": ";
		if (shown++ == 0)
			dw_kv(w, indent, label, "%s%s%s", k, sep, v);
		else
			dw_kv(w, indent, "", "%s%s%s", k, sep, v);
		free(v);
	}
	if (!shown)
		dw_kv(w, indent, label, "<none>");
}

static void dw_value(dw *w, int indent, const char *key, const cs_json *v);

static void conditions_table(dw *w, int indent, const cs_json *conds)
{
	dw_line(w, indent, "Conditions:");
	/* A small table: align on the widest cell of each column. */
	size_t wt = 4, ws = 6;
	for (size_t i = 0; i < cs_json_len(conds); i++) {
		const char *ty = cs_json_get_str(cs_json_at(conds, i), "type");
		const char *st = cs_json_get_str(cs_json_at(conds, i), "status");
		if (ty && strlen(ty) > wt)
			wt = strlen(ty);
		if (st && strlen(st) > ws)
			ws = strlen(st);
	}
	dw_line(w, indent + 2, "%-*s  %-*s  %s", (int)wt, "Type", (int)ws, "Status", "Reason");
	dw_line(w, indent + 2, "%-*s  %-*s  %s", (int)wt, "----", (int)ws, "------", "------");
	for (size_t i = 0; i < cs_json_len(conds); i++) {
		const cs_json *c = cs_json_at(conds, i);
		const char *ty = cs_json_get_str(c, "type");
		const char *st = cs_json_get_str(c, "status");
		const char *re = cs_json_get_str(c, "reason");
		dw_line(w, indent + 2, "%-*s  %-*s  %s", (int)wt, ty ? ty : "", (int)ws,
			st ? st : "", re ? re : "<none>");
	}
}

static void dw_array(dw *w, int indent, const char *label, const cs_json *a)
{
	if (!a->u.arr.len) {
		dw_kv(w, indent, label, "<none>");
		return;
	}
	bool scalars = true;
	for (size_t i = 0; i < a->u.arr.len; i++)
		if (a->u.arr.items[i]->type == CS_JSON_OBJECT ||
		    a->u.arr.items[i]->type == CS_JSON_ARRAY)
			scalars = false;
	if (scalars) {
		cs_ctl_sb b = {0};
		for (size_t i = 0; i < a->u.arr.len; i++) {
			char *s = scalar_text(a->u.arr.items[i]);
			cs_ctl_sb_printf(&b, "%s%s", i ? ", " : "", s);
			free(s);
		}
		dw_kv(w, indent, label, "%s", b.s);
		cs_ctl_sb_free(&b);
		return;
	}
	dw_line(w, indent, "%s", label);
	for (size_t i = 0; i < a->u.arr.len; i++) {
		const cs_json *item = a->u.arr.items[i];
		const char *name = cs_json_get_str(item, "name");
		if (item->type != CS_JSON_OBJECT) {
			dw_value(w, indent + 2, "-", item);
			continue;
		}
		/* Named items (containers, ports, volumes) head their fields with
		 * the name, as kubectl's describers do; others are separated by
		 * a dash line. */
		int inner = indent + 2;
		if (name) {
			dw_line(w, indent + 2, "%s:", name);
			inner = indent + 4;
		} else if (i) {
			dw_line(w, indent + 2, "---");
		}
		for (size_t k = 0; k < item->u.obj.len; k++) {
			if (name && !strcmp(item->u.obj.keys[k], "name"))
				continue;
			dw_value(w, inner, item->u.obj.keys[k], item->u.obj.vals[k]);
		}
	}
}

static void dw_value(dw *w, int indent, const char *key, const cs_json *v)
{
	char *lab = strcmp(key, "-") ? cs_ctl_smart_label(key) : cs_ctl_xstrdup("-");
	char *label = cs_ctl_xasprintf("%s:", lab);
	free(lab);
	if (v->type == CS_JSON_OBJECT && is_string_map_key(key)) {
		string_map(w, indent, label, v, false);
	} else if (v->type == CS_JSON_OBJECT) {
		if (!v->u.obj.len) {
			dw_kv(w, indent, label, "<none>");
		} else {
			dw_line(w, indent, "%s", label);
			for (size_t i = 0; i < v->u.obj.len; i++)
				dw_value(w, indent + 2, v->u.obj.keys[i], v->u.obj.vals[i]);
		}
	} else if (v->type == CS_JSON_ARRAY && !strcmp(key, "conditions")) {
		conditions_table(w, indent, v);
	} else if (v->type == CS_JSON_ARRAY) {
		dw_array(w, indent, label, v);
	} else if (v->type == CS_JSON_STRING && strchr(v->u.str.s, '\n')) {
		dw_line(w, indent, "%s", label);
		const char *p = v->u.str.s;
		while (*p) {
			const char *nl = strchr(p, '\n');
			size_t n = nl ? (size_t)(nl - p) : strlen(p);
			dw_line(w, indent + 2, "%.*s", (int)n, p);
			p += n + (nl ? 1 : 0);
		}
	} else {
		char *s = scalar_text(v);
		dw_kv(w, indent, label, "%s", s);
		free(s);
	}
	free(label);
}

static void rfc1123(const char *ts, char *buf, size_t len)
{
	time_t t;
	struct tm tm;
	if (cs_ctl_parse_time(ts, &t) < 0 || !localtime_r(&t, &tm)) {
		snprintf(buf, len, "%s", ts ? ts : "<unknown>");
		return;
	}
	strftime(buf, len, "%a, %d %b %Y %H:%M:%S %z", &tm);
}

/* ConfigMap and Secret data print as kubectl shows them: values for the
 * former, sizes only for the latter. */
static void data_section(dw *w, const cs_json *obj, const char *kind)
{
	bool secret = !strcmp(kind, "Secret");
	const cs_json *data = cs_json_get(obj, "data");
	const cs_json *bin = cs_json_get(obj, "binaryData");
	dw_line(w, 0, "%s", "");
	dw_line(w, 0, "Data");
	dw_line(w, 0, "====");
	for (size_t i = 0; data && data->type == CS_JSON_OBJECT && i < data->u.obj.len; i++) {
		const char *v = cs_json_str(data->u.obj.vals[i]);
		if (secret) {
			/* base64: 4 characters carry 3 bytes, '=' pads */
			size_t n = v ? strlen(v) : 0, pad = 0;
			while (pad < n && pad < 2 && v[n - 1 - pad] == '=')
				pad++;
			char *k = cs_ctl_xasprintf("%s:", data->u.obj.keys[i]);
			dw_kv(w, 0, k, "%zu bytes", n / 4 * 3 - pad);
			free(k);
		} else {
			dw_line(w, 0, "%s:", data->u.obj.keys[i]);
			dw_line(w, 0, "----");
			dw_line(w, 0, "%s", v ? v : "");
			dw_line(w, 0, "%s", "");
		}
	}
	if (bin && !secret) {
		dw_line(w, 0, "%s", "");
		dw_line(w, 0, "BinaryData");
		dw_line(w, 0, "====");
		for (size_t i = 0; bin->type == CS_JSON_OBJECT && i < bin->u.obj.len; i++) {
			const char *v = cs_json_str(bin->u.obj.vals[i]);
			char *k = cs_ctl_xasprintf("%s:", bin->u.obj.keys[i]);
			dw_kv(w, 0, k, "%zu bytes", v ? strlen(v) / 4 * 3 : 0);
			free(k);
		}
	}
}

static const char *event_time(const cs_json *ev)
{
	static const char *const keys[] = {"lastTimestamp", "eventTime", "firstTimestamp", NULL};
	for (size_t i = 0; keys[i]; i++) {
		const char *t = cs_json_get_str(ev, keys[i]);
		if (t && *t)
			return t;
	}
	return cs_json_str(cs_json_path(ev, "metadata", "creationTimestamp", NULL));
}

static int cmp_events(const void *a, const void *b)
{
	time_t ta = 0, tb = 0;
	cs_ctl_parse_time(event_time(*(const cs_json *const *)a), &ta);
	cs_ctl_parse_time(event_time(*(const cs_json *const *)b), &tb);
	return ta < tb ? -1 : ta > tb;
}

static void events_section(dw *w, const cs_json *events, time_t now)
{
	size_t n = cs_json_len(events);
	if (!n) {
		dw_kv(w, 0, "Events:", "<none>");
		return;
	}
	const cs_json **sorted = cs_ctl_xmalloc(n * sizeof(*sorted));
	for (size_t i = 0; i < n; i++)
		sorted[i] = cs_json_at(events, i);
	qsort(sorted, n, sizeof(*sorted), cmp_events);
	enum { NCOL = 5 };
	char *(*cells)[NCOL] = cs_ctl_xmalloc((n + 2) * sizeof(*cells));
	static const char *const head[NCOL] = {"Type", "Reason", "Age", "From", "Message"};
	static const char *const rule[NCOL] = {"----", "------", "----", "----", "-------"};
	for (int c = 0; c < NCOL; c++) {
		cells[0][c] = cs_ctl_xstrdup(head[c]);
		cells[1][c] = cs_ctl_xstrdup(rule[c]);
	}
	for (size_t i = 0; i < n; i++) {
		const cs_json *ev = sorted[i];
		const char *type = cs_json_get_str(ev, "type");
		const char *reason = cs_json_get_str(ev, "reason");
		const char *msg = cs_json_get_str(ev, "message");
		const char *comp = cs_json_str(cs_json_path(ev, "source", "component", NULL));
		const char *host = cs_json_str(cs_json_path(ev, "source", "host", NULL));
		if (!comp || !*comp)
			comp = cs_json_get_str(ev, "reportingComponent");
		char age[32], first[32];
		cs_ctl_age(event_time(ev), now, age, sizeof(age));
		int64_t count = cs_json_as_int(cs_json_get(ev, "count"), 1);
		char **row = cells[i + 2];
		row[0] = cs_ctl_xstrdup(type ? type : "");
		row[1] = cs_ctl_xstrdup(reason ? reason : "");
		if (count > 1) {
			const char *ft = cs_json_get_str(ev, "firstTimestamp");
			cs_ctl_age(ft ? ft : event_time(ev), now, first, sizeof(first));
			row[2] = cs_ctl_xasprintf("%s (x%lld over %s)", age, (long long)count,
						  first);
		} else {
			row[2] = cs_ctl_xstrdup(age);
		}
		if (host && *host)
			row[3] = cs_ctl_xasprintf("%s, %s", comp ? comp : "", host);
		else
			row[3] = cs_ctl_xstrdup(comp && *comp ? comp : "");
		row[4] = cs_ctl_xstrdup(msg ? msg : "");
		/* one line per event: kubectl trims the message's newlines too */
		for (char *p = row[4]; *p; p++)
			if (*p == '\n')
				*p = ' ';
	}
	size_t width[NCOL] = {0};
	for (size_t r = 0; r < n + 2; r++)
		for (int c = 0; c < NCOL; c++)
			if (strlen(cells[r][c]) > width[c])
				width[c] = strlen(cells[r][c]);
	dw_line(w, 0, "Events:");
	for (size_t r = 0; r < n + 2; r++) {
		cs_ctl_sb b = {0};
		for (int c = 0; c < NCOL; c++) {
			if (c + 1 < NCOL)
				cs_ctl_sb_printf(&b, "%-*s", (int)width[c] + 2, cells[r][c]);
			else
				cs_ctl_sb_add(&b, cells[r][c]);
			free(cells[r][c]);
		}
		dw_line(w, 2, "%s", b.s);
		cs_ctl_sb_free(&b);
	}
	free(cells);
	free(sorted);
}

void cs_ctl_describe(FILE *f, const cs_json *obj, const cs_json *events, time_t now)
{
	dw w = {0};
	const cs_json *meta = cs_json_get(obj, "metadata");
	const char *kind = cs_json_get_str(obj, "kind");
	const char *ns = cs_json_get_str(meta, "namespace");
	const char *name = cs_json_get_str(meta, "name");
	dw_kv(&w, 0, "Name:", "%s", name ? name : "");
	if (ns)
		dw_kv(&w, 0, "Namespace:", "%s", ns);
	string_map(&w, 0, "Labels:", cs_json_get(meta, "labels"), false);
	string_map(&w, 0, "Annotations:", cs_json_get(meta, "annotations"), true);
	const char *created = cs_json_get_str(meta, "creationTimestamp");
	if (created) {
		char buf[64];
		rfc1123(created, buf, sizeof(buf));
		dw_kv(&w, 0, "CreationTimestamp:", "%s", buf);
	}
	const char *deleted = cs_json_get_str(meta, "deletionTimestamp");
	if (deleted) {
		char buf[64];
		rfc1123(deleted, buf, sizeof(buf));
		dw_kv(&w, 0, "DeletionTimestamp:", "%s", buf);
	}
	const cs_json *owners = cs_json_get(meta, "ownerReferences");
	for (size_t i = 0; i < cs_json_len(owners); i++) {
		const cs_json *o = cs_json_at(owners, i);
		if (cs_json_as_bool(cs_json_get(o, "controller"), false))
			dw_kv(&w, 0, "Controlled By:", "%s/%s", cs_json_get_str(o, "kind"),
			      cs_json_get_str(o, "name"));
	}
	const cs_json *fin = cs_json_get(meta, "finalizers");
	if (cs_json_len(fin)) {
		cs_ctl_sb b = {0};
		for (size_t i = 0; i < cs_json_len(fin); i++) {
			const char *s = cs_json_str(cs_json_at(fin, i));
			cs_ctl_sb_printf(&b, "%s%s", i ? " " : "", s ? s : "");
		}
		dw_kv(&w, 0, "Finalizers:", "[%s]", b.s);
		cs_ctl_sb_free(&b);
	}
	bool data_kind = kind && (!strcmp(kind, "ConfigMap") || !strcmp(kind, "Secret"));
	for (size_t i = 0; obj->type == CS_JSON_OBJECT && i < obj->u.obj.len; i++) {
		const char *k = obj->u.obj.keys[i];
		if (!strcmp(k, "apiVersion") || !strcmp(k, "kind") || !strcmp(k, "metadata"))
			continue;
		if (data_kind && (!strcmp(k, "data") || !strcmp(k, "binaryData")))
			continue;
		dw_value(&w, 0, k, obj->u.obj.vals[i]);
	}
	if (data_kind)
		data_section(&w, obj, kind);
	if (events)
		events_section(&w, events, now);
	dw_render(&w, f);
}
