/*
 * tls.c - TLS for client connections, over OpenSSL (see tls.h).
 *
 * One server context is built from the configuration; every accepted
 * connection gets an SSL object from it in accept state, so the handshake
 * happens inside the first SSL_read()/SSL_write() calls and needs no state of
 * its own in the event loop. Rebuilding the context (CONFIG SET of a tls-*
 * option) swaps the pointer: OpenSSL counts references, so connections made
 * under the old one keep working with it.
 *
 * What the context allows follows Redis's TLS support: TLSv1.2 and TLSv1.3
 * unless tls-protocols says otherwise, no compression, partial writes from
 * a buffer that may move between retries (the output buffer is compacted),
 * client certificates verified against tls-ca-cert-file / -dir, server-side
 * session caching, no client-initiated renegotiation.
 *
 * OpenSSL is loaded by the first tls_configure() (tls_lib.h says why) and
 * called through the table `ossl`; everything else here runs only once a
 * context exists, so with the table filled.
 */
#include "net/tls.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/log.h"
#include "net/tls_lib.h"

struct TlsConn {
    SSL *ssl;
    int read_wants_write;
    int write_wants_read;
    int is_quiet;    /* tls_conn_no_shutdown() */
    int established; /* a read or a write went through: the handshake is done */
    char err[256];
};

static SSL_CTX *server_ctx;
/* Outgoing connections' context when tls-client-cert-file and -key-file are
 * set; otherwise they use server_ctx (its certificate, and its check of the
 * peer's against the CA), as Redis does. */
static SSL_CTX *client_ctx;

static int is_set(const char *s) {
    return s && *s;
}

/* OpenSSL's functions: zero until load_openssl() succeeds. */
static TlsLib ossl;
static int is_loaded;

/* Opens OpenSSL unless done: the libraries STREAMD_LIBSSL and
 * STREAMD_LIBCRYPTO name when set, else the headers' sonames. 0, or -1
 * logged; a failure is tried again by the next configuration (the library
 * may have been installed since). */
static int load_openssl(void) {
    if (is_loaded) return 0;
    const char *ssl_name = getenv("STREAMD_LIBSSL");
    const char *crypto_name = getenv("STREAMD_LIBCRYPTO");
    if (!is_set(ssl_name)) ssl_name = TLS_LIB_SSL_DEFAULT;
    if (!is_set(crypto_name)) crypto_name = TLS_LIB_CRYPTO_DEFAULT;
    char err[512];
    if (tls_lib_open(&ossl, ssl_name, crypto_name, err, sizeof err) != 0) {
        log_warning("Failed to load OpenSSL (%s, %s), TLS is unavailable: %s", ssl_name,
                    crypto_name, err);
        return -1;
    }
    is_loaded = 1;
    log_verbose("Loaded OpenSSL for TLS: %s, %s", ssl_name, crypto_name);
    return 0;
}

/* What OpenSSL's SSL_CTX_set_mode(), SSL_CTX_set_min_proto_version(),
 * SSL_CTX_set_session_cache_mode() ... macros expand to, through the table. */
static long ctx_ctrl(SSL_CTX *ctx, int cmd, long arg) {
    return ossl.SSL_CTX_ctrl(ctx, cmd, arg, NULL);
}

enum { PROTO_TLS1 = 1, PROTO_TLS1_1 = 2, PROTO_TLS1_2 = 4, PROTO_TLS1_3 = 8 };

/* The tls-protocols words as PROTO_* bits; -1 (logged) for an unknown word. */
static int parse_protocols(const char *s) {
    if (!is_set(s)) return PROTO_TLS1_2 | PROTO_TLS1_3;
    int bits = 0;
    char word[32];
    for (const char *p = s; *p;) {
        while (*p == ' ') p++;
        if (!*p) break;
        size_t n = strcspn(p, " ");
        int bit = 0;
        if (n < sizeof word) {
            memcpy(word, p, n);
            word[n] = '\0';
            bit = !strcasecmp(word, "tlsv1")     ? PROTO_TLS1
                  : !strcasecmp(word, "tlsv1.1") ? PROTO_TLS1_1
                  : !strcasecmp(word, "tlsv1.2") ? PROTO_TLS1_2
                  : !strcasecmp(word, "tlsv1.3") ? PROTO_TLS1_3
                                                 : 0;
        }
        if (!bit) {
            log_warning("Invalid tls-protocols specified. Use a combination of 'TLSv1', "
                        "'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.");
            return -1;
        }
        bits |= bit;
        p += n;
    }
    return bits;
}

