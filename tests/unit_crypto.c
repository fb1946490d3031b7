/* unit_crypto.c: base/crypto (SHA-256 against FIPS 180-4's examples and
 * against coreutils' sha256sum at every length around the block edges,
 * HMAC-SHA256 against RFC 4231, base64 against RFC 4648 and its refusals,
 * the constant-time comparison, random bytes) and base/lazylib (a library
 * is loaded by the first call of one of its functions, not before). */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <curl/curl.h>

#include "base/crypto.h"
#include "base/lazylib.h"
#include "base/util.h"
#include "tests/unit.h"

static void
sha256_vectors(void)
{
	static const struct { const char *in, *hex; } cases[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	};
	char hex[65];
	struct sl_sha256 c;
	unsigned char md[SL_SHA256_LEN];
	char *million = xmalloc(1000000);

	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
		sl_sha256_hex(cases[i].in, strlen(cases[i].in), hex);
		CHECK_EQ_STR(cases[i].hex, hex);
	}
	/* a million "a", fed in pieces of 997 bytes */
	memset(million, 'a', 1000000);
	sl_sha256_init(&c);
	for (size_t off = 0; off < 1000000; off += 997)
		sl_sha256_update(&c, million + off, off + 997 <= 1000000 ? 997 : 1000000 - off);
	sl_sha256_final(&c, md);
	sl_hex(md, sizeof md, hex);
	CHECK_EQ_STR("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", hex);
	free(million);
}

/* Every length from 0 to 200 bytes (the padding's edges at 55, 56, 63,
 * 64 and 119-128), the same bytes hashed by sha256sum. */
static void
sha256_against_sha256sum(void)
{
	unsigned char data[200];
	char path[] = "/tmp/sluice-unit-crypto.XXXXXX";
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (unsigned char)(i * 131 + 7);
	for (size_t n = 0; n <= sizeof data; n++) {
		char cmd[128], want[80] = "", got[65];
		FILE *p;

		CHECK(ftruncate(fd, 0) == 0 && pwrite(fd, data, n, 0) == (ssize_t)n);
		snprintf(cmd, sizeof cmd, "sha256sum < %s", path);
		p = popen(cmd, "r");
		CHECK(p != NULL && fgets(want, sizeof want, p) != NULL);
		if (p != NULL)
			pclose(p);
		want[64] = '\0';
		sl_sha256_hex(data, n, got);
		CHECK_MSG(strcmp(want, got) == 0, "%zu bytes: sha256sum %s, sluice %s", n, want, got);
	}
	close(fd);
	unlink(path);
}

static void
hmac_rfc4231(void)
{
	unsigned char key[131], md[SL_SHA256_LEN];
	char hex[65];

	/* test case 1 */
	memset(key, 0x0b, 20);
	sl_hmac_sha256(key, 20, "Hi There", 8, md);
	sl_hex(md, sizeof md, hex);
	CHECK_EQ_STR("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7", hex);
	/* test case 2: a key shorter than the block */
	sl_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, md);
	sl_hex(md, sizeof md, hex);
	CHECK_EQ_STR("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", hex);
	/* test case 6: a key longer than the block is hashed first */
	memset(key, 0xaa, sizeof key);
	sl_hmac_sha256(key, sizeof key, "Test Using Larger Than Block-Size Key - Hash Key First", 54, md);
	sl_hex(md, sizeof md, hex);
	CHECK_EQ_STR("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54", hex);
	/* the output may be the key (AWS's signing-key chain does that) */
	memcpy(md, "Jefe", 4);
	sl_hmac_sha256(md, 4, "what do ya want for nothing?", 28, md);
	sl_hex(md, sizeof md, hex);
	CHECK_EQ_STR("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", hex);
}

