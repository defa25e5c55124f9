/* Output: kubectl's table layout for the server's meta.k8s.io/v1 Tables,
 * and the json, yaml, name and jsonpath forms of objects. */
#ifndef CS_CTL_PRINTER_H
#define CS_CTL_PRINTER_H

#include <stdbool.h>
#include <stdio.h>

#include "args.h"
#include "json.h"

typedef enum {
	CS_OUT_TABLE = 1 << 0,
	CS_OUT_WIDE = 1 << 1,
	CS_OUT_JSON = 1 << 2,
	CS_OUT_YAML = 1 << 3,
	CS_OUT_NAME = 1 << 4,
	CS_OUT_JSONPATH = 1 << 5,
} cs_ctl_fmt;

typedef struct cs_ctl_out {
	cs_ctl_fmt fmt;
	char *tmpl;   /* jsonpath template */
	size_t count; /* objects printed so far (yaml separates with ---) */
} cs_ctl_out;

/* spec: NULL/"" (table), wide, json, yaml, name, jsonpath=TEMPLATE.
 * allowed: the CS_OUT_* a command supports. Returns 0 or -1 with err. */
int cs_ctl_out_parse(const char *spec, unsigned allowed, cs_ctl_out *o, char *err, size_t errlen);
void cs_ctl_out_free(cs_ctl_out *o);

/* Prints one object (json, yaml, name or jsonpath).  Returns 0, or -1
 * after printing an error. */
int cs_ctl_print_obj(FILE *f, const cs_json *obj, cs_ctl_out *o);

/* What a mutating command prints per object: "deployment.apps/web
 * created" (verb), or the object itself when -o was given.  Returns 0 or
 * 1. */
int cs_ctl_report(FILE *f, cs_ctl_out *o, const cs_json *obj, const char *verb);

/* {"apiVersion":"v1","kind":"List","metadata":{"resourceVersion":""},
 *  "items":items}; takes items. */
cs_json *cs_ctl_list_wrap(cs_json *items);

/* The rows of one or more Tables, laid out like kubectl's tabwriter:
 * upper-case headers, each column but the last padded to its widest cell
 * plus 3 spaces (at least 6).  Widths only grow, so rows printed later
 * (watch) line up with earlier ones. */
typedef struct cs_ctl_table_opts {
	bool wide; /* priority > 0 columns too */
	bool no_headers;
	bool with_namespace;              /* NAMESPACE first, from row.object.metadata */
	bool with_event;                  /* EVENT column (watch events) */
	bool show_labels;                 /* LABELS last */
	const cs_ctl_strv *label_columns; /* -L keys */
	const char *name_prefix;          /* "pod/" when several kinds share one output */
} cs_ctl_table_opts;

typedef struct cs_ctl_table {
	cs_ctl_table_opts opts;
	bool columns_set;
	size_t ncols;
	char **headers;
	int *src; /* >=0: server cell index; <0: synthetic */
	size_t *width;
	int name_cell; /* server cell holding the name, or -1 */
	char ***rows;  /* pending rows, ncols cells each */
	size_t nrows, cap;
	size_t total; /* rows ever added */
	bool header_done;
} cs_ctl_table;

void cs_ctl_table_init(cs_ctl_table *tp, const cs_ctl_table_opts *opts);
/* Adds the rows of table (a meta.k8s.io Table; the first one also sets
 * the columns).  event labels them for the EVENT column.  Returns the
 * number of rows added, -1 if table is not a Table. */
int cs_ctl_table_add(cs_ctl_table *tp, const cs_json *table, const char *event);
/* Prints pending rows (and the header before the first ones). */
void cs_ctl_table_flush(cs_ctl_table *tp, FILE *f);
void cs_ctl_table_free(cs_ctl_table *tp);

/* A cell value as kubectl prints it. Malloc'd. */
char *cs_ctl_cell_text(const cs_json *cell);
/* "app=web,tier=fe" sorted by key, "<none>" when empty. Malloc'd. */
char *cs_ctl_format_labels(const cs_json *labels);

#endif
