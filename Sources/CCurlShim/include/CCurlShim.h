#ifndef CCURLSHIM_H
#define CCURLSHIM_H

/* Non-variadic, typed wrappers around curl_easy_setopt / curl_easy_getinfo so that Swift can call them.
 * One function per argument class; each returns the CURLcode of the wrapped call. */

#include <curl/curl.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Signature of CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION callbacks. */
typedef size_t (*ccw_data_callback)(char *buffer, size_t size, size_t count, void *userdata);

/** Sets an option that takes a `long`. */
CURLcode ccw_setopt_long(CURL *handle, CURLoption option, long value);

/** Sets an option that takes a `curl_off_t`. */
CURLcode ccw_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value);

/** Sets an option that takes a NUL-terminated string (libcurl copies it). */
CURLcode ccw_setopt_string(CURL *handle, CURLoption option, const char *value);

/** Sets an option that takes an arbitrary pointer (WRITEDATA, HEADERDATA, POSTFIELDS, ERRORBUFFER, ...). */
CURLcode ccw_setopt_pointer(CURL *handle, CURLoption option, void *value);

/** Sets an option that takes a `struct curl_slist *` (HTTPHEADER, ...). */
CURLcode ccw_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value);

/** Sets CURLOPT_WRITEFUNCTION. */
CURLcode ccw_setopt_write_callback(CURL *handle, ccw_data_callback callback);

/** Sets CURLOPT_HEADERFUNCTION. */
CURLcode ccw_setopt_header_callback(CURL *handle, ccw_data_callback callback);

/** Sets CURLOPT_XFERINFOFUNCTION (also clears CURLOPT_NOPROGRESS so that it is called). */
CURLcode ccw_setopt_xferinfo_callback(CURL *handle, curl_xferinfo_callback callback);

/** Reads a `long` info value. */
CURLcode ccw_getinfo_long(CURL *handle, CURLINFO info, long *value);

/** Reads a `double` info value. */
CURLcode ccw_getinfo_double(CURL *handle, CURLINFO info, double *value);

/** Reads a string info value; the string is owned by libcurl and valid until the next transfer. */
CURLcode ccw_getinfo_string(CURL *handle, CURLINFO info, const char **value);

#ifdef __cplusplus
}
#endif

#endif /* CCURLSHIM_H */