static void openssl_error(char *buf, size_t n) {
    unsigned long e = ossl.ERR_get_error();
    if (e)
        ossl.ERR_error_string_n(e, buf, n);
    else
        snprintf(buf, n, "%s", strerror(errno));
}

/* The key password callback: the configured tls-key-file-pass. */
static int key_password(char *buf, int size, int rwflag, void *u) {
    (void)rwflag;
    const char *pass = u;
    if (!pass) return -1;
    size_t n = strlen(pass);
    if (n > (size_t)size) return -1;
    memcpy(buf, pass, n);
    return (int)n;
}

/* Reads the DH parameters file into ctx. 0, or -1 logged. */
static int load_dh_params(SSL_CTX *ctx, const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) {
        log_warning("Failed to load %s: %s", path, strerror(errno));
        return -1;
    }
    EVP_PKEY *pkey = NULL;
    OSSL_DECODER_CTX *dctx = ossl.OSSL_DECODER_CTX_new_for_pkey(
        &pkey, "PEM", NULL, "DH", OSSL_KEYMGMT_SELECT_DOMAIN_PARAMETERS, NULL, NULL);
    int ok = dctx && ossl.OSSL_DECODER_from_fp(dctx, f);
    ossl.OSSL_DECODER_CTX_free(dctx);
    fclose(f);
    if (!ok) {
        log_warning("%s: failed to read DH params.", path);
        ossl.EVP_PKEY_free(pkey);
        return -1;
    }
    if (ossl.SSL_CTX_set0_tmp_dh_pkey(ctx, pkey) <= 0) {
        char eb[256];
        openssl_error(eb, sizeof eb);
        log_warning("Failed to load DH params file: %s: %s", path, eb);
        ossl.EVP_PKEY_free(pkey);
        return -1;
    }
    return 0; /* the context owns pkey now */
}

