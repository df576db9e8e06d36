-- wrk: PATCH a JSON body that changes the user's first name on every request (a PATCH that
-- changes nothing records no audit event), with the Authorization header in BENCH_AUTH.
wrk.method = "PATCH"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = os.getenv("BENCH_AUTH")
local n = os.time() * 100000  -- unique across runs: no round starts at the current name
request = function()
  n = n + 1
  return wrk.format(nil, nil, nil, '{"first_name":"Bench' .. n .. '"}')
end
