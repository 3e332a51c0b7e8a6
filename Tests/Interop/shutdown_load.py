"""Keeps a daemon busy and sends it SIGTERM in the middle, then reports
what became of every request.

Arguments: base URL, bearer token, daemon PID, path. Runs 16 threads, each
sending requests over fresh connections; after 200 complete answers, sends
SIGTERM to the PID; stops when every thread has seen its connection
refused. Prints JSON counts: ok (a complete 200 with a JSON body),
refused (connection refused or closed before a status line: a clean
refusal), incomplete (a body cut short), server_error (5xx), other.
"""

import http.client
import json
import os
import signal
import sys
import threading
import urllib.parse

base, token, pid, path = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
url = urllib.parse.urlparse(base)
counts = {"ok": 0, "refused": 0, "incomplete": 0, "server_error": 0, "other": 0}
details = []
lock = threading.Lock()
sent_signal = threading.Event()


def record(kind, detail=None):
    with lock:
        counts[kind] += 1
        if detail and len(details) < 10:
            details.append(detail)
        if counts["ok"] >= 200 and not sent_signal.is_set():
            sent_signal.set()
            os.kill(pid, signal.SIGTERM)


def worker():
    refusals = 0
    attempts = 0
    while refusals < 3 and attempts < 20000:  # the cap ends the run if the daemon never stops
        attempts += 1
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
        try:
            connection.request("GET", path, headers={"Authorization": "Bearer " + token})
            response = connection.getresponse()
            body = response.read()
            if response.status >= 500:
                record("server_error", f"{response.status} {body[:200]!r}")
            elif response.status == 200:
                json.loads(body)
                record("ok")
            else:
                record("other", f"{response.status} {body[:200]!r}")
        except (ConnectionRefusedError, http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            if sent_signal.is_set():
                refusals += 1
            record("refused")
        except (http.client.IncompleteRead, json.JSONDecodeError) as error:
            record("incomplete", repr(error))
        except Exception as error:  # noqa: BLE001 - reported, never hidden
            record("other", repr(error))
            if sent_signal.is_set():
                refusals += 1
        finally:
            connection.close()


threads = [threading.Thread(target=worker) for _ in range(16)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(json.dumps({"counts": counts, "details": details}))
