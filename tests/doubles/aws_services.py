"""Test double for AWS STS, Glue, EMR, Athena, Lambda and EC2 instance
metadata (IMDSv2).

This is a TEST DOUBLE, not AWS: Glue, EMR, STS and IMDS have no server that
runs locally, so sluice's tests talk to this loopback stand-in instead. It
speaks each service's real wire protocol (STS: query protocol with XML
answers; Glue, EMR and Athena: JSON 1.1 with X-Amz-Target; Lambda:
REST-JSON; IMDSv2: token + paths),
verifies every SigV4 signature with the AWS SDK's own signer (botocore,
through aws_sigcheck.py), and walks realistic state progressions, one step
per status call, so tests are fast and deterministic:

  Glue crawler  StartCrawler, then GetCrawler: RUNNING -> STOPPING -> READY
                (LastCrawl SUCCEEDED / FAILED with ErrorMessage / CANCELLED);
                a crawler started while running answers
                CrawlerRunningException.
  EMR step      AddJobFlowSteps, then DescribeStep: PENDING -> RUNNING ->
                COMPLETED, or FAILED with FailureDetails (a step whose args
                mention "fail"), or RUNNING until CancelSteps -> CANCELLED
                (args mention "hang"); with --fail-while TEXT:FILE, a step
                whose args contain TEXT fails while FILE exists.
  Glue job run  StartJobRun, then GetJobRun: STARTING -> RUNNING ->
                SUCCEEDED; a job whose name has "fail", "timeout" or "error"
                ends FAILED / TIMEOUT / ERROR with an ErrorMessage; "hang"
                runs until BatchStopJobRun -> STOPPING -> STOPPED; with
                --hold-while TEXT:FILE, a run of a job whose name contains
                TEXT stays RUNNING while FILE exists.
  Athena query  StartQueryExecution, then GetQueryExecution: QUEUED ->
                RUNNING -> SUCCEEDED (with DataScannedInBytes; a SELECT is
                DML with 3 OutputRows in GetQueryRuntimeStatistics); a query
                whose text has "fail" ends FAILED with a reason and an
                AthenaError; "hang" runs until StopQueryExecution ->
                CANCELLED. A repeated ClientRequestToken answers the same id.
                With --hold-while TEXT:FILE, a query whose text contains
                TEXT stays RUNNING while FILE exists.
  Lambda        Invoke: a function named "fail..." answers a function error
                (X-Amz-Function-Error: Unhandled) with an error payload;
                others echo the event back ({"statusCode": 200, "event":
                ...}); RequestResponse with LogType Tail gets a base64 log
                tail (X-Amz-Log-Result); Event answers 202. A function the
                double was not told of (--function) is ResourceNotFound.
  EMR cluster   RunJobFlow (checks the request's shape), then
                DescribeCluster: STARTING -> BOOTSTRAPPING -> RUNNING ->
                WAITING, or TERMINATED_WITH_ERRORS with a reason (a
                cluster whose Name mentions "fail"); TerminateJobFlows,
                then TERMINATING -> TERMINATED. With --hold-while
                TEXT:FILE, a step whose args contain TEXT stays RUNNING,
                and a cluster whose Name does stays STARTING, while FILE
                exists.
  STS           AssumeRole returns temporary keys that this double then
                accepts on every service (with the session token), and
                rejects after their Expiration (ExpiredToken).
  IMDSv2        PUT /latest/api/token, then the role and its credentials.

Every call is logged to stdout as "SERVICE OPERATION key=value ...".
Run with /usr/bin/python3:
  aws_services.py --port P --key AKID:SECRET [--crawler NAME:SCENARIO]
                  [--cluster j-ID] [--role ARN[:EXTERNAL_ID]] [--expiry S]
                  [--fail-while TEXT:FILE] [--hold-while TEXT:FILE]
                  [--glue-job NAME] [--function NAME]
"""
import base64
import argparse
import calendar
import json
import os
import secrets as rnd
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import aws_sigcheck  # noqa: E402


