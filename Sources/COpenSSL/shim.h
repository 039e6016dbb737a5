#ifndef DROVER_COPENSSL_SHIM_H
#define DROVER_COPENSSL_SHIM_H

#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>

// Many OpenSSL entry points are macros (or variadic functions) that Swift cannot import.
// Each wrapper below is a one-line static inline function that expands the macro.

static inline int drover_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_min_proto_version(ctx, version);
}
static inline int drover_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_max_proto_version(ctx, version);
}
static inline int drover_SSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}
static inline long drover_BIO_set_mem_eof_return(BIO *bio, long value) {
    return BIO_set_mem_eof_return(bio, value);
}
static inline void drover_OPENSSL_free(void *ptr) { OPENSSL_free(ptr); }

/// EVP_EC_gen is a macro over the variadic EVP_PKEY_Q_keygen.
static inline EVP_PKEY *drover_EVP_EC_gen_P256(void) { return EVP_EC_gen("P-256"); }

// --- Session cache, options, chains (macros over SSL_CTX_ctrl) ---
static inline long drover_SSL_CTX_set_session_cache_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_session_cache_mode(ctx, mode);
}
static inline int drover_SSL_CTX_add1_chain_cert(SSL_CTX *ctx, X509 *x509) {
    return (int)SSL_CTX_add1_chain_cert(ctx, x509);
}
/// SSL_OP_* are built from SSL_OP_BIT(n), which Swift cannot import.
static inline void drover_SSL_CTX_set_hardening_options(SSL_CTX *ctx) {
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
}
/// Frees a connection's 16 KB read/write record buffers while it is idle: a controller with
/// 10,000 mostly idle agent sessions would otherwise hold ~34 KB per session for nothing.
static inline void drover_SSL_CTX_release_idle_buffers(SSL_CTX *ctx) {
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
}
static inline long drover_SSL_CTX_set_tlsext_ticket_keys(SSL_CTX *ctx, unsigned char *keys, long length) {
    return SSL_CTX_set_tlsext_ticket_keys(ctx, keys, length);
}
static inline long drover_BIO_get_mem_data(BIO *bio, char **out) { return BIO_get_mem_data(bio, out); }
static inline void drover_X509V3_set_ctx_nodb(X509V3_CTX *ctx) { X509V3_set_ctx_nodb(ctx); }

// --- ERR_GET_* are inline in 3.0 but marked ossl_unused; wrap to be safe ---
static inline int drover_ERR_GET_LIB(unsigned long code) { return ERR_GET_LIB(code); }
static inline int drover_ERR_GET_REASON(unsigned long code) { return ERR_GET_REASON(code); }

// --- STACK_OF(X509) ---
static inline int drover_sk_X509_num(const STACK_OF(X509) *sk) { return sk_X509_num(sk); }
static inline X509 *drover_sk_X509_value(const STACK_OF(X509) *sk, int i) { return sk_X509_value(sk, i); }
static inline STACK_OF(X509) *drover_sk_X509_new_null(void) { return sk_X509_new_null(); }
static inline int drover_sk_X509_push(STACK_OF(X509) *sk, X509 *x509) { return sk_X509_push(sk, x509); }
static inline void drover_sk_X509_free(STACK_OF(X509) *sk) { sk_X509_free(sk); }

// --- STACK_OF(GENERAL_NAME) ---
static inline int drover_sk_GENERAL_NAME_num(const GENERAL_NAMES *sk) { return sk_GENERAL_NAME_num(sk); }
static inline GENERAL_NAME *drover_sk_GENERAL_NAME_value(const GENERAL_NAMES *sk, int i) {
    return sk_GENERAL_NAME_value(sk, i);
}
static inline GENERAL_NAMES *drover_sk_GENERAL_NAME_new_null(void) { return sk_GENERAL_NAME_new_null(); }
static inline int drover_sk_GENERAL_NAME_push(GENERAL_NAMES *sk, GENERAL_NAME *name) {
    return sk_GENERAL_NAME_push(sk, name);
}
static inline GENERAL_NAMES *drover_X509_get_subject_alt_names(const X509 *x509) {
    return (GENERAL_NAMES *)X509_get_ext_d2i(x509, NID_subject_alt_name, NULL, NULL);
}

#endif
