#!/usr/bin/env bats
# mxlookup against a real recursive server (unbound) on loopback serving
# the test zones; its answers are checked against drill's.

load 'helpers/common'
load 'helpers/dns'

bats_require_minimum_version 1.5.0

setup_file() {
	dns_zone test <<-'EOF'
	multi		MX 20 mx2.multi
	multi		MX 10 mx1.multi
	multi		MX 30 mx3.multi
	mx1.multi	A 127.0.0.11
	mx2.multi	A 127.0.0.12
	mx2.multi	AAAA ::12
	mx3.multi	AAAA 2001:db8::3
	equal		MX 10 a.equal
	equal		MX 10 b.equal
	equal		MX 10 c.equal
	equal		MX 5 first.equal
	first.equal	A 127.0.1.9
	a.equal		A 127.0.1.1
	b.equal		A 127.0.1.2
	c.equal		A 127.0.1.3
	nomail		MX 0 .
	aonly		A 127.0.2.1
	aonly		AAAA ::21
	alias		CNAME multi
	alias2		CNAME alias
	mxalias		MX 5 cn.mxalias
	cn.mxalias	CNAME mx1.multi
	empty		TXT "no mail here"
	aliasnx		CNAME gone
	noaddr		MX 10 nowhere.noaddr
	halfaddr	MX 10 nowhere.noaddr
	halfaddr	MX 20 mx1.multi
	EOF
	{
		for i in $(seq 1 1000); do
			printf 'd%d MX 10 mx%d\nd%d MX 20 mx%d\n' \
				"$i" $((i % 50)) "$i" $(((i + 1) % 50))
		done
		for i in $(seq 0 49); do
			printf 'mx%d A 127.0.3.%d\n' "$i" $((i + 1))
		done
		# 120 A records: more than a 1232-octet UDP answer holds
		for i in $(seq 1 120); do
			printf 'big A 10.0.%d.%d\n' $((i / 200)) $((i % 200 + 1))
		done
		printf 'tcp MX 10 big\n'
	} | dns_zone bulk
	# signed: unbound validates it and sets AD
	dns_zone -s sec <<-'EOF'
	signed		MX 10 mx.signed
	mx.signed	A 127.0.0.5
	outside		MX 10 mx1.multi.test.
	EOF
	dns_start
}

teardown_file() {
	dns_stop
}

setup() {
	export POSTA_CONF=$BATS_TEST_TMPDIR/posta.conf
	: >"$POSTA_CONF"
}

teardown() {
	stop_all
}

# A nameserver that never answers: a bound UDP socket nobody reads;
# sets port.  stop_all ends it.
silent_server() {
	port=$(free_port)
	spawn python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
print("ready", flush=True)
time.sleep(60)' "$port" >"$BATS_TEST_TMPDIR/silent.out"
	until grep -q ready "$BATS_TEST_TMPDIR/silent.out"; do sleep 0.05; done
}

# drill's MX answer for $1: "pref<TAB>exchanger" lines, sorted.
drill_mx() {
	drill -p "$DNS_PORT" "$1" MX @127.0.0.1 |
		awk '/^;; ANSWER SECTION/ { a = 1; next } /^;; / { a = 0 }
		    a && $4 == "MX" { if ($6 != ".") sub(/\.$/, "", $6)
		    print $5 "\t" $6 }' |
		sort -n
}

# drill's addresses of $1, AAAA then A, space-separated.
drill_addrs() {
	local t
	for t in AAAA A; do
		drill -p "$DNS_PORT" "$1" $t @127.0.0.1 |
			awk -v t=$t '/^;; ANSWER SECTION/ { a = 1; next }
			    /^;; / { a = 0 } a && $4 == t { print $5 }'
	done | paste -sd ' '
}

@test "several MX preferences come out in preference order, as drill answers them" {
	run mxlookup -s "$DNS_SERVER" multi.test
	assert_success
	assert_output "$(printf 'multi.test\t10\tmx1.multi.test\nmulti.test\t20\tmx2.multi.test\nmulti.test\t30\tmx3.multi.test')"
	[ "$(cut -f2,3 <<<"$output")" = "$(drill_mx multi.test)" ]
}

