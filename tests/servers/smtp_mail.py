"""Read what an SMTP test server stored in its Maildir, for sluice's tests.

    /usr/bin/python3 smtp_mail.py MAILDIR count
    /usr/bin/python3 smtp_mail.py MAILDIR FIELD [INDEX]

With FIELD, the Maildir must hold exactly one message (or give INDEX, in
delivery order). Headers are parsed with Python's email package, so
encoded-words come back decoded. FIELD is one of:
  header:NAME       the decoded value of header NAME ("" when absent)
  raw-header:NAME   the value as sent (encoded-words left as they are)
  headers           every header name, one a line
  structure         the content type of every part, depth-first, indented
  text | html       the decoded text/plain or text/html body
  attachments       "filename<TAB>content type<TAB>size" per attachment
  attachment:NAME   the decoded content of attachment NAME
  raw               the message file as stored
aiosmtpd's Mailbox handler adds X-MailFrom and X-RcptTo (the envelope) to
what it stores, so header:X-RcptTo shows who the server delivered to.
"""
import email
import email.policy
import os
import sys


def messages(maildir):
    new = os.path.join(maildir, "new")
    if not os.path.isdir(new):
        return []
    names = sorted(os.listdir(new), key=lambda n: os.stat(os.path.join(new, n)).st_mtime_ns)
    return [os.path.join(new, n) for n in names]


def structure(part, depth, out):
    out.append("  " * depth + part.get_content_type())
    if part.is_multipart():
        for sub in part.iter_parts() if hasattr(part, "iter_parts") else part.get_payload():
            structure(sub, depth + 1, out)


def main():
    maildir, field = sys.argv[1], sys.argv[2]
    msgs = messages(maildir)
    if field == "count":
        print(len(msgs))
        return 0
    if len(sys.argv) > 3:
        path = msgs[int(sys.argv[3])]
    elif len(msgs) != 1:
        sys.stderr.write("expected exactly one message in %s, found %d\n" % (maildir, len(msgs)))
        return 1
    else:
        path = msgs[0]
    with open(path, "rb") as f:
        raw = f.read()
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    out = sys.stdout
    if field.startswith("header:"):
        v = msg.get(field[7:])
        out.write(str(v) if v is not None else "")
    elif field.startswith("raw-header:"):
        m = email.message_from_bytes(raw, policy=email.policy.compat32)
        v = m.get(field[11:])
        out.write(v if v is not None else "")
    elif field == "headers":
        out.write("\n".join(msg.keys()) + "\n")
    elif field == "structure":
        lines = []
        structure(msg, 0, lines)
        out.write("\n".join(lines) + "\n")
    elif field in ("text", "html"):
        body = msg.get_body(preferencelist=("plain",) if field == "text" else ("html",))
        out.write(body.get_content() if body is not None else "")
    elif field == "attachments":
        for a in msg.iter_attachments():
            out.write("%s\t%s\t%d\n" % (a.get_filename(), a.get_content_type(),
                                        len(a.get_payload(decode=True))))
    elif field.startswith("attachment:"):
        for a in msg.iter_attachments():
            if a.get_filename() == field[11:]:
                sys.stdout.buffer.write(a.get_payload(decode=True))
                break
        else:
            sys.stderr.write("no attachment %s\n" % field[11:])
            return 1
    elif field == "raw":
        sys.stdout.buffer.write(raw)
    else:
        sys.stderr.write("unknown field %s\n" % field)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
