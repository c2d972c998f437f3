-- wrk script for bench/analytics_cost.py: POSTs one batch of widget events to /api/analytics/events.
-- Env: INGEST_BODY_FILE (the batch), WRK_JSON_OUT (where done() writes its JSON summary).
-- Every response must be 202; a batch's shopper changes per request so no shopper's throttle bucket is shared.
local f = assert(io.open(os.getenv("INGEST_BODY_FILE"), "rb"))
local body = f:read("*a")
f:close()
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

local pre, post = body:match('^(.-"shopper":")%x+(".*)$')
assert(pre, 'body must start {"shopper":"<hex>",...')
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end
local seq = 0
function request()
  seq = seq + 1
  return wrk.format(nil, nil, nil, pre .. string.format("%08x%024x", tid, seq) .. post)
end

bad = 0
first_bad = ""
function response(status, headers, rbody)
  if status ~= 202 then
    bad = bad + 1
    if first_bad == "" then first_bad = status .. " " .. rbody:sub(1, 200) end
  end
end

function done(summary, latency, requests)
  local b, fb = 0, ""
  for _, t in ipairs(threads) do
    b = b + (t:get("bad") or 0)
    if fb == "" then fb = t:get("first_bad") or "" end
  end
  local secs = summary.duration / 1e6
  local out = string.format(
    '{"requests":%d,"duration_s":%.3f,"rps":%.1f,"lat_p50_ms":%.3f,"lat_p99_ms":%.3f,"errors":%d,"bad":%d,"first_bad":"%s"}',
    summary.requests, secs, summary.requests / secs, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout + summary.errors.status,
    b, (fb:gsub('"', "'"):gsub("[%c]", " ")))
  local o = assert(io.open(os.getenv("WRK_JSON_OUT"), "w"))
  o:write(out, "\n")
  o:close()
end
