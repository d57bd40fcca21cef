-- wrk script for bench/run.py. The first argument picks the scenario:
--
--   get LIST                  GET a random path of LIST (one path per line)
--   revalidate LIST           GET with If-None-Match; LIST lines are "path<TAB>etag"
--   range PATH SIZE SLICE     GET random SLICE-byte ranges of the SIZE-byte file PATH
--   put PREFIX SIZE           PUT SIZE bytes to PREFIX<thread>-<counter> (a new name each time;
--                             run.py makes PREFIX unique per run)
--   multipart FOLDER NAME SIZE
--                             POST multipart/form-data to /files/: field "path" = FOLDER, then
--                             field "file" with SIZE bytes named NAME<thread>-<counter>
--   mixed LIST PREFIX SIZE PERCENT
--                             PERCENT % PUTs as above, the rest GETs as "get"
--
-- HEAD is not here: wrk would wait for the body a HEAD answer announces (bench/headload.c does it).
--
-- wrk itself counts socket errors, timeouts and answers >= 400 (summary.errors). A Lua
-- response() hook would catch more (e.g. 200 instead of 304) but makes wrk copy every header
-- and body into Lua, which costs CPU the servers share; run.py checks exact status codes with
-- sample requests instead. done() prints one JSON line starting with "WRKJSON ".

local next_thread_id = 0

function setup(thread)
  thread:set("thread_id", next_thread_id)
  next_thread_id = next_thread_id + 1
end

local requests = {} -- prebuilt request strings for the read scenarios
local make_request  -- or a function building one per call
local counter = 0

local function read_lines(path)
  local lines = {}
  for line in io.lines(path) do
    if line ~= "" then
      lines[#lines + 1] = line
    end
  end
  assert(#lines > 0, "empty list " .. path)
  return lines
end

local function unique_name()
  counter = counter + 1
  return thread_id .. "-" .. counter
end

local function put_request(prefix, body)
  return wrk.format("PUT", prefix .. unique_name(), {["Content-Type"] = "application/octet-stream"}, body)
end

local boundary = "simplefsbench7MA4YWxkTrZu0gW"

local function multipart_request(folder, name, payload)
  local body = "--" .. boundary .. "\r\n"
    .. 'Content-Disposition: form-data; name="path"\r\n\r\n' .. folder .. "\r\n"
    .. "--" .. boundary .. "\r\n"
    .. 'Content-Disposition: form-data; name="file"; filename="' .. name .. unique_name() .. '"\r\n'
    .. "Content-Type: application/octet-stream\r\n\r\n"
    .. payload .. "\r\n--" .. boundary .. "--\r\n"
  return wrk.format("POST", "/files/", {["Content-Type"] = "multipart/form-data; boundary=" .. boundary}, body)
end

local function build_gets(list)
  for _, path in ipairs(read_lines(list)) do
    requests[#requests + 1] = wrk.format("GET", path)
  end
end

local function build_revalidations(list)
  for _, line in ipairs(read_lines(list)) do
    local path, etag = line:match("^(%S+)\t(.+)$")
    requests[#requests + 1] = wrk.format("GET", path, {["If-None-Match"] = etag})
  end
end

local function build_ranges(path, size, slice)
  for _ = 1, 4096 do
    local first = math.random(0, size - slice)
    local range = "bytes=" .. first .. "-" .. (first + slice - 1)
    requests[#requests + 1] = wrk.format("GET", path, {Range = range})
  end
end

local function random_prebuilt()
  return requests[math.random(#requests)]
end

function init(args)
  math.randomseed(os.time() * 1000 + thread_id)
  local mode = args[1]
  if mode == "get" then
    build_gets(args[2])
  elseif mode == "revalidate" then
    build_revalidations(args[2])
  elseif mode == "range" then
    build_ranges(args[2], tonumber(args[3]), tonumber(args[4]))
  elseif mode == "put" then
    local prefix, body = args[2], string.rep("p", tonumber(args[3]))
    make_request = function() return put_request(prefix, body) end
  elseif mode == "multipart" then
    local folder, name, payload = args[2], args[3], string.rep("m", tonumber(args[4]))
    make_request = function() return multipart_request(folder, name, payload) end
  elseif mode == "mixed" then
    build_gets(args[2])
    local prefix, body, percent = args[3], string.rep("x", tonumber(args[4])), tonumber(args[5])
    make_request = function()
      if math.random(100) <= percent then
        return put_request(prefix, body)
      end
      return random_prebuilt()
    end
  else
    error("unknown mode " .. tostring(mode))
  end
  make_request = make_request or random_prebuilt
end

function request()
  return make_request()
end

function done(summary, latency, _)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,'
      .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
      .. '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
