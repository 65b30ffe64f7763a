/*
 * TLS for VeNCrypt (OpenSSL), with no I/O of its own
 *
 * 'Tls_context' is the server's side of TLS as the config sets it up: an
 * anonymous one (Diffie-Hellman without certificates, VeNCrypt's TLS*
 * subtypes, TLS 1.2 at most since TLS 1.3 has no anonymous key exchange)
 * and, with a certificate and key, an X.509 one (the X509* subtypes).
 * 'Tls_session' is one connection's TLS state over memory buffers: the
 * connection feeds it the bytes that came and sends the bytes it produces,
 * so TLS never blocks and never touches the socket.
 *
 * OpenSSL rather than GnuTLS: a sealed component is linked statically,
 * and Debian ships GnuTLS's static library without one of p11-kit, which
 * it needs; OpenSSL's libssl.a and libcrypto.a need nothing else. OpenSSL
 * reads no files here: its config file is never loaded (see 'init'), the
 * keys come from ROMs, and its random numbers from getrandom().
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

struct ssl_ctx_st;
struct ssl_st;
struct bio_st;

namespace Vnc {

	class Tls_context
	{
		private:

			struct Free_ctx { void operator () (ssl_ctx_st *) const; };
			using Ctx = std::unique_ptr<ssl_ctx_st, Free_ctx>;

			Ctx _anonymous;
			Ctx _x509 { };   /* only with a certificate */

			Tls_context(Ctx anonymous) : _anonymous(std::move(anonymous)) { }

			friend class Tls_session;

		public:

			struct Created { std::unique_ptr<Tls_context> context; std::string error; };

			/*
			 * The anonymous context, and the X.509 one if 'certificate_pem'
			 * (the certificate, then the chain up to the CA, if any) and
			 * 'key_pem' are given. 'error' says why a context is missing.
			 */
			static Created create(std::string_view certificate_pem, std::string_view key_pem);

			bool x509() const { return bool(_x509); }

			/* Make OpenSSL ready without reading its config file (once, before the first use) */
			static void init();
	};

	class Tls_session
	{
		private:

			ssl_st *_ssl;
			bio_st *_in;    /* what came from the peer, for OpenSSL to read */
			bio_st *_out;   /* what OpenSSL wrote, for the peer */
			bool    _established = false;

			std::vector<uint8_t> _early { };   /* plaintext sent before the handshake finished */

			void _drain(std::vector<uint8_t> &wire);
			std::optional<std::string> _handshake(std::vector<uint8_t> &wire);

		public:

			/*
			 * Bytes OpenSSL holds for one session at most: the SSL
			 * object, its record buffers, the memory buffers in and out
			 * (a piece of 16 KiB each, see tls.cc), the key schedule and
			 * the handshake's state. Measured by the unit test
			 * 'VncTls.held_covers_what_openssl_allocates' on OpenSSL's
			 * own allocations: 95 KiB at most (anonymous TLS 1.2; X.509
			 * with TLS 1.3 90 KiB), through a handshake and 4 MiB each way.
			 */
			enum : size_t { SESSION_BYTES = 112 * 1024 };

			Tls_session(Tls_context const &, bool x509);
			~Tls_session();

			Tls_session(Tls_session const &) = delete;
			Tls_session &operator = (Tls_session const &) = delete;

			/*
			 * The peer's bytes 'wire' came: the plaintext in them is
			 * appended to 'plain', and what must go to the peer (the
			 * handshake's records, data sent before it finished) to
			 * 'reply'. Returns the reason if TLS failed.
			 */
			std::optional<std::string> received(std::span<uint8_t const> wire, std::vector<uint8_t> &plain,
			                                    std::vector<uint8_t> &reply);

			/* Encrypt 'plain' for the peer into 'wire' (kept until the handshake is done); false: TLS failed */
			bool send(std::span<uint8_t const> plain, std::vector<uint8_t> &wire);

			bool established() const { return _established; }

			/* The negotiated protocol and cipher, for the log */
			std::string description() const;

			/* The memory this session holds for its peer */
			size_t held() const;
	};
}
