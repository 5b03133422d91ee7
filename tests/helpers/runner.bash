# Helpers for the queue runner's tests (load after helpers/common).

# Files delivered into a user's Maildir (new/ and cur/).
mail_files() {
	find "$INST/mail/$1/new" "$INST/mail/$1/cur" -type f 2>/dev/null | sort
}

mail_count() {
	mail_files "$1" | wc -l
}

# Wait (at most ~20 s) until user $1 has at least $2 messages.
wait_mail() {
	local i
	for i in $(seq 1 400); do
		[ "$(mail_count "$1")" -ge "$2" ] && return 0
		sleep 0.05
	done
	echo "# $1 has $(mail_count "$1") messages, expected $2" >&3
	return 1
}

# Wait (at most ~20 s) until the queue folder is empty.
wait_queue_empty() {
	local i
	for i in $(seq 1 400); do
		[ "$(queue_count)" -eq 0 ] && return 0
		sleep 0.05
	done
	return 1
}

# Queue a message with posta-sendmail: queue_msg FROM TO... < message
queue_msg() {
	local from=$1
	shift
	posta-sendmail -f "$from" "$@"
}

# One pass of the runner; its log goes to $BATS_TEST_TMPDIR/runner.log.
run_once() {
	posta-queue-runner "$@" 2>>"$BATS_TEST_TMPDIR/runner.log"
}

# The part of a Maildir file after the header lines posta-local adds
# (Return-Path and Delivered-To).
strip_delivery_fields() {
	awk 'body || !/^(Return-Path|Delivered-To):/ { body = 1; print }' "$1"
}

# Add a virtual user with a Maildir; password "posta".
add_user() {
	local hash
	hash=$(printf 'posta' | openssl passwd -6 -stdin)
	echo "$1@example.test:$hash:mail/$1" >>"$INST/users"
	mkdir -p "$INST/mail/$1/cur" "$INST/mail/$1/new" "$INST/mail/$1/tmp"
}

# Python's email package reads a notice: prints "key: value" lines for
# the report's structure and the delivery-status fields.
dsn_fields() {
	python3 - "$1" <<'PY'
import email, sys
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=policy.compat32)
print("content-type:", m.get_content_type())
print("report-type:", m.get_param("report-type"))
print("to:", m["To"])
print("subject:", m["Subject"])
print("auto-submitted:", m["Auto-Submitted"])
parts = m.get_payload()
print("parts:", " ".join(p.get_content_type() for p in parts))
ds = parts[1]
blocks = ds.get_payload()
for i, b in enumerate(blocks):
    for k, v in b.items():
        print("%d %s: %s" % (i, k, v))
orig = parts[2]
if orig.get_content_type() == "message/rfc822":
    inner = orig.get_payload()[0]
    print("orig-subject:", inner["Subject"])
    print("orig-body:", repr(inner.get_payload()))
else:
    print("orig-text:", repr(orig.get_payload()))
PY
}

# One certificate for a whole test file (make_instance keeps one it
# finds): call runner_cert_once in setup_file, runner_instance in setup.
runner_cert_once() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 30 \
		-subj "/CN=mail.example.test" \
		-keyout "$BATS_FILE_TMPDIR/tls.key" -out "$BATS_FILE_TMPDIR/tls.crt" \
		>/dev/null 2>&1
}

# copy_cert DIR: the file's certificate into a future instance folder.
copy_cert() {
	mkdir -p "$1"
	cp "$BATS_FILE_TMPDIR/tls.key" "$BATS_FILE_TMPDIR/tls.crt" "$1/"
}

runner_instance() {
	copy_cert "$BATS_TEST_TMPDIR/inst"
	make_instance
}
