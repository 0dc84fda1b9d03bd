#!/usr/bin/env python3
"""A testee that misbehaves on purpose, for the runner's own tests (conformance/tests/runner_pipe.rs).

It forwards every request to the reference testee (the command in $REFERENCE_TESTEE) and returns
its answers, except for tcn-ratchet requests with index 65533, where it does what MODE (argv[1])
says: crash, hang, garbage, wrong-id, stray, non-object, no-verdict, wrong-output, bad-handshake.
"""
import json
import os
import subprocess
import sys
import time

mode = sys.argv[1]
ref = subprocess.Popen(os.environ["REFERENCE_TESTEE"], shell=True, stdin=subprocess.PIPE,
                       stdout=subprocess.PIPE, text=True)


def forward(line):
    ref.stdin.write(line + "\n")
    ref.stdin.flush()
    return ref.stdout.readline().rstrip("\n")


def say(text):
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


for line in sys.stdin:
    line = line.rstrip("\n")
    request = json.loads(line)
    if request.get("op") == "hello" and mode == "bad-handshake":
        say('{"op": "hello", "protocol": 99}')
        continue
    trigger = request.get("type") == "tcn-ratchet" and request.get("test", {}).get("index") == 65533
    answer = forward(line)
    if not trigger:
        say(answer)
        continue
    if mode == "crash":
        sys.stderr.write("misbehaving testee: simulated crash\n")
        sys.exit(3)
    elif mode == "hang":
        time.sleep(3600)
    elif mode == "garbage":
        say("this is not json")
    elif mode == "wrong-id":
        a = json.loads(answer)
        a["id"] = a["id"] + 1000
        say(json.dumps(a))
    elif mode == "stray":
        say("debug: about to answer")
        say(answer)
    elif mode == "non-object":
        say("[1, 2, 3]")
    elif mode == "no-verdict":
        a = json.loads(answer)
        del a["verdict"]
        say(json.dumps(a))
    elif mode == "wrong-output":
        a = json.loads(answer)
        a["outputs"]["nextTcn"] = "00" * 16
        say(json.dumps(a))
    else:
        say(answer)
