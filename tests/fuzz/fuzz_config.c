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
		cs_config_free(&c);
	} else if (!err[0]) {
		abort();
	}
	unlink(path);
	return 0;
}
