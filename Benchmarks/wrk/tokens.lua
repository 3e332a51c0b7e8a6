-- wrk script: verifies the tokens listed in $TOKENS (one a line) in turn,
-- as POST {"token": …} or, with VERIFY_METHOD=GET, as GET ?token=.
local tokens = {}
for line in io.lines(os.getenv("TOKENS")) do tokens[#tokens + 1] = line end
local method = os.getenv("VERIFY_METHOD") or "POST"
local next_index = 0

-- Base45 uses space, $, %, *, +, /, :; a query carries them escaped.
local function escape(text)
  return (text:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

for index, token in ipairs(tokens) do
  if method == "GET" then
    tokens[index] = wrk.format("GET", "/v1/verify?token=" .. escape(token))
  else
    tokens[index] = wrk.format("POST", "/v1/verify", { ["Content-Type"] = "application/json" }, '{"token":"' .. token .. '"}')
  end
end

request = function()
  next_index = next_index % #tokens + 1
  return tokens[next_index]
end
