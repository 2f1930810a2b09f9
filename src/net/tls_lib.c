/*
 * tls_lib.c - opening OpenSSL at run time (see tls_lib.h).
 *
 * libcrypto is opened first, then libssl (which needs it and finds the same
 * copy). Each function is looked up through the handle of the library that
 * should define it, so that a libssl given under a wrong name (libcrypto's,
 * say) is caught by its first missing function. RTLD_NOW: an unresolvable symbol
 * inside OpenSSL fails here, not in the middle of a handshake. RTLD_LOCAL:
 * nothing else in the process should bind to OpenSSL by accident.
 *
 * On any failure both handles are closed again: none of their functions has
 * been called, so nothing can refer to them.
 */
#include "net/tls_lib.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

/* dlopen's text for name, into err. */
static void open_error(const char *name, char *err, size_t err_len) {
    const char *why = dlerror();
    snprintf(err, err_len, "%s", why ? why : name);
}

/*
 * Opens the libraries named ssl_name and crypto_name (dlopen's search
 * rules: a bare soname is looked up in the system's library path, a name
 * with a '/' is a file) and fills every pointer of *lib. Borrows the names.
 * Returns 0, or -1 with *lib zeroed, both libraries closed and the reason in
 * err (dlopen's message, or "<library>: no <function>" for the first
 * function missing).
 */
int tls_lib_open(TlsLib *lib, const char *ssl_name, const char *crypto_name, char *err,
                 size_t err_len) {
    memset(lib, 0, sizeof *lib);
    void *ssl = NULL;
    void *crypto = dlopen(crypto_name, RTLD_NOW | RTLD_LOCAL);
    if (!crypto) {
        open_error(crypto_name, err, err_len);
        goto fail;
    }
    ssl = dlopen(ssl_name, RTLD_NOW | RTLD_LOCAL);
    if (!ssl) {
        open_error(ssl_name, err, err_len);
        goto fail;
    }
    /* dlsym returns void *; POSIX guarantees it converts to a function
     * pointer, so the cast to the field's own type is exact */
#define TLS_LIB_RESOLVE(handle, name, f)                                                           \
    if (!(lib->f = (__typeof__(lib->f))dlsym(handle, #f))) {                                       \
        snprintf(err, err_len, "%s: no %s", name, #f);                                             \
        goto fail;                                                                                 \
    }
#define TLS_LIB_FROM_CRYPTO(f) TLS_LIB_RESOLVE(crypto, crypto_name, f)
#define TLS_LIB_FROM_SSL(f)    TLS_LIB_RESOLVE(ssl, ssl_name, f)
    TLS_LIB_CRYPTO_FUNCS(TLS_LIB_FROM_CRYPTO)
    TLS_LIB_SSL_FUNCS(TLS_LIB_FROM_SSL)
#undef TLS_LIB_FROM_SSL
#undef TLS_LIB_FROM_CRYPTO
#undef TLS_LIB_RESOLVE
    return 0;
fail:
    memset(lib, 0, sizeof *lib);
    if (ssl) dlclose(ssl);
    if (crypto) dlclose(crypto);
    return -1;
}
