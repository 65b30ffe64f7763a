/*
 * TLS for VeNCrypt over memory buffers (OpenSSL)
 */

#include <mutex>

#include <openssl/bio.h>
#include <openssl/dh.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "tls.h"

using namespace Vnc;

namespace {

	/*
	 * Plaintext goes into OpenSSL and ciphertext in and out of its memory
	 * buffers a record at a time: a buffer grows to the most written into
	 * it at once and keeps that size, so pieces keep it small (an update
	 * of megabytes does not leave a buffer of megabytes behind).
	 */
	enum : size_t { PIECE = 16 * 1024 };

	/* The reason of the last OpenSSL error, or 'fallback' */
	std::string openssl_error(char const *fallback)
	{
		unsigned long last = 0;
		while (unsigned long const e = ERR_get_error()) last = e;
		if (!last) return fallback;
		char const *reason = ERR_reason_error_string(last);
		return reason ? reason : fallback;
	}

	/*
	 * No forward secrecy is lost and nothing weaker than AES is offered.
	 * The anonymous suites need security level 0 (they authenticate no
	 * one); the DH group is fixed at 3072 bits, since OpenSSL's automatic
	 * choice for AES-128 suites would be 1024.
	 */
	constexpr char const *ANONYMOUS_CIPHERS =
		"ADH-AES256-GCM-SHA384:ADH-AES128-GCM-SHA256:AECDH-AES256-SHA:AECDH-AES128-SHA:"
		"ADH-AES256-SHA256:ADH-AES128-SHA256:ADH-AES256-SHA:ADH-AES128-SHA";

	/* What both contexts share: no session resumption (no caches, no tickets), no renegotiation */
	void common_setup(SSL_CTX *ctx)
	{
		SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_CIPHER_SERVER_PREFERENCE
		                       | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
		SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
		(void)SSL_CTX_set_num_tickets(ctx, 0);
		(void)SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	}

	/* An encrypted key would make OpenSSL ask for a passphrase on the terminal: refuse */
	int no_passphrase(char *, int, int, void *) { return -1; }
}


void Tls_context::Free_ctx::operator () (ssl_ctx_st *ctx) const { SSL_CTX_free(ctx); }


void Tls_context::init()
{
	static std::once_flag once;
	std::call_once(once, [] {
		(void)OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_NO_ATEXIT, nullptr);
	});
}


Tls_context::Created Tls_context::create(std::string_view certificate_pem, std::string_view key_pem)
{
	init();
	ERR_clear_error();

	Ctx anonymous { SSL_CTX_new(TLS_server_method()) };
	if (!anonymous) return { nullptr, "no TLS context: " + openssl_error("out of memory") };
	common_setup(anonymous.get());
	SSL_CTX_set_security_level(anonymous.get(), 0);
	(void)SSL_CTX_set_max_proto_version(anonymous.get(), TLS1_2_VERSION);
	if (!SSL_CTX_set_cipher_list(anonymous.get(), ANONYMOUS_CIPHERS))
		return { nullptr, "no anonymous TLS cipher suites: " + openssl_error("unknown") };
	{
		EVP_PKEY     *dh   = nullptr;
		EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name(nullptr, "DH", nullptr);
		bool const ok = pctx && EVP_PKEY_paramgen_init(pctx) > 0
		             && EVP_PKEY_CTX_set_dh_nid(pctx, NID_ffdhe3072) > 0
		             && EVP_PKEY_paramgen(pctx, &dh) > 0
		             && SSL_CTX_set0_tmp_dh_pkey(anonymous.get(), dh);
		EVP_PKEY_CTX_free(pctx);
		if (!ok) {
			EVP_PKEY_free(dh);
			return { nullptr, "no Diffie-Hellman group for anonymous TLS: " + openssl_error("unknown") };
		}
	}
	std::unique_ptr<Tls_context> context { new Tls_context(std::move(anonymous)) };

	if (certificate_pem.empty() && key_pem.empty()) return { std::move(context), "" };

	Ctx x509 { SSL_CTX_new(TLS_server_method()) };
	if (!x509) return { std::move(context), "no TLS context: " + openssl_error("out of memory") };
	common_setup(x509.get());

	/* the certificate, then the chain the viewer may need to reach its CA */
	std::unique_ptr<BIO, decltype(&BIO_free)> certs { BIO_new_mem_buf(certificate_pem.data(), int(certificate_pem.size())), BIO_free };
	X509 *certificate = certs ? PEM_read_bio_X509_AUX(certs.get(), nullptr, no_passphrase, nullptr) : nullptr;
	if (!certificate)
		return { std::move(context), "the certificate is not a PEM certificate: " + openssl_error("none found") };
	bool const used = SSL_CTX_use_certificate(x509.get(), certificate);
	X509_free(certificate);
	if (!used) return { std::move(context), "the certificate is not usable: " + openssl_error("unknown") };
	while (X509 *ca = PEM_read_bio_X509(certs.get(), nullptr, no_passphrase, nullptr))
		if (!SSL_CTX_add0_chain_cert(x509.get(), ca)) { X509_free(ca); break; }
	ERR_clear_error();   /* the end of the chain reads as "no start line" */

	std::unique_ptr<BIO, decltype(&BIO_free)> key_bio { BIO_new_mem_buf(key_pem.data(), int(key_pem.size())), BIO_free };
	EVP_PKEY *key = key_bio ? PEM_read_bio_PrivateKey(key_bio.get(), nullptr, no_passphrase, nullptr) : nullptr;
	if (!key)
		return { std::move(context), "the key is not an unencrypted PEM private key: " + openssl_error("none found") };
	bool const key_used = SSL_CTX_use_PrivateKey(x509.get(), key);
	EVP_PKEY_free(key);
	if (!key_used || !SSL_CTX_check_private_key(x509.get()))
		return { std::move(context), "the key does not belong to the certificate: " + openssl_error("mismatch") };

	context->_x509 = std::move(x509);
	return { std::move(context), "" };
}


