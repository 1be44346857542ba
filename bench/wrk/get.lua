-- wrk script: GET the URL given, with the token from TOKEN as a Bearer
-- header (the old frontend puts it in the query string; both work).
local token = os.getenv("TOKEN")
if token ~= nil and token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end
