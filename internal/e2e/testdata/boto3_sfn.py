"""Drives Baton's Step Functions API with boto3, as users' CI does.

Run by TestBoto3 (internal/e2e/boto3_test.go) as `python3 boto3_sfn.py URL`.
Exits non-zero with a traceback on the first thing that is not as on AWS.
"""

import datetime
import json
import os
import sys
import time

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError

URL = sys.argv[1]
HOST_PORT = URL.split("://", 1)[1]
ROLE = "arn:aws:iam::123456789012:role/baton-e2e"
PREFIX = "arn:aws:states:us-east-1:123456789012:"
DEADLINE_S = 30

# Wait 1 s, then a baton:shell task that greets $.who from its environment.
STANDARD = {
    "Comment": "boto3: Wait, baton:shell",
    "StartAt": "Pause",
    "States": {
        "Pause": {"Type": "Wait", "Seconds": 1, "Next": "Greet"},
        "Greet": {
            "Type": "Task",
            "Resource": "baton:shell",
            "Parameters": {
                "command": ["sh", "-c", "printf '{\"greeting\":\"hello %s\"}' \"$WHO\""],
                "env": {"WHO.$": "$.who"},
            },
            "ResultPath": "$.shell",
            "End": True,
        },
    },
}

EXPRESS = {
    "StartAt": "Add",
    "States": {
        "Add": {"Type": "Pass", "Parameters": {"sum.$": "States.MathAdd($.a, $.b)"}, "End": True},
    },
}


def client(**config):
    """A Step Functions client for Baton; config goes to botocore's Config."""
    return boto3.client(
        "stepfunctions",
        endpoint_url=URL,
        region_name="us-east-1",
        aws_access_key_id="k",
        aws_secret_access_key="s",
        config=Config(**config) if config else None,
    )


def check(cond, what, *got):
    if not cond:
        raise AssertionError(what + ("" if not got else ": " + " ".join(repr(g) for g in got)))


def aware(ts, what):
    check(isinstance(ts, datetime.datetime) and ts.tzinfo is not None, what + " is not a timezone-aware datetime", ts)


def step(msg):
    print("ok:", msg, flush=True)


print("boto3", boto3.__version__, "botocore", botocore.__version__, "python", sys.version.split()[0], flush=True)
sfn = client()

# --- a Standard state machine with a Wait and a baton:shell task ---
created = sfn.create_state_machine(
    name="boto3-greet", definition=json.dumps(STANDARD), roleArn=ROLE,
    tags=[{"key": "team", "value": "ci"}],
)
sm = created["stateMachineArn"]
check(sm == PREFIX + "stateMachine:boto3-greet", "state machine ARN", sm)
aware(created["creationDate"], "creationDate")
d = sfn.describe_state_machine(stateMachineArn=sm)
check(json.loads(d["definition"]) == STANDARD, "described definition", d["definition"])
check(d["status"] == "ACTIVE" and d["type"] == "STANDARD" and d["roleArn"] == ROLE, "describe_state_machine", d)
step("create_state_machine, describe_state_machine")

started = sfn.start_execution(stateMachineArn=sm, name="boto3-run", input=json.dumps({"who": "boto3"}))
ex = started["executionArn"]
check(ex == PREFIX + "execution:boto3-greet:boto3-run", "execution ARN", ex)
aware(started["startDate"], "startDate")

# Wait for the end by paging through the history (2 events a page, so the
# paginator follows nextToken) until ExecutionSucceeded is in it.
paginator = sfn.get_paginator("get_execution_history")
deadline = time.monotonic() + DEADLINE_S
pages = 0
while True:
    events, pages = [], 0
    for page in paginator.paginate(executionArn=ex, PaginationConfig={"PageSize": 2}):
        pages += 1
        events.extend(page["events"])
    types = [e["type"] for e in events]
    if types and types[-1] in ("ExecutionSucceeded", "ExecutionFailed", "ExecutionAborted", "ExecutionTimedOut"):
        break
    check(time.monotonic() < deadline, "execution did not end within %ds; history so far" % DEADLINE_S, types)
    time.sleep(0.1)  # poll interval

