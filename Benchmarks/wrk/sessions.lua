-- wrk script: each request carries one of the seeded sessions' bearer
-- tokens, in turn, so the issuer serves all 1,000 cards.
local tokens = {}
for line in io.lines(os.getenv("SESSIONS")) do tokens[#tokens + 1] = line end
local next_index = 0

request = function()
  next_index = next_index % #tokens + 1
  return wrk.format("GET", nil, { ["Authorization"] = "Bearer " .. tokens[next_index] })
end