class World:
    lock = threading.Lock()
    keys = {}            # access key id -> secret (long-term and issued)
    temp = {}            # issued key id -> (session token, expiry epoch s)
    roles = {}           # role arn -> required external id or None
    expiry = 3600
    crawlers = {}        # name -> dict
    clusters = set()
    steps = {}           # step id -> dict
    imds_tokens = set()
    imds_creds = None
    fail_while = []      # (text, file): such steps fail while file exists
    step_seq = 0
    assume_count = 0
    glue_jobs = set()
    job_runs = {}        # run id -> dict
    queries = {}         # query id -> dict
    tokens = {}          # ClientRequestToken -> query id
    functions = set()


def log(*parts):
    sys.stdout.write(' '.join(str(p) for p in parts) + '\n')
    sys.stdout.flush()


def iso(t):
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(t))


def issue_keys(expiry_s, now=None):
    """Temporary keys valid until now + expiry_s; now defaults to the real
    time (STS passes the caller's signed X-Amz-Date, so a test that moves
    sluice's clock forward sees a consistent world)."""
    akid = 'ASIA' + rnd.token_hex(8).upper()
    secret = rnd.token_urlsafe(30)
    token = 'FwoG' + rnd.token_urlsafe(60)
    exp = int(now if now is not None else time.time()) + expiry_s
    World.keys[akid] = secret
    World.temp[akid] = (token, exp)
    return akid, secret, token, exp


class ApiError(Exception):
    def __init__(self, status, code, message):
        Exception.__init__(self, message)
        self.status, self.code, self.message = status, code, message


# ---- Glue ----

def glue_call(op, p):
    name = p.get('Name')
    c = World.crawlers.get(name)
    if op in ('StartCrawler', 'GetCrawler', 'StopCrawler') and c is None:
        raise ApiError(400, 'EntityNotFoundException',
                       'Crawler entry with name %s does not exist' % name)
    if op == 'StartCrawler':
        if c['state'] != 'READY':
            raise ApiError(400, 'CrawlerRunningException',
                           'Crawler with name %s has already started' % name)
        c['state'], c['steps'], c['start'] = 'RUNNING', 0, time.time()
        c['runs'] += 1
        return {}
    if op == 'StopCrawler':
        if c['state'] != 'RUNNING':
            raise ApiError(400, 'CrawlerNotRunningException',
                           'Crawler with name %s is not running' % name)
        c['state'], c['scenario'] = 'STOPPING', 'cancel'
        c['steps'] = max(c['steps'], 2)
        return {}
    if op == 'GetCrawler':
        if c['state'] != 'READY' and c['scenario'] != 'slow':
            c['steps'] += 1
            if c['steps'] >= 2 and c['state'] == 'RUNNING':
                c['state'] = 'STOPPING'
            elif c['steps'] >= 3 and c['state'] == 'STOPPING':
                c['state'] = 'READY'
                sc = c['scenario']
                status = {'fail': 'FAILED', 'cancel': 'CANCELLED'}.get(
                    sc, 'SUCCEEDED')
                c['last'] = {'Status': status, 'StartTime': c['start'],
                             'LogGroup': '/aws-glue/crawlers',
                             'LogStream': name, 'MessagePrefix': 'm-1'}
                if status == 'FAILED':
                    c['last']['ErrorMessage'] = (
                        'Internal Service Exception: S3 path '
                        's3://lake/raw/ is not accessible')
                if sc == 'busy':
                    c['scenario'] = 'ok'
        out = {'Name': name, 'State': c['state'],
               'DatabaseName': c.get('db', 'lake')}
        if c['last'] is not None:
            out['LastCrawl'] = c['last']
        return {'Crawler': out}
    raise ApiError(400, 'InvalidAction', 'operation %s not in the double' % op)


