/*
 * helpers.c - fixture loading for the unit tests.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "helpers.h"

char *tp_test_fixture(const char *rel, size_t *len_out)
{
	const char *root = getenv("TP_FIXTURES");
	char path[4096];
	char *data = NULL;
	size_t len = 0, cap = 0, n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root ? root : "fixtures", rel);
	f = fopen(path, "rb");
	if (!f)
		cr_assert_fail("cannot open fixture %s", path);
	do {
		if (len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 65536;
			data = realloc(data, cap);
			cr_assert_not_null(data);
		}
		n = fread(data + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0);
	fclose(f);
	data[len] = '\0';
	if (len_out)
		*len_out = len;
	return data;
}
