/*
 * lazylib.h: libcurl, libpq and libssh2, loaded the first time they are
 * used. Linked the usual way, they and what they pull in (OpenSSL,
 * GnuTLS, Kerberos, LDAP: some forty libraries) were mapped and relocated
 * at every start of every sluice process: ~15 ms before any command did
 * anything, and ~6 MB of a scheduler that runs shell tasks only. Now
 * base/lazylib_syms.c defines each function sluice calls from them with
 * the library header's own prototype; the first call loads the library by
 * its soname (found by configure) and every call goes on to the real
 * function. Only S3, Lambda, Glue, EMR, SMTP, webhook, Slurm REST,
 * warehouse and SSH work loads them.
 *
 * A library that cannot be loaded: lazylib_load() says so, and the code
 * that starts each kind of work calls it first and fails that work with
 * the message; a call that reaches a forwarder of lazylib_syms.c without
 * it ends the process with the same message (a broken installation, not something a DAG can cause).
 */
#ifndef SLUICE_LAZYLIB_H
#define SLUICE_LAZYLIB_H

struct sl_err;

enum lazylib {
	LAZYLIB_CURL,		/* HTTP: AWS, SMTP, webhooks, Slurm REST */
	LAZYLIB_PQ,		/* PostgreSQL and Redshift */
	LAZYLIB_SSH2,		/* the ssh executor */
	LAZYLIB_N
};

/* Load lib if it is not yet: 0, or -1 with err saying which library, for
 * what, why, and which Debian package has it. Thread-safe. */
int lazylib_load(enum lazylib lib, struct sl_err *err);
/* Is lib loaded in this process? */
int lazylib_loaded(enum lazylib lib);
/* The address of the function name of lib, loading lib first. Ends the
 * process (sl_fatal, the reason on stderr) when either cannot be found. */
void *lazylib_sym(enum lazylib lib, const char *name);

#endif
