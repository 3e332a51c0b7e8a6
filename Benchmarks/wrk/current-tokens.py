"""Prints the current token of each seeded card, one a line, for the wrk
scripts: current-tokens.py SESSIONS_FILE ISSUER_URL (the sessions that
`alumnicard-bench issuer-seed` wrote, whitespace-separated)."""
import json
import sys
import urllib.request

sessions, issuer = sys.argv[1], sys.argv[2]
for session in open(sessions).read().split():
    request = urllib.request.Request(issuer + "/v1/card/token", headers={"Authorization": "Bearer " + session})
    print(json.load(urllib.request.urlopen(request, timeout=10))["token"])
