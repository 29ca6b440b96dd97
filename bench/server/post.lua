-- wrk script: POSTs AdmissionReview bodies, cycling through the request files
-- given after "--" as PATH=FILE pairs, e.g.
--   wrk -s post.lua https://127.0.0.1:8443 -- /validate/pod-privileged=requests/pod.json
local requests = {}
local next_request = 1

-- WRK_IDLE_AFTER=N: the first N requests go at once (one per connection with
-- -cN), then every request waits a minute: N connections, idle after one request
local idle_after = tonumber(os.getenv("WRK_IDLE_AFTER") or "")
if idle_after then
    local calls = 0
    function delay()
        calls = calls + 1
        return calls <= idle_after and 0 or 60000
    end
end

function init(args)
    for _, arg in ipairs(args) do
        local path, file = arg:match("^([^=]+)=(.+)$")
        assert(path, "arguments are PATH=FILE, got " .. arg)
        local f = assert(io.open(file, "rb"))
        local body = f:read("*a")
        f:close()
        requests[#requests + 1] = wrk.format("POST", path,
            { ["Content-Type"] = "application/json" }, body)
    end
    assert(#requests > 0, "no PATH=FILE arguments after --")
    -- each connection starts at a different request so that the mix is even
    next_request = math.random(#requests)
end

function request()
    local r = requests[next_request]
    next_request = next_request % #requests + 1
    return r
end

-- one line the Makefile greps: "RESULT rps p50_ms p90_ms p99_ms errors"
function done(summary, latency, requests)
    local errors = summary.errors.connect + summary.errors.read + summary.errors.write +
                   summary.errors.status + summary.errors.timeout
    io.write(string.format("RESULT %.0f %.3f %.3f %.3f %d\n",
        summary.requests / (summary.duration / 1e6),
        latency:percentile(50) / 1000, latency:percentile(90) / 1000,
        latency:percentile(99) / 1000, errors))
end