def glue_job_call(op, p):
    name = p.get('JobName')
    if name not in World.glue_jobs:
        raise ApiError(400, 'EntityNotFoundException',
                       'Job with name %s not found' % name)
    if op == 'StartJobRun':
        rid = 'jr_' + uuid.uuid4().hex + uuid.uuid4().hex[:32]
        sc = next((w for w in ('fail', 'timeout', 'error', 'hang')
                   if w in name), 'ok')
        World.job_runs[rid] = {'Id': rid, 'JobName': name,
                               'state': 'STARTING', 'polls': 0,
                               'scenario': sc, 'args': p.get('Arguments',
                                                             {})}
        return {'JobRunId': rid}
    if op == 'GetJobRun':
        r = World.job_runs.get(p.get('RunId'))
        if r is None or r['JobName'] != name:
            raise ApiError(400, 'EntityNotFoundException',
                           'Job run %s not found' % p.get('RunId'))
        r['polls'] += 1
        if r['state'] == 'STARTING' and r['polls'] >= 2:
            r['state'] = 'RUNNING'
        elif r['state'] == 'RUNNING' and r['polls'] >= 3 and \
                not held_by(name):
            r['state'] = {'ok': 'SUCCEEDED', 'fail': 'FAILED',
                          'timeout': 'TIMEOUT', 'error': 'ERROR'}.get(
                              r['scenario'], 'RUNNING')
        elif r['state'] == 'STOPPING':
            r['state'] = 'STOPPED'
        out = {'Id': r['Id'], 'JobName': name, 'JobRunState': r['state'],
               'Arguments': r['args'], 'Attempt': 0,
               'StartedOn': time.time(), 'ExecutionTime': r['polls'] * 7,
               'LogGroupName': '/aws-glue/jobs'}
        msg = {'FAILED': 'An error occurred while calling o91.pyWriteDynamic'
                         'Frame. Table lake.events not found',
               'TIMEOUT': 'Job run timed out after 60 minutes',
               'ERROR': 'Insufficient Lake Formation permission(s) on '
                        'lake.events',
               'STOPPED': 'Job run was stopped by user'}.get(r['state'])
        if msg is not None:
            out['ErrorMessage'] = msg
        return {'JobRun': out}
    if op == 'BatchStopJobRun':
        ok, errs = [], []
        for rid in p.get('JobRunIds', []):
            r = World.job_runs.get(rid)
            if r is None or r['state'] not in ('STARTING', 'RUNNING'):
                errs.append({'JobName': name, 'JobRunId': rid,
                             'ErrorDetail': {
                                 'ErrorCode': 'InvalidInputException',
                                 'ErrorMessage': 'Job run is not running'}})
                continue
            r['state'] = 'STOPPING'
            ok.append({'JobName': name, 'JobRunId': rid})
        return {'SuccessfulSubmissions': ok, 'Errors': errs}
    raise ApiError(400, 'InvalidAction', 'operation %s not in the double' % op)


# ---- Athena ----

