/*
 * executors/ssh/auth.c: the SSH handshake and login of a connection
 * (states C_HANDSHAKE to C_READY): host key check (hostkey.c), then
 * public key authentication through ssh-agent and/or a key file, with
 * messages that say which step failed and why.
 */
#include "build-config.h"

#include <stdlib.h>
#include <string.h>

#include "executors/ssh/ssh_internal.h"

/* Is the private key file an RSA key? (PEM "RSA PRIVATE KEY", or an
 * OpenSSH-format key whose unencrypted public part is ssh-rsa.) */
static int key_is_rsa(const char *path)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	static const char begin[] = "-----BEGIN OPENSSH PRIVATE KEY-----";
	unsigned char raw[384];
	char *text = NULL;
	const char *p, *d;
	size_t len, n = 0, i;
	unsigned acc = 0;
	int bits = 0, rsa = 0;

	if (sl_read_file(path, 65536, &text, &len, NULL) < 0)
		return 0;
	if (strstr(text, "BEGIN RSA PRIVATE KEY")) {
		free(text);
		return 1;
	}
	p = strstr(text, begin);
	if (p) {
		for (p += sizeof begin - 1; *p && *p != '-' && n < sizeof raw;
		     p++) {
			d = strchr(b64, *p);
			if (!d || !*p)
				continue;
			acc = (acc << 6) | (unsigned)(d - b64);
			bits += 6;
			if (bits >= 8) {
				bits -= 8;
				raw[n++] = (unsigned char)(acc >> bits);
			}
		}
		for (i = 0; i + 11 <= n; i++)
			if (memcmp(raw + i, "\0\0\0\7ssh-rsa", 11) == 0)
				rsa = 1;
	}
	free(text);
	return rsa;
}

/* Advance the connection's own state machine (before C_READY). */
int ssh_auth_step(struct ssh_conn *c)
{
	struct ssh_host *h = c->host;
	struct ssh_exec *ex = h->ex;
	int rc;

	switch (c->state) {
	case C_HANDSHAKE:
		rc = libssh2_session_handshake(c->session, c->fd);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return 0;
		if (rc) {
			ssh_conn_fail(c, 1, "SSH handshake with %s failed: %s",
				      h->label, ssh_errmsg(c->session));
			return 0;
		}
		c->in_hostkey_check = 1;
		rc = ssh_hostkey_verify(c);
		c->in_hostkey_check = 0;
		if (rc < 0)
			return 0;
		c->state = C_AUTH_LIST;
		return 1;
	case C_AUTH_LIST: {
		char *list = libssh2_userauth_list(c->session, h->user,
						   (unsigned)strlen(h->user));
		if (!list) {
			if (libssh2_userauth_authenticated(c->session)) {
				ssh_conn_ready(c);
				return 1;
			}
			if (ssh_eagain(c->session))
				return 0;
			ssh_conn_fail(c, 1, "%s: cannot list authentication "
				      "methods: %s", h->label,
				      ssh_errmsg(c->session));
			return 0;
		}
		if (!strstr(list, "publickey")) {
			ssh_conn_fail(c, 1, "authentication as %s on %s failed: the "
				      "server does not accept public keys (it "
				      "offers: %s)", h->user, h->label, list);
			return 0;
		}
		c->state = ex->agent ? C_AUTH_AGENT : C_AUTH_KEY;
		return 1;
	}
	case C_AUTH_AGENT:
		if (!c->agent) {
			c->agent = libssh2_agent_init(c->session);
			/* Talking to the agent is a local socket round trip. */
			if (!c->agent ||
			    libssh2_agent_connect(c->agent) != 0 ||
			    libssh2_agent_list_identities(c->agent) != 0) {
				if (!ex->key_path) {
					ssh_conn_fail(c, 1, "%s: cannot use "
						      "ssh-agent (SSH_AUTH_SOCK=%s): "
						      "%s", h->label,
						      getenv("SSH_AUTH_SOCK") ?
						      getenv("SSH_AUTH_SOCK") :
						      "unset",
						      ssh_errmsg(c->session));
					return 0;
				}
				c->state = C_AUTH_KEY;
				return 1;
			}
			c->agent_id = NULL;
			if (libssh2_agent_get_identity(c->agent, &c->agent_id,
						       NULL) != 0)
				c->agent_id = NULL;
		}
		while (c->agent_id) {
			rc = libssh2_agent_userauth(c->agent, h->user,
						    c->agent_id);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return 0;
			if (rc == 0) {
				ssh_conn_ready(c);
				return 1;
			}
			if (libssh2_agent_get_identity(c->agent, &c->agent_id,
						       c->agent_id) != 0)
				c->agent_id = NULL;
		}
		if (ex->key_path) {
			c->state = C_AUTH_KEY;
			return 1;
		}
		ssh_conn_fail(c, 1, "authentication as %s on %s failed: the server "
			      "accepted none of ssh-agent's keys", h->user,
			      h->label);
		return 0;
	case C_AUTH_KEY: {
		const char *pass = ex->passphrase_env ?
					   getenv(ex->passphrase_env) : NULL;
		if (!ex->key_path) {
			ssh_conn_fail(c, 1, "authentication as %s on %s failed: no "
				      "key configured", h->user, h->label);
			return 0;
		}
		rc = libssh2_userauth_publickey_fromfile_ex(
			c->session, h->user, (unsigned)strlen(h->user), NULL,
			ex->key_path, pass ? pass : "");
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return 0;
		if (rc == 0) {
			ssh_conn_ready(c);
			return 1;
		}
		if (rc == LIBSSH2_ERROR_FILE)
			ssh_conn_fail(c, 1, "cannot use the private key %s for %s: "
				      "%s (wrong passphrase%s, or not an "
				      "ed25519/ECDSA/RSA private key?)",
				      ex->key_path, h->label,
				      ssh_errmsg(c->session),
				      ex->passphrase_env ? "" :
				      " or key_passphrase_env not set");
		else
			ssh_conn_fail(c, 1, "authentication as %s on %s failed: "
				      "the server refused the key %s (%s); its "
				      "public key (%s.pub) must be in %s's "
				      "~/.ssh/authorized_keys there, or user: "
				      "names another user%s", h->user,
				      h->label, ex->key_path,
				      ssh_errmsg(c->session), ex->key_path,
				      h->user,
				      !libssh2_version(0x010b00) &&
						  key_is_rsa(ex->key_path) ?
					  "; note: this libssh2 (before 1.11) "
					  "signs with RSA keys only as ssh-rsa "
					  "(SHA-1), which OpenSSH 8.8 and later "
					  "refuse by default: use an ed25519 or "
					  "ECDSA key, or allow ssh-rsa on the "
					  "server (PubkeyAcceptedAlgorithms "
					  "+ssh-rsa)" : "");
		return 0;
	}
	default:
		return 0;
	}
}
