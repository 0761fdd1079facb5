// Forward declarations of the OpenSSL handles that crypto/ APIs accept, so that public headers do
// not pull in OpenSSL (docs/architecture.md: third-party headers stay out of module interfaces).
// These are the same declarations as <openssl/types.h>; repeating a typedef is legal C++.
#pragma once

typedef struct evp_pkey_st EVP_PKEY;      // NOLINT(modernize-use-using): must match OpenSSL's
typedef struct x509_st X509;              // NOLINT(modernize-use-using)
typedef struct x509_store_st X509_STORE;  // NOLINT(modernize-use-using)
