# A real DNS server on loopback for the MX tests: unbound(8), recursive,
# serving the test's own zones as auth-zones, on a free port.
# load 'helpers/common'; load 'helpers/dns'
#
#   dns_zone test <<'EOF'        # records of zone "test." (origin test.)
#   example   MX 10 mx1.example
#   mx1.example A 127.0.0.1
#   EOF
#   dns_start                    # sets and exports DNS_PORT, DNS_SERVER
#   mxlookup -s "$DNS_SERVER" example.test
#   dns_stop                     # in teardown / teardown_file
#
# Every name outside the zones given (and under servfail.test, a
# delegation to a dead port) gets SERVFAIL, quickly: the root is a stub
# pointing at that dead port, so nothing leaves the machine.  Works in
# setup_file (files under $BATS_FILE_TMPDIR/dns) or in a test (under
# $BATS_TEST_TMPDIR/dns).

_dns_dir() {
	printf '%s/dns' "${BATS_TEST_TMPDIR:-$BATS_FILE_TMPDIR}"
}

# A free UDP port on 127.0.0.1 with nothing behind it.
_dns_free_udp_port() {
	python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# dns_zone [-s] NAME: the zone NAME. (from stdin, $ORIGIN NAME.); an SOA
# and an NS are added.  With -s the zone is signed (ldns-signzone, fresh
# ECDSA keys) and unbound validates it with its DS as trust anchor, so
# that its answers carry the AD bit.
dns_zone() {
	local dir sign=
	if [ "$1" = -s ]; then
		sign=1
		shift
	fi
	dir=$(_dns_dir)
	mkdir -p "$dir"
	{
		printf '$ORIGIN %s.\n$TTL 300\n' "$1"
		printf '@ IN SOA ns.%s. hostmaster.%s. 1 3600 600 86400 60\n' "$1" "$1"
		printf '@ IN NS ns.%s.\nns.%s. IN A 127.0.0.1\n' "$1" "$1"
		cat
	} >"$dir/$1.zone"
	if [ -n "$sign" ]; then
		mkdir -p "$dir/keys-$1"
		(
			cd "$dir/keys-$1" &&
			ksk=$(ldns-keygen -a ECDSAP256SHA256 -k "$1") &&
			zsk=$(ldns-keygen -a ECDSAP256SHA256 "$1") &&
			ldns-signzone -n -f "$dir/$1.zone.signed" "$dir/$1.zone" \
				"$ksk" "$zsk" &&
			mv "$dir/$1.zone.signed" "$dir/$1.zone" &&
			cat "$ksk.ds" >>"$dir/trust-anchors"
		) || return 1
	fi
	printf '%s\n' "$1" >>"$dir/zones"
}

# dns_start: unbound on a free port, serving the zones; waits until it
# answers.  Sets DNS_PORT, DNS_SERVER (127.0.0.1:PORT) and DNS_DIR (its
# files: unbound.conf, unbound.log with every query received).
dns_start() {
	local dir dead z i
	dir=$(_dns_dir)
	mkdir -p "$dir"
	DNS_PORT=$(free_port)
	dead=$(_dns_free_udp_port)
	{
		cat <<-EOF
		server:
		  interface: 127.0.0.1
		  port: $DNS_PORT
		  username: ""
		  chroot: ""
		  directory: "$dir"
		  pidfile: "$dir/unbound.pid"
		  use-syslog: no
		  logfile: "$dir/unbound.log"
		  verbosity: 1
		  log-queries: yes
		  num-threads: 1
		  so-reuseport: no
		  do-ip6: no
		  do-not-query-localhost: no
		  access-control: 127.0.0.0/8 allow
		EOF
		if [ -f "$dir/trust-anchors" ]; then
			printf '  module-config: "validator iterator"\n'
			printf '  trust-anchor-file: "%s/trust-anchors"\n' "$dir"
			printf '  val-log-level: 2\n'
		else
			printf '  module-config: "iterator"\n'
		fi
		cat <<-EOF
		  qname-minimisation: no
		  minimal-responses: yes
		  harden-referral-path: no
		  infra-host-ttl: 1
		  infra-cache-min-rtt: 50
		  infra-cache-max-rtt: 200
		  unknown-server-time-limit: 100
		  outbound-msg-retry: 1
		  max-sent-count: 3
		  unwanted-reply-threshold: 0
		  ratelimit: 0
		  ip-ratelimit: 0
		  outgoing-num-tcp: 4
		  num-queries-per-thread: 4096
		  outgoing-range: 4096
		  cache-max-negative-ttl: 1
		  serve-expired: no
		  local-zone: "test." nodefault
		  local-zone: "invalid." nodefault
		remote-control:
		  control-enable: no
		stub-zone:
		  name: "."
		  stub-addr: 127.0.0.1@$dead
		stub-zone:
		  name: "servfail.test."
		  stub-addr: 127.0.0.1@$dead
		EOF
		if [ -f "$dir/zones" ]; then
			while read -r z; do
				printf 'auth-zone:\n  name: "%s."\n  zonefile: "%s/%s.zone"\n  for-downstream: no\n  for-upstream: yes\n  fallback-enabled: no\n' \
					"$z" "$dir" "$z"
			done <"$dir/zones"
		fi
	} >"$dir/unbound.conf"
	unbound-checkconf "$dir/unbound.conf" >"$dir/checkconf.log" 2>&1 || {
		cat "$dir/checkconf.log" >&2
		return 1
	}
	unbound -d -c "$dir/unbound.conf" 3>&- 2>>"$dir/unbound.stderr" &
	echo $! >"$dir/pid"
	DNS_SERVER=127.0.0.1:$DNS_PORT
	DNS_DIR=$dir
	export DNS_PORT DNS_SERVER DNS_DIR
	# ready when it answers a question about its own zone (or the root)
	z=$(head -n 1 "$dir/zones" 2>/dev/null || echo .)
	for i in $(seq 1 100); do
		if drill -p "$DNS_PORT" "$z" SOA @127.0.0.1 >/dev/null 2>&1; then
			return 0
		fi
		kill -0 "$(cat "$dir/pid")" 2>/dev/null || break
		sleep 0.1
	done
	echo "unbound did not start:" >&2
	cat "$dir/unbound.stderr" "$dir/unbound.log" >&2 2>/dev/null
	return 1
}

dns_stop() {
	local dir pid
	dir=${DNS_DIR:-$(_dns_dir)}
	[ -f "$dir/pid" ] || return 0
	pid=$(cat "$dir/pid")
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -f "$dir/pid"
}

# dns_queries REGEX: how many queries unbound received whose
# "NAME. TYPE CLASS" (as in its log, e.g. "mx1.example.test. A IN")
# matches the extended REGEX.
dns_queries() {
	grep -cE "info: [0-9.]+ ($1)\$" "${DNS_DIR:-$(_dns_dir)}/unbound.log" || true
}
