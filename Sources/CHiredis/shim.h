#ifndef STOCKROOM_CHIREDIS_SHIM_H
#define STOCKROOM_CHIREDIS_SHIM_H

// Debian 12 ships hiredis 0.14.1: only the reply reader (redisReader*) and the reply
// object accessors are used. Its blocking socket API never runs on an event loop.
#include <hiredis/hiredis.h>
#include <hiredis/read.h>

#endif
