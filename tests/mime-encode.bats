#!/usr/bin/env bats
# mime-encode: messages decoded by independent readers (Python's email
# package, munpack from mpack, reformime from maildrop), stream mode
# against base64(1) and Python's quopri, bad input, bounded memory.

load 'helpers/common'

setup() {
	D=$BATS_TEST_TMPDIR
	cd "$D"
	PARSE="/usr/bin/python3 $TOP/tests/helpers/mimeparse.py"
	ME="mime-encode -f sender@example.org -t rcpt@example.org"
}

teardown() {
	stop_all 2>/dev/null || true
}

# Every line of a message (headers and body) within $2 columns.
lines_within() {
	awk -v max="$2" 'length($0) > max { print FILENAME ": " FNR ": " length($0); bad = 1 }
	    END { exit bad }' "$1"
}

# The header block of a message, each field unfolded? no: as written.
header_lines() {
	sed '/^$/q' "$1"
}

@test "a plain text body is sent 7bit with Date, Message-ID and MIME-Version" {
	printf 'Hello,\nthe backup ran.\n' >body.txt
	run $ME -s 'Backup report' -b body.txt
	assert_success
	printf '%s\n' "$output" >msg
	run $PARSE msg out
	assert_success
	assert_output 'text/plain|7bit||'
	cmp body.txt out/1
	grep -q '^Date: [A-Z][a-z][a-z], [0-9]* [A-Z][a-z][a-z] 20[0-9][0-9] [0-9:]* [+-][0-9]\{4\}$' msg
	grep -q '^Message-ID: <[^ ]*@example.org>$' msg
	grep -q '^MIME-Version: 1.0$' msg
	grep -q '^Content-Type: text/plain; charset=us-ascii$' msg
	grep -qx 'Subject: Backup report' out/headers
}

@test "8-bit UTF-8 text is quoted-printable with charset utf-8 and decodes exactly" {
	printf 'Grüße aus Köln, = sign, trailing blank \nand a tab\t\n%0100d\n' 0 >body.txt
	$ME -b body.txt >msg
	run $PARSE msg out
	assert_success
	assert_output 'text/plain|quoted-printable||'
	cmp body.txt out/1
	grep -q '^Content-Type: text/plain; charset=utf-8$' msg
	lines_within msg 76
	# no encoded line ends in white space (RFC 2045 6.7 (3))
	run grep -n '[[:blank:]]$' msg
	assert_failure
	reformime -e -s 1 <msg >r.out
	cmp body.txt r.out
}

@test "random binary attachments come back byte for byte from Python, munpack and reformime" {
	# a fixed start, so that libmagic cannot take the random octets for
	# some format (MZ, say, is application/x-dosexec)
	{ printf '\001\002\003posta-test\000\377'; head -c 100000 /dev/urandom; } >data.bin
	head -c 1 /dev/urandom >one.bin
	printf 'see attached\n' >body.txt
	$ME -s bin -b body.txt -a data.bin -a one.bin >msg
	lines_within msg 76
	run $PARSE msg out
	assert_success
	assert_line --index 0 'multipart/mixed|||'
	assert_line --index 2 '.application/octet-stream|base64|data.bin|'
	cmp data.bin out/2
	cmp one.bin out/3
	mkdir mp && (cd mp && munpack -q -f ../msg >/dev/null 2>&1)
	cmp data.bin mp/data.bin
	cmp one.bin mp/one.bin
	reformime -e -s 1.2 <msg >r2
	reformime -e -s 1.3 <msg >r3
	cmp data.bin r2
	cmp one.bin r3
}

@test "empty files make an empty body and an empty attachment" {
	: >empty.txt
	: >empty.dat
	$ME -b empty.txt -a empty.dat >msg
	run $PARSE msg out
	assert_success
	assert_line --index 1 '.text/plain|7bit||'
	assert_line --index 2 '.text/plain|7bit|empty.dat|'
	[ ! -s out/1 ]
	[ ! -s out/2 ]
	reformime -e -s 1.2 <msg >r2
	[ ! -s r2 ]
	# no options at all: still a whole message with an empty text body
	run mime-encode -f a@example.org
	assert_success
	printf '%s\n' "$output" >msg2
	run $PARSE msg2 out2
	assert_success
	assert_output 'text/plain|7bit||'
}

