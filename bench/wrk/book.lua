-- wrk script: book one appointment per request (POST
-- /patient/{id}/appointments, form-encoded, as the console does) of a
-- random patient among the first PATIENTS, with a random one of 30
-- scheduled doctors, into a random half-hour slot (Monday–Saturday,
-- 08:00–17:30 at the clinic) of one of 100 weeks from 2028-01-03: ten
-- seats a slot, so the slots never fill. TOKEN authorises.
local token = os.getenv("TOKEN")
local first = tonumber(os.getenv("FIRST") or "1")
local last = tonumber(os.getenv("LAST") or "1000000")
local thread_id = 0
local monday = 1830441600 -- 2028-01-03 00:00 Asia/Shanghai

function setup(thread)
  thread:set("thread_id", thread_id)
  thread_id = thread_id + 1
end

function init(args)
  math.randomseed(os.time() + thread_id * 7919)
end

request = function()
  local start = monday + math.random(0, 99) * 7 * 86400 + math.random(0, 5) * 86400 + 8 * 3600 + math.random(0, 19) * 1800
  local body = "doctor_id=" .. math.random(1, 30) .. "&start_time=" .. start
  local headers = {["Content-Type"] = "application/x-www-form-urlencoded", ["Authorization"] = "Bearer " .. token}
  return wrk.format("POST", "/back_end/api/v1/patient/" .. math.random(first, last) .. "/appointments", headers, body)
end