/* The server context of cfg, or NULL (logged). */
static SSL_CTX *build_server_ctx(const TlsConfig *cfg, int protocols) {
    char eb[256];
    SSL_CTX *ctx = ossl.SSL_CTX_new(ossl.TLS_method());
    if (!ctx) {
        openssl_error(eb, sizeof eb);
        log_warning("Failed to create TLS context: %s", eb);
        return NULL;
    }
    ossl.SSL_CTX_set_options(ctx, SSL_OP_NO_SSLv2 | SSL_OP_NO_SSLv3 | SSL_OP_NO_COMPRESSION |
                                      SSL_OP_SINGLE_DH_USE);
#ifdef SSL_OP_NO_CLIENT_RENEGOTIATION
    ossl.SSL_CTX_set_options(ctx, SSL_OP_NO_CLIENT_RENEGOTIATION);
#endif
    /* tls-protocols may name versions OpenSSL's defaults leave out */
    ctx_ctrl(ctx, SSL_CTRL_SET_MIN_PROTO_VERSION, 0);
    if (!(protocols & PROTO_TLS1)) ossl.SSL_CTX_set_options(ctx, SSL_OP_NO_TLSv1);
    if (!(protocols & PROTO_TLS1_1)) ossl.SSL_CTX_set_options(ctx, SSL_OP_NO_TLSv1_1);
    if (!(protocols & PROTO_TLS1_2)) ossl.SSL_CTX_set_options(ctx, SSL_OP_NO_TLSv1_2);
    if (!(protocols & PROTO_TLS1_3)) ossl.SSL_CTX_set_options(ctx, SSL_OP_NO_TLSv1_3);
    /* RELEASE_BUFFERS: an idle connection gives its record buffers back
     * (measured: 29 KB of RSS per idle TLS client instead of 41 KB, which
     * is what redis-server 7.0 holds; no CPU cost seen in the benchmarks) */
    ctx_ctrl(ctx, SSL_CTRL_MODE,
             SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                 SSL_MODE_RELEASE_BUFFERS);
    ossl.SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    ossl.SSL_CTX_set_default_passwd_cb(ctx, key_password);
    ossl.SSL_CTX_set_default_passwd_cb_userdata(
        ctx, (void *)(is_set(cfg->key_file_pass) ? cfg->key_file_pass : NULL));
    if (ossl.SSL_CTX_use_certificate_chain_file(ctx, cfg->cert_file) <= 0) {
        openssl_error(eb, sizeof eb);
        log_warning("Failed to load certificate: %s: %s", cfg->cert_file, eb);
        goto fail;
    }
    if (ossl.SSL_CTX_use_PrivateKey_file(ctx, cfg->key_file, SSL_FILETYPE_PEM) <= 0) {
        openssl_error(eb, sizeof eb);
        log_warning("Failed to load private key: %s: %s", cfg->key_file, eb);
        goto fail;
    }
    const char *ca_file = is_set(cfg->ca_cert_file) ? cfg->ca_cert_file : NULL;
    const char *ca_dir = is_set(cfg->ca_cert_dir) ? cfg->ca_cert_dir : NULL;
    if ((ca_file || ca_dir) && ossl.SSL_CTX_load_verify_locations(ctx, ca_file, ca_dir) <= 0) {
        openssl_error(eb, sizeof eb);
        log_warning("Failed to configure CA certificate(s) file/directory: %s", eb);
        goto fail;
    }
    if (is_set(cfg->ciphers) && !ossl.SSL_CTX_set_cipher_list(ctx, cfg->ciphers)) {
        log_warning("Failed to configure ciphers: %s", cfg->ciphers);
        goto fail;
    }
    if (is_set(cfg->ciphersuites) && !ossl.SSL_CTX_set_ciphersuites(ctx, cfg->ciphersuites)) {
        log_warning("Failed to configure ciphersuites: %s", cfg->ciphersuites);
        goto fail;
    }
    if (cfg->session_caching) {
        ctx_ctrl(ctx, SSL_CTRL_SET_SESS_CACHE_MODE, SSL_SESS_CACHE_SERVER);
        ctx_ctrl(ctx, SSL_CTRL_SET_SESS_CACHE_SIZE, cfg->session_cache_size);
        ossl.SSL_CTX_set_timeout(ctx, (long)cfg->session_cache_timeout);
        ossl.SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"streamd", 7);
    } else {
        ctx_ctrl(ctx, SSL_CTRL_SET_SESS_CACHE_MODE, SSL_SESS_CACHE_OFF);
    }
    if (cfg->prefer_server_ciphers) ossl.SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
    if (is_set(cfg->dh_params_file)) {
        if (load_dh_params(ctx, cfg->dh_params_file) != 0) goto fail;
    } else {
        ctx_ctrl(ctx, SSL_CTRL_SET_DH_AUTO, 1);
    }
    return ctx;
fail:
    ossl.SSL_CTX_free(ctx);
    return NULL;
}

/* The outgoing connections' context from the client certificate pair, when
 * one is configured (*out NULL otherwise). 0, or -1 logged. */
static int build_client_ctx(const TlsConfig *cfg, int protocols, SSL_CTX **out) {
    *out = NULL;
    if (!is_set(cfg->client_cert_file) || !is_set(cfg->client_key_file)) return 0;
    TlsConfig c = *cfg;
    c.cert_file = cfg->client_cert_file;
    c.key_file = cfg->client_key_file;
    c.key_file_pass = cfg->client_key_file_pass;
    c.session_caching = 0;
    *out = build_server_ctx(&c, protocols);
    return *out ? 0 : -1;
}

/*
 * Builds new contexts from cfg (borrowed for the call) and, on success,
 * puts them in place of the old ones. The first call that gets past the
 * checks of the settings loads OpenSSL. Returns 0; TLS_ERR_CONFIG, logged as
 * Redis words it, when a setting or file is refused; TLS_ERR_NO_LIBRARY,
 * logged, when OpenSSL cannot be loaded. Nothing changes on an error.
 */
