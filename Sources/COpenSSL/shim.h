// Debian's OpenSSL 3 (libssl-dev): the TLS verify result of a failed handshake and the checks of
// certificate and key files. libmosquitto uses the same library.
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