@test "-a adds each exchanger's addresses, AAAA then A, the same as drill's" {
	run mxlookup -a -s "$DNS_SERVER" multi.test
	assert_success
	[ "${#lines[@]}" -eq 3 ]
	while IFS=$'\t' read -r dom pref mx addrs; do
		[ "$dom" = multi.test ]
		[ -n "$addrs" ]
		[ "$addrs" = "$(drill_addrs "$mx")" ]
	done <<<"$output"
	assert_line --index 1 "$(printf 'multi.test\t20\tmx2.multi.test\t::12 127.0.0.12')"
}

@test "equal preferences are all listed and shuffled, after the lower preference" {
	local i doms=()
	for i in $(seq 1 60); do doms+=(equal.test); done
	run mxlookup -s "$DNS_SERVER" "${doms[@]}"
	assert_success
	[ "${#lines[@]}" -eq 240 ]
	# each look-up: first.equal first, then a, b, c in some order
	run awk -F '\t' 'NR % 4 == 1 && $3 != "first.equal.test" { bad = 1 }
	    NR % 4 != 1 && $2 != 10 { bad = 1 } END { exit bad }' <<<"$output"
	assert_success
	run mxlookup -s "$DNS_SERVER" "${doms[@]}"
	orders=$(awk -F '\t' 'NR % 4 != 1 { o = o $3 " " } NR % 4 == 0 { print o; o = "" }' <<<"$output" | sort -u)
	[ "$(wc -l <<<"$orders")" -gt 1 ]
	# the set is drill's
	[ "$(awk -F '\t' 'NR <= 4 { print $2 "\t" $3 }' <<<"$output" | sort)" = "$(drill_mx equal.test | sort)" ]
}

@test "a null MX means the domain accepts no mail: exit 1, the reason on stderr" {
	run --separate-stderr mxlookup -s "$DNS_SERVER" nomail.test
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "mxlookup: nomail.test: accepts no mail (null MX, RFC 7505)" ]
	# drill sees the "0 ." record
	[ "$(drill_mx nomail.test)" = "$(printf '0\t.')" ]
}

@test "a domain with only addresses is its own exchanger, preference 0" {
	run mxlookup -a -s "$DNS_SERVER" aonly.test
	assert_success
	assert_output "$(printf 'aonly.test\t0\taonly.test\t%s' "$(drill_addrs aonly.test)")"
	[ -z "$(drill_mx aonly.test)" ]
}

@test "a domain with neither MX nor address accepts no mail" {
	run --separate-stderr mxlookup -s "$DNS_SERVER" empty.test
	[ "$status" -eq 1 ]
	[ "$stderr" = "mxlookup: empty.test: has no MX and no address" ]
}

@test "a CNAME domain (two hops) gets the exchangers of its canonical name" {
	run mxlookup -s "$DNS_SERVER" alias2.test
	assert_success
	[ "$(cut -f1 <<<"$output" | sort -u)" = alias2.test ]
	[ "$(cut -f2,3 <<<"$output")" = "$(drill_mx multi.test)" ]
	run mxlookup -j -s "$DNS_SERVER" alias2.test
	assert_output --partial '"cname":"multi.test"'
}

@test "an exchanger that is a CNAME gets the addresses of its target" {
	run mxlookup -a -s "$DNS_SERVER" mxalias.test
	assert_success
	assert_output "$(printf 'mxalias.test\t5\tcn.mxalias.test\t127.0.0.11')"
}

@test "NXDOMAIN accepts no mail, also at the end of a CNAME" {
	run --separate-stderr mxlookup -s "$DNS_SERVER" nosuch.test
	[ "$status" -eq 1 ]
	[ "$stderr" = "mxlookup: nosuch.test: does not exist (NXDOMAIN)" ]
	drill -p "$DNS_PORT" nosuch.test MX @127.0.0.1 | grep -q 'rcode: NXDOMAIN'
	run --separate-stderr mxlookup -s "$DNS_SERVER" aliasnx.test
	[ "$status" -eq 1 ]
	[ "$stderr" = "mxlookup: aliasnx.test: CNAME target gone.test does not exist (NXDOMAIN)" ]
}

