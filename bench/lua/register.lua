-- POST /v1/registrations with an email no other request of this run uses.
-- wrk.lua_args: run id
local counter = 0
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

function init(args)
  run_id = args[1] or "run"
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"email":"b%s-%d-%d@example.org","full_name":"Bench Attendee",' ..
    '"organization":"Bench","consent":{"share_with_exhibitors":true}}',
    run_id, thread_id, counter)
  return wrk.format("POST", "/v1/registrations", {["Content-Type"] = "application/json"}, body)
end
