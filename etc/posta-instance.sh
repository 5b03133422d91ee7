#!/bin/sh
# Create a private posta instance in DIR: posta.conf, queue, tables,
# demo users with Maildirs, a self-signed certificate.  Used by make run
# and by the tests.  Everything runs as the calling user.
# usage: posta-instance.sh DIR BINDIR
set -eu
dir=$1
bindir=$2
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
bindir=$(cd "$bindir" && pwd)
umask 077
mkdir -p "$dir/queue/tmp" "$dir/queue/queue" "$dir/queue/hold" "$dir/mail" "$dir/log"
[ -p "$dir/queue/trigger" ] || mkfifo -m 620 "$dir/queue/trigger"

cat >"$dir/local-domains" <<EOT
example.test
localhost
EOT
cat >"$dir/relay-domains" <<EOT
# domains relayed for (none)
EOT
cat >"$dir/relay-networks" <<EOT
127.0.0.0/8
::1
EOT
: >"$dir/aliases"
cat >"$dir/aliases" <<EOT
postmaster: alice@example.test
abuse: postmaster
EOT

if [ ! -f "$dir/tls.key" ]; then
	openssl req -x509 -newkey rsa:2048 -nodes -days 3650 \
		-subj "/CN=mail.example.test" \
		-addext "subjectAltName=DNS:mail.example.test,DNS:localhost,IP:127.0.0.1" \
		-keyout "$dir/tls.key" -out "$dir/tls.crt" >/dev/null 2>&1
fi

if [ ! -f "$dir/posta.conf" ]; then
	cat >"$dir/posta.conf" <<EOT
# private posta instance, made by posta-instance.sh
myhostname = mail.example.test
queue_dir = queue
program_dir = $bindir
mail_user = $(id -un)
queue_group = $(id -gn)
local_domains = local-domains
relay_domains = relay-domains
relay_networks = relay-networks
users_file = users
aliases_file = aliases
tls_cert_file = tls.crt
tls_key_file = tls.key
EOT
fi

# Demo users: password "posta" (posta-passwd makes the Maildirs when it exists).
if [ ! -f "$dir/users" ]; then
	: >"$dir/users"
	for u in alice bob; do
		if [ -x "$bindir/posta-passwd" ]; then
			printf 'posta\n' | POSTA_CONF="$dir/posta.conf" \
				"$bindir/posta-passwd" add "$u@example.test" >/dev/null
		else
			hash=$(printf 'posta' | openssl passwd -6 -stdin)
			echo "$u@example.test:$hash:mail/$u" >>"$dir/users"
			mkdir -p "$dir/mail/$u/cur" "$dir/mail/$u/new" "$dir/mail/$u/tmp"
		fi
	done
fi
echo "$dir/posta.conf"
