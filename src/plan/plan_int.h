/*
 * plan_int.h - what the files of src/plan share and nobody else needs.
 */
#ifndef TIDEPATCH_PLAN_INT_H
#define TIDEPATCH_PLAN_INT_H

#include <stddef.h>

#include "tidepatch/plan.h"

/* *out = strdup(s), or NULL for NULL; -1 when out of memory. */
int tp_plan_dup(char **out, const char *s);

/* Free what h holds and zero it. */
void tp_plan_host_clear(struct tp_plan_host *h);

/* Lowercase hex SHA-256 of <data, len> into out; -1 on failure. */
int tp_plan_sha256_hex(char out[65], const void *data, size_t len);

#endif
