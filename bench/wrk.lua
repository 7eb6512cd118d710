-- bench/wrk.lua: one script for every HTTP figure of bench/run (issue #8).
-- Environment: BENCH_METHOD (GET/POST), BENCH_BODY (form body for POST), BENCH_COOKIE ("sessionid=..; csrftoken=.."),
-- BENCH_CSRF (the CSRF token, sent as X-CSRFToken), BENCH_PATHS (file: one path per line, rotated over requests).
-- done() prints one line "BENCH_JSON {...}" with throughput and latency percentiles (microseconds), and with
-- BENCH_HISTOGRAM (a file path) writes every distinct latency and its count there ("microseconds count" per line),
-- so that runs taken in turns can be merged into one distribution (bench.py, interleaved rounds).
local method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY")
local cookie = os.getenv("BENCH_COOKIE")
local csrf = os.getenv("BENCH_CSRF")
local pathfile = os.getenv("BENCH_PATHS")
local histogram = os.getenv("BENCH_HISTOGRAM")

local threads = {}
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

local paths = {}
local counter = 0
function init(args)
  if pathfile then
    for line in io.lines(pathfile) do
      if line ~= "" then table.insert(paths, line) end
    end
  end
  -- Threads start far apart in the list so that two connections rarely act on the same row.
  counter = (tid or 0) * math.floor(#paths / 2 + 1)
  wrk.headers["Host"] = "127.0.0.1"
  if cookie then wrk.headers["Cookie"] = cookie end
  if csrf then wrk.headers["X-CSRFToken"] = csrf end
  if method == "POST" then wrk.headers["Content-Type"] = "application/x-www-form-urlencoded" end
end

function request()
  local path = wrk.path
  if #paths > 0 then
    counter = counter + 1
    path = paths[(counter % #paths) + 1]
  end
  return wrk.format(method, path, nil, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"rps":%.2f,"status_errors":%d,"connect_errors":%d,' ..
    '"read_errors":%d,"write_errors":%d,"timeouts":%d,"mean_us":%.1f,"p50_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6), e.status, e.connect, e.read,
    e.write, e.timeout, latency.mean, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max))
  if histogram then
    -- latency(i) is the i-th distinct value and its count (wrk walks its histogram for each: fine for one run).
    local fh = assert(io.open(histogram, "w"))
    for i = 1, #latency do
      local value, count = latency(i)
      fh:write(string.format("%d %d\n", value, count))
    end
    fh:close()
  end
end
