-- wrk script: POST /v1/session for the seeded accounts B00000000…, in
-- turn, each with the seed's password (bcrypt cost 4).
local accounts = tonumber(os.getenv("ACCOUNTS") or "1000")
local next_index = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

request = function()
  local body = string.format('{"login":"B%08d","password":"Bench-password-1"}', next_index)
  next_index = (next_index + 1) % accounts
  return wrk.format(nil, nil, nil, body)
end