@test "a CRLF file is base64 and keeps its CR octets in all three readers" {
	printf 'line one\r\nline two\r\n' >dos.txt
	$ME -b dos.txt -a dos.txt >msg
	run $PARSE msg out
	assert_success
	assert_line --index 1 '.text/plain|base64||'
	assert_line --index 2 '.text/plain|base64|dos.txt|'
	cmp dos.txt out/1
	cmp dos.txt out/2
	reformime -e -s 1.2 <msg >r2
	cmp dos.txt r2
	# munpack stores text/* parts with local (LF) line ends, by design
	mkdir mp && (cd mp && munpack -q -f ../msg >/dev/null 2>&1)
	tr -d '\r' <dos.txt | cmp - mp/dos.txt
	# ... so check its base64 decoder on the same bytes as a binary type
	$ME -T application/octet-stream -a dos.txt >msg2
	mkdir mp2 && (cd mp2 && munpack -q -f ../msg2 >/dev/null 2>&1)
	cmp dos.txt mp2/dos.txt
}

@test "file names with spaces, quotes and non-ASCII survive as RFC 2231 or quoted parameters" {
	printf 'one\n' >'two words.txt'
	printf 'two\n' >'say "hi" \ there.txt'
	printf 'three\n' >'Übersicht März 2026 — ein ziemlich langer Dateiname für die Fortsetzungszeilen.txt'
	$ME -a 'two words.txt' -a 'say "hi" \ there.txt' -a Übersicht*.txt >msg
	lines_within msg 78
	run $PARSE msg out
	assert_success
	assert_line --index 1 '.text/plain|7bit|two words.txt|'
	assert_line --index 2 '.text/plain|7bit|say "hi" \ there.txt|'
	assert_line --index 3 '.text/plain|7bit|Übersicht März 2026 — ein ziemlich langer Dateiname für die Fortsetzungszeilen.txt|'
	grep -q "filename\*0\*=utf-8''%C3%9Cbersicht" msg
	run reformime -i <msg
	assert_line 'content-disposition-filename: two words.txt'
	assert_line 'content-disposition-filename: Übersicht März 2026 — ein ziemlich langer Dateiname für die Fortsetzungszeilen.txt'
	cmp 'two words.txt' out/1
	cmp 'say "hi" \ there.txt' out/2
}

@test "text, HTML, inline images and attachments nest as mixed, alternative and related" {
	printf 'plain version\n' >body.txt
	printf '<p>html <img src="cid:logo.png"> <img src="cid:dot.gif"></p>\n' >body.html
	printf '\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89' >logo.png
	printf 'GIF89a\x01\x00\x01\x00\x00\x00\x00;' >dot.gif
	printf 'a,b\n1,2\n' >table.csv
	$ME -b body.txt -h body.html -i logo.png -i dot.gif -T text/csv -a table.csv >msg
	run $PARSE msg out
	assert_success
	assert_output - <<'EOF'
multipart/mixed|||
.multipart/alternative|||
..text/plain|7bit||
..multipart/related|||
...text/html|7bit||
...image/png|base64|logo.png|<logo.png>
...image/gif|base64|dot.gif|<dot.gif>
.text/csv|7bit|table.csv|
EOF
	cmp body.txt out/1
	cmp body.html out/2
	cmp logo.png out/3
	cmp dot.gif out/4
	cmp table.csv out/5
	grep -q '^Content-Disposition: inline; filename=logo.png$' msg
	run sh -c "reformime -i <msg | grep -E '^(section|content-type):' | paste - - | tr '\t' ' '"
	assert_output - <<'EOF'
section: 1 content-type: multipart/mixed
section: 1.1 content-type: multipart/alternative
section: 1.1.1 content-type: text/plain
section: 1.1.2 content-type: multipart/related
section: 1.1.2.1 content-type: text/html
section: 1.1.2.2 content-type: image/png
section: 1.1.2.3 content-type: image/gif
section: 1.2 content-type: text/csv
EOF
	# HTML without text is the body alone; -i without -h is refused
	$ME -h body.html >msg2
	run $PARSE msg2 out2
	assert_output 'text/html|7bit||'
	run $ME -i logo.png
	assert_failure 64
}