static void
base64_cases(void)
{
	static const struct { const char *plain, *b64; } cases[] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
		{ "\xff\xfe\xfd", "//79" }, { "\xfb\xef", "++8=" },
	};
	static const char *bad[] = {
		"Zg=", "Z===", "Zg=a", "Zm9v!A==", "=Zg=", "Zg==Zm8=", "Zm 9v", "Zm9v\n",
	};

	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
		char enc[32];
		unsigned char dec[32];
		size_t n = strlen(cases[i].plain);
		long got;

		CHECK_EQ_INT(strlen(cases[i].b64), sl_base64_encode(cases[i].plain, n, enc));
		CHECK_EQ_STR(cases[i].b64, enc);
		CHECK_EQ_INT(SL_BASE64_LEN(n), strlen(enc));
		got = sl_base64_decode(cases[i].b64, strlen(cases[i].b64), dec);
		CHECK_EQ_INT((long)n, got);
		CHECK(got >= 0 && memcmp(dec, cases[i].plain, n) == 0);
	}
	for (size_t i = 0; i < SL_ARRAY_LEN(bad); i++) {
		unsigned char dec[32];

		CHECK_MSG(sl_base64_decode(bad[i], strlen(bad[i]), dec) == -1, "'%s' decoded", bad[i]);
	}
}

static void
compare_and_random(void)
{
	unsigned char a[32], b[32];

	CHECK(sl_mem_equal_ct("secret", "secret", 6));
	CHECK(!sl_mem_equal_ct("secret", "secreT", 6));
	CHECK(!sl_mem_equal_ct("Secret", "secret", 6));
	CHECK(sl_mem_equal_ct("", "x", 0));
	CHECK(sl_random_bytes(a, sizeof a) == 0);
	CHECK(sl_random_bytes(b, sizeof b) == 0);
	CHECK(memcmp(a, b, sizeof a) != 0);
	sl_wipe(a, sizeof a);
	memset(b, 0, sizeof b);
	CHECK(memcmp(a, b, sizeof a) == 0);
}

/* Is a file whose name holds what mapped into this process? */
static int
mapped(const char *what)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	int found = 0;

	while (f != NULL && !found && fgets(line, sizeof line, f) != NULL)
		found = strstr(line, what) != NULL;
	if (f != NULL)
		fclose(f);
	return found;
}

/* libcurl is loaded by the first call of one of its functions, not at
 * start (nor libpq, libssh2 or the OpenSSL behind them); loading again is
 * a no-op; every library sluice loads this way is there. */
static void
lazy_loading(void)
{
	struct sl_err err;
	CURL *h;

	CHECK(mapped("libc.so"));
	CHECK(!mapped("libcurl") && !mapped("libpq") && !mapped("libssh2") &&
	      !mapped("libcrypto"));
	CHECK(!lazylib_loaded(LAZYLIB_CURL));
	CHECK(!lazylib_loaded(LAZYLIB_PQ));
	CHECK(!lazylib_loaded(LAZYLIB_SSH2));
	h = curl_easy_init();
	CHECK(h != NULL);
	CHECK(lazylib_loaded(LAZYLIB_CURL));
	CHECK(mapped("libcurl") && !mapped("libpq"));
	/* the variadic forwarders pass a long, a pointer and an off_t */
	CHECK_EQ_INT(CURLE_OK, curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L));
	CHECK_EQ_INT(CURLE_OK, curl_easy_setopt(h, CURLOPT_URL, "http://127.0.0.1:1/"));
	CHECK_EQ_INT(CURLE_OK, curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)1 << 40));
	{
		char *url = NULL;

		CHECK_EQ_INT(CURLE_OK, curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &url));
		CHECK(url != NULL && strcmp(url, "http://127.0.0.1:1/") == 0);
	}
	curl_easy_cleanup(h);
	CHECK(!lazylib_loaded(LAZYLIB_PQ));
	CHECK_EQ_INT(0, lazylib_load(LAZYLIB_CURL, &err));
	CHECK_EQ_INT(0, lazylib_load(LAZYLIB_PQ, &err));
	CHECK_EQ_INT(0, lazylib_load(LAZYLIB_SSH2, &err));
	CHECK(lazylib_loaded(LAZYLIB_PQ) && lazylib_loaded(LAZYLIB_SSH2));
}

int
main(void)
{
	RUN(sha256_vectors);
	RUN(sha256_against_sha256sum);
	RUN(hmac_rfc4231);
	RUN(base64_cases);
	RUN(compare_and_random);
	RUN(lazy_loading);
	return UNIT_END();
}
