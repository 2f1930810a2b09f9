/* version.h - streamd's own version and the Redis release whose stream
 * command surface it implements completely (reported as redis_version). */
#ifndef STREAMD_VERSION_H
#define STREAMD_VERSION_H

#define STREAMD_VERSION       "0.1.0"
#define STREAMD_REDIS_VERSION "8.10.0"

#endif