def athena_call(op, p):
    if op == 'StartQueryExecution':
        sql = p.get('QueryString', '')
        if not sql.strip():
            raise ApiError(400, 'InvalidRequestException',
                           'QueryString is empty')
        if 'WorkGroup' not in p and 'ResultConfiguration' not in p:
            raise ApiError(400, 'InvalidRequestException',
                           'No output location provided. An output location '
                           'is required either through the Workgroup result '
                           'configuration setting or as an API input.')
        tok = p.get('ClientRequestToken')
        if tok is not None and tok in World.tokens:
            return {'QueryExecutionId': World.tokens[tok]}
        qid = str(uuid.uuid4())
        sc = 'fail' if 'fail' in sql else 'hang' if 'hang' in sql else 'ok'
        word = sql.strip().split()[0].upper()
        World.queries[qid] = {
            'id': qid, 'sql': sql, 'state': 'QUEUED', 'polls': 0,
            'scenario': sc,
            'type': 'DML' if word in ('SELECT', 'INSERT', 'WITH') else 'DDL',
            'out': p.get('ResultConfiguration', {}).get(
                'OutputLocation', 's3://athena-results/primary/'),
            'wg': p.get('WorkGroup', 'primary'),
            'ctx': p.get('QueryExecutionContext', {})}
        if tok is not None:
            World.tokens[tok] = qid
        return {'QueryExecutionId': qid}
    q = World.queries.get(p.get('QueryExecutionId'))
    if q is None:
        raise ApiError(400, 'InvalidRequestException',
                       'QueryExecution %s was not found'
                       % p.get('QueryExecutionId'))
    if op == 'GetQueryExecution':
        q['polls'] += 1
        if q['state'] == 'QUEUED' and q['polls'] >= 2:
            q['state'] = 'RUNNING'
        elif q['state'] == 'RUNNING' and q['polls'] >= 3 and \
                not held_by(q['sql']):
            q['state'] = {'ok': 'SUCCEEDED', 'fail': 'FAILED'}.get(
                q['scenario'], 'RUNNING')
        status = {'State': q['state'], 'SubmissionDateTime': time.time()}
        if q['state'] == 'FAILED':
            status['StateChangeReason'] = (
                "TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.lake."
                "failing_table' does not exist")
            status['AthenaError'] = {'ErrorCategory': 2, 'ErrorType': 1301,
                                     'Retryable': False,
                                     'ErrorMessage': 'TABLE_NOT_FOUND'}
        if q['state'] == 'CANCELLED':
            status['StateChangeReason'] = 'Query cancelled by user'
        qe = {'QueryExecutionId': q['id'], 'Query': q['sql'],
              'StatementType': q['type'], 'Status': status,
              'WorkGroup': q['wg'], 'QueryExecutionContext': q['ctx'],
              'ResultConfiguration': {'OutputLocation': q['out'] + q['id']
                                      + '.csv'}}
        if q['state'] in ('SUCCEEDED', 'FAILED', 'CANCELLED'):
            qe['Statistics'] = {'DataScannedInBytes': 1048576,
                                'EngineExecutionTimeInMillis': 1234}
        return {'QueryExecution': qe}
    if op == 'GetQueryRuntimeStatistics':
        return {'QueryRuntimeStatistics': {
            'Rows': {'InputRows': 1000, 'InputBytes': 1048576,
                     'OutputBytes': 60, 'OutputRows': 3}}}
    if op == 'StopQueryExecution':
        if q['state'] in ('QUEUED', 'RUNNING'):
            q['state'] = 'CANCELLED'
        return {}
    raise ApiError(400, 'InvalidAction', 'operation %s not in the double' % op)


# ---- Lambda ----

def lambda_invoke(path, query, hmap, body):
    """Returns (status, headers, body)."""
    parts = path.split('/')
    if len(parts) != 5 or parts[4] != 'invocations':
        raise ApiError(404, 'UnknownOperationException', 'no route ' + path)
    name = unquote(parts[3])
    if name not in World.functions:
        raise ApiError(404, 'ResourceNotFoundException',
                       'Function not found: arn:aws:lambda:us-east-1:'
                       '123456789012:function:%s' % name)
    try:
        event = json.loads(body or b'{}')
    except ValueError:
        raise ApiError(400, 'InvalidRequestContentException',
                       'Could not parse request body into json')
    itype = hmap.get('x-amz-invocation-type', 'RequestResponse')
    qual = parse_qs(query).get('Qualifier', ['$LATEST'])[0]
    log('lambda Invoke', name, 'type=%s' % itype, 'qualifier=%s' % qual,
        json.dumps(event, sort_keys=True))
    if itype == 'Event':
        return 202, [], b''
    headers = [('X-Amz-Executed-Version', '1')]
    if hmap.get('x-amz-log-type') == 'Tail':
        tail = ('START RequestId: %s Version: $LATEST\n'
                'processing %d keys\n'
                'END RequestId: %s\n' % ('r-1', len(event)
                                          if isinstance(event, dict) else 0,
                                          'r-1'))
        if name.startswith('fail'):
            tail += '[ERROR] KeyError: \'bucket\'\n'
        headers.append(('X-Amz-Log-Result',
                        base64.b64encode(tail.encode()).decode()))
    if name.startswith('fail'):
        headers.append(('X-Amz-Function-Error', 'Unhandled'))
        return 200, headers, json.dumps({
            'errorMessage': "'bucket'", 'errorType': 'KeyError',
            'stackTrace': ['  File "/var/task/handler.py", line 4, in '
                           'handler']}).encode()
    return 200, headers, json.dumps({'statusCode': 200,
                                     'event': event}).encode()


# ---- EMR ----

