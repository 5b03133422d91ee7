#!/bin/sh
# make run: a private posta instance on 127.0.0.1, in the foreground.
# Every daemon that is built runs under ucspi-tcp's tcpserver; the queue
# runner stays running.  Ctrl-C stops everything this started.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
bin=$top/bin
RUNDIR=${RUNDIR:-$top/run}
conf=$("$top/etc/posta-instance.sh" "$RUNDIR" "$bin") || exit 1
RUNDIR=$(dirname "$conf")
export POSTA_CONF=$conf
pids=""

stop() {
	trap - INT TERM EXIT
	echo
	echo "stopping posta"
	# shellcheck disable=SC2086
	[ -n "$pids" ] && kill $pids 2>/dev/null
	wait
	exit 0
}
trap stop INT TERM EXIT

# serve NAME PORT PROGRAM ARGS...: one daemon under tcpserver
serve() {
	name=$1 port=$2 prog=$3
	shift 3
	[ -x "$bin/$prog" ] || return 0
	tcpserver -R -H -l 0 -c 100 127.0.0.1 "$port" "$bin/$prog" -C "$conf" "$@" \
		2>>"$RUNDIR/log/$name.log" &
	pids="$pids $!"
	printf '  %-11s 127.0.0.1:%s\n' "$name" "$port"
}

echo "posta: instance in $RUNDIR"
serve smtp "${SMTP_PORT:-2525}" posta-smtpd -m mx
serve submission "${SUBMISSION_PORT:-2587}" posta-smtpd -m submission
serve smtps "${SMTPS_PORT:-2465}" posta-smtpd -m submission -s
serve pop3 "${POP3_PORT:-2110}" posta-pop3d
serve pop3s "${POP3S_PORT:-2995}" posta-pop3d -s
serve imap "${IMAP_PORT:-2143}" posta-imapd
serve imaps "${IMAPS_PORT:-2993}" posta-imapd -s
if [ -x "$bin/posta-queue-runner" ]; then
	"$bin/posta-queue-runner" -C "$conf" -d 2>>"$RUNDIR/log/queue-runner.log" &
	pids="$pids $!"
	echo "  queue runner (staying, -d)"
fi

cat <<EOT

Send a message to alice with posta-sendmail:
  printf 'Subject: hello\n\nHi Alice!\n' | POSTA_CONF=$conf $bin/posta-sendmail alice@example.test

or over SMTP with swaks:
  swaks --server 127.0.0.1:${SMTP_PORT:-2525} --from bob@example.test --to alice@example.test --header 'Subject: hello'

or by submission with a login (users alice and bob, password posta):
  swaks --server 127.0.0.1:${SUBMISSION_PORT:-2587} -tls --auth PLAIN --auth-user alice@example.test --auth-password posta --from alice@example.test --to bob@example.test

Read it with curl:
  curl -s --user alice@example.test:posta pop3://127.0.0.1:${POP3_PORT:-2110}/1
  curl -s --user alice@example.test:posta 'imap://127.0.0.1:${IMAP_PORT:-2143}/INBOX;UID=1'
or straight from the Maildir's file:
  curl -s file://\$(ls -d $RUNDIR/mail/alice/new/* | head -1)

The queue:  POSTA_CONF=$conf $bin/posta-sendmail -bp
Logs: syslog (facility mail) and $RUNDIR/log/.   Ctrl-C stops posta.
EOT
wait
