-- wrk script: every request is a reviewer's GET /cards/review?reveal=1, rotating through the session cookies in
-- $COOKIE_FILE (one "casebook_session=…" per line), so each connection acts as different signed-in reviewers.
local cookies = {}
for line in io.lines(os.getenv("COOKIE_FILE")) do
  if #line > 0 then cookies[#cookies + 1] = line end
end
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/cards/review?reveal=1", { ["Cookie"] = cookies[(i % #cookies) + 1] })
end
response = function(status, headers, body)
  if status ~= 200 then error("unexpected status " .. status) end
end
