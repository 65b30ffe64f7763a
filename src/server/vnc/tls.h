/*
 * TLS for VeNCrypt (GnuTLS), with no I/O of its own
 *
 * 'Tls_context' is the server's side of TLS as the config sets it up: an
 * anonymous one (Diffie-Hellman without certificates, VeNCrypt's TLS*
 * subtypes, TLS 1.2 at most since TLS 1.3 has no anonymous key exchange)
 * and, with a certificate and key, an X.509 one (the X509* subtypes).
 * 'Tls_session' is one connection's TLS state over memory: the connection
 * feeds it the bytes that came and sends the bytes it produces, so TLS
 * never blocks and never touches the socket.
 *
 * GnuTLS is linked dynamically (Debian ships no static p11-kit, which
 * libgnutls needs), so the vnc component is a dynamic binary: sealed, it
 * sees the host's library directories read-only and nothing else. GnuTLS
 * reads no files here: no PKCS#11 module or system trust is ever asked
 * for, the keys come from ROMs, and its random numbers from getrandom();
 * the system priority file (/etc/gnutls/config) does not exist in the
 * sealed root, and outside it may only restrict what is offered.
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
#include <sys/types.h>

struct gnutls_session_int;
struct gnutls_anon_server_credentials_st;
struct gnutls_certificate_credentials_st;
struct gnutls_priority_st;

namespace Vnc {

	class Tls_context
	{
		private:

			gnutls_anon_server_credentials_st *_anonymous   = nullptr;
			gnutls_certificate_credentials_st *_certificate = nullptr;   /* only with a certificate */
			gnutls_priority_st                *_anonymous_priority = nullptr;
			gnutls_priority_st                *_x509_priority      = nullptr;

			Tls_context() { }

			friend class Tls_session;

		public:

			struct Created { std::unique_ptr<Tls_context> context; std::string error; };

			/*
			 * The anonymous context, and the X.509 one if 'certificate_pem'
			 * (the certificate, then the chain up to the CA, if any) and
			 * 'key_pem' are given. 'error' says why a context is missing.
			 */
			static Created create(std::string_view certificate_pem, std::string_view key_pem);

			~Tls_context();

			Tls_context(Tls_context const &) = delete;
			Tls_context &operator = (Tls_context const &) = delete;

			bool x509() const { return _certificate != nullptr; }

			/* Make GnuTLS ready (once, before the first use) */
			static void init();
	};

	class Tls_session
	{
		private:

			gnutls_session_int *_session = nullptr;
			bool                _established = false;

			std::span<uint8_t const> _in { };          /* what came from the peer, not yet read by GnuTLS */
			std::vector<uint8_t>    *_out = nullptr;   /* where GnuTLS's records go now */

			std::vector<uint8_t> _early { };   /* plaintext sent before the handshake finished */

			static ssize_t _pull(void *, void *, size_t);
			static ssize_t _push(void *, void const *, size_t);
			static int  _pull_timeout(void *, unsigned);

			std::optional<std::string> _handshake();
			bool _send(std::span<uint8_t const> plain);

		public:

			/*
			 * Bytes GnuTLS holds for one session at most: the session
			 * object, its record buffers (a record of 16 KiB in, one
			 * out), the key schedule and the handshake's state. Measured
			 * by the unit test 'VncTls.held_covers_what_gnutls_allocates'
			 * on every allocation the server's calls make: 98 KiB at
			 * most (X.509 with TLS 1.3 and a P-256 key; anonymous TLS
			 * 1.2 63 KiB), through a handshake and 4 MiB each way.
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
