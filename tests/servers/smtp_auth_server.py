"""An SMTP server that requires AUTH, for sluice's email tests.

aiosmtpd's command line cannot require AUTH, so this starts the same
server (Debian's python3-aiosmtpd) through its Controller with an
authenticator that accepts exactly one user and password:

    /usr/bin/python3 smtp_auth_server.py PORT MAILDIR USER PASSWORD [CERT KEY]

With CERT and KEY, STARTTLS is offered and required before AUTH; without
them AUTH is allowed in the clear (loopback only). Messages land in the
Maildir, as with `-c aiosmtpd.handlers.Mailbox`. Runs until SIGTERM.
"""
import signal
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import AuthResult, LoginPassword


def main():
    port, maildir, user, password = sys.argv[1:5]
    tls = None
    if len(sys.argv) >= 7:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(sys.argv[5], sys.argv[6])

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login == user.encode()
              and auth_data.password == password.encode())
        # handled=False: the server itself answers 535 on a failure
        return AuthResult(success=ok, handled=False)

    controller = Controller(
        Mailbox(maildir), hostname="127.0.0.1", port=int(port),
        authenticator=authenticator, auth_required=True,
        auth_require_tls=tls is not None, tls_context=tls,
        require_starttls=tls is not None)
    controller.start()
    print("smtp auth server ready on 127.0.0.1:%s" % port, flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: done.set())
    signal.signal(signal.SIGINT, lambda *a: done.set())
    done.wait()
    controller.stop()


if __name__ == "__main__":
    main()
