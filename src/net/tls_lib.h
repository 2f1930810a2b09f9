/*
 * tls_lib.h - OpenSSL's functions, resolved at run time, for tls.c.
 *
 * streamd is not linked against libssl and libcrypto: a server without TLS
 * never maps them (about 2 MB of RSS, a quarter of an idle server). The
 * first TLS configuration opens both with dlopen() and fills a TlsLib, one
 * function pointer per OpenSSL function streamd calls, each typed from
 * OpenSSL's own prototype. The headers still give the types and constants
 * (libssl-dev stays a build dependency), and the libraries' soname follows
 * the headers' OPENSSL_SHLIB_VERSION, so the prototypes and the code always match.
 *
 * Every call goes through the table, including those OpenSSL's headers hide
 * behind macros (SSL_CTX_set_mode and friends are SSL_CTX_ctrl calls): a
 * direct call would be an undefined symbol at link time, so a call that
 * bypasses the table cannot build. Adding an OpenSSL call means adding its
 * name to one of the two lists below.
 *
 * The libraries are never closed once loaded (OpenSSL pins itself anyway).
 */
#ifndef STREAMD_NET_TLS_LIB_H
#define STREAMD_NET_TLS_LIB_H

#include <stddef.h>

#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

/* The functions streamd calls from libcrypto, then from libssl. */
#define TLS_LIB_CRYPTO_FUNCS(X)                                                                    \
    X(ERR_clear_error)                                                                             \
    X(ERR_error_string_n)                                                                          \
    X(ERR_get_error)                                                                               \
    X(EVP_PKEY_free)                                                                               \
    X(OSSL_DECODER_CTX_free)                                                                       \
    X(OSSL_DECODER_CTX_new_for_pkey)                                                               \
    X(OSSL_DECODER_from_fp)                                                                        \
    X(X509_NAME_get_text_by_NID)                                                                   \
    X(X509_free)                                                                                   \
    X(X509_get_subject_name)

#define TLS_LIB_SSL_FUNCS(X)                                                                       \
    X(SSL_CTX_ctrl)                                                                                \
    X(SSL_CTX_free)                                                                                \
    X(SSL_CTX_load_verify_locations)                                                               \
    X(SSL_CTX_new)                                                                                 \
    X(SSL_CTX_set0_tmp_dh_pkey)                                                                    \
    X(SSL_CTX_set_cipher_list)                                                                     \
    X(SSL_CTX_set_ciphersuites)                                                                    \
    X(SSL_CTX_set_default_passwd_cb)                                                               \
    X(SSL_CTX_set_default_passwd_cb_userdata)                                                      \
    X(SSL_CTX_set_options)                                                                         \
    X(SSL_CTX_set_session_id_context)                                                              \
    X(SSL_CTX_set_timeout)                                                                         \
    X(SSL_CTX_set_verify)                                                                          \
    X(SSL_CTX_use_PrivateKey_file)                                                                 \
    X(SSL_CTX_use_certificate_chain_file)                                                          \
    X(SSL_do_handshake)                                                                            \
    X(SSL_free)                                                                                    \
    X(SSL_get1_peer_certificate)                                                                   \
    X(SSL_get_error)                                                                               \
    X(SSL_get_verify_result)                                                                       \
    X(SSL_is_init_finished)                                                                        \
    X(SSL_new)                                                                                     \
    X(SSL_pending)                                                                                 \
    X(SSL_read)                                                                                    \
    X(SSL_set_accept_state)                                                                        \
    X(SSL_set_connect_state)                                                                       \
    X(SSL_set_fd)                                                                                  \
    X(SSL_set_verify)                                                                              \
    X(SSL_shutdown)                                                                                \
    X(SSL_write)                                                                                   \
    X(TLS_method)

/* One pointer per listed function, named as the function. */
typedef struct TlsLib {
#define TLS_LIB_FIELD(f) __typeof__(f) *f;
    TLS_LIB_CRYPTO_FUNCS(TLS_LIB_FIELD)
    TLS_LIB_SSL_FUNCS(TLS_LIB_FIELD)
#undef TLS_LIB_FIELD
} TlsLib;

/* The library names dlopen() is given by default ("libssl.so.3", ...). */
#define TLS_LIB_SSL_DEFAULT    "libssl.so." TLS_LIB_STR(OPENSSL_SHLIB_VERSION)
#define TLS_LIB_CRYPTO_DEFAULT "libcrypto.so." TLS_LIB_STR(OPENSSL_SHLIB_VERSION)
#define TLS_LIB_STR(x)         TLS_LIB_STR_(x)
#define TLS_LIB_STR_(x)        #x

/* Opens both libraries and fills every pointer of *lib. 0, or -1 with *lib
 * zeroed and why in err. */
int tls_lib_open(TlsLib *lib, const char *ssl_name, const char *crypto_name, char *err,
                 size_t err_len);

#endif