want_types = [
    "ExecutionStarted",
    "WaitStateEntered", "WaitStateExited",
    "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited",
    "ExecutionSucceeded",
]
check(types == want_types, "history event types", types)
check([e["id"] for e in events] == list(range(1, len(events) + 1)), "event ids", [e["id"] for e in events])
check(pages == (len(events) + 1) // 2, "history pages of 2", pages, len(events))
for e in events:
    aware(e["timestamp"], "event %d timestamp" % e["id"])
waited = events[2]["timestamp"] - events[1]["timestamp"]
check(waited >= datetime.timedelta(seconds=0.9), "the Wait state waited", waited)
sched = events[4]["taskScheduledEventDetails"]
check((sched["resourceType"], sched["resource"]) == ("baton", "shell"), "TaskScheduled resource", sched)
check(json.loads(sched["parameters"])["env"] == {"WHO": "boto3"}, "TaskScheduled parameters", sched)
want_output = {"who": "boto3", "shell": {"greeting": "hello boto3"}}
check(json.loads(events[-1]["executionSucceededEventDetails"]["output"]) == want_output,
      "ExecutionSucceeded output", events[-1]["executionSucceededEventDetails"])
rev = sfn.get_execution_history(executionArn=ex, reverseOrder=True, maxResults=3)
check([e["id"] for e in rev["events"]] == [9, 8, 7] and rev.get("nextToken"), "reverse first page", rev)
step("start_execution, get_execution_history paginator (%d pages), reverseOrder" % pages)

de = sfn.describe_execution(executionArn=ex)
check(de["status"] == "SUCCEEDED", "status", de["status"])
check(json.loads(de["output"]) == want_output, "output", de["output"])
aware(de["stopDate"], "stopDate")
check(de["stopDate"] >= de["startDate"], "stopDate before startDate", de["startDate"], de["stopDate"])
listed = [e["executionArn"] for p in sfn.get_paginator("list_executions").paginate(stateMachineArn=sm, statusFilter="SUCCEEDED") for e in p["executions"]]
check(listed == [ex], "list_executions SUCCEEDED", listed)
step("describe_execution, list_executions paginator")

# --- modelled errors ---
missing = PREFIX + "execution:boto3-greet:no-such-run"
try:
    sfn.describe_execution(executionArn=missing)
    raise AssertionError("describe_execution of a missing execution succeeded")
except sfn.exceptions.ExecutionDoesNotExist as e:
    check(e.response["Error"]["Code"] == "ExecutionDoesNotExist", "error code", e.response["Error"])
    check(e.response["ResponseMetadata"]["HTTPStatusCode"] == 400, "HTTP status", e.response["ResponseMetadata"])
try:
    sfn.describe_execution(executionArn="not-an-arn")
    raise AssertionError("describe_execution of a malformed ARN succeeded")
except sfn.exceptions.InvalidArn:
    pass
try:
    sfn.create_state_machine(name="boto3-bad", definition='{"StartAt":"Nowhere","States":{}}', roleArn=ROLE)
    raise AssertionError("create_state_machine with a bad definition succeeded")
except sfn.exceptions.InvalidDefinition:
    pass
step("ExecutionDoesNotExist, InvalidArn, InvalidDefinition")

# --- StartSyncExecution and its sync- host prefix ---
ex_sm = sfn.create_state_machine(name="boto3-express", definition=json.dumps(EXPRESS), roleArn=ROLE, type="EXPRESS")["stateMachineArn"]

# By default botocore sends StartSyncExecution to sync-<host>, which does
# not resolve for an IP endpoint. One attempt, so it fails fast.
prefixed = client(retries={"total_max_attempts": 1}, connect_timeout=5)
try:
    prefixed.start_sync_execution(stateMachineArn=ex_sm, input='{"a":1,"b":2}')
    print("note: start_sync_execution WITH the sync- prefix reached the server (sync-%s resolves here)" % HOST_PORT, flush=True)
except EndpointConnectionError as e:
    check("sync-" + HOST_PORT in str(e), "the connection error names the sync- host", str(e))
    step("with the host prefix (default): %s" % e)


def sync_ok(c, how):
    r = c.start_sync_execution(stateMachineArn=ex_sm, input='{"a":2,"b":3}', name="boto3-sync-" + how)
    check(r["status"] == "SUCCEEDED", how + ": status", r)
    check(json.loads(r["output"]) == {"sum": 5}, how + ": output", r["output"])
    check(r["executionArn"].startswith(PREFIX + "express:boto3-express:boto3-sync-" + how + ":"), how + ": executionArn", r["executionArn"])
    check(r["stateMachineArn"] == ex_sm, how + ": stateMachineArn", r["stateMachineArn"])
    aware(r["stopDate"], how + ": stopDate")
    check("billingDetails" in r, how + ": billingDetails", r)
    step("start_sync_execution with " + how)


sync_ok(client(inject_host_prefix=False), "Config-inject_host_prefix-False")

# The same through the environment (botocore's disable_host_prefix_injection
# setting), without a Config.
os.environ["AWS_DISABLE_HOST_PREFIX_INJECTION"] = "true"
try:
    env_client = client()
finally:
    del os.environ["AWS_DISABLE_HOST_PREFIX_INJECTION"]
sync_ok(env_client, "AWS_DISABLE_HOST_PREFIX_INJECTION")

try:
    client(inject_host_prefix=False).start_sync_execution(stateMachineArn=sm, input="{}")
    raise AssertionError("start_sync_execution of a Standard state machine succeeded")
except sfn.exceptions.StateMachineTypeNotSupported:
    pass
step("StateMachineTypeNotSupported for a Standard state machine")

# TestState has the same sync- prefix.
ts = client(inject_host_prefix=False).test_state(
    definition=json.dumps({"Type": "Pass", "Parameters": {"y.$": "$.x"}, "End": True}), input='{"x":5}', roleArn=ROLE,
)
check(ts["status"] == "SUCCEEDED" and json.loads(ts["output"]) == {"y": 5}, "test_state", ts)
step("test_state with inject_host_prefix=False")

print("PASS", flush=True)
