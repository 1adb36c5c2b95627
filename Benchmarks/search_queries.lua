-- wrk script: rotate through realistic search queries (and a few hostile ones).
local queries = {
  "ranking", "embedding", "feature+store", "two+tower+retrieval", "cold+start", "precision+recall", "drift",
  "p99+latency", "negative+sampling", "online+experiment", "calibration", "NEAR%28%22x%22+AND+%2A", "%F0%9F%99%82+ranking",
  "label+leakage", "approximate+nearest+neighbour", "candidate+generation", "re-ranking", "fraud", "ctr",
}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/search?q=" .. queries[(i % #queries) + 1])
end
