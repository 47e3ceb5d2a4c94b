/*
 * fs.h - writing files so that nothing is ever left half-written.
 */
#ifndef TIDEPATCH_FS_H
#define TIDEPATCH_FS_H

#include <stddef.h>

#include "tidepatch/err.h"

/*
 * Write <data, len> to path. A regular file (or a new one) is replaced
 * atomically and durably (temporary file in the same directory, fsync,
 * rename, fsync of the directory); a device, FIFO or symlink is written
 * in place, since renaming over /dev/null would replace the device for
 * the whole machine. TP_EIO (errno kept), TP_ENOMEM.
 */
int tp_fs_write_file(const char *path, const char *data, size_t len,
		     struct tp_err *err);

#endif