@test "non-ASCII subject and display names are RFC 2047 words, B or Q, folded at 78" {
	subj='Grüße aus Köln — ein Betreff, der lang genug ist, um über mehrere Zeilen gefaltet zu werden'
	run mime-encode -f 'Jörg Müller <jm@example.org>' \
	    -t 'Плохой Пример <p@example.org>, "Smith, Bob" <bob@example.org>' \
	    -c 'plain@example.org' -s "$subj" -H 'Reply-To: Ré Ply <r@example.org>'
	assert_success
	printf '%s\n' "$output" >msg
	header_lines msg >hdr
	lines_within hdr 78
	run grep -c '^ ' hdr
	[ "$output" -ge 1 ]
	grep -q '^Subject: =?utf-8?Q?' hdr
	grep -q '=?utf-8?B?' hdr		# the Cyrillic name is shorter in B
	$PARSE msg out
	run cat out/headers
	assert_line 'From: Jörg Müller <jm@example.org>'
	assert_line 'To: Плохой Пример <p@example.org>, "Smith, Bob" <bob@example.org>'
	assert_line 'Cc: plain@example.org'
	assert_line "Subject: $subj"
	assert_line 'Reply-To: Ré Ply <r@example.org>'
	# a long ASCII subject folds at spaces
	run mime-encode -f a@example.org -s "$(printf 'word%.0s ' $(seq 40))end"
	printf '%s\n' "$output" >msg2
	lines_within msg2 78
}

@test "text with lines that look like boundary delimiters is quoted-printable and cannot break the tree" {
	printf -- '--=_a\n--=_b--\nplain\n' >tricky.txt
	printf 'body\n' >body.txt
	$ME -b body.txt -a tricky.txt >msg
	run $PARSE msg out
	assert_success
	assert_line --index 2 '.text/plain|quoted-printable|tricky.txt|'
	cmp tricky.txt out/2
	# a 7bit part never holds a line starting with "--=_"
	run grep -c '^--=_' msg
	assert_output 3
}

@test "long lines in ASCII text are quoted-printable within 76 columns" {
	awk 'BEGIN { for (i = 0; i < 500; i++) printf "x%d ", i; print "" }' >long.txt
	$ME -b long.txt >msg
	lines_within msg 76
	$PARSE msg out
	cmp long.txt out/1
	grep -q '^Content-Transfer-Encoding: quoted-printable$' msg
}

@test "-T overrides the type, -C the charset, and -b - reads standard input" {
	printf 'caf\xe9 cr\xe8me br\xfbl\xe9e, ainsi que beaucoup de texte ordinaire ici\n' >latin1.txt
	$ME -C iso-8859-1 -b - -T 'application/x-thing' -a latin1.txt <latin1.txt >msg
	run $PARSE msg out
	assert_success
	assert_line --index 1 '.text/plain|quoted-printable||'
	assert_line --index 2 '.application/x-thing|quoted-printable|latin1.txt|'
	grep -q '^Content-Type: text/plain; charset=iso-8859-1$' msg
	cmp latin1.txt out/1
	cmp latin1.txt out/2
}

@test "stream mode base64 is byte-identical to base64(1) and decodes back" {
	head -c 200003 /dev/urandom >r.bin
	mime-encode -e r.bin >ours
	base64 r.bin >theirs
	cmp ours theirs
	mime-encode -d <ours >back
	cmp r.bin back
	: >empty
	run mime-encode -e empty
	assert_success
	assert_output ''
}

@test "stream mode quoted-printable is decoded by Python's quopri and by -d -q" {
	printf 'Grüße = \t\nline with trailing blanks   \n.\nFrom here\n%0200d\nno newline at end ' 7 >t.txt
	mime-encode -e -q t.txt >t.qp
	lines_within t.qp 76
	/usr/bin/python3 -c 'import quopri,sys; sys.stdout.buffer.write(quopri.decodestring(open(sys.argv[1],"rb").read()))' t.qp >py.out
	cmp t.txt py.out
	mime-encode -d -q t.qp >back
	cmp t.txt back
}

@test "stream decode of malformed base64 warns and exits 65" {
	printf 'Zm9v!!Ym\n' >bad.b64
	run mime-encode -d bad.b64
	assert_failure 65
	assert_output --partial 'malformed base64'
}

