-- POST /v1/exhibitors/{id}/interactions: a consenting attendee (a token from the file)
-- visits a random exhibitor. args: path of a file of "exhibitor_id token" lines' parts:
-- first line exhibitor ids separated by spaces, then one token a line.
local exhibitors = {}
local tokens = {}
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

function init(args)
  local file = assert(io.open(args[1]))
  for id in file:read("*l"):gmatch("%S+") do table.insert(exhibitors, id) end
  for line in file:lines() do table.insert(tokens, line) end
  file:close()
  math.randomseed(os.time() * 100 + thread_id)
end

function request()
  local exhibitor = exhibitors[math.random(#exhibitors)]
  local token = tokens[math.random(#tokens)]
  return wrk.format("POST", "/v1/exhibitors/" .. exhibitor .. "/interactions",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token},
    '{"kind":"visit"}')
end