/* one connection */

Tls_session::Tls_session(Tls_context const &context, bool x509)
:
	_ssl(SSL_new(x509 && context._x509 ? context._x509.get() : context._anonymous.get())),
	_in(BIO_new(BIO_s_mem())), _out(BIO_new(BIO_s_mem()))
{
	/* a memory BIO that is empty says "retry", not "end of file" */
	BIO_set_mem_eof_return(_in, -1);
	BIO_set_mem_eof_return(_out, -1);
	SSL_set_bio(_ssl, _in, _out);   /* the SSL object owns them now */
	SSL_set_accept_state(_ssl);
}


Tls_session::~Tls_session() { SSL_free(_ssl); }


void Tls_session::_drain(std::vector<uint8_t> &wire)
{
	while (size_t const pending = BIO_ctrl_pending(_out)) {
		size_t const at = wire.size();
		wire.resize(at + pending);
		int const n = BIO_read(_out, wire.data() + at, int(pending));
		wire.resize(at + size_t(n > 0 ? n : 0));
		if (n <= 0) break;
	}
}


std::optional<std::string> Tls_session::_handshake(std::vector<uint8_t> &wire)
{
	ERR_clear_error();
	int const r = SSL_do_handshake(_ssl);
	int const e = r == 1 ? SSL_ERROR_NONE : SSL_get_error(_ssl, r);
	_drain(wire);   /* our flight, or the alert that says why it failed */
	if (e == SSL_ERROR_WANT_READ) return std::nullopt;
	if (e != SSL_ERROR_NONE) return "TLS handshake failed: " + openssl_error("connection closed");

	_established = true;
	std::vector<uint8_t> early;
	early.swap(_early);
	if (!send(early, wire)) return "TLS failed: " + openssl_error("cannot send");
	return std::nullopt;
}


std::optional<std::string> Tls_session::received(std::span<uint8_t const> wire, std::vector<uint8_t> &plain,
                                                 std::vector<uint8_t> &reply)
{
	while (!wire.empty()) {
		size_t const n = std::min<size_t>(wire.size(), PIECE);
		if (BIO_write(_in, wire.data(), int(n)) != int(n)) return "out of memory for TLS input";
		wire = wire.subspan(n);

		if (!_established) {
			if (auto failed = _handshake(reply)) return failed;
			if (!_established) continue;
		}
		for (;;) {
			size_t const at = plain.size();
			plain.resize(at + PIECE);
			ERR_clear_error();
			int const got = SSL_read(_ssl, plain.data() + at, int(PIECE));
			plain.resize(at + size_t(got > 0 ? got : 0));
			if (got > 0) continue;
			int const e = SSL_get_error(_ssl, got);
			_drain(reply);
			if (e == SSL_ERROR_WANT_READ) break;
			if (e == SSL_ERROR_ZERO_RETURN) return "TLS closed by the viewer";
			return "TLS failed: " + openssl_error("connection closed");
		}
	}
	return std::nullopt;
}


bool Tls_session::send(std::span<uint8_t const> plain, std::vector<uint8_t> &wire)
{
	if (!_established) { _early.insert(_early.end(), plain.begin(), plain.end()); return true; }

	while (!plain.empty()) {
		size_t const n = std::min<size_t>(plain.size(), PIECE);
		ERR_clear_error();
		if (SSL_write(_ssl, plain.data(), int(n)) <= 0) return false;   /* only after a fatal error */
		plain = plain.subspan(n);
		_drain(wire);
	}
	return true;
}


std::string Tls_session::description() const
{
	return std::string(SSL_get_version(_ssl)) + " " + SSL_get_cipher_name(_ssl);
}


size_t Tls_session::held() const
{
	return SESSION_BYTES + _early.capacity();
}
