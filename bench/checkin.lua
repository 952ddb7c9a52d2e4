-- wrk script for bench/checkin.py: POST /api/v1/checkin, each request with the next member's bearer token.
--
-- Environment (read by every wrk thread):
--   CHECKIN_MODE     "ping": no request() at all, so wrk sends its one static request (the floor) and this
--                    script only prints the summary; "loop": cycle through the tokens for the whole run;
--                    "once": each member exactly once, then the thread stops (the first pass)
--   CHECKIN_TOKENS   file with one "token device_id" per line; thread k of n takes lines k, k+n, k+2n, …
--   CHECKIN_THREADS  n, the same number as wrk's -t
--   CHECKIN_SESSION, CHECKIN_CODE   the session and the code on its screen
-- done() prints one line, "CHECKIN_RESULT {json}", that bench/checkin.py reads.

local ffi = require("ffi")
ffi.cdef([[
  typedef struct { long tv_sec; long tv_nsec; } dx_timespec;
  int clock_gettime(int clk_id, dx_timespec *tp);
]])
local ts = ffi.new("dx_timespec")
local function now() -- CLOCK_MONOTONIC; wrk's own clock is not exposed to scripts
  ffi.C.clock_gettime(1, ts)
  return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) * 1e-9
end

local mode = os.getenv("CHECKIN_MODE") or "loop"
local threads, next_id = {}, 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

-- per-thread state (each wrk thread runs its own copy of this script)
created, repeated, refused, failed, t_first, t_done = 0, 0, 0, 0, 0, 0
local mine, sent = {}, 0

function init(args)
  if mode == "ping" then
    return
  end
  local n, i = tonumber(os.getenv("CHECKIN_THREADS")), 0
  local session, code = os.getenv("CHECKIN_SESSION"), os.getenv("CHECKIN_CODE")
  for line in io.lines(os.getenv("CHECKIN_TOKENS")) do
    if i % n == id then
      local token, device = line:match("^(%S+) (%S+)$")
      local body = string.format('{"session_id": %s, "code": "%s", "device_id": "%s"}', session, code, device)
      table.insert(mine, wrk.format("POST", "/api/v1/checkin", { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }, body))
    end
    i = i + 1
  end
end

if mode ~= "ping" then
  function request()
    if t_first == 0 then
      t_first = now()
    end
    sent = sent + 1
    -- in "once" mode the few connections still idle after the last member's turn send repeats (200);
    -- they are counted apart and the thread stops as soon as every member has had an answer
    return mine[(sent - 1) % #mine + 1]
  end

  function response(status, headers, body)
    if status == 201 then
      created = created + 1
    elseif status == 200 then
      repeated = repeated + 1
    elseif status == 422 then
      refused = refused + 1
    else
      failed = failed + 1
    end
    if mode == "once" and t_done == 0 and created + refused + failed >= #mine then
      t_done = now()
      io.write("CHECKIN_THREAD_DONE\n") -- bench/checkin.py then ends wrk's fixed-length run with SIGINT
      io.flush()
      wrk.thread:stop()
    end
  end
end

function done(summary, latency, requests)
  local c = { created = 0, repeated = 0, refused = 0, failed = 0 }
  local first, last = math.huge, 0
  for _, thread in ipairs(threads) do
    for key in pairs(c) do
      c[key] = c[key] + (thread:get(key) or 0)
    end
    local t0, t1 = thread:get("t_first") or 0, thread:get("t_done") or 0
    if t0 > 0 then
      first = math.min(first, t0)
    end
    last = math.max(last, t1)
  end
  local e = summary.errors
  io.write(string.format(
    'CHECKIN_RESULT {"requests": %d, "duration_s": %.6f, "created": %d, "repeated": %d, "refused": %d, "failed": %d, '
      .. '"first_pass_s": %.6f, "p50_ms": %.3f, "p90_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f, "mean_ms": %.3f, '
      .. '"socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, "non_2xx_3xx": %d}\n',
    summary.requests, summary.duration / 1e6, c.created, c.repeated, c.refused, c.failed,
    (last > 0 and first < math.huge) and (last - first) or 0,
    latency:percentile(50) / 1e3, latency:percentile(90) / 1e3, latency:percentile(99) / 1e3, latency.max / 1e3, latency.mean / 1e3,
    e.connect, e.read, e.write, e.timeout, e.status
  ))
end