@test "SERVFAIL from a broken delegation is a temporary failure, exit 75" {
	drill -p "$DNS_PORT" x.servfail.test MX @127.0.0.1 | grep -q 'rcode: SERVFAIL'
	run --separate-stderr mxlookup -s "$DNS_SERVER" x.servfail.test
	[ "$status" -eq 75 ]
	[ -z "$output" ]
	[[ $stderr == "mxlookup: x.servfail.test: "*"SERVFAIL from 127.0.0.1#$DNS_PORT" ]]
}

@test "exchangers without an address: kept in the list, the domain fails only when none has one" {
	run --separate-stderr mxlookup -a -s "$DNS_SERVER" halfaddr.test
	assert_success
	[ "${lines[0]}" = "$(printf 'halfaddr.test\t10\tnowhere.noaddr.test\t')" ]
	[ "${lines[1]}" = "$(printf 'halfaddr.test\t20\tmx1.multi.test\t127.0.0.11')" ]
	[[ $stderr == *"halfaddr.test: nowhere.noaddr.test: "*"does not exist"* ]]
	# -1 is the first that posta would connect to
	run mxlookup -1 -s "$DNS_SERVER" halfaddr.test
	assert_output "$(printf 'halfaddr.test\t20\tmx1.multi.test')"
	run --separate-stderr mxlookup -s "$DNS_SERVER" noaddr.test
	[ "$status" -eq 1 ]
	[[ $stderr == "mxlookup: noaddr.test: no exchanger has an address"* ]]
}

@test "-1 prints only the first exchanger" {
	run mxlookup -1 -a -s "$DNS_SERVER" multi.test aonly.test
	assert_success
	assert_output "$(printf 'multi.test\t10\tmx1.multi.test\t127.0.0.11\naonly.test\t0\taonly.test\t::21 127.0.2.1')"
}

@test "-j prints one JSON object per domain, failures included" {
	run mxlookup -j -a -s "$DNS_SERVER" multi.test nomail.test x.servfail.test aonly.test
	[ "$status" -eq 75 ]
	run python3 -c '
import json, sys
objs = [json.loads(l) for l in sys.stdin if l.startswith("{")]
assert [o["domain"] for o in objs] == ["multi.test", "nomail.test", "x.servfail.test", "aonly.test"], objs
m, n, s, a = objs
assert m["status"] == "ok" and not m["implicit"] and m["ad"] is False
assert [(x["pref"], x["name"]) for x in m["mx"]] == [(10, "mx1.multi.test"), (20, "mx2.multi.test"), (30, "mx3.multi.test")]
assert m["mx"][1]["addrs"] == ["::12", "127.0.0.12"]
assert n["status"] == "nomail" and "null MX" in n["reason"] and n["nullmx"] is True
assert "nullmx" not in m and "nullmx" not in s
assert s["status"] == "temp" and "SERVFAIL" in s["reason"]
assert a["implicit"] and a["mx"][0]["name"] == "aonly.test"
' <<<"$output"
	assert_success
}

@test "-j carries the DNSSEC AD bit: set for a zone the resolver validated, clear otherwise" {
	drill -D -p "$DNS_PORT" signed.sec MX @127.0.0.1 | grep -q '^;; flags: .* ad '
	run mxlookup -j -a -s "$DNS_SERVER" signed.sec outside.sec multi.test
	assert_success
	run python3 -c '
import json, sys
s, o, m = [json.loads(l) for l in sys.stdin]
assert s["ad"] is True and s["mx"][0]["ad"] is True, s
assert s["mx"][0]["addrs"] == ["127.0.0.5"], s
# a signed MX pointing into an unsigned zone: the list is signed, its host not
assert o["ad"] is True and o["mx"][0]["ad"] is False, o
assert m["ad"] is False and m["mx"][0]["ad"] is False, m
' <<<"$output"
	assert_success
}

