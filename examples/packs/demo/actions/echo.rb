require "json"

# Reads the parameters (one JSON line on stdin) and echoes them with the interpreter's version.
params = JSON.parse($stdin.gets || "{}")
puts JSON.generate({ "echo" => params, "ruby" => RUBY_VERSION })
