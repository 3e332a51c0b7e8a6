"""What a registrar import costs everyone else: while `alumnicard cards
import` runs against a serving issuer's database, this watches SQLite's
write lock directly (BEGIN IMMEDIATE with no busy wait, every 10 ms: the
longest stretch it could not be taken is the longest a writer waited) and
times logins of the demo alumnus, each of which writes a session row (one
a second, below the per-client login limit).

Usage: import_lock.py ALUMNICARD DATA_DIR CSV PORT LABEL
"""
import json
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request

binary, data, csv, port, label = sys.argv[1:6]
stop = threading.Event()
lock = {"longest": 0.0, "current_start": None}
logins = []
statuses = {}


def watch_lock():
    connection = sqlite3.connect(f"{data}/issuer.sqlite", timeout=0, isolation_level=None)
    while not stop.is_set():
        now = time.monotonic()
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("ROLLBACK")
            if lock["current_start"] is not None:
                lock["longest"] = max(lock["longest"], now - lock["current_start"])
                lock["current_start"] = None
        except sqlite3.OperationalError:
            if lock["current_start"] is None:
                lock["current_start"] = now
        time.sleep(0.01)
    if lock["current_start"] is not None:
        lock["longest"] = max(lock["longest"], time.monotonic() - lock["current_start"])


def logins_meanwhile():
    body = json.dumps({"login": "R09000001", "password": "demo-password"}).encode()
    while not stop.is_set():
        started = time.monotonic()
        request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/session", data=body, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                answer.read()
                status = answer.status
        except urllib.error.HTTPError as error:
            error.read()
            status = error.code
        logins.append(time.monotonic() - started)
        statuses[status] = statuses.get(status, 0) + 1
        time.sleep(1)


threads = [threading.Thread(target=watch_lock), threading.Thread(target=logins_meanwhile)]
for thread in threads:
    thread.start()
started = time.monotonic()
result = subprocess.run([binary, "cards", "import", "--data-dir", data, "--kek", f"{data}/kek", "--json", csv], capture_output=True)
wall = time.monotonic() - started
stop.set()
for thread in threads:
    thread.join()
report = json.loads(result.stdout or b"{}")
actions = {}
for row in report.get("rows", []):
    actions[row["action"]] = actions.get(row["action"], 0) + 1
logins.sort()
print(f"{label:<28} import {wall:6.1f} s ({actions}, applied {report.get('applied')}); "
      f"longest write-lock wait {lock['longest'] * 1000:7.0f} ms; "
      f"{len(logins)} logins meanwhile {statuses}: median {logins[len(logins) // 2] * 1000:.0f} ms, max {logins[-1] * 1000:.0f} ms")