@test "domains come one a line on stdin, blank lines skipped, in input order" {
	run mxlookup -1 -s "$DNS_SERVER" <<-'EOF'
	aonly.test

	  multi.test
	MXALIAS.test.
	EOF
	assert_success
	assert_output "$(printf 'aonly.test\t0\taonly.test\nmulti.test\t10\tmx1.multi.test\nmxalias.test\t5\tcn.mxalias.test')"
}

@test "the exit status is the worst of the domains: 0, then 1, then 75" {
	run mxlookup -s "$DNS_SERVER" multi.test aonly.test
	[ "$status" -eq 0 ]
	run --separate-stderr mxlookup -s "$DNS_SERVER" multi.test nosuch.test
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 3 ]
	[[ $stderr == "mxlookup: nosuch.test: "* ]]
	run --separate-stderr mxlookup -s "$DNS_SERVER" x.servfail.test nosuch.test multi.test
	[ "$status" -eq 75 ]
	[ "${#lines[@]}" -eq 3 ]
	run --separate-stderr mxlookup -s "$DNS_SERVER" 'not a domain' bad..name
	[ "$status" -eq 1 ]
	assert_equal "$stderr" "$(printf 'mxlookup: not a domain: not a domain name\nmxlookup: bad..name: not a domain name')"
}

@test "a batch of 1000 domains from stdin is resolved, every exchanger present" {
	seq 1 1000 | sed 's/^/d/; s/$/.bulk/' >"$BATS_TEST_TMPDIR/list"
	run mxlookup -s "$DNS_SERVER" <"$BATS_TEST_TMPDIR/list"
	assert_success
	[ "${#lines[@]}" -eq 2000 ]
	expect=$(for i in $(seq 1 1000); do
		printf 'd%d.bulk\t10\tmx%d.bulk\nd%d.bulk\t20\tmx%d.bulk\n' \
			"$i" $((i % 50)) "$i" $(((i + 1) % 50))
	done)
	[ "$output" = "$expect" ]
	# with addresses, each exchanger has its one, asked for once
	a=$(dns_queries 'mx[0-9]+\.bulk\. A IN')
	aaaa=$(dns_queries 'mx[0-9]+\.bulk\. AAAA IN')
	run mxlookup -a -s "$DNS_SERVER" <"$BATS_TEST_TMPDIR/list"
	[ $(($(dns_queries 'mx[0-9]+\.bulk\. A IN') - a)) -eq 50 ]
	[ $(($(dns_queries 'mx[0-9]+\.bulk\. AAAA IN') - aaaa)) -eq 50 ]
	[ "$(awk -F '\t' '{ split($3, h, "[x.]"); if ($4 != "127.0.3." h[2] + 1) bad++ } END { print bad + 0 }' <<<"$output")" -eq 0 ]
}

@test "the queries of a batch are in flight together, up to dns_max_queries, each sent once" {
	seq 1 1000 | sed 's/^/d/; s/$/.bulk/' >"$BATS_TEST_TMPDIR/list"
	for max in 256 10; do
		printf 'dns_max_queries = %s\n' "$max" >"$POSTA_CONF"
		# (LeakSanitizer cannot run under ptrace)
		ASAN_OPTIONS=detect_leaks=0 strace -o "$BATS_TEST_TMPDIR/trace" \
			-e trace=sendto,recvfrom mxlookup -s "$DNS_SERVER" <"$BATS_TEST_TMPDIR/list" >/dev/null
		# queries sent before the first answer is read
		run awk '/^sendto/ { n++ } /^recvfrom/ && !/EAGAIN/ { print n; exit }' "$BATS_TEST_TMPDIR/trace"
		assert_output "$max"
		# 1000 MX, then A and AAAA of the 50 exchangers
		[ "$(grep -c '^sendto' "$BATS_TEST_TMPDIR/trace")" -eq 1100 ]
	done
}

@test "an answer too big for UDP is asked again over TCP" {
	run mxlookup -a -s "$DNS_SERVER" tcp.bulk
	assert_success
	[ "$(cut -f4 <<<"$output" | tr ' ' '\n' | sort)" = "$(drill -t -p "$DNS_PORT" big.bulk A @127.0.0.1 | awk '$1 !~ /^;/ && $4 == "A" { print $5 }' | sort)" ]
	[ "$(cut -f4 <<<"$output" | wc -w)" -eq 120 ]
}

