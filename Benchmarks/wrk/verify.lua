-- wrk script: POST /v1/verify with one valid token (from $TOKEN).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"token":"' .. os.getenv("TOKEN") .. '"}'
