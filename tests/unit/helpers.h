/*
 * helpers.h - shared bits for the unit tests: fixture loading.
 */
#ifndef TP_TEST_HELPERS_H
#define TP_TEST_HELPERS_H

#include <stddef.h>

/*
 * Read tests/fixtures/<rel> (root from $TP_FIXTURES, else "fixtures"
 * relative to the cwd, which is tests/ under make). Aborts the test with
 * a message naming the file when it cannot be read. Caller frees.
 */
char *tp_test_fixture(const char *rel, size_t *len_out);

#endif