int tls_configure(const TlsConfig *cfg) {
    if (!is_set(cfg->cert_file)) {
        log_warning("No tls-cert-file configured!");
        return TLS_ERR_CONFIG;
    }
    if (!is_set(cfg->key_file)) {
        log_warning("No tls-key-file configured!");
        return TLS_ERR_CONFIG;
    }
    if ((cfg->auth_clients != TLS_AUTH_NO || cfg->needs_ca) && !is_set(cfg->ca_cert_file) &&
        !is_set(cfg->ca_cert_dir)) {
        log_warning("Either tls-ca-cert-file or tls-ca-cert-dir must be specified when "
                    "tls-cluster, tls-replication or tls-auth-clients are enabled!");
        return TLS_ERR_CONFIG;
    }
    int protocols = parse_protocols(cfg->protocols);
    if (protocols < 0) return TLS_ERR_CONFIG;
    if (load_openssl() != 0) return TLS_ERR_NO_LIBRARY;
    ossl.ERR_clear_error();
    SSL_CTX *ctx = build_server_ctx(cfg, protocols);
    if (!ctx) return TLS_ERR_CONFIG;
    SSL_CTX *cctx;
    if (build_client_ctx(cfg, protocols, &cctx) != 0) {
        ossl.SSL_CTX_free(ctx);
        return TLS_ERR_CONFIG;
    }
    ossl.SSL_CTX_free(server_ctx);
    ossl.SSL_CTX_free(client_ctx);
    server_ctx = ctx;
    client_ctx = cctx;
    return 0;
}

int tls_is_configured(void) {
    return server_ctx != NULL;
}

void tls_cleanup(void) {
    if (!is_loaded) return;
    ossl.SSL_CTX_free(server_ctx);
    ossl.SSL_CTX_free(client_ctx);
    server_ctx = client_ctx = NULL;
}

TlsConn *tls_conn_accept(int fd, int auth_clients) {
    if (!server_ctx) return NULL;
    SSL *ssl = ossl.SSL_new(server_ctx);
    if (!ssl) return NULL;
    int mode = auth_clients == TLS_AUTH_NO ? SSL_VERIFY_NONE
               : auth_clients == TLS_AUTH_OPTIONAL
                   ? SSL_VERIFY_PEER
                   : SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    ossl.SSL_set_verify(ssl, mode, NULL);
    ossl.SSL_set_fd(ssl, fd);
    ossl.SSL_set_accept_state(ssl);
    TlsConn *t = xcalloc(1, sizeof *t);
    t->ssl = ssl;
    return t;
}

static ssize_t settle(TlsConn *t, int r, int is_read, int *want_other);

TlsConn *tls_conn_connect(int fd) {
    SSL_CTX *ctx = client_ctx ? client_ctx : server_ctx;
    if (!ctx) return NULL;
    SSL *ssl = ossl.SSL_new(ctx);
    if (!ssl) return NULL;
    ossl.SSL_set_fd(ssl, fd);
    ossl.SSL_set_connect_state(ssl);
    TlsConn *t = xcalloc(1, sizeof *t);
    t->ssl = ssl;
    return t;
}

int tls_conn_handshake(TlsConn *t) {
    t->read_wants_write = t->write_wants_read = 0;
    ossl.ERR_clear_error();
    errno = 0;
    int r = ossl.SSL_do_handshake(t->ssl);
    if (r == 1) {
        t->established = 1;
        return 1;
    }
    int want_other = 0;
    ssize_t rc = settle(t, r, 1, &want_other);
    if (rc < 0 && errno == EAGAIN) {
        t->read_wants_write = want_other; /* "read" here: the handshake waits for input */
        return 0;
    }
    if (rc == 0) snprintf(t->err, sizeof t->err, "connection closed");
    return -1;
}