def emr_call(op, p):
    if op in EMR_CLUSTER_OPS:
        return emr_cluster_call(op, p)
    cid = p.get('JobFlowId') or p.get('ClusterId')
    if cid not in World.clusters:
        raise ApiError(400, 'InvalidRequestException',
                       "Cluster id '%s' is not valid." % cid)
    if op == 'AddJobFlowSteps':
        ids = []
        for s in p.get('Steps', []):
            World.step_seq += 1
            sid = 's-%013d' % World.step_seq
            args = ' '.join(s.get('HadoopJarStep', {}).get('Args', []))
            sc = 'fail' if 'fail' in args else 'hang' if 'hang' in args \
                else 'ok'
            for text, path in World.fail_while:
                if text in args and os.path.exists(path):
                    sc = 'fail'
            World.steps[sid] = {'Id': sid, 'Name': s.get('Name', ''),
                                'state': 'PENDING', 'polls': 0,
                                'scenario': sc, 'cluster': cid,
                                'spec': s}
            ids.append(sid)
        return {'StepIds': ids}
    if op == 'DescribeStep':
        s = World.steps.get(p.get('StepId'))
        if s is None:
            raise ApiError(400, 'InvalidRequestException',
                           'Step id %s is not valid.' % p.get('StepId'))
        s['polls'] += 1
        if s['state'] == 'PENDING' and s['polls'] >= 2:
            s['state'] = 'RUNNING'
        elif s['state'] == 'RUNNING' and s['polls'] >= 3 and \
                not emr_step_held(s):
            if s['scenario'] == 'ok':
                s['state'] = 'COMPLETED'
            elif s['scenario'] == 'fail':
                s['state'] = 'FAILED'
        elif s['state'] == 'CANCEL_PENDING':
            s['state'] = 'CANCELLED'
        status = {'State': s['state'],
                  'Timeline': {'CreationDateTime': time.time()}}
        if s['state'] == 'FAILED':
            status['FailureDetails'] = {
                'Reason': 'Unknown Error.',
                'Message': 'Exception in thread "main" org.apache.spark.'
                           'SparkException: Job aborted due to stage failure',
                'LogFile': 's3://emr-logs/%s/steps/%s/stderr.gz'
                           % (s['cluster'], s['Id'])}
            status['StateChangeReason'] = {'Message': 'Step failed'}
        if s['state'] == 'CANCELLED':
            status['StateChangeReason'] = {'Message': 'Cancelled by user'}
        return {'Step': {'Id': s['Id'], 'Name': s['Name'], 'Status': status,
                         'Config': s['spec'].get('HadoopJarStep', {}),
                         'ActionOnFailure': s['spec'].get(
                             'ActionOnFailure', 'CONTINUE')}}
    if op == 'CancelSteps':
        out = []
        for sid in p.get('StepIds', []):
            s = World.steps.get(sid)
            if s is None or s['state'] not in ('PENDING', 'RUNNING'):
                out.append({'StepId': sid, 'Status': 'FAILED',
                            'Reason': 'step is not pending or running'})
                continue
            s['state'] = 'CANCEL_PENDING'
            out.append({'StepId': sid, 'Status': 'SUBMITTED'})
        return {'CancelStepsInfoList': out}
    raise ApiError(400, 'InvalidAction', 'operation %s not in the double' % op)


# ---- EMR clusters (RunJobFlow, DescribeCluster, TerminateJobFlows) ----

EMR_CLUSTER_OPS = ('RunJobFlow', 'DescribeCluster', 'TerminateJobFlows')
EMR_CLUSTER_NEXT = {'STARTING': 'BOOTSTRAPPING', 'BOOTSTRAPPING': 'RUNNING',
                    'RUNNING': 'WAITING', 'TERMINATING': 'TERMINATED'}


class EmrWorld:
    made = {}            # cluster id -> dict, clusters RunJobFlow made
    seq = 0
    hold_while = []      # (text, file): such steps (clusters) stay RUNNING
                         # (STARTING) while file exists


def held_by(text_of):
    """Whether a --hold-while TEXT found in text_of holds its job."""
    return any(text in text_of and os.path.exists(path)
               for text, path in EmrWorld.hold_while)


def emr_step_held(s):
    return held_by(' '.join(s['spec'].get('HadoopJarStep', {}).get('Args',
                                                                    [])))


