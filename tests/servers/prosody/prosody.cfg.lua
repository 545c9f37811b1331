-- Test-only Prosody config (tests/servers/prosody_server.py fills in @BASE@ and @PORT@):
-- client connections on 127.0.0.1 only, one VirtualHost "localhost", no federation, no HTTP.
run_as_root = true                 -- CI runs as root: don't switch to the 'prosody' user
pidfile = "@BASE@/prosody.pid"
data_path = "@BASE@/data"
interfaces = { "127.0.0.1" }
local_interfaces = { "127.0.0.1" }
c2s_ports = { @PORT@ }
c2s_direct_tls_ports = { }
s2s_ports = { }
admins = { }
modules_enabled = { "disco"; "roster"; "saslauth"; "tls"; "ping"; "presence" }
modules_disabled = { "s2s"; "http"; "posix" }
authentication = "internal_hashed"
storage = "internal"
c2s_require_encryption = true      -- STARTTLS with the self-signed certificate below
certificates = "@BASE@/certs"      -- localhost.crt / localhost.key
limits = { }
log = { info = "@BASE@/prosody.log"; error = "@BASE@/prosody.err" }
VirtualHost "localhost"
