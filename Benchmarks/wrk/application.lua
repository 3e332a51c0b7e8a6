-- wrk script: POST /v1/account-applications with the multipart body in the
-- file $BODY (boundary "bench-boundary"), as a client that is refused.
wrk.method = "POST"
wrk.headers["Content-Type"] = "multipart/form-data; boundary=bench-boundary"
local file = assert(io.open(os.getenv("BODY"), "rb"))
wrk.body = file:read("*a")
file:close()
