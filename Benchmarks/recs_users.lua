-- wrk script: GET /api/v1/recommendations for a random user of the default world on every request.
math.randomseed(42)
local users = tonumber(os.getenv("USERS") or "20000")
request = function()
  return wrk.format("GET", "/api/v1/recommendations?user=" .. math.random(0, users - 1) .. "&k=20&candidates=500")
end
