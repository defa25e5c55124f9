/* capstan.conf through libconfuse: the input is written to a temporary file
 * and loaded; whatever loads is validated and freed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/capstan-fuzz-conf-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		abort();
	size_t off = 0;
	while (off < size) {
		ssize_t n = write(fd, data + off, size - off);
		if (n <= 0)
			abort();
		off += (size_t)n;
	}
	close(fd);
	cs_config c;
	char err[1024];
	err[0] = '\0';
	if (cs_config_load(&c, path, err, sizeof(err)) == 0) {
		char verr[1024];
		verr[0] = '\0';
		if (cs_config_validate(&c, verr, sizeof(verr)) < 0 && !verr[0])
			abort();
		/* Pass 2 as the loader runs it for a module "m" declaring one
		 * option of each type, with another module typing "n" apart. */
		static const cs_option decl[] = {
			{"b", CS_OPT_BOOL, "true", ""},       {"i", CS_OPT_INT, "7", ""},
			{"f", CS_OPT_FLOAT, "0.5", ""},       {"s", CS_OPT_STRING, "x", ""},
			{"l", CS_OPT_STRING_LIST, "{a}", ""}, {"n", CS_OPT_INT, NULL, ""},
			{NULL, CS_OPT_END, NULL, NULL},
		};
		static const cs_option other[] = {{"n", CS_OPT_STRING, NULL, ""},
						  {NULL, CS_OPT_END, NULL, NULL}};
		const cs_option *others[] = {other};
		const char *names[] = {"z"};
		char merr[1024] = "";
		cs_modcfg *mc =
			cs_config_module(&c, "m", decl, others, names, 1, merr, sizeof(merr));
		if (!mc && !merr[0])
			abort();
		if (mc) {
			(void)cs_modcfg_bool(mc, "b");
			(void)cs_modcfg_int(mc, "i");
			(void)cs_modcfg_int(mc, "n");
			(void)cs_modcfg_float(mc, "f");
			(void)strlen(cs_modcfg_str(mc, "s"));
			for (size_t i = 0; i < cs_modcfg_list_len(mc, "l"); i++)
				(void)strlen(cs_modcfg_list_at(mc, "l", i));
			cs_modcfg_free(mc);
		}
		cs_config_free(&c);
	} else if (!err[0]) {
		abort();
	}
	unlink(path);
	return 0;
}
