/*
 * VeNCrypt's parts on their own: which security types a config offers,
 * and what a TLS session costs in memory, measured on every allocation
 * the server's GnuTLS calls make (the session's cap counts
 * 'Tls_session::SESSION_BYTES'). The viewer's side is OpenSSL: another
 * implementation than the server's.
 *
 * A program of its own: it replaces malloc and its relatives to count
 * (GnuTLS has no allocator hooks any more), which no other test should see.
 */

#include <cstdlib>
#include <malloc.h>

#include <gtest/gtest.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <security.h>
#include <tls.h>
#include <vnc/test_certificate.h>

using namespace Vnc;

extern "C" {
	void *__libc_malloc(size_t);
	void *__libc_calloc(size_t, size_t);
	void *__libc_realloc(void *, size_t);
	void *__libc_memalign(size_t, size_t);
	void  __libc_free(void *);
}

namespace {

	/*
	 * The allocations made while 'counting' is on (the server's calls,
	 * not the test's client), alive and at most. The blocks are kept in
	 * a table that allocates nothing itself (open addressing).
	 */
	bool counting = false;
	size_t live = 0, peak = 0;

	struct Block { void *p; size_t n; };
	enum : size_t { SLOTS = 1 << 16 };
	Block  table[SLOTS];
	size_t used = 0;

	size_t slot_of(void *p) { return (reinterpret_cast<uintptr_t>(p) >> 4) * 0x9e3779b97f4a7c15ull >> 48; }

	void note(void *p)
	{
		if (!p || used + 1 >= SLOTS) return;
		size_t i = slot_of(p);
		while (table[i].p) i = (i + 1) % SLOTS;
		table[i] = { p, malloc_usable_size(p) };
		used++;
		live += table[i].n;
		peak = std::max(peak, live);
	}

	/* true if 'p' was counted */
	bool forget(void *p)
	{
		if (!p || !used) return false;
		size_t i = slot_of(p);
		for (; table[i].p && table[i].p != p; i = (i + 1) % SLOTS) { }
		if (!table[i].p) return false;
		live -= table[i].n;
		table[i] = { };
		used--;
		/* re-insert the rest of the cluster so that lookups still find them */
		for (size_t j = (i + 1) % SLOTS; table[j].p; j = (j + 1) % SLOTS) {
			Block const b = table[j];
			table[j] = { };
			size_t k = slot_of(b.p);
			while (table[k].p) k = (k + 1) % SLOTS;
			table[k] = b;
		}
		return true;
	}
}

extern "C" {
	void *malloc(size_t n) { void *p = __libc_malloc(n); if (counting) note(p); return p; }
	void *calloc(size_t m, size_t n) { void *p = __libc_calloc(m, n); if (counting) note(p); return p; }
	void  free(void *p) { forget(p); __libc_free(p); }

	void *realloc(void *p, size_t n)
	{
		bool const was = forget(p);
		void *q = __libc_realloc(p, n);
		if (!q && n && was) note(p);   /* failed: the old block stays */
		else if (counting || was) note(q);
		return q;
	}

	void *memalign(size_t a, size_t n) { void *p = __libc_memalign(a, n); if (counting) note(p); return p; }
	void *aligned_alloc(size_t a, size_t n) { return memalign(a, n); }

	int posix_memalign(void **out, size_t a, size_t n)
	{
		void *p = memalign(a, n);
		if (!p) return ENOMEM;
		*out = p;
		return 0;
	}
}

namespace {