def emr_run_job_flow(p):
    for key in ('Name', 'ReleaseLabel', 'ServiceRole', 'JobFlowRole'):
        if not isinstance(p.get(key), str) or not p[key]:
            raise ApiError(400, 'ValidationException',
                           '%s is required' % key)
    inst = p.get('Instances') or {}
    if ('InstanceGroups' in inst) == ('InstanceFleets' in inst):
        raise ApiError(400, 'ValidationException', 'Instances needs '
                       'exactly one of InstanceGroups or InstanceFleets')
    for g in inst.get('InstanceGroups', []):
        if g.get('InstanceRole') not in ('MASTER', 'CORE', 'TASK') or \
                not isinstance(g.get('InstanceCount'), int):
            raise ApiError(400, 'ValidationException',
                           'bad instance group %s' % json.dumps(g))
    EmrWorld.seq += 1
    cid = 'j-%013dNEW' % EmrWorld.seq
    EmrWorld.made[cid] = {'state': 'STARTING', 'request': p,
                          'fail': 'fail' in p['Name'], 'reason': None}
    World.clusters.add(cid)
    return {'JobFlowId': cid, 'ClusterArn': 'arn:aws:elasticmapreduce:'
            'us-east-1:123456789012:cluster/' + cid}


def emr_cluster_call(op, p):
    if op == 'RunJobFlow':
        return emr_run_job_flow(p)
    if op == 'TerminateJobFlows':
        for cid in p.get('JobFlowIds', []):
            c = EmrWorld.made.get(cid)
            if c is None:
                raise ApiError(400, 'ValidationException',
                               'Specified job flow ID not valid')
            if c['state'] not in ('TERMINATED', 'TERMINATED_WITH_ERRORS'):
                c['state'] = 'TERMINATING'
                c['reason'] = {'Code': 'USER_REQUEST',
                               'Message': 'Terminated by user request'}
        return {}
    cid = p.get('ClusterId')
    c = EmrWorld.made.get(cid)
    if c is None:
        raise ApiError(400, 'InvalidRequestException',
                       "Cluster id '%s' is not valid." % cid)
    # each call answers the state, then moves one step for the next
    if c['fail'] and c['state'] == 'BOOTSTRAPPING':
        c['state'] = 'TERMINATED_WITH_ERRORS'
        c['reason'] = {'Code': 'VALIDATION_ERROR', 'Message':
                       'The requested instance type m5.nope is not '
                       'supported in the requested availability zone.'}
    state = c['state']
    held = state == 'STARTING' and held_by(c['request']['Name'])
    if state in EMR_CLUSTER_NEXT and not held:
        c['state'] = EMR_CLUSTER_NEXT[state]
    status = {'State': state,
              'Timeline': {'CreationDateTime': time.time()}}
    if c['reason'] is not None:
        status['StateChangeReason'] = c['reason']
    r = c['request']
    out = {'Id': cid, 'Name': r['Name'], 'Status': status,
           'ReleaseLabel': r['ReleaseLabel'], 'LogUri': r.get('LogUri'),
           'Tags': r.get('Tags', []),
           'Applications': r.get('Applications', [])}
    if state in ('RUNNING', 'WAITING'):
        out['MasterPublicDnsName'] = 'ec2-192-0-2-10.compute-1.amazonaws.com'
    return {'Cluster': out}


def emr_cluster_args(ap):
    ap.add_argument('--hold-while', action='append', default=[],
                    help='TEXT:FILE: a step whose args contain TEXT (a '
                         'Glue job run whose job name, an Athena query '
                         'whose text does) stays RUNNING while FILE '
                         'exists, a cluster whose Name does STARTING')


def emr_cluster_setup(a):
    for hw in a.hold_while:
        text, path = hw.split(':', 1)
        EmrWorld.hold_while.append((text, path))


# ---- STS ----

