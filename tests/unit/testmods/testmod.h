/* What the loader's test modules share: each one reports what happened to
 * it in files of its state directory (<data-dir>/modules/<name>), which the
 * tests read back:
 *   lifecycle  one line per callback: init, start, stop, fini
 *   options    NAME=VALUE for every declared option as the module read it
 *              (a list as NAME#=COUNT and NAME[I]=ITEM lines)
 * The modules see only the SDK headers, like any vendor's. */
#ifndef CS_TESTMOD_H
#define CS_TESTMOD_H

#include <capstan/module.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

static inline FILE *tm_open(cs_mod *m, const char *file, const char *mode)
{
	const char *dir = m->host->state_dir(m);
	char path[4096];
	if (!dir || (size_t)snprintf(path, sizeof(path), "%s/%s", dir, file) >= sizeof(path))
		return NULL;
	FILE *f = fopen(path, mode);
	if (!f)
		m->host->log(m, CS_LOG_ERROR, "cannot open %s: %m", path);
	return f;
}

/* Append one line to <state_dir>/<file>. */
static inline int tm_note(cs_mod *m, const char *file, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static inline int tm_note(cs_mod *m, const char *file, const char *fmt, ...)
{
	FILE *f = tm_open(m, file, "a");
	if (!f)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	return fclose(f) ? -1 : 0;
}

/* Rewrite <state_dir>/options from the host's option getters. */
static inline int tm_dump_options(cs_mod *m)
{
	const cs_host *h = m->host;
	FILE *f = tm_open(m, "options", "w");
	if (!f)
		return -1;
	for (const cs_option *o = h->descriptor(m)->options; o && o->name; o++) {
		switch (o->type) {
		case CS_OPT_BOOL:
			fprintf(f, "%s=%s\n", o->name, h->opt_bool(m, o->name) ? "true" : "false");
			break;
		case CS_OPT_INT:
			fprintf(f, "%s=%" PRId64 "\n", o->name, h->opt_int(m, o->name));
			break;
		case CS_OPT_FLOAT: fprintf(f, "%s=%g\n", o->name, h->opt_float(m, o->name)); break;
		case CS_OPT_STRING: fprintf(f, "%s=%s\n", o->name, h->opt_str(m, o->name)); break;
		default: {
			size_t n = h->opt_list_len(m, o->name);
			fprintf(f, "%s#=%zu\n", o->name, n);
			for (size_t i = 0; i < n; i++)
				fprintf(f, "%s[%zu]=%s\n", o->name, i,
					h->opt_list_at(m, o->name, i));
		}
		}
	}
	return fclose(f) ? -1 : 0;
}

#endif