	/* Runs a server session against an OpenSSL client through a handshake and 4 MiB each way */
	size_t peak_of_a_session(Tls_context const &context, bool x509, std::string const &ca_pem, bool first = false)
	{
		SSL_CTX *client_ctx = SSL_CTX_new(TLS_client_method());
		if (!x509) {
			SSL_CTX_set_security_level(client_ctx, 0);
			SSL_CTX_set_cipher_list(client_ctx, "aNULL:@SECLEVEL=0");
		} else {
			BIO *b = BIO_new_mem_buf(ca_pem.data(), int(ca_pem.size()));
			X509 *ca = PEM_read_bio_X509(b, nullptr, nullptr, nullptr);
			X509_STORE_add_cert(SSL_CTX_get_cert_store(client_ctx), ca);
			X509_free(ca);
			BIO_free(b);
			SSL_CTX_set_verify(client_ctx, SSL_VERIFY_PEER, nullptr);
		}
		SSL *client = SSL_new(client_ctx);
		BIO *in = BIO_new(BIO_s_mem()), *out = BIO_new(BIO_s_mem());
		BIO_set_mem_eof_return(in, -1);
		BIO_set_mem_eof_return(out, -1);
		SSL_set_bio(client, in, out);
		SSL_set_connect_state(client);

		auto from_client = [&] {
			std::vector<uint8_t> wire(BIO_ctrl_pending(out));
			if (!wire.empty()) BIO_read(out, wire.data(), int(wire.size()));
			return wire;
		};

		ERR_clear_error();   /* the client's error state, allocated once */
		live = peak = 0;
		counting = true;
		auto server = std::make_unique<Tls_session>(context, x509);
		counting = false;

		/*
		 * The test's own buffers are made big enough before counting, so
		 * that what is counted is GnuTLS's and the session's alone.
		 */
		std::vector<uint8_t> plain, reply;
		plain.reserve(5 << 20);
		reply.reserve(64 << 10);
		for (int i = 0; i < 10 && !(server->established() && SSL_is_init_finished(client)); i++) {
			(void)SSL_do_handshake(client);
			std::vector<uint8_t> const wire = from_client();
			counting = true;
			auto const failed = server->received(wire, plain, reply);
			counting = false;
			EXPECT_FALSE(failed) << *failed;
			BIO_write(in, reply.data(), int(reply.size()));
			reply.clear();
		}
		EXPECT_TRUE(server->established());

		/* an update of 4 MiB out, 4 MiB of input in */
		std::vector<uint8_t> const data(4 << 20, 0x5a);
		std::vector<uint8_t> wire;
		wire.reserve(5 << 20);
		counting = true;
		server->send(data, wire);
		counting = false;
		BIO_write(in, wire.data(), int(wire.size()));
		std::vector<uint8_t> got(data.size());
		size_t have = 0;
		for (int r; have < got.size() && (r = SSL_read(client, got.data() + have, int(got.size() - have))) > 0; )
			have += size_t(r);
		EXPECT_EQ(have, data.size());

		for (size_t at = 0; at < data.size(); at += 1 << 20) SSL_write(client, data.data() + at, 1 << 20);
		std::vector<uint8_t> const input = from_client();
		counting = true;
		EXPECT_FALSE(server->received(input, plain, reply));
		counting = false;
		EXPECT_EQ(plain.size(), data.size());

		size_t const measured = peak;
		counting = true;
		server.reset();
		counting = false;
		/* the first session of a kind may leave what GnuTLS keeps once, no later one anything */
		if (!first) { EXPECT_EQ(live, 0u) << "the session freed what it allocated"; }

		SSL_free(client);
		SSL_CTX_free(client_ctx);
		return measured;
	}
}


TEST(VncTls, held_covers_what_gnutls_allocates)
{
	Vnc_test::Test_certificate const cert;
	auto created = Tls_context::create(cert.certificate_pem, cert.key_pem);
	ASSERT_TRUE(created.error.empty()) << created.error;
	ASSERT_TRUE(created.context->x509());

	(void)peak_of_a_session(*created.context, false, "", true);
	(void)peak_of_a_session(*created.context, true, cert.certificate_pem, true);
	size_t const anonymous = peak_of_a_session(*created.context, false, "");
	size_t const x509      = peak_of_a_session(*created.context, true, cert.certificate_pem);
	std::printf("a TLS session's GnuTLS memory at most: anonymous %zu bytes, X.509 %zu bytes (counted: %zu)\n",
	            anonymous, x509, size_t(Tls_session::SESSION_BYTES));
	EXPECT_GT(anonymous, 16u * 1024) << "nothing measured";
	EXPECT_LE(anonymous, size_t(Tls_session::SESSION_BYTES));
	EXPECT_LE(x509,      size_t(Tls_session::SESSION_BYTES));
}


TEST(VncTls, a_viewers_renegotiation_is_refused)
{
	auto created = Tls_context::create("", "");
	ASSERT_TRUE(created.error.empty()) << created.error;

	SSL_CTX *client_ctx = SSL_CTX_new(TLS_client_method());
	SSL_CTX_set_security_level(client_ctx, 0);
	SSL_CTX_set_cipher_list(client_ctx, "aNULL:@SECLEVEL=0");
	SSL_CTX_set_max_proto_version(client_ctx, TLS1_2_VERSION);
	SSL *client = SSL_new(client_ctx);
	BIO *in = BIO_new(BIO_s_mem()), *out = BIO_new(BIO_s_mem());
	BIO_set_mem_eof_return(in, -1);
	BIO_set_mem_eof_return(out, -1);
	SSL_set_bio(client, in, out);
	SSL_set_connect_state(client);
	auto from_client = [&] {
		std::vector<uint8_t> wire(BIO_ctrl_pending(out));
		if (!wire.empty()) BIO_read(out, wire.data(), int(wire.size()));
		return wire;
	};

	Tls_session server(*created.context, false);
	std::vector<uint8_t> plain, reply;
	for (int i = 0; i < 10 && !(server.established() && SSL_is_init_finished(client)); i++) {
		(void)SSL_do_handshake(client);
		auto const failed = server.received(from_client(), plain, reply);
		ASSERT_FALSE(failed) << *failed;
		BIO_write(in, reply.data(), int(reply.size()));
		reply.clear();
	}
	ASSERT_TRUE(server.established());

	/*
	 * The viewer asks for a new handshake: refused. GnuTLS 3.7 takes a
	 * ClientHello in an established session as an unexpected packet, so the
	 * connection ends with the reason (another version may answer
	 * GNUTLS_E_REHANDSHAKE, which tls.cc refuses with a warning alert).
	 */
	ASSERT_EQ(SSL_renegotiate(client), 1);
	(void)SSL_do_handshake(client);
	std::vector<uint8_t> const hello = from_client();
	ASSERT_FALSE(hello.empty());
	auto const failed = server.received(hello, plain, reply);
	if (failed) {
		EXPECT_NE(failed->find("TLS failed: "), std::string::npos) << *failed;
	} else {
		EXPECT_FALSE(reply.empty()) << "the no_renegotiation alert";
		BIO_write(in, reply.data(), int(reply.size()));
		EXPECT_NE(SSL_do_handshake(client), 1) << "the server took part in a new handshake";
		std::vector<uint8_t> wire;
		EXPECT_TRUE(server.send(std::vector<uint8_t>(100, 1), wire)) << "the session goes on";
	}
	EXPECT_TRUE(plain.empty());
	EXPECT_EQ(std::string(server.description()).substr(0, 6), "TLS1.2") << "no new handshake";

	SSL_free(client);
	SSL_CTX_free(client_ctx);
}


