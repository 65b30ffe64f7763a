/*
 * VeNCrypt's parts on their own: which security types a config offers,
 * and what a TLS session costs in memory, measured on OpenSSL's own
 * allocations (the session's cap counts 'Tls_session::SESSION_BYTES')
 */

#include <cstdlib>
#include <malloc.h>
#include <unordered_map>

#include <gtest/gtest.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <security.h>
#include <tls.h>
#include <vnc/test_certificate.h>

using namespace Vnc;

namespace {

	/*
	 * OpenSSL's allocations made while 'counting' is on (the server's
	 * calls, not the test's client), alive and at most. Installed before
	 * OpenSSL allocates anything in this process (it refuses later).
	 */
	bool counting = false;
	size_t live = 0, peak = 0;
	std::unordered_map<void *, size_t> &blocks() { static std::unordered_map<void *, size_t> b; return b; }

	void note(void *p, size_t n) { blocks()[p] = n; live += n; peak = std::max(peak, live); }
	void forget(void *p)
	{
		auto it = blocks().find(p);
		if (it == blocks().end()) return;
		live -= it->second;
		blocks().erase(it);
	}

	void *count_malloc(size_t n, char const *, int)
	{
		void *p = std::malloc(n);
		if (p && counting) note(p, malloc_usable_size(p));
		return p;
	}

	void *count_realloc(void *p, size_t n, char const *, int)
	{
		bool const was = p && blocks().count(p);
		if (p) forget(p);
		void *q = std::realloc(p, n);
		if (q && (counting || was)) note(q, malloc_usable_size(q));
		return q;
	}

	void count_free(void *p, char const *, int) { if (p) forget(p); std::free(p); }

	bool const installed = CRYPTO_set_mem_functions(count_malloc, count_realloc, count_free);

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

		ERR_clear_error();   /* the thread's error state, allocated once, is not the session's */
		live = peak = 0;
		counting = true;
		auto server = std::make_unique<Tls_session>(context, x509);
		counting = false;

		std::vector<uint8_t> plain, reply;
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
		/* the first session of a kind leaves what OpenSSL keeps once (160 bytes), no later one anything */
		if (!first) { EXPECT_EQ(live, 0u) << "the session freed what it allocated"; }

		SSL_free(client);
		SSL_CTX_free(client_ctx);
		return measured;
	}
}


TEST(VncTls, held_covers_what_openssl_allocates)
{
	ASSERT_TRUE(installed) << "OpenSSL allocated before the test could count";
	Vnc_test::Test_certificate const cert;
	auto created = Tls_context::create(cert.certificate_pem, cert.key_pem);
	ASSERT_TRUE(created.error.empty()) << created.error;
	ASSERT_TRUE(created.context->x509());

	(void)peak_of_a_session(*created.context, false, "", true);
	(void)peak_of_a_session(*created.context, true, cert.certificate_pem, true);
	size_t const anonymous = peak_of_a_session(*created.context, false, "");
	size_t const x509      = peak_of_a_session(*created.context, true, cert.certificate_pem);
	std::printf("a TLS session's OpenSSL memory at most: anonymous %zu bytes, X.509 %zu bytes (counted: %zu)\n",
	            anonymous, x509, size_t(Tls_session::SESSION_BYTES));
	EXPECT_GT(anonymous, 16u * 1024) << "nothing measured";
	EXPECT_LE(anonymous, size_t(Tls_session::SESSION_BYTES));
	EXPECT_LE(x509,      size_t(Tls_session::SESSION_BYTES));
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
