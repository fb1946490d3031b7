"""SigV4 checking for sluice's AWS test doubles and the S3 proxy.

Test helper, not part of sluice: it recomputes a request's signature with
the AWS SDK's own signer (Debian's python3-botocore), so the doubles and
the S3 proxy refuse exactly what AWS would refuse. Run with /usr/bin/python3.

As a program it prints botocore's canonical request, string to sign and
signature for each case of a JSON case file (see tests/aws_sigv4_cases.json),
so tests/aws_sigv4.sh can compare them with sluice's signer.
"""
import hashlib
import json
import re
import sys

from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

_AUTH_RE = re.compile(
    r'^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request,'
    r' ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$')


def _auth_for(service, region, key, secret):
    creds = Credentials(key, secret)
    if service == 's3':
        return S3SigV4Auth(creds, service, region)
    return SigV4Auth(creds, service, region)


def botocore_sign(method, host, path_and_query, headers, body, amz_date,
                  service, region, key, secret):
    """Return (canonical_request, string_to_sign, signature) as botocore
    computes them. headers: list of (name, value), exactly the signed ones."""
    req = AWSRequest(method=method, url='http://%s%s' % (host, path_and_query),
                     data=body)
    # AWSRequest adds nothing by itself; only the given headers are signed.
    for name, value in headers:
        req.headers.add_header(name, value)
    req.context['timestamp'] = amz_date
    auth = _auth_for(service, region, key, secret)
    canonical = auth.canonical_request(req)
    sts = auth.string_to_sign(req, canonical)
    return canonical, sts, auth.signature(sts, req)


class SigError(Exception):
    def __init__(self, code, message, status=403):
        Exception.__init__(self, message)
        self.code = code
        self.message = message
        self.status = status


def verify(method, path_and_query, headers, body, secrets, service=None,
           max_skew=900, now=None):
    """Check a received request's SigV4 signature.

    headers: list of (name, value) as received. secrets: dict access key id ->
    secret. Returns (access_key_id, region, session_token). Raises SigError
    with the code AWS would answer (MissingAuthenticationToken,
    InvalidAccessKeyId, SignatureDoesNotMatch, XAmzContentSHA256Mismatch,
    RequestTimeTooSkewed)."""
    hmap = {}
    for name, value in headers:
        hmap.setdefault(name.lower(), []).append(value)
    auth = hmap.get('authorization', [None])[0]
    if not auth:
        raise SigError('MissingAuthenticationToken',
                       'Request is missing Authentication Token')
    m = _AUTH_RE.match(auth.strip())
    if not m:
        raise SigError('IncompleteSignature',
                       'Authorization header is not SigV4: %s' % auth[:40])
    key, date, region, svc, signed, signature = m.groups()
    if service is not None and svc != service:
        raise SigError('SignatureDoesNotMatch',
                       'credential scope names service %s, expected %s'
                       % (svc, service))
    if key not in secrets:
        raise SigError('InvalidAccessKeyId',
                       'The AWS Access Key Id you provided does not exist '
                       'in our records.')
    amz_date = hmap.get('x-amz-date', [None])[0]
    if amz_date is None or not amz_date.startswith(date):
        raise SigError('SignatureDoesNotMatch',
                       'X-Amz-Date missing or not matching the scope date')
    if now is not None:
        import calendar
        import time as _t
        t = calendar.timegm(_t.strptime(amz_date, '%Y%m%dT%H%M%SZ'))
        if abs(t - now) > max_skew:
            raise SigError('RequestTimeTooSkewed',
                           'The difference between the request time and the '
                           'current time is too large.')
    names = signed.split(';')
    if 'host' not in names:
        raise SigError('SignatureDoesNotMatch', 'host is not signed')
    sign_headers = []
    for n in names:
        if n not in hmap:
            raise SigError('SignatureDoesNotMatch',
                           'signed header %s is missing' % n)
        for v in hmap[n]:
            sign_headers.append((n, v))
    declared = hmap.get('x-amz-content-sha256', [None])[0]
    if declared and re.match(r'^[0-9a-f]{64}$', declared):
        if hashlib.sha256(body or b'').hexdigest() != declared:
            raise SigError('XAmzContentSHA256Mismatch',
                           'The provided x-amz-content-sha256 header does '
                           'not match what was computed.', 400)
    host = hmap['host'][0]
    canonical, sts, expected = botocore_sign(
        method, host, path_and_query, sign_headers, body, amz_date, svc,
        region, key, secrets[key])
    if expected != signature:
        raise SigError('SignatureDoesNotMatch',
                       'The request signature we calculated does not match '
                       'the signature you provided. Check your key and '
                       'signing method.')
    token = hmap.get('x-amz-security-token', [None])[0]
    return key, region, token


def _main(path):
    with open(path) as f:
        cases = json.load(f)
    for case in cases:
        import time
        amz_date = time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(case['time']))
        headers = [tuple(h) for h in case['headers']]
        host = [v for n, v in headers if n.lower() == 'host'][0]
        pq = case['path'] + ('?' + case['query'] if case.get('query') else '')
        body = case.get('body', '').encode()
        canonical, sts, sig = botocore_sign(
            case['method'], host, pq, headers, body, amz_date,
            case['service'], case['region'], case['key'], case['secret'])
        sys.stdout.write('== %s\n%s\n--\n%s\n--\n%s\n' % (
            case['name'], canonical, sts, sig))


if __name__ == '__main__':
    _main(sys.argv[1])
