/*
 * executors/ssh/hostkey.c: host keys. Checks the server's key against
 * the known_hosts file (strict, or accept-new which records a new host's
 * key), prefers the algorithms known_hosts holds for the host, and names
 * keys by their SHA256 fingerprint as OpenSSH prints them.
 */
#include "build-config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/crypto.h"
#include "executors/ssh/ssh_internal.h"


static const struct {
	int hostkey_type;	/* LIBSSH2_HOSTKEY_TYPE_* */
	int known_type;		/* LIBSSH2_KNOWNHOST_KEY_* */
	const char *label;
	const char *methods;	/* host key algorithms for method_pref */
} key_types[] = {
	{LIBSSH2_HOSTKEY_TYPE_ED25519, LIBSSH2_KNOWNHOST_KEY_ED25519, "ED25519",
	 "ssh-ed25519"},
	{LIBSSH2_HOSTKEY_TYPE_ECDSA_256, LIBSSH2_KNOWNHOST_KEY_ECDSA_256,
	 "ECDSA", "ecdsa-sha2-nistp256"},
	{LIBSSH2_HOSTKEY_TYPE_ECDSA_384, LIBSSH2_KNOWNHOST_KEY_ECDSA_384,
	 "ECDSA", "ecdsa-sha2-nistp384"},
	{LIBSSH2_HOSTKEY_TYPE_ECDSA_521, LIBSSH2_KNOWNHOST_KEY_ECDSA_521,
	 "ECDSA", "ecdsa-sha2-nistp521"},
	{LIBSSH2_HOSTKEY_TYPE_RSA, LIBSSH2_KNOWNHOST_KEY_SSHRSA, "RSA",
	 "rsa-sha2-512,rsa-sha2-256,ssh-rsa"},
};

/* Load the known_hosts file into a libssh2 collection (a missing file is
 * an empty one). */
static LIBSSH2_KNOWNHOSTS *known_hosts_load(struct ssh_conn *c)
{
	struct ssh_exec *ex = c->host->ex;
	LIBSSH2_KNOWNHOSTS *kh = libssh2_knownhost_init(c->session);

	if (kh && access(ex->known_hosts, F_OK) == 0)
		libssh2_knownhost_readfile(kh, ex->known_hosts,
					   LIBSSH2_KNOWNHOST_FILE_OPENSSH);
	return kh;
}

static int known_hosts_check(LIBSSH2_KNOWNHOSTS *kh, struct ssh_host *h,
			     const char *key, size_t len, int known_type)
{
	int mask = LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW |
		   known_type;
	int rc = libssh2_knownhost_checkp(kh, h->name, h->port, key, len, mask,
					  NULL);

	if (rc == LIBSSH2_KNOWNHOST_CHECK_NOTFOUND && h->port == 22)
		rc = libssh2_knownhost_checkp(kh, h->name, -1, key, len, mask,
					      NULL);
	return rc;
}

/*
 * Keep only the methods this libssh2 supports, in order. libssh2 1.10
 * removes unsupported names from a preference list with an overlapping
 * memcpy (undefined behaviour), so it must never see one.
 */
static void
hostkey_pref_supported(LIBSSH2_SESSION *session, struct buf *pref)
{
	const char **algs = NULL;
	int n = libssh2_session_supported_algs(session, LIBSSH2_METHOD_HOSTKEY,
					       &algs);
	struct buf keep;
	char *list = xstrdup(buf_str(pref)), *p = list;

	buf_init(&keep, 0);
	while (p != NULL && *p != '\0') {
		char *comma = strchr(p, ',');

		if (comma != NULL)
			*comma = '\0';
		for (int i = 0; i < n; i++)
			if (strcmp(algs[i], p) == 0) {
				if (keep.len)
					buf_addc(&keep, ',');
				buf_adds(&keep, p);
				break;
			}
		p = comma ? comma + 1 : NULL;
	}
	if (n > 0)
		libssh2_free(session, algs);
	free(list);
	buf_free(pref);
	*pref = keep;
}

/*
 * Prefer the host key algorithms known_hosts already holds for this host,
 * so a server with several host keys offers one we can verify. Probing
 * with a dummy key tells "an entry of this type exists" (mismatch) from
 * "none" (not found), and works for hashed entries too.
 */
void ssh_hostkey_prefer_known(struct ssh_conn *c)
{
	LIBSSH2_KNOWNHOSTS *kh = known_hosts_load(c);
	struct buf known, rest;
	size_t i;

	if (!kh)
		return;
	buf_init(&known, 0);
	buf_init(&rest, 0);
	for (i = 0; i < SL_ARRAY_LEN(key_types); i++) {
		int rc = known_hosts_check(kh, c->host, "x", 1,
					   key_types[i].known_type);
		struct buf *b = rc == LIBSSH2_KNOWNHOST_CHECK_MISMATCH ? &known
								       : &rest;
		if (b->len)
			buf_addc(b, ',');
		buf_adds(b, key_types[i].methods);
	}
	if (known.len) {
		if (rest.len)
			buf_printf(&known, ",%s", buf_str(&rest));
		hostkey_pref_supported(c->session, &known);
		if (known.len)
			libssh2_session_method_pref(c->session, LIBSSH2_METHOD_HOSTKEY,
						    buf_str(&known));
	}
	buf_free(&known);
	buf_free(&rest);
	libssh2_knownhost_free(kh);
}

