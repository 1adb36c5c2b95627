-- wrk script: reviewers who behave like people. Run with as many threads as connections (-tN -cN), so each thread
-- is one connection and one reviewer with its own session cookie and Lua state. Each reviewer arrives at a random
-- moment in the first THINK_MAX ms, then loops:
--   GET /cards/review?reveal=1 (the card with its answer and grade buttons),
--   think for THINK_MIN..THINK_MAX ms (default 1000..3000: a fast reviewer),
--   POST /cards/review with the card, token, CSRF token and a grade (the server answers 303),
--   and straight away GET the next card, as the browser follows the redirect.
-- When the day's cards run out the page shows the session summary; the reviewer keeps reloading it (with thinking
-- time), which is still the review page. done() prints how many grades and pages were served and any failure.
local cookies = {}
for line in io.lines(os.getenv("COOKIE_FILE")) do
  if #line > 0 then cookies[#cookies + 1] = line end
end
local think_min = tonumber(os.getenv("THINK_MIN") or "1000")
local think_max = tonumber(os.getenv("THINK_MAX") or "3000")

local threads = {}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("reviewer", counter)
  threads[#threads + 1] = thread
end

function init(args)
  cookie = cookies[((reviewer - 1) % #cookies) + 1]
  math.randomseed(reviewer * 7919)
  pending = nil      -- the grade form of the card on screen, once a page has shown one
  idle = false       -- true once the day's cards are done
  pages, grades, failures = 0, 0, 0
  last = ""
  started = false
end

function delay()
  -- People open the page at different moments: without this first wait all reviewers would ask at the same instant,
  -- and that one burst of simultaneous requests (not reviewing) would be the whole p99.
  if not started then started = true; return math.random(0, think_max) end
  if pending or idle then return math.random(think_min, think_max) end
  return 0
end

function request()
  if pending then
    idle = false
    local body = "csrf_token=" .. pending.csrf .. "&card=" .. pending.card .. "&token=" .. pending.token
      .. "&rating=" .. math.random(1, 4)
    pending = nil
    last = "grade"
    return wrk.format("POST", "/cards/review", {
      ["Cookie"] = cookie, ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
  end
  last = "page"
  return wrk.format("GET", "/cards/review?reveal=1", { ["Cookie"] = cookie })
end

function response(status, headers, body)
  if last == "grade" then
    if status == 303 then grades = grades + 1 else failures = failures + 1 end
    return
  end
  if status ~= 200 then failures = failures + 1; return end
  pages = pages + 1
  local card = body:match('name="card" value="(%d+)"')
  if card then
    pending = {
      card = card,
      token = body:match('name="token" value="(%d+)"'),
      csrf = body:match('name="csrf_token" value="([^"]+)"'),
    }
  else
    -- Nothing left to review today: think, then reload the summary.
    pending = nil
    idle = true
  end
end

function done(summary, latency, requests)
  local p, g, f = 0, 0, 0
  for _, t in ipairs(threads) do
    p = p + t:get("pages"); g = g + t:get("grades"); f = f + t:get("failures")
  end
  io.write(string.format("reviewers: %d, review pages served: %d, grades recorded: %d, failures: %d\n", #threads, p, g, f))
end
