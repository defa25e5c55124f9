/* Defaulting, validation and table rendering for every kind in the type
 * table.  The input is taken twice: as an object on its own, and as a merge
 * patch over a valid object of each kind (so mutations reach the checks
 * behind the required fields), validated on create and as an update in
 * both directions.  None of it may crash, leak or hit UB. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "patch.h"
#include "status.h"
#include "types.h"

#include "../unit/valid_objects.h"

static cs_json *base_json[sizeof(bases) / sizeof(bases[0])];

static void init_bases(void)
{
	char err[256];
	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		char *s = strdup(bases[i].json);
		for (char *p = s; *p; p++)
			if (*p == '\'')
				*p = '"';
		base_json[i] = cs_json_parse(s, strlen(s), err, sizeof(err));
		if (!base_json[i]) {
			fprintf(stderr, "base %s: %s\n", bases[i].kind, err);
			abort();
		}
		free(s);
	}
}

static const cs_json *base_for(const cs_type *t)
{
	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++)
		if (!strcmp(bases[i].kind, t->kind))
			return base_json[i];
	abort(); /* a kind without a base: add one above */
}

static void validate(const cs_type *t, const cs_json *obj, const cs_json *old, const char *what)
{
	cs_status st = {0};
	if (cs_type_validate(t, obj, old, &st) == 0)
		return;
	if ((st.code != 422 && st.code != 400) || !st.message[0]) {
		fprintf(stderr, "%s %s: code %d (%s)\n", t->kind, what, st.code, st.message);
		abort();
	}
}

static void table(const cs_type *t, const cs_json *obj)
{
	if (!cs_json_is(obj, CS_JSON_OBJECT))
		return;
	cs_json *items = cs_json_array();
	cs_json_push(items, cs_json_clone(obj));
	static const char *const modes[] = {"Object", "None", "Metadata"};
	for (size_t i = 0; i < 3; i++) {
		cs_json *tb = cs_table_build(t, items, modes[i], "1", NULL);
		if (!tb)
			abort();
		free(cs_json_dump(tb, false, NULL));
		cs_json_free(tb);
	}
	cs_json_free(items);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!base_json[0])
		init_bases();
	char err[256];
	cs_json *v = cs_json_parse((const char *)data, size, err, sizeof(err));
	if (!v)
		return 0;
	for (size_t i = 0; i < cs_types_count; i++) {
		const cs_type *t = &cs_types[i];

		cs_json *obj = cs_json_clone(v);
		cs_type_default(t, obj);
		validate(t, obj, NULL, "create");
		validate(t, obj, obj, "update");
		table(t, obj);
		cs_json_free(obj);

		if (!cs_json_is(v, CS_JSON_OBJECT))
			continue;
		cs_json *old = cs_json_clone(base_for(t));
		cs_type_default(t, old);
		cs_json *merged = cs_json_clone(old);
		cs_status st = {0};
		if (cs_patch_merge(&merged, v, &st) != 0)
			abort();
		cs_type_default(t, merged);
		validate(t, merged, NULL, "create (patched base)");
		validate(t, merged, old, "update (patched base)");
		validate(t, old, merged, "update (back to base)");
		table(t, merged);
		cs_json_free(merged);
		cs_json_free(old);
	}
	cs_json_free(v);
	return 0;
}
