-- GET with optional extra headers. args: header lines "Name: value".
local headers = {}

function init(args)
  for _, line in ipairs(args) do
    local name, value = line:match("^([^:]+):%s*(.*)$")
    headers[name] = value
  end
end

function request()
  return wrk.format("GET", nil, headers)
end
