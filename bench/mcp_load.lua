-- wrk script for bench/run.py: POSTs one fixed JSON-RPC body with MCP headers.
-- Env (set by bench/run.py):
--   MCP_BODY_FILE   file holding the exact request body
--   MCP_HEADERS     extra headers, one "Name: value" per line
--   (the JSON-RPC id in the body is replaced by a unique number per request)
--   MCP_SAMPLE      check every Nth response body (default 50); every response's status is checked
--   WRK_JSON_OUT    where done() writes its JSON summary
local f = assert(io.open(os.getenv("MCP_BODY_FILE"), "rb"))
local body = f:read("*a")
f:close()

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
for line in (os.getenv("MCP_HEADERS") or ""):gmatch("[^\n]+") do
  local k, v = line:match("^%s*([^:]+):%s*(.-)%s*$")
  if k then wrk.headers[k] = v end
end

-- Every request gets its own JSON-RPC id (stateful servers route responses by id within a session,
-- so a constant id would make concurrent requests on one session collide).
local pre, post = body:match('^(.-"id":)1(,.*)$')
assert(pre, 'request body must start {"jsonrpc":"2.0","id":1,...')
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end
local seq = 0
function request()
  seq = seq + 1
  return wrk.format(nil, nil, nil, pre .. (tid * 100000000 + seq) .. post)
end

local sample = tonumber(os.getenv("MCP_SAMPLE") or "50")
n, bad_status, bad_body, checked = 0, 0, 0, 0
first_bad = ""

function response(status, headers, rbody)
  n = n + 1
  local ok = true
  if status ~= 200 then
    bad_status = bad_status + 1
    ok = false
  end
  if n % sample == 1 or not ok then
    checked = checked + 1
    if not rbody:find('"result"', 1, true) or rbody:find('"isError":true', 1, true)
       or rbody:find('"error":{', 1, true) then
      bad_body = bad_body + 1
      if first_bad == "" then first_bad = status .. " " .. rbody:sub(1, 200) end
    end
  end
end

local function esc(s)
  return (s:gsub('\\', '\\\\'):gsub('"', '\\"'):gsub('[%c]', ' '))
end

function done(summary, latency, requests)
  local bs, bb, ck, fb = 0, 0, 0, ""
  for _, t in ipairs(threads) do
    bs = bs + (t:get("bad_status") or 0)
    bb = bb + (t:get("bad_body") or 0)
    ck = ck + (t:get("checked") or 0)
    if fb == "" then fb = t:get("first_bad") or "" end
  end
  local e = summary.errors
  local secs = summary.duration / 1e6
  local out = string.format(
    '{"requests":%d,"duration_s":%.3f,"rps":%.1f,"bytes":%d,"lat_mean_ms":%.3f,"lat_p50_ms":%.3f,' ..
    '"lat_p90_ms":%.3f,"lat_p99_ms":%.3f,"lat_max_ms":%.3f,"err_connect":%d,"err_read":%d,"err_write":%d,' ..
    '"err_status":%d,"err_timeout":%d,"bad_status":%d,"bad_body":%d,"checked":%d,"first_bad":"%s"}',
    summary.requests, secs, summary.requests / secs, summary.bytes, latency.mean / 1000,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, e.connect, e.read, e.write, e.status, e.timeout, bs, bb, ck, esc(fb))
  local path = os.getenv("WRK_JSON_OUT")
  if path then
    local o = assert(io.open(path, "w"))
    o:write(out, "\n")
    o:close()
  end
  io.write(out, "\n")
end