@test "bad input exits 64 or 66 with nothing on standard output" {
	printf 'x\n' >ok.txt
	mime-encode -a ok.txt -a missing.bin >out.1 2>err.1 && false || [ $? -eq 66 ]
	[ ! -s out.1 ]
	grep -q 'missing.bin' err.1
	mkdir adir
	mime-encode -a ok.txt -a adir >out.2 2>/dev/null && false || [ $? -eq 66 ]
	[ ! -s out.2 ]
	mime-encode -t 'not an address' -a ok.txt >out.3 2>err.3 && false || [ $? -eq 64 ]
	[ ! -s out.3 ]
	mime-encode -t 'a@b@c' >out.4 2>/dev/null && false || [ $? -eq 64 ]
	[ ! -s out.4 ]
	mime-encode -H 'Content-Type: text/html' >out.5 2>/dev/null && false || [ $? -eq 64 ]
	mime-encode -s x -H 'Subject: y' >out.5 2>/dev/null && false || [ $? -eq 64 ]
	mime-encode -H 'no colon' >out.6 2>/dev/null && false || [ $? -eq 64 ]
	mime-encode -T 'nonsense' -a ok.txt >out.7 2>/dev/null && false || [ $? -eq 64 ]
	mime-encode -s "$(printf 'two\nlines')" >out.8 2>/dev/null && false || [ $? -eq 64 ]
	[ ! -s out.5 ] && [ ! -s out.6 ] && [ ! -s out.7 ] && [ ! -s out.8 ]
	if [ "$(id -u)" != 0 ]; then
		printf 'secret\n' >locked.txt
		chmod 000 locked.txt
		mime-encode -a locked.txt >out.9 2>/dev/null && false || [ $? -eq 66 ]
		[ ! -s out.9 ]
	fi
}

@test "a file that shrinks while it is encoded ends the run with exit 74" {
	# 8 MiB of 7bit text: classified whole, then encoded while the
	# reader holds the pipe; the reader truncates the file once the
	# headers arrive, so the encoder meets its end early.
	awk 'BEGIN { for (i = 0; i < 200000; i++) printf "line %034d\n", i }' >grow.txt
	run bash -c 'mime-encode -f a@example.org -a grow.txt |
	    { IFS= read -r first; : >grow.txt; cat >/dev/null; }
	    echo "status ${PIPESTATUS[0]}"'
	assert_output --partial 'changed while being read'
	assert_line 'status 74'
}

@test "a 256 MiB attachment is encoded with peak RSS under 16 MiB" {
	if ldd "$BIN/mime-encode" | grep -q libasan; then
		skip "peak RSS means nothing under AddressSanitizer"
	fi
	# A sparse file: 256 MiB of zeros costs no disk; the encoder reads
	# and encodes every octet of it.  (1 GiB behaves the same, slower.)
	truncate -s 256M big.bin
	/usr/bin/time -f '%M' -o rss mime-encode -f a@example.org -a big.bin |
	    awk '/^Content-Transfer-Encoding: base64/ { b = 1; next }
	         b == 1 && /^$/ { b = 2; next }
	         b == 2 && /^--/ { exit }
	         b == 2 { c += length($0) }
	         END { print c }' >chars
	# 4 characters for every 3 octets, no more, no less
	[ "$(cat chars)" -eq $(( (268435456 + 2) / 3 * 4 )) ]
	echo "peak RSS $(cat rss) KiB" >&3
	[ "$(cat rss)" -lt 16384 ]
}

@test "mime-encode | posta-sendmail -t queues the message for its To, Cc and Bcc recipients" {
	make_instance
	printf 'queued body\n' >body.txt
	head -c 5000 /dev/urandom >data.bin
	mime-encode -f 'Jörg <alice@example.test>' \
	    -t 'Bob Example <bob@example.test>, carol@example.test' \
	    -c 'Dåve <dave@example.test>' -H 'Bcc: secret@example.test' \
	    -s 'Grüße to the queue' -b body.txt -a data.bin >msg
	posta-sendmail -t <msg
	q=$(find "$QDIR/queue" -type f)
	run "$TOP/tests/helpers/qshow" rcpts "$q"
	assert_output "$(printf '%s\n' bob@example.test carol@example.test dave@example.test secret@example.test)"
	"$TOP/tests/helpers/qshow" body "$q" >stored
	refute grep -q '^Bcc:' stored
	run $PARSE stored out
	assert_success
	cmp body.txt out/1
	cmp data.bin out/2
	grep -qx 'Subject: Grüße to the queue' out/headers
}
