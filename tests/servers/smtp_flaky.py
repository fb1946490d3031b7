"""A Maildir handler for aiosmtpd that answers the first transactions with
a temporary failure, for sluice's test of retries on 4xx replies:

    PYTHONPATH=tests/servers /usr/bin/python3 -m aiosmtpd -n -l 127.0.0.1:PORT \
        -c smtp_flaky.FlakyMailbox MAILDIR REFUSALS

The first REFUSALS messages get "451 4.3.0 busy, try again later" after
DATA; every later one is stored in MAILDIR like aiosmtpd.handlers.Mailbox.
"""
from aiosmtpd.handlers import Mailbox


class FlakyMailbox(Mailbox):
    def __init__(self, mail_dir, refusals):
        super().__init__(mail_dir)
        self.refusals = refusals

    async def handle_DATA(self, server, session, envelope):
        if self.refusals > 0:
            self.refusals -= 1
            return "451 4.3.0 busy, try again later"
        return await super().handle_DATA(server, session, envelope)

    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) != 2:
            parser.error("usage: FlakyMailbox MAILDIR REFUSALS")
        return cls(args[0], int(args[1]))
