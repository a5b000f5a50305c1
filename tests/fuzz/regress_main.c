/*
 * regress_main.c - runs each file named on the command line through
 * LLVMFuzzerTestOneInput() once, for `make check` (the corpus as a
 * regression test, built with ASan and UBSan but without libFuzzer).
 * Exit status 0 when every input ran; a sanitizer report aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int regress_file(const char *path)
{
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0;
	FILE *f = fopen(path, "rb");
	int ret = 0;

	if (!f) {
		perror(path);
		return -1;
	}
	for (;;) {
		size_t n;

		if (len == cap) {
			unsigned char *nb;

			cap = cap ? cap * 2 : 4096;
			nb = realloc(buf, cap);
			if (!nb) {
				ret = -1;
				break;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		if (n == 0)
			break;
		len += n;
	}
	if (ferror(f))
		ret = -1;
	fclose(f);
	if (ret == 0)
		LLVMFuzzerTestOneInput(buf ? buf : (const unsigned char *)"",
				       len);
	free(buf);
	return ret;
}

int main(int argc, char **argv)
{
	int i, bad = 0;

	for (i = 1; i < argc; i++) {
		if (regress_file(argv[i]) < 0)
			bad = 1;
	}
	printf("fuzz regression: %d input%s%s\n", argc - 1,
	       argc == 2 ? "" : "s", bad ? ", some unreadable" : "");
	return bad;
}
