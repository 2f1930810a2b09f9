/*
 * tls.h - TLS for client connections (tls-port), over OpenSSL.
 *
 * OpenSSL is not linked in: the first tls_configure() loads it (see
 * tls_lib.h), so a server that never enables TLS never maps it.
 *
 * The library keeps the server context built from a TlsConfig and wraps one
 * accepted connection's SSL state. It knows nothing of clients or the event
 * loop: a read or a write that cannot go on says which socket event it waits
 * for (the TLS handshake and key updates may need a read to write, or a write
 * to read), and the caller registers for it.
 *
 * Ownership: tls_configure() copies nothing it keeps; the strings of the
 * TlsConfig are borrowed for the call. A TlsConn is owned by its caller and
 * freed with tls_conn_free(); it does not own its file descriptor.
 */
#ifndef STREAMD_NET_TLS_H
#define STREAMD_NET_TLS_H

#include <stddef.h>
#include <sys/types.h>

enum { TLS_AUTH_NO = 0, TLS_AUTH_YES = 1, TLS_AUTH_OPTIONAL = 2 };

/* The tls-* configuration. NULL or "" is "not set" for every string. */
typedef struct TlsConfig {
    const char *cert_file, *key_file, *key_file_pass;
    const char *client_cert_file, *client_key_file, *client_key_file_pass;
    const char *ca_cert_file, *ca_cert_dir, *dh_params_file;
    const char *protocols, *ciphers, *ciphersuites;
    int prefer_server_ciphers;
    int session_caching;
    long long session_cache_size, session_cache_timeout;
    int auth_clients; /* TLS_AUTH_* */
    int needs_ca;     /* tls-replication or tls-cluster: a CA is required as for auth */
} TlsConfig;

/* tls_configure()'s errors. */
enum { TLS_ERR_CONFIG = -1, TLS_ERR_NO_LIBRARY = -2 };

/* Builds new contexts from cfg and, on success, puts them in place of the
 * old ones (connections already made keep theirs); loads OpenSSL first if
 * needed. On failure logs why and changes nothing. 0 or TLS_ERR_*. */
int tls_configure(const TlsConfig *cfg);
/* Whether tls_configure() has succeeded once. */
int tls_is_configured(void);
/* Frees the contexts (at exit). */
void tls_cleanup(void);

typedef struct TlsConn TlsConn;

/* A server-side connection over the accepted socket fd, verifying the peer as
 * auth_clients (TLS_AUTH_*) says. The handshake runs inside the first reads
 * and writes. NULL only if OpenSSL fails to allocate. */
TlsConn *tls_conn_accept(int fd, int auth_clients);
/* A client-side connection over the connected socket fd (replication to a
 * TLS master): the client certificate pair's context if configured, else
 * the server's; the peer's certificate is checked against the CA. NULL when
 * TLS is not configured. */
TlsConn *tls_conn_connect(int fd);
/* Drives the handshake: 1 done, 0 waiting for a socket event (readable, or
 * writable when tls_conn_read_wants_write()), -1 failed (tls_conn_error()). */
int tls_conn_handshake(TlsConn *t);
/* SSL_shutdown (once the handshake is done, unless tls_conn_no_shutdown()
 * was called) and free. NULL is a no-op. */
void tls_conn_free(TlsConn *t);
/* The connection now belongs to another process (a forked debugging
 * session): freeing it here must not write to the socket. */
void tls_conn_no_shutdown(TlsConn *t);

/* Like read(2)/write(2) on the plaintext: > 0 bytes, 0 when the peer closed,
 * -1 with errno EAGAIN when the connection waits for a socket event (see
 * tls_conn_wants_write / tls_conn_wants_read), -1 with another errno on an
 * error (tls_conn_error() says which). */
ssize_t tls_conn_read(TlsConn *t, void *buf, size_t n);
ssize_t tls_conn_write(TlsConn *t, const void *buf, size_t n);

/* The last read waits for the socket to be writable (a handshake message or
 * key update that did not fit); cleared by the next read. */
int tls_conn_read_wants_write(const TlsConn *t);
/* The last write waits for the socket to be readable; cleared by the next
 * write. */
int tls_conn_write_wants_read(const TlsConn *t);
/* Plaintext bytes OpenSSL has decrypted and not handed out yet: no socket
 * event will announce them. */
size_t tls_conn_pending(const TlsConn *t);
/* Whether the handshake has completed. */
int tls_conn_established(const TlsConn *t);
/* The Common Name of the peer's certificate, when the peer sent one that
 * verified, into out (NUL-terminated): its length, or -1. */
int tls_conn_peer_cn(const TlsConn *t, char *out, size_t n);
/* The text of the last error (OpenSSL's, or strerror), never NULL. */
const char *tls_conn_error(const TlsConn *t);

#endif
