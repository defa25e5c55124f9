#include "resource.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cs_ctl_fail(const char *fmt, ...)
{
	va_list ap;
	fputs("error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

const char *cs_ctl_reason_for_code(long code)
{
	switch (code) {
	case 400: return "BadRequest";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "NotFound";
	case 405: return "MethodNotAllowed";
	case 406: return "NotAcceptable";
	case 409: return "Conflict";
	case 410: return "Expired";
	case 413: return "RequestEntityTooLarge";
	case 415: return "UnsupportedMediaType";
	case 422: return "Invalid";
	case 429: return "TooManyRequests";
	case 500: return "InternalError";
	case 503: return "ServiceUnavailable";
	case 504: return "Timeout";
	default: return code >= 500 ? "InternalError" : "Unknown";
	}
}

static bool is_status(const cs_json *body)
{
	const char *kind = cs_json_get_str(body, "kind");
	return kind && !strcmp(kind, "Status");
}

char *cs_ctl_error_text(long code, const cs_json *body, const char *raw, const char *ctx)
{
	cs_ctl_sb b = {0};
	if (!is_status(body)) {
		/* Not a Status: say what came back, briefly. */
		char snippet[201];
		snprintf(snippet, sizeof(snippet), "%s", raw ? raw : "");
		for (char *p = snippet; *p; p++)
			if (*p == '\n' || *p == '\r')
				*p = ' ';
		if (code == 404 && !snippet[0])
			cs_ctl_sb_printf(&b,
					 "Error from server (NotFound): the server could not find "
					 "the requested resource");
		else if (snippet[0])
			cs_ctl_sb_printf(&b,
					 "Error from server (%s): an error on the server (\"%s\") "
					 "has prevented the request from succeeding",
					 cs_ctl_reason_for_code(code), snippet);
		else
			cs_ctl_sb_printf(&b,
					 "Error from server (%s): the server responded with "
					 "status %ld",
					 cs_ctl_reason_for_code(code), code);
		return cs_ctl_sb_take(&b);
	}
	const char *reason = cs_json_get_str(body, "reason");
	const char *msg = cs_json_get_str(body, "message");
	const cs_json *details = cs_json_get(body, "details");
	const cs_json *causes = cs_json_get(details, "causes");
	if (reason && !strcmp(reason, "Invalid") && cs_json_len(causes) > 0) {
		const char *kind = cs_json_get_str(details, "kind");
		const char *name = cs_json_get_str(details, "name");
		if ((kind && *kind) || (name && *name))
			cs_ctl_sb_printf(&b, "The %s \"%s\" is invalid: ", kind ? kind : "",
					 name ? name : "");
		else
			cs_ctl_sb_add(&b, "The request is invalid: ");
		size_t n = cs_json_len(causes);
		for (size_t i = 0; i < n; i++) {
			const cs_json *cause = cs_json_at(causes, i);
			const char *field = cs_json_get_str(cause, "field");
			const char *cmsg = cs_json_get_str(cause, "message");
			if (n > 1)
				cs_ctl_sb_add(&b, "\n* ");
			if (field && *field)
				cs_ctl_sb_printf(&b, "%s: ", field);
			cs_ctl_sb_add(&b, cmsg ? cmsg : "invalid");
		}
		return cs_ctl_sb_take(&b);
	}
	if (reason && *reason)
		cs_ctl_sb_printf(&b, "Error from server (%s): ", reason);
	else
		cs_ctl_sb_add(&b, "Error from server: ");
	if (ctx)
		cs_ctl_sb_add(&b, ctx);
	cs_ctl_sb_add(&b, msg && *msg ? msg : cs_ctl_reason_for_code(code));
	return cs_ctl_sb_take(&b);
}

char *cs_ctl_path(const cs_type *t, const char *ns, const char *name, const char *sub)
{
	cs_ctl_sb b = {0};
	if (t->group[0])
		cs_ctl_sb_printf(&b, "/apis/%s/%s", t->group, t->version);
	else
		cs_ctl_sb_printf(&b, "/api/%s", t->version);
	if (t->namespaced && ns) {
		cs_ctl_sb_add(&b, "/namespaces/");
		cs_ctl_sb_add_escaped(&b, ns);
	}
	cs_ctl_sb_printf(&b, "/%s", t->resource);
	if (name) {
		cs_ctl_sb_addc(&b, '/');
		cs_ctl_sb_add_escaped(&b, name);
		if (sub)
			cs_ctl_sb_printf(&b, "/%s", sub);
	}
	return cs_ctl_sb_take(&b);
}

void cs_ctl_query(cs_ctl_sb *b, const char *key, const char *val)
{
	cs_ctl_sb_addc(b, b->s && strchr(b->s, '?') ? '&' : '?');
	cs_ctl_sb_add(b, key);
	cs_ctl_sb_addc(b, '=');
	cs_ctl_sb_add_escaped(b, val);
}

static void lower_kind(const char *kind, const char *group, char *buf, size_t len)
{
	size_t i = 0;
	for (; kind[i] && i + 1 < len; i++)
		buf[i] = (char)tolower((unsigned char)kind[i]);
	buf[i] = '\0';
	if (group && *group && i + 1 < len)
		snprintf(buf + i, len - i, ".%s", group);
}

void cs_ctl_kind_ref(const cs_type *t, char *buf, size_t len)
{
	lower_kind(t->kind, t->group, buf, len);
}

void cs_ctl_obj_kind_ref(const cs_json *obj, char *buf, size_t len)
{
	const char *kind = cs_json_get_str(obj, "kind");
	const char *av = cs_json_get_str(obj, "apiVersion");
	char group[128] = "";
	const char *slash = av ? strchr(av, '/') : NULL;
	if (slash)
		snprintf(group, sizeof(group), "%.*s", (int)(slash - av), av);
	lower_kind(kind ? kind : "", group, buf, len);
}

char *cs_ctl_obj_ref(const cs_json *obj)
{
	char kind[192];
	cs_ctl_obj_kind_ref(obj, kind, sizeof(kind));
	const char *name = cs_json_str(cs_json_path(obj, "metadata", "name", NULL));
	return cs_ctl_xasprintf("%s/%s", kind, name ? name : "");
}