void tls_conn_free(TlsConn *t) {
    if (!t) return;
    /* close_notify, best effort: the socket is non-blocking and about to
     * close; a peer that reads on gets it, one that went away does not */
    if (!t->is_quiet && ossl.SSL_is_init_finished(t->ssl)) { /* not after an error */
        ossl.ERR_clear_error();
        ossl.SSL_shutdown(t->ssl);
    }
    ossl.SSL_free(t->ssl);
    ossl.ERR_clear_error();
    xfree(t);
}

/* After an SSL_read/SSL_write that returned r <= 0: -1 with errno EAGAIN when
 * it waits for a socket event (*want_other set when that event is the other
 * direction's), 0 when the peer closed cleanly, else -1 with the error kept. */
static ssize_t settle(TlsConn *t, int r, int is_read, int *want_other) {
    int e = ossl.SSL_get_error(t->ssl, r);
    switch (e) {
    case SSL_ERROR_WANT_READ:
        *want_other = !is_read;
        errno = EAGAIN;
        return -1;
    case SSL_ERROR_WANT_WRITE:
        *want_other = is_read;
        errno = EAGAIN;
        return -1;
    case SSL_ERROR_ZERO_RETURN:
        return 0;
    case SSL_ERROR_SYSCALL:
        if (errno == 0) return 0; /* EOF without close_notify */
        snprintf(t->err, sizeof t->err, "%s", strerror(errno));
        return -1;
    default:
        openssl_error(t->err, sizeof t->err);
        errno = EPROTO;
        return -1;
    }
}

void tls_conn_no_shutdown(TlsConn *t) {
    t->is_quiet = 1;
}

ssize_t tls_conn_read(TlsConn *t, void *buf, size_t n) {
    t->read_wants_write = 0;
    if (n == 0) { /* no room: not an end of file */
        errno = EAGAIN;
        return -1;
    }
    ossl.ERR_clear_error();
    errno = 0;
    int r = ossl.SSL_read(t->ssl, buf, n > INT32_MAX ? INT32_MAX : (int)n);
    /* (after a failure OpenSSL's state no longer says the handshake was
     * done: remember it now) */
    t->established |= ossl.SSL_is_init_finished(t->ssl);
    if (r > 0) return r;
    return settle(t, r, 1, &t->read_wants_write);
}

ssize_t tls_conn_write(TlsConn *t, const void *buf, size_t n) {
    t->write_wants_read = 0;
    if (n == 0) return 0;
    ossl.ERR_clear_error();
    errno = 0;
    int r = ossl.SSL_write(t->ssl, buf, n > INT32_MAX ? INT32_MAX : (int)n);
    t->established |= ossl.SSL_is_init_finished(t->ssl);
    if (r > 0) return r;
    ssize_t rc = settle(t, r, 0, &t->write_wants_read);
    if (rc == 0) {
        errno = EPIPE; /* a write to a closed connection is an error, not "0 bytes" */
        snprintf(t->err, sizeof t->err, "connection closed");
        return -1;
    }
    return rc;
}

int tls_conn_read_wants_write(const TlsConn *t) {
    return t->read_wants_write;
}

int tls_conn_write_wants_read(const TlsConn *t) {
    return t->write_wants_read;
}

size_t tls_conn_pending(const TlsConn *t) {
    int n = ossl.SSL_pending(t->ssl);
    return n > 0 ? (size_t)n : 0;
}

int tls_conn_established(const TlsConn *t) {
    return t->established || ossl.SSL_is_init_finished(t->ssl);
}

int tls_conn_peer_cn(const TlsConn *t, char *out, size_t n) {
    X509 *cert = ossl.SSL_get1_peer_certificate(t->ssl);
    if (!cert) return -1;
    int len = -1;
    if (ossl.SSL_get_verify_result(t->ssl) == X509_V_OK)
        len = ossl.X509_NAME_get_text_by_NID(ossl.X509_get_subject_name(cert), NID_commonName, out,
                                             n > INT32_MAX ? INT32_MAX : (int)n);
    ossl.X509_free(cert);
    return len;
}

const char *tls_conn_error(const TlsConn *t) {
    return t->err[0] ? t->err : "unknown error";
}
