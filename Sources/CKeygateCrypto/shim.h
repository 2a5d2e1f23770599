#ifndef CKEYGATE_CRYPTO_SHIM_H
#define CKEYGATE_CRYPTO_SHIM_H
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#endif
