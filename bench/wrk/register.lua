-- wrk script: POST one new patient per request, as the frontend registers
-- them (form-encoded), each with its own phone number. The token, if any,
-- comes from the TOKEN variable; the baseline takes the same body.
local token = os.getenv("TOKEN")
local counter = 0
local thread_id = 0

function setup(thread)
  thread:set("thread_id", thread_id)
  thread_id = thread_id + 1
end

function init(args)
  math.randomseed(os.time() + thread_id * 7919)
end

request = function()
  counter = counter + 1
  local tel = string.format("15%09d", math.random(0, 999999999))
  local body = "name=%E5%BC%A0%E4%B8%89&sex=1&age=34&state=0&add_time=" .. os.time() ..
    "&tel=" .. tel .. "&doctor_id=1&media_from_id=2&disease_id=3" ..
    "&advisory_way=%E7%94%B5%E8%AF%9D&area=%E6%B8%A9%E5%B7%9E&remarks=bench"
  local headers = {["Content-Type"] = "application/x-www-form-urlencoded"}
  if token ~= nil and token ~= "" then
    headers["Authorization"] = "Bearer " .. token
  end
  return wrk.format("POST", nil, headers, body)
end
