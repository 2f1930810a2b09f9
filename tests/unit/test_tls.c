/*
 * Unit tests for loading OpenSSL at run time (net/tls_lib.h, net/tls.c):
 * the process maps no libssl until TLS is configured; a library that
 * cannot be opened, or one that lacks a function, fails cleanly with a
 * zeroed table and a message naming it; the real libraries fill every
 * pointer and calls through the table work, macros turned ctrl calls
 * included; tls_configure() reports a missing library apart from a refused
 * setting and loads nothing for a setting refused before it needs OpenSSL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/tls.h"
#include "net/tls_lib.h"
#include "test.h"

/* Whether a library whose file name starts with name is mapped here; -1
 * when /proc/self/maps cannot be read (not Linux). */
static int is_mapped(const char *name) {
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f) return -1;
    char line[4096];
    int found = 0;
    while (!found && fgets(line, sizeof line, f)) {
        const char *slash = strrchr(line, '/');
        found = slash && !strncmp(slash + 1, name, strlen(name));
    }
    fclose(f);
    return found;
}

static int n_null(const TlsLib *lib) {
    int n = 0;
#define COUNT_NULL(f) n += lib->f == NULL;
    TLS_LIB_CRYPTO_FUNCS(COUNT_NULL)
    TLS_LIB_SSL_FUNCS(COUNT_NULL)
#undef COUNT_NULL
    return n;
}

static int n_funcs(void) {
    int n = 0;
#define COUNT(f) n++;
    TLS_LIB_CRYPTO_FUNCS(COUNT)
    TLS_LIB_SSL_FUNCS(COUNT)
#undef COUNT
    return n;
}

static void test_open_failures(void) {
    TlsLib lib;
    char err[512];
    memset(&lib, 0xa5, sizeof lib);
    CHECK_EQ_INT(
        tls_lib_open(&lib, "/nonexistent/libssl.so.3", TLS_LIB_CRYPTO_DEFAULT, err, sizeof err),
        -1);
    CHECK(strstr(err, "/nonexistent/libssl.so.3") != NULL);
    CHECK_EQ_INT(n_null(&lib), n_funcs());

    memset(&lib, 0xa5, sizeof lib);
    CHECK_EQ_INT(
        tls_lib_open(&lib, TLS_LIB_SSL_DEFAULT, "/nonexistent/libcrypto.so", err, sizeof err), -1);
    CHECK(strstr(err, "/nonexistent/libcrypto.so") != NULL);
    CHECK_EQ_INT(n_null(&lib), n_funcs());

    /* libcrypto under libssl's name: it opens, but its first libssl
     * function is missing, and the table is checked complete */
    memset(&lib, 0xa5, sizeof lib);
    CHECK_EQ_INT(
        tls_lib_open(&lib, TLS_LIB_CRYPTO_DEFAULT, TLS_LIB_CRYPTO_DEFAULT, err, sizeof err), -1);
    char want[128];
    snprintf(want, sizeof want, "%s: no SSL_CTX_ctrl", TLS_LIB_CRYPTO_DEFAULT);
    CHECK(strcmp(err, want) == 0);
    if (strcmp(err, want) != 0) fprintf(stderr, "  got \"%s\"\n", err);
    CHECK_EQ_INT(n_null(&lib), n_funcs());
    CHECK(is_mapped("libssl.so") != 1);
}

static void test_configure_without_library(void) {
    TlsConfig cfg = {0};
    cfg.auth_clients = TLS_AUTH_NO;
    /* refused before OpenSSL is needed: nothing is loaded */
    CHECK_EQ_INT(tls_configure(&cfg), TLS_ERR_CONFIG);
    CHECK(is_mapped("libssl.so") != 1);

    cfg.cert_file = "/nonexistent/server.crt";
    cfg.key_file = "/nonexistent/server.key";
    setenv("STREAMD_LIBSSL", "/nonexistent/libssl.so.3", 1);
    CHECK_EQ_INT(tls_configure(&cfg), TLS_ERR_NO_LIBRARY);
    CHECK(!tls_is_configured());
    CHECK(is_mapped("libssl.so") != 1);
    tls_cleanup(); /* nothing loaded: a no-op */

    /* the next configuration tries again: now the library loads and the
     * certificate file is what is refused */
    unsetenv("STREAMD_LIBSSL");
    CHECK_EQ_INT(tls_configure(&cfg), TLS_ERR_CONFIG);
    CHECK(!tls_is_configured());
    if (is_mapped("libssl.so") >= 0) CHECK(is_mapped("libssl.so") == 1);
}

static void test_open_and_call(void) {
    TlsLib lib;
    char err[512] = "";
    CHECK_EQ_INT(tls_lib_open(&lib, TLS_LIB_SSL_DEFAULT, TLS_LIB_CRYPTO_DEFAULT, err, sizeof err),
                 0);
    if (err[0]) fprintf(stderr, "  %s\n", err);
    CHECK_EQ_INT(n_null(&lib), 0);
    if (n_null(&lib)) return;
    if (is_mapped("libssl.so") >= 0) CHECK(is_mapped("libssl.so") == 1);

    SSL_CTX *ctx = lib.SSL_CTX_new(lib.TLS_method());
    CHECK(ctx != NULL);
    if (!ctx) return;
    /* SSL_CTX_set_min_proto_version() / _get_ are SSL_CTX_ctrl() */
    CHECK_EQ_INT(lib.SSL_CTX_ctrl(ctx, SSL_CTRL_SET_MIN_PROTO_VERSION, TLS1_2_VERSION, NULL), 1);
    CHECK_EQ_INT(lib.SSL_CTX_ctrl(ctx, SSL_CTRL_GET_MIN_PROTO_VERSION, 0, NULL), TLS1_2_VERSION);
    /* an error is queued and read back as text */
    lib.ERR_clear_error();
    CHECK_EQ_INT(lib.SSL_CTX_use_certificate_chain_file(ctx, "/nonexistent/c.pem"), 0);
    unsigned long e = lib.ERR_get_error();
    CHECK(e != 0);
    char text[256] = "";
    lib.ERR_error_string_n(e, text, sizeof text);
    CHECK(strncmp(text, "error:", 6) == 0);
    lib.ERR_clear_error();
    lib.SSL_CTX_free(ctx);
}

int main(void) {
    /* this binary is linked without OpenSSL, as streamd is */
    int mapped = is_mapped("libssl.so");
    if (mapped < 0) printf("test_tls: no /proc/self/maps, mapping checks skipped\n");
    CHECK(mapped != 1);
    CHECK(is_mapped("libcrypto.so") != 1);
    test_open_failures();
    test_configure_without_library();
    test_open_and_call();
    return test_report("test_tls");
}