@test "dns_resolver in posta.conf is the server when -s is not given" {
	printf 'dns_resolver = %s\n' "$DNS_SERVER" >"$POSTA_CONF"
	run mxlookup -1 multi.test
	assert_success
	assert_output "$(printf 'multi.test\t10\tmx1.multi.test')"
}

@test "a server that never answers is a temporary failure after dns_retries more tries" {
	silent_server
	printf 'dns_retries = 1\n' >"$POSTA_CONF"
	run --separate-stderr mxlookup -t 1 -s "127.0.0.1:$port" multi.test
	[ "$status" -eq 75 ]
	[ "$stderr" = "mxlookup: multi.test: multi.test MX: no answer from 127.0.0.1#$port after 2 tries" ]
}

@test "with several nameservers in dns_resolver, a query that times out goes to the next" {
	silent_server
	printf 'dns_resolver = 127.0.0.1:%s %s\ndns_retries = 1\n' "$port" "$DNS_SERVER" >"$POSTA_CONF"
	run --separate-stderr mxlookup -t 1 multi.test aonly.test
	assert_success
	[ "${#lines[@]}" -eq 4 ]
	[ -z "$stderr" ]
}

@test "without dns_resolver the nameserver lines of /etc/resolv.conf are asked, in order" {
	unshare -m true 2>/dev/null || skip "needs a private mount namespace (root)"
	cat >"$BATS_TEST_TMPDIR/resolv.conf" <<-'EOF'
	# nothing listens on port 53 of these loopback addresses
	search example.org
	nameserver 127.0.0.77
	options ndots:1
	nameserver 127.0.0.78
	EOF
	printf 'dns_retries = 1\n' >"$POSTA_CONF"
	run --separate-stderr unshare -m sh -c 'mount --bind "$1" /etc/resolv.conf &&
	    exec mxlookup -t 1 multi.test' sh "$BATS_TEST_TMPDIR/resolv.conf"
	[ "$status" -eq 75 ]
	# the retry went to the second
	[ "$stderr" = "mxlookup: multi.test: multi.test MX: no answer from 127.0.0.78#53 after 2 tries" ]
}

@test "an address literal is its own exchanger, without DNS" {
	run --separate-stderr mxlookup -a -s 127.0.0.1:1 '[127.0.0.1]' '[IPv6:::1]' '[1.2.3]'
	[ "$status" -eq 1 ]
	assert_output "$(printf '[127.0.0.1]\t0\t[127.0.0.1]\t127.0.0.1\n[IPv6:::1]\t0\t[IPv6:::1]\t::1')"
	[ "$stderr" = "mxlookup: [1.2.3]: malformed address literal" ]
}

@test "usage errors exit 64 with the synopsis" {
	run --separate-stderr mxlookup -x multi.test
	[ "$status" -eq 64 ]
	[[ $stderr == *"usage: mxlookup [-1aj] [-s server[:port]] [-t timeout] [domain ...]" ]]
	run --separate-stderr mxlookup -s 'not-an-address' multi.test
	[ "$status" -eq 64 ]
	[[ $stderr == *"not an address"* ]]
	run --separate-stderr mxlookup -s 127.0.0.1:99999 multi.test
	[ "$status" -eq 64 ]
	run --separate-stderr mxlookup -s "$DNS_SERVER,$DNS_SERVER" multi.test
	[ "$status" -eq 64 ]
	run --separate-stderr mxlookup -t soon -s "$DNS_SERVER" multi.test
	[ "$status" -eq 64 ]
	[[ $stderr == *"-t soon: not a time"* ]]
}

@test "an IPv6 server address with a port in brackets is accepted" {
	printf 'dns_retries = 0\n' >"$POSTA_CONF"
	run --separate-stderr mxlookup -t 1 -s '[::1]:1' multi.test
	# nothing listens there: a temporary failure, not a usage error
	[ "$status" -eq 75 ]
	[[ $stderr == *"::1#1"* ]]
}