/* "SHA256:..." (base64 without padding, as OpenSSH prints it). */
static void hostkey_fingerprint(LIBSSH2_SESSION *s, char *out, size_t n)
{
	const unsigned char *hash = (const unsigned char *)libssh2_hostkey_hash(
		s, LIBSSH2_HOSTKEY_HASH_SHA256);
	char b64[SL_BASE64_LEN(SL_SHA256_LEN) + 1];
	size_t len;

	if (!hash) {
		snprintf(out, n, "SHA256:(unavailable)");
		return;
	}
	len = sl_base64_encode(hash, SL_SHA256_LEN, b64);
	while (len > 0 && b64[len - 1] == '=')
		b64[--len] = '\0';
	snprintf(out, n, "SHA256:%s", b64);
}

/* Append the host's key to known_hosts (accept-new). */
static int known_hosts_add(struct ssh_conn *c, const char *key, size_t len,
			   int known_type, char *why, size_t whylen)
{
	struct ssh_exec *ex = c->host->ex;
	LIBSSH2_KNOWNHOSTS *kh = libssh2_knownhost_init(c->session);
	struct libssh2_knownhost *node = NULL;
	char *name, line[8192], *dir, *slash;
	size_t linelen = 0;
	int fd, rc = -1;

	if (!kh) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	name = c->host->port == 22 ? xstrdup(c->host->name)
				   : xasprintf("[%s]:%d", c->host->name,
					       c->host->port);
	if (libssh2_knownhost_addc(kh, name, NULL, key, len, NULL, 0,
				   LIBSSH2_KNOWNHOST_TYPE_PLAIN |
					   LIBSSH2_KNOWNHOST_KEYENC_RAW |
					   known_type,
				   &node) != 0 ||
	    libssh2_knownhost_writeline(kh, node, line, sizeof line, &linelen,
					LIBSSH2_KNOWNHOST_FILE_OPENSSH) != 0) {
		snprintf(why, whylen, "cannot format the known_hosts line");
		goto out;
	}
	dir = xstrdup(ex->known_hosts);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		sl_mkdirs(dir, 0700, NULL);
	}
	free(dir);
	fd = open(ex->known_hosts, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
		  0600);
	if (fd < 0 || write(fd, line, linelen) != (ssize_t)linelen) {
		snprintf(why, whylen, "cannot write %s: %s", ex->known_hosts,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	close(fd);
	rc = 0;
out:
	free(name);
	libssh2_knownhost_free(kh);
	return rc;
}

/* Verify the server's host key against known_hosts; on refusal, fail the
 * connection with a message naming the host and the key's fingerprint. */
int ssh_hostkey_verify(struct ssh_conn *c)
{
	struct ssh_exec *ex = c->host->ex;
	struct ssh_host *h = c->host;
	LIBSSH2_KNOWNHOSTS *kh;
	const char *key, *label = "unknown";
	size_t len, i;
	int type, known_type = 0, rc;
	char fp[96], why[512];

	key = libssh2_session_hostkey(c->session, &len, &type);
	if (!key) {
		ssh_conn_fail(c, 1, "%s sent no host key", h->label);
		return -1;
	}
	for (i = 0; i < SL_ARRAY_LEN(key_types); i++) {
		if (key_types[i].hostkey_type == type) {
			known_type = key_types[i].known_type;
			label = key_types[i].label;
		}
	}
	hostkey_fingerprint(c->session, fp, sizeof fp);
	snprintf(c->hostkey_desc, sizeof c->hostkey_desc, "%s %s", label, fp);
	if (!known_type) {
		ssh_conn_fail(c, 1, "host key of %s has an unsupported type (%s)",
			      h->label, fp);
		return -1;
	}
	kh = known_hosts_load(c);
	if (!kh) {
		ssh_conn_fail(c, 1, "cannot check the host key of %s: out of memory",
			      h->label);
		return -1;
	}
	rc = known_hosts_check(kh, h, key, len, known_type);
	libssh2_knownhost_free(kh);
	switch (rc) {
	case LIBSSH2_KNOWNHOST_CHECK_MATCH:
		return 0;
	case LIBSSH2_KNOWNHOST_CHECK_MISMATCH: {
		/* the entry's name as known_hosts spells it, for the advice */
		char *entry = h->port == 22 ? xstrdup(h->name)
				: xasprintf("[%s]:%d", h->name, h->port);

		ssh_conn_fail(c, 1,
			      "HOST KEY OF %s HAS CHANGED: it offers %s %s, which "
			      "does not match the key in %s; refusing to connect "
			      "(someone may be intercepting the connection, or "
			      "the host was reinstalled: check the fingerprint "
			      "with the host's owner, then remove the old key "
			      "with ssh-keygen -R '%s' -f '%s' and add the new "
			      "one: ssh-keyscan, or host_key_check: accept-new "
			      "records it at the next connection)",
			      h->label, label, fp, ex->known_hosts, entry,
			      ex->known_hosts);
		free(entry);
		return -1;
	}
	case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND:
		if (ex->accept_new) {
			if (known_hosts_add(c, key, len, known_type, why,
					    sizeof why) < 0) {
				ssh_conn_fail(c, 1,
					      "cannot record the new host key of "
					      "%s (%s %s): %s",
					      h->label, label, fp, why);
				return -1;
			}
			return 0;
		}
		/* a known_hosts path with a typo reads as an empty file:
		 * say so, or the advice sends people to the wrong file */
		ssh_conn_fail(c, 1,
			      "host key of %s is not known: %s %s is not in %s%s "
			      "(host_key_check: strict); add the host's key to "
			      "that file (ssh-keyscan), or set host_key_check: "
			      "accept-new",
			      h->label, label, fp, ex->known_hosts,
			      access(ex->known_hosts, F_OK) != 0 && errno == ENOENT
				      ? ", which does not exist" : "");
		return -1;
	default:
		ssh_conn_fail(c, 1, "cannot check the host key of %s (%s %s) "
			      "against %s", h->label, label, fp, ex->known_hosts);
		return -1;
	}
}
