/*
 * lazylib_syms.c: every function of libcurl, libpq and libssh2 that sluice
 * calls, each with its header's prototype (a mismatch does not compile),
 * loading its library on the first call (base/lazylib.h). Linked into
 * every program instead of the libraries themselves. A function sluice
 * starts to use gets its line here; the link fails until it has one.
 * curl_global_init has none: the loader calls it, once, when it loads
 * libcurl (base/lazylib.c), before any other call can reach libcurl.
 */
#define CURL_DISABLE_TYPECHECK	/* the real functions, not the checking macros */
#include <curl/curl.h>
#include <libpq-fe.h>
#include <libssh2.h>
#include <stdarg.h>

#include "base/lazylib.h"

/* The pointer to the real function, found on its first call. Threads may
 * race to find it: each finds the same address. */
#define LAZY_FN(lib, ret, name, params)                                     \
	static ret(*lazy_real_##name) params;                                    \
	static ret(*lazy_get_##name(void)) params                                \
	{                                                                   \
		ret(*f) params = __atomic_load_n(&lazy_real_##name, __ATOMIC_ACQUIRE); \
		if (f == NULL) {                                            \
			f = (ret(*) params)lazylib_sym(lib, #name);         \
			__atomic_store_n(&lazy_real_##name, f, __ATOMIC_RELEASE); \
		}                                                           \
		return f;                                                   \
	}
#define LAZY(lib, ret, name, params, args)                                  \
	LAZY_FN(lib, ret, name, params)                                     \
	ret name params { return lazy_get_##name() args; }
#define LAZY_VOID(lib, name, params, args)                                  \
	LAZY_FN(lib, void, name, params)                                    \
	void name params { lazy_get_##name() args; }

/* --- libcurl --- */
LAZY_VOID(LAZYLIB_CURL, curl_easy_cleanup, (CURL *curl), (curl))
LAZY(LAZYLIB_CURL, CURL *, curl_easy_init, (void), ())
LAZY(LAZYLIB_CURL, CURLcode, curl_easy_perform, (CURL *curl), (curl))
LAZY(LAZYLIB_CURL, const char *, curl_easy_strerror, (CURLcode a0), (a0))
LAZY_VOID(LAZYLIB_CURL, curl_free, (void *p), (p))
LAZY(LAZYLIB_CURL, CURLMcode, curl_multi_add_handle, (CURLM *multi_handle, CURL *curl_handle), (multi_handle, curl_handle))
LAZY(LAZYLIB_CURL, CURLMcode, curl_multi_assign, (CURLM *multi_handle, curl_socket_t sockfd, void *sockp), (multi_handle, sockfd, sockp))
LAZY(LAZYLIB_CURL, CURLMsg *, curl_multi_info_read, (CURLM *multi_handle, int *msgs_in_queue), (multi_handle, msgs_in_queue))
LAZY(LAZYLIB_CURL, CURLM *, curl_multi_init, (void), ())
LAZY(LAZYLIB_CURL, CURLMcode, curl_multi_remove_handle, (CURLM *multi_handle, CURL *curl_handle), (multi_handle, curl_handle))
LAZY(LAZYLIB_CURL, CURLMcode, curl_multi_socket_action, (CURLM *multi_handle, curl_socket_t s, int ev_bitmask, int *running_handles), (multi_handle, s, ev_bitmask, running_handles))
LAZY(LAZYLIB_CURL, const char *, curl_multi_strerror, (CURLMcode a0), (a0))
LAZY(LAZYLIB_CURL, struct curl_slist *, curl_slist_append, (struct curl_slist *list, const char *data), (list, data))
LAZY_VOID(LAZYLIB_CURL, curl_slist_free_all, (struct curl_slist *list), (list))
LAZY(LAZYLIB_CURL, CURLU *, curl_url, (void), ())
LAZY_VOID(LAZYLIB_CURL, curl_url_cleanup, (CURLU *handle), (handle))
LAZY(LAZYLIB_CURL, CURLUcode, curl_url_get, (CURLU *handle, CURLUPart what, char **part, unsigned int flags), (handle, what, part, flags))
LAZY(LAZYLIB_CURL, CURLUcode, curl_url_set, (CURLU *handle, CURLUPart what, const char *part, unsigned int flags), (handle, what, part, flags))
LAZY(LAZYLIB_CURL, curl_version_info_data *, curl_version_info, (CURLversion a0), (a0))

/* --- libpq --- */
LAZY(LAZYLIB_PQ, int, PQlibVersion, (void), ())
LAZY(LAZYLIB_PQ, int, PQcancel, (PGcancel *cancel, char *errbuf, int errbufsize), (cancel, errbuf, errbufsize))
LAZY_VOID(LAZYLIB_PQ, PQclear, (PGresult *res), (res))
LAZY(LAZYLIB_PQ, char *, PQcmdStatus, (PGresult *res), (res))
LAZY(LAZYLIB_PQ, char *, PQcmdTuples, (PGresult *res), (res))
LAZY(LAZYLIB_PQ, PGconn *, PQconnectdbParams, (const char *const *keywords, const char *const *values, int expand_dbname), (keywords, values, expand_dbname))
LAZY(LAZYLIB_PQ, int, PQconsumeInput, (PGconn *conn), (conn))
LAZY(LAZYLIB_PQ, char *, PQerrorMessage, (const PGconn *conn), (conn))
LAZY(LAZYLIB_PQ, PGresult *, PQexec, (PGconn *conn, const char *query), (conn, query))
LAZY(LAZYLIB_PQ, PGresult *, PQexecParams, (PGconn *conn, const char *command, int nParams, const Oid *paramTypes, const char *const *paramValues, const int *paramLengths, const int *paramFormats, int resultFormat), (conn, command, nParams, paramTypes, paramValues, paramLengths, paramFormats, resultFormat))
LAZY_VOID(LAZYLIB_PQ, PQfinish, (PGconn *conn), (conn))
LAZY_VOID(LAZYLIB_PQ, PQfreeCancel, (PGcancel *cancel), (cancel))
LAZY(LAZYLIB_PQ, PGcancel *, PQgetCancel, (PGconn *conn), (conn))
LAZY(LAZYLIB_PQ, PGresult *, PQgetResult, (PGconn *conn), (conn))
LAZY(LAZYLIB_PQ, int, PQgetisnull, (const PGresult *res, int tup_num, int field_num), (res, tup_num, field_num))
LAZY(LAZYLIB_PQ, char *, PQgetvalue, (const PGresult *res, int tup_num, int field_num), (res, tup_num, field_num))
LAZY(LAZYLIB_PQ, int, PQisBusy, (PGconn *conn), (conn))
LAZY(LAZYLIB_PQ, int, PQnfields, (const PGresult *res), (res))
LAZY(LAZYLIB_PQ, int, PQntuples, (const PGresult *res), (res))
LAZY(LAZYLIB_PQ, int, PQputCopyData, (PGconn *conn, const char *buffer, int nbytes), (conn, buffer, nbytes))
LAZY(LAZYLIB_PQ, int, PQputCopyEnd, (PGconn *conn, const char *errormsg), (conn, errormsg))
LAZY(LAZYLIB_PQ, char *, PQresultErrorField, (const PGresult *res, int fieldcode), (res, fieldcode))
LAZY(LAZYLIB_PQ, char *, PQresultErrorMessage, (const PGresult *res), (res))
LAZY(LAZYLIB_PQ, ExecStatusType, PQresultStatus, (const PGresult *res), (res))
LAZY(LAZYLIB_PQ, int, PQsendQuery, (PGconn *conn, const char *query), (conn, query))
LAZY(LAZYLIB_PQ, int, PQsocket, (const PGconn *conn), (conn))
LAZY(LAZYLIB_PQ, ConnStatusType, PQstatus, (const PGconn *conn), (conn))

/* --- libssh2 --- */
LAZY(LAZYLIB_SSH2, int, libssh2_agent_connect, (LIBSSH2_AGENT *agent), (agent))
LAZY(LAZYLIB_SSH2, int, libssh2_agent_disconnect, (LIBSSH2_AGENT *agent), (agent))
LAZY_VOID(LAZYLIB_SSH2, libssh2_agent_free, (LIBSSH2_AGENT *agent), (agent))
LAZY(LAZYLIB_SSH2, int, libssh2_agent_get_identity, (LIBSSH2_AGENT *agent, struct libssh2_agent_publickey **store, struct libssh2_agent_publickey *prev), (agent, store, prev))
LAZY(LAZYLIB_SSH2, LIBSSH2_AGENT *, libssh2_agent_init, (LIBSSH2_SESSION *session), (session))
LAZY(LAZYLIB_SSH2, int, libssh2_agent_list_identities, (LIBSSH2_AGENT *agent), (agent))
LAZY(LAZYLIB_SSH2, int, libssh2_agent_userauth, (LIBSSH2_AGENT *agent, const char *username, struct libssh2_agent_publickey *identity), (agent, username, identity))
LAZY(LAZYLIB_SSH2, int, libssh2_channel_close, (LIBSSH2_CHANNEL *channel), (channel))
LAZY(LAZYLIB_SSH2, LIBSSH2_CHANNEL *, libssh2_channel_direct_tcpip_ex, (LIBSSH2_SESSION *session, const char *host, int port, const char *shost, int sport), (session, host, port, shost, sport))
LAZY(LAZYLIB_SSH2, int, libssh2_channel_eof, (LIBSSH2_CHANNEL *channel), (channel))
LAZY(LAZYLIB_SSH2, int, libssh2_channel_free, (LIBSSH2_CHANNEL *channel), (channel))
LAZY(LAZYLIB_SSH2, int, libssh2_channel_get_exit_signal, (LIBSSH2_CHANNEL* channel, char **exitsignal, size_t *exitsignal_len, char **errmsg, size_t *errmsg_len, char **langtag, size_t *langtag_len), (channel, exitsignal, exitsignal_len, errmsg, errmsg_len, langtag, langtag_len))
LAZY(LAZYLIB_SSH2, int, libssh2_channel_get_exit_status, (LIBSSH2_CHANNEL* channel), (channel))
LAZY(LAZYLIB_SSH2, LIBSSH2_CHANNEL *, libssh2_channel_open_ex, (LIBSSH2_SESSION *session, const char *channel_type, unsigned int channel_type_len, unsigned int window_size, unsigned int packet_size, const char *message, unsigned int message_len), (session, channel_type, channel_type_len, window_size, packet_size, message, message_len))
LAZY(LAZYLIB_SSH2, int, libssh2_channel_process_startup, (LIBSSH2_CHANNEL *channel, const char *request, unsigned int request_len, const char *message, unsigned int message_len), (channel, request, request_len, message, message_len))
LAZY(LAZYLIB_SSH2, ssize_t, libssh2_channel_read_ex, (LIBSSH2_CHANNEL *channel, int stream_id, char *buf, size_t buflen), (channel, stream_id, buf, buflen))
LAZY(LAZYLIB_SSH2, int, libssh2_channel_send_eof, (LIBSSH2_CHANNEL *channel), (channel))
LAZY(LAZYLIB_SSH2, int, libssh2_channel_wait_closed, (LIBSSH2_CHANNEL *channel), (channel))
LAZY(LAZYLIB_SSH2, ssize_t, libssh2_channel_write_ex, (LIBSSH2_CHANNEL *channel, int stream_id, const char *buf, size_t buflen), (channel, stream_id, buf, buflen))
LAZY_VOID(LAZYLIB_SSH2, libssh2_exit, (void), ())
LAZY_VOID(LAZYLIB_SSH2, libssh2_free, (LIBSSH2_SESSION *session, void *ptr), (session, ptr))
LAZY(LAZYLIB_SSH2, const char *, libssh2_hostkey_hash, (LIBSSH2_SESSION *session, int hash_type), (session, hash_type))
LAZY(LAZYLIB_SSH2, int, libssh2_init, (int flags), (flags))
LAZY_VOID(LAZYLIB_SSH2, libssh2_keepalive_config, (LIBSSH2_SESSION *session, int want_reply, unsigned interval), (session, want_reply, interval))
LAZY(LAZYLIB_SSH2, int, libssh2_keepalive_send, (LIBSSH2_SESSION *session, int *seconds_to_next), (session, seconds_to_next))
LAZY(LAZYLIB_SSH2, int, libssh2_knownhost_addc, (LIBSSH2_KNOWNHOSTS *hosts, const char *host, const char *salt, const char *key, size_t keylen, const char *comment, size_t commentlen, int typemask, struct libssh2_knownhost **store), (hosts, host, salt, key, keylen, comment, commentlen, typemask, store))
LAZY(LAZYLIB_SSH2, int, libssh2_knownhost_checkp, (LIBSSH2_KNOWNHOSTS *hosts, const char *host, int port, const char *key, size_t keylen, int typemask, struct libssh2_knownhost **knownhost), (hosts, host, port, key, keylen, typemask, knownhost))
LAZY_VOID(LAZYLIB_SSH2, libssh2_knownhost_free, (LIBSSH2_KNOWNHOSTS *hosts), (hosts))
LAZY(LAZYLIB_SSH2, LIBSSH2_KNOWNHOSTS *, libssh2_knownhost_init, (LIBSSH2_SESSION *session), (session))
LAZY(LAZYLIB_SSH2, int, libssh2_knownhost_readfile, (LIBSSH2_KNOWNHOSTS *hosts, const char *filename, int type), (hosts, filename, type))
LAZY(LAZYLIB_SSH2, int, libssh2_knownhost_writeline, (LIBSSH2_KNOWNHOSTS *hosts, struct libssh2_knownhost *known, char *buffer, size_t buflen, size_t *outlen, int type), (hosts, known, buffer, buflen, outlen, type))
LAZY(LAZYLIB_SSH2, int, libssh2_session_block_directions, (LIBSSH2_SESSION *session), (session))
LAZY(LAZYLIB_SSH2, int, libssh2_session_disconnect_ex, (LIBSSH2_SESSION *session, int reason, const char *description, const char *lang), (session, reason, description, lang))
LAZY(LAZYLIB_SSH2, int, libssh2_session_free, (LIBSSH2_SESSION *session), (session))
LAZY(LAZYLIB_SSH2, int, libssh2_session_handshake, (LIBSSH2_SESSION *session, libssh2_socket_t sock), (session, sock))
LAZY(LAZYLIB_SSH2, const char *, libssh2_session_hostkey, (LIBSSH2_SESSION *session, size_t *len, int *type), (session, len, type))
LAZY(LAZYLIB_SSH2, LIBSSH2_SESSION *, libssh2_session_init_ex, (void *(*my_alloc)(size_t count, void **abstract), void (*my_free)(void *ptr, void **abstract), void *(*my_realloc)(void *ptr, size_t count, void **abstract), void *abstract), (my_alloc, my_free, my_realloc, abstract))
LAZY(LAZYLIB_SSH2, int, libssh2_session_last_errno, (LIBSSH2_SESSION *session), (session))
LAZY(LAZYLIB_SSH2, int, libssh2_session_last_error, (LIBSSH2_SESSION *session, char **errmsg, int *errmsg_len, int want_buf), (session, errmsg, errmsg_len, want_buf))
LAZY(LAZYLIB_SSH2, int, libssh2_session_method_pref, (LIBSSH2_SESSION *session, int method_type, const char *prefs), (session, method_type, prefs))
LAZY_VOID(LAZYLIB_SSH2, libssh2_session_set_blocking, (LIBSSH2_SESSION* session, int blocking), (session, blocking))
LAZY(LAZYLIB_SSH2, int, libssh2_session_supported_algs, (LIBSSH2_SESSION* session, int method_type, const char ***algs), (session, method_type, algs))
LAZY(LAZYLIB_SSH2, int, libssh2_userauth_authenticated, (LIBSSH2_SESSION *session), (session))
LAZY(LAZYLIB_SSH2, char *, libssh2_userauth_list, (LIBSSH2_SESSION *session, const char *username, unsigned int username_len), (session, username, username_len))
LAZY(LAZYLIB_SSH2, int, libssh2_userauth_publickey_fromfile_ex, (LIBSSH2_SESSION *session, const char *username, unsigned int username_len, const char *publickey, const char *privatekey, const char *passphrase), (session, username, username_len, publickey, privatekey, passphrase))
LAZY(LAZYLIB_SSH2, const char *, libssh2_version, (int req_version_num), (req_version_num))

/*
 * The three variadic functions take one value after the option. A setter
 * reads it as the type the option's number says (curl.h: CURLOPTTYPE_*)
 * and passes it on as that type.
 */
#define LAZY_SETOPT(name, handle_t, option_t, ret)                            \
	LAZY_FN(LAZYLIB_CURL, ret, name, (handle_t *, option_t, ...))         \
	ret name(handle_t *h, option_t o, ...)                                \
	{                                                                     \
		ret (*real)(handle_t *, option_t, ...) = lazy_get_##name();   \
		ret rc;                                                       \
		va_list ap;                                                   \
                                                                              \
		va_start(ap, o);                                              \
		rc = o < CURLOPTTYPE_OBJECTPOINT ? real(h, o, va_arg(ap, long)) : \
		     o < CURLOPTTYPE_FUNCTIONPOINT ? real(h, o, va_arg(ap, void *)) : \
		     o < CURLOPTTYPE_OFF_T ? real(h, o, va_arg(ap, void (*)(void))) : \
		     o < CURLOPTTYPE_BLOB ? real(h, o, va_arg(ap, curl_off_t)) : \
					    real(h, o, va_arg(ap, void *));   \
		va_end(ap);                                                   \
		return rc;                                                    \
	}
LAZY_SETOPT(curl_easy_setopt, CURL, CURLoption, CURLcode)
LAZY_SETOPT(curl_multi_setopt, CURLM, CURLMoption, CURLMcode)

/* every CURLINFO_* takes a pointer */
LAZY_FN(LAZYLIB_CURL, CURLcode, curl_easy_getinfo, (CURL *, CURLINFO, ...))
CURLcode
curl_easy_getinfo(CURL *curl, CURLINFO info, ...)
{
	CURLcode (*real)(CURL *, CURLINFO, ...) = lazy_get_curl_easy_getinfo();
	void *p;
	va_list ap;

	va_start(ap, info);
	p = va_arg(ap, void *);
	va_end(ap);
	return real(curl, info, p);
}