TEST(VncTls, a_bad_certificate_or_key_is_refused_with_the_reason)
{
	Vnc_test::Test_certificate const cert, other;
	auto const garbage = Tls_context::create("not a certificate", cert.key_pem);
	EXPECT_NE(garbage.error.find("not a PEM certificate"), std::string::npos) << garbage.error;
	ASSERT_TRUE(garbage.context) << "anonymous TLS still works";
	EXPECT_FALSE(garbage.context->x509());

	auto const mismatch = Tls_context::create(cert.certificate_pem, other.key_pem);
	EXPECT_NE(mismatch.error.find("does not belong"), std::string::npos) << mismatch.error;
	EXPECT_FALSE(mismatch.context->x509());
}


TEST(VncSecurity, the_offer_follows_the_config)
{
	auto offer = [] (char const *list, bool loopback, bool cert, bool password) {
		return security_offer({ list, loopback, cert, password });
	};
	using V = std::vector<uint32_t>;

	/*
	 * the defaults: on loopback the plain types (and the certificate's first
	 * where there is one), TLS only on the network, no anonymous TLS beside
	 * a certificate
	 */
	EXPECT_EQ(offer("", true, false, false).offer.plain, V({ SECURITY_NONE }));
	EXPECT_TRUE(offer("", true, false, false).offer.vencrypt.empty());
	EXPECT_EQ(offer("", true, true, true).offer.vencrypt, V({ VENCRYPT_X509_VNC }));
	EXPECT_EQ(offer("", true, true, true).offer.plain, V({ SECURITY_VNC_AUTH }));
	EXPECT_EQ(offer("", false, false, true).offer.vencrypt, V({ VENCRYPT_TLS_VNC }));
	EXPECT_TRUE(offer("", false, false, true).offer.plain.empty());
	EXPECT_EQ(offer("", false, true, false).offer.vencrypt, V({ VENCRYPT_X509_NONE }));
	EXPECT_TRUE(offer("", false, true, false).offer.plain.empty());

	/* the order of preference: as listed */
	EXPECT_EQ(offer("", true, false, false).offer.rfb_types(), std::vector<uint8_t>({ SECURITY_NONE }));
	EXPECT_EQ(offer("", true, true, false).offer.rfb_types(), std::vector<uint8_t>({ SECURITY_VENCRYPT, SECURITY_NONE }));
	EXPECT_EQ(offer("None,TLSNone", true, false, false).offer.rfb_types(),
	          std::vector<uint8_t>({ SECURITY_NONE, SECURITY_VENCRYPT }));
	EXPECT_EQ(offer("", false, true, true).offer.rfb_types(), std::vector<uint8_t>({ SECURITY_VENCRYPT }));
	EXPECT_EQ(offer("X509Vnc,VncAuth", true, true, true).offer.rfb_types(),
	          std::vector<uint8_t>({ SECURITY_VENCRYPT, SECURITY_VNC_AUTH }));

	/* a list, any case, in its order; what the config cannot back is named */
	auto const listed = offer("tlsvnc, X509VNC none", true, false, true);
	EXPECT_EQ(listed.offer.vencrypt, V({ VENCRYPT_TLS_VNC }));
	EXPECT_TRUE(listed.offer.plain.empty());
	EXPECT_EQ(listed.left_out, "X509VNC (no certificate), none (a password is set)");
	EXPECT_EQ(listed.offer.rfb_types(), std::vector<uint8_t>({ SECURITY_VENCRYPT }));

	auto const unknown = offer("TLSVnc,Plain", true, false, true);
	EXPECT_NE(unknown.error.find("unknown security type \"Plain\""), std::string::npos) << unknown.error;
}
