#ifndef DROVER_CZLIB_SHIM_H
#define DROVER_CZLIB_SHIM_H
#include <zlib.h>

/// inflateInit/deflateInit are macros; Swift cannot call them directly.
static inline int drover_inflate_init(z_streamp strm) { return inflateInit(strm); }
static inline int drover_deflate_init(z_streamp strm, int level) { return deflateInit(strm, level); }

#endif
