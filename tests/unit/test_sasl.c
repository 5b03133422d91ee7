/*
 * Unit tests for lib/sasl.c (base64 client responses, the PLAIN
 * message) and lib/peer.c's loopback test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "peer.h"
#include "sasl.h"

static void
test_b64(void **state)
{
	char	 out[64];

	assert_int_equal(sasl_b64_decode("AGFsaWNlAHBvc3Rh", 16, out,
	    sizeof(out)), 12);
	assert_memory_equal(out, "\0alice\0posta", 12);
	assert_int_equal(sasl_b64_decode("", 0, out, sizeof(out)), 0);
	assert_int_equal(out[0], '\0');
	assert_int_equal(sasl_b64_decode("AGF*", 4, out, sizeof(out)), -1);
	assert_int_equal(sasl_b64_decode("AGF", 3, out, sizeof(out)), -1);
	assert_int_equal(sasl_b64_decode("YQ==YQ==", 8, out, sizeof(out)), -1);
	/* does not fit, NUL included */
	assert_int_equal(sasl_b64_decode("AGFsaWNlAHBvc3Rh", 16, out, 8), -1);
}

static void
test_plain(void **state)
{
	char	 user[16], pass[16];

	assert_int_equal(sasl_plain_split("\0alice\0posta", 12, user,
	    sizeof(user), pass, sizeof(pass)), 0);
	assert_string_equal(user, "alice");
	assert_string_equal(pass, "posta");
	/* an authzid that is the authcid itself */
	assert_int_equal(sasl_plain_split("Alice\0alice\0pw", 14, user,
	    sizeof(user), pass, sizeof(pass)), 0);
	assert_string_equal(pass, "pw");
	assert_int_equal(sasl_plain_split("\0alice\0", 7, user, sizeof(user),
	    pass, sizeof(pass)), 0);
	assert_string_equal(pass, "");
	/* no proxy logins */
	assert_int_equal(sasl_plain_split("bob\0alice\0pw", 12, user,
	    sizeof(user), pass, sizeof(pass)), SASL_EREFUSED);
	assert_int_equal(sasl_plain_split("\0\0pw", 4, user, sizeof(user),
	    pass, sizeof(pass)), SASL_EREFUSED);
	assert_int_equal(sasl_plain_split("\0alice\0pw", 9, user, 5, pass,
	    sizeof(pass)), SASL_EREFUSED);
	assert_int_equal(sasl_plain_split("\0alice\0posta", 12, user,
	    sizeof(user), pass, 5), SASL_EREFUSED);
	assert_int_equal(sasl_plain_split("alice", 5, user, sizeof(user),
	    pass, sizeof(pass)), SASL_EMALFORMED);
	assert_int_equal(sasl_plain_split("\0alice", 6, user, sizeof(user),
	    pass, sizeof(pass)), SASL_EMALFORMED);
	assert_int_equal(sasl_plain_split("\0alice\0p\0w", 10, user,
	    sizeof(user), pass, sizeof(pass)), SASL_EMALFORMED);
	assert_int_equal(sasl_plain_split("", 0, user, sizeof(user), pass,
	    sizeof(pass)), SASL_EMALFORMED);
}

static void
test_loopback(void **state)
{
	assert_true(peer_is_loopback("127.0.0.1"));
	assert_true(peer_is_loopback("127.255.0.9"));
	assert_true(peer_is_loopback("::1"));
	assert_true(peer_is_loopback("::FFFF:127.0.0.1"));
	assert_false(peer_is_loopback("192.0.2.1"));
	assert_false(peer_is_loopback("1127.0.0.1"));
	assert_false(peer_is_loopback("::2"));
	assert_false(peer_is_loopback(""));
}

static void
test_env(void **state)
{
	char	 ip[64];

	/* descriptor 0 of a unit test is no socket: the environment counts */
	setenv("TCPREMOTEIP", "192.0.2.7", 1);
	assert_int_equal(peer_ip(ip, sizeof(ip)), 0);
	assert_string_equal(ip, "192.0.2.7");
	setenv("TCPREMOTEIP", "192.0.2.7; rm -rf", 1);
	assert_int_equal(peer_ip(ip, sizeof(ip)), -1);
	assert_string_equal(ip, "");
	unsetenv("TCPREMOTEIP");
	assert_int_equal(peer_ip(ip, sizeof(ip)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_b64),
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_env),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