def sts_call(form, caller, now):
    action = form.get('Action', [''])[0]
    if action != 'AssumeRole':
        raise ApiError(400, 'InvalidAction', 'Could not find operation '
                       + action)
    arn = form.get('RoleArn', [''])[0]
    ext = form.get('ExternalId', [None])[0]
    name = form.get('RoleSessionName', [''])[0]
    dur = int(form.get('DurationSeconds', [str(World.expiry)])[0])
    if arn not in World.roles:
        raise ApiError(403, 'AccessDenied', 'User: %s is not authorized to '
                       'perform: sts:AssumeRole on resource: %s'
                       % (caller, arn))
    if World.roles[arn] is not None and ext != World.roles[arn]:
        raise ApiError(403, 'AccessDenied', 'ExternalId does not match for '
                       + arn)
    World.assume_count += 1
    akid, secret, token, exp = issue_keys(min(dur, World.expiry), now)
    log('sts AssumeRole RoleArn=%s RoleSessionName=%s ExternalId=%s '
        'caller=%s issued=%s' % (arn, name, ext, caller, akid))
    return ('<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/'
            '2011-06-15/"><AssumeRoleResult><Credentials>'
            '<AccessKeyId>%s</AccessKeyId><SecretAccessKey>%s'
            '</SecretAccessKey><SessionToken>%s</SessionToken>'
            '<Expiration>%s</Expiration></Credentials><AssumedRoleUser>'
            '<Arn>%s/%s</Arn></AssumedRoleUser></AssumeRoleResult>'
            '<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata>'
            '</AssumeRoleResponse>' % (akid, secret, token, iso(exp), arn,
                                       name, uuid.uuid4()))


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, fmt, *args):
        pass

    def _send(self, status, ctype, body, extra=()):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(body)))
        self.send_header('x-amzn-RequestId', str(uuid.uuid4()))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _body(self):
        n = int(self.headers.get('Content-Length') or 0)
        return self.rfile.read(n) if n else b''

    # -- IMDSv2 --
    def _imds(self, body):
        path = self.path
        if self.command == 'PUT' and path == '/latest/api/token':
            if not self.headers.get('X-aws-ec2-metadata-token-ttl-seconds'):
                self._send(400, 'text/plain', 'missing TTL header')
                return
            tok = 'imds-' + rnd.token_hex(16)
            with World.lock:
                World.imds_tokens.add(tok)
            log('imds token')
            self._send(200, 'text/plain', tok)
            return
        if self.headers.get('X-aws-ec2-metadata-token') not in \
                World.imds_tokens:
            log('imds unauthorized', path)
            self._send(401, 'text/plain', 'Unauthorized')
            return
        base = '/latest/meta-data/iam/security-credentials/'
        if path == base:
            self._send(200, 'text/plain', 'sluice-instance-role')
            return
        if path == base + 'sluice-instance-role':
            with World.lock:
                akid, secret, token, exp = issue_keys(World.expiry)
            log('imds credentials issued=%s' % akid)
            self._send(200, 'text/plain', json.dumps({
                'Code': 'Success', 'Type': 'AWS-HMAC',
                'AccessKeyId': akid, 'SecretAccessKey': secret,
                'Token': token, 'Expiration': iso(exp),
                'LastUpdated': iso(time.time())}))
            return
        self._send(404, 'text/plain', 'Not Found')

    def _handle(self):
        body = self._body()
        if self.path.startswith('/latest/'):
            self._imds(body)
            return
        if self.path == '/__double/health':
            self._send(200, 'text/plain', 'ok')
            return
        headers = list(self.headers.items())
        hmap = {k.lower(): v for k, v in headers}
        target = hmap.get('x-amz-target')
        is_json = target is not None
        try:
            with World.lock:
                try:
                    akid, region, token = aws_sigcheck.verify(
                        self.command, self.path, headers, body, World.keys)
                except aws_sigcheck.SigError as e:
                    raise ApiError(e.status if e.status != 403 else
                                   (400 if is_json else 403), e.code,
                                   e.message)
                if akid in World.temp:
                    want, exp = World.temp[akid]
                    if token != want:
                        raise ApiError(403, 'InvalidClientTokenId',
                                       'The security token included in the '
                                       'request is invalid.')
                    amz = calendar.timegm(time.strptime(
                        hmap['x-amz-date'], '%Y%m%dT%H%M%SZ'))
                    if amz >= exp:
                        raise ApiError(400, 'ExpiredTokenException' if
                                       is_json else 'ExpiredToken',
                                       'The security token included in the '
                                       'request is expired')
                if is_json:
                    svc, op = target.split('.', 1)
                    params = json.loads(body or b'{}')
                    log(svc, op, json.dumps(params, sort_keys=True),
                        'caller=%s' % akid)
                    if svc == 'AWSGlue' and 'JobName' in params:
                        out = glue_job_call(op, params)
                    elif svc == 'AWSGlue':
                        out = glue_call(op, params)
                    elif svc == 'AmazonAthena':
                        out = athena_call(op, params)
                    elif svc == 'ElasticMapReduce':
                        out = emr_call(op, params)
                    else:
                        raise ApiError(400, 'UnknownOperationException',
                                       'unknown target ' + target)
                    self._send(200, 'application/x-amz-json-1.1',
                               json.dumps(out))
                    return
                if self.path.startswith('/2015-03-31/functions/'):
                    path, _, query = self.path.partition('?')
                    st, hdrs, out = lambda_invoke(path, query, hmap, body)
                    self._send(st, 'application/json', out, hdrs)
                    return
                form = parse_qs(body.decode())
                now = calendar.timegm(time.strptime(hmap['x-amz-date'],
                                                    '%Y%m%dT%H%M%SZ'))
                xml = sts_call(form, akid, now)
                self._send(200, 'text/xml', xml)
        except ApiError as e:
            log('error', e.code, e.message)
            if self.path.startswith('/2015-03-31/'):
                self._send(e.status, 'application/json',
                           json.dumps({'Type': 'User', 'message': e.message}),
                           [('x-amzn-ErrorType', e.code)])
            elif is_json:
                self._send(e.status, 'application/x-amz-json-1.1',
                           json.dumps({'__type': e.code,
                                       'message': e.message}),
                           [('x-amzn-ErrorType', e.code)])
            else:
                self._send(e.status, 'text/xml',
                           '<ErrorResponse><Error><Type>Sender</Type>'
                           '<Code>%s</Code><Message>%s</Message></Error>'
                           '<RequestId>%s</RequestId></ErrorResponse>'
                           % (e.code, e.message, uuid.uuid4()))

    do_GET = do_POST = do_PUT = _handle


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--port', type=int, required=True)
    ap.add_argument('--key', action='append', default=[])
    ap.add_argument('--crawler', action='append', default=[],
                    help='NAME:ok|fail|cancel|busy|slow (slow: runs until '
                         'StopCrawler)')
    ap.add_argument('--cluster', action='append', default=[])
    ap.add_argument('--role', action='append', default=[],
                    help='ARN or ARN|EXTERNAL_ID')
    ap.add_argument('--fail-while', action='append', default=[],
                    help='TEXT:FILE: a step whose args contain TEXT fails '
                         'while FILE exists')
    ap.add_argument('--glue-job', action='append', default=[],
                    help='a Glue job (its name chooses its scenario)')
    ap.add_argument('--function', action='append', default=[],
                    help='a Lambda function (fail...: a function error)')
    ap.add_argument('--expiry', type=int, default=3600,
                    help='lifetime of issued credentials, seconds')
    emr_cluster_args(ap)
    a = ap.parse_args()
    emr_cluster_setup(a)
    for kv in a.key:
        k, s = kv.split(':', 1)
        World.keys[k] = s
    for c in a.crawler:
        name, sc = c.rsplit(':', 1)
        World.crawlers[name] = {'state': 'RUNNING' if sc == 'busy'
                                else 'READY', 'steps': 0, 'scenario': sc,
                                'last': None, 'runs': 0,
                                'start': time.time()}
    World.clusters.update(a.cluster)
    World.glue_jobs.update(a.glue_job)
    World.functions.update(a.function)
    for r in a.role:
        arn, _, ext = r.partition('|')
        World.roles[arn] = ext or None
    World.expiry = a.expiry
    for fw in a.fail_while:
        text, path = fw.split(':', 1)
        World.fail_while.append((text, path))
    srv = ThreadingHTTPServer(('127.0.0.1', a.port), Handler)
    srv.daemon_threads = True
    log('aws test double listening on 127.0.0.1:%d' % a.port)
    srv.serve_forever()


if __name__ == '__main__':
    main()
