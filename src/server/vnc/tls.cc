/*
 * TLS for VeNCrypt over memory (GnuTLS)
 */

#include <algorithm>
#include <cerrno>
#include <mutex>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "tls.h"

using namespace Vnc;

namespace {

	/*
	 * Plaintext goes into GnuTLS a record at a time (16 KiB, TLS's
	 * largest): GnuTLS encrypts a record into a buffer of its own and
	 * hands it to '_push' at once, so an update of megabytes never makes
	 * GnuTLS hold more than a record.
	 */
	enum : size_t { PIECE = 16 * 1024 };

	/*
	 * As TigerVNC's viewer and server: GnuTLS's NORMAL choice of ciphers
	 * (AES-GCM, ChaCha20-Poly1305, AES-CBC; nothing weaker), TLS 1.2 and
	 * 1.3, the server's order of preference. The anonymous key exchanges
	 * only exist up to TLS 1.2.
	 */
	constexpr char const *ANONYMOUS_PRIORITY =
		"NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+ANON-ECDH:+ANON-DH:%SERVER_PRECEDENCE";
	constexpr char const *X509_PRIORITY =
		"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:%SERVER_PRECEDENCE";

	/*
	 * Finite-field Diffie-Hellman uses RFC 7919's 3072-bit group
	 * (GnuTLS's HIGH: 128-bit security; MEDIUM would be 2048 bits);
	 * elliptic curves come first anyway.
	 */
	constexpr gnutls_sec_param_t DH_GROUP = GNUTLS_SEC_PARAM_HIGH;

	std::string reason(int error) { return gnutls_strerror(error); }

	struct Datum
	{
		gnutls_datum_t datum;
		Datum(std::string_view s) : datum { (unsigned char *)s.data(), unsigned(s.size()) } { }
	};
}


void Tls_context::init()
{
	/*
	 * GnuTLS initialises itself when it is loaded; this makes sure that
	 * happened (and takes a reference that is never given back, so no
	 * context's end deinitialises it).
	 */
	static std::once_flag once;
	std::call_once(once, [] { (void)gnutls_global_init(); });
}


Tls_context::~Tls_context()
{
	if (_anonymous_priority) gnutls_priority_deinit(_anonymous_priority);
	if (_x509_priority)      gnutls_priority_deinit(_x509_priority);
	if (_anonymous)          gnutls_anon_free_server_credentials(_anonymous);
	if (_certificate)        gnutls_certificate_free_credentials(_certificate);
}


Tls_context::Created Tls_context::create(std::string_view certificate_pem, std::string_view key_pem)
{
	init();

	std::unique_ptr<Tls_context> context { new Tls_context() };
	if (int const e = gnutls_anon_allocate_server_credentials(&context->_anonymous))
		return { nullptr, "no TLS context: " + reason(e) };
	if (int const e = gnutls_anon_set_server_known_dh_params(context->_anonymous, DH_GROUP))
		return { nullptr, "no Diffie-Hellman group for anonymous TLS: " + reason(e) };
	if (int const e = gnutls_priority_init(&context->_anonymous_priority, ANONYMOUS_PRIORITY, nullptr))
		return { nullptr, "no anonymous TLS cipher suites: " + reason(e) };

	if (certificate_pem.empty() && key_pem.empty()) return { std::move(context), "" };

	/* the certificate, then the chain the viewer may need to reach its CA */
	{
		gnutls_x509_crt_t *certs = nullptr;
		unsigned count = 0;
		Datum const pem { certificate_pem };
		int const e = gnutls_x509_crt_list_import2(&certs, &count, &pem.datum, GNUTLS_X509_FMT_PEM, 0);
		for (unsigned i = 0; e >= 0 && i < count; i++) gnutls_x509_crt_deinit(certs[i]);
		gnutls_free(certs);
		if (e < 0 || count == 0)
			return { std::move(context), "the certificate is not a PEM certificate: " + reason(e < 0 ? e : GNUTLS_E_NO_CERTIFICATE_FOUND) };
	}
	{
		/* with no password, an encrypted key is refused, never asked for */
		gnutls_x509_privkey_t key = nullptr;
		int e = gnutls_x509_privkey_init(&key);
		Datum const pem { key_pem };
		if (e >= 0) e = gnutls_x509_privkey_import2(key, &pem.datum, GNUTLS_X509_FMT_PEM, nullptr, GNUTLS_PKCS_PLAIN);
		gnutls_x509_privkey_deinit(key);
		if (e < 0)
			return { std::move(context), "the key is not an unencrypted PEM private key: " + reason(e) };
	}

	gnutls_certificate_credentials_t certificate = nullptr;
	if (int const e = gnutls_certificate_allocate_credentials(&certificate))
		return { std::move(context), "no TLS context: " + reason(e) };
	Datum const cert { certificate_pem }, key { key_pem };
	int const e = gnutls_certificate_set_x509_key_mem2(certificate, &cert.datum, &key.datum,
	                                                   GNUTLS_X509_FMT_PEM, nullptr, GNUTLS_PKCS_PLAIN);
	if (e < 0) {
		gnutls_certificate_free_credentials(certificate);
		if (e == GNUTLS_E_CERTIFICATE_KEY_MISMATCH)
			return { std::move(context), "the key does not belong to the certificate: " + reason(e) };
		return { std::move(context), "the certificate is not usable: " + reason(e) };
	}
	(void)gnutls_certificate_set_known_dh_params(certificate, DH_GROUP);

	if (int const e = gnutls_priority_init(&context->_x509_priority, X509_PRIORITY, nullptr)) {
		gnutls_certificate_free_credentials(certificate);
		return { std::move(context), "no TLS cipher suites: " + reason(e) };
	}
	context->_certificate = certificate;
	return { std::move(context), "" };
}


/* one connection */

ssize_t Tls_session::_pull(void *ptr, void *data, size_t size)
{
	Tls_session &s = *static_cast<Tls_session *>(ptr);
	if (s._in.empty()) {
		gnutls_transport_set_errno(s._session, EAGAIN);
		return -1;
	}
	size_t const n = std::min(size, s._in.size());
	std::copy_n(s._in.data(), n, static_cast<uint8_t *>(data));
	s._in = s._in.subspan(n);
	return ssize_t(n);
}


ssize_t Tls_session::_push(void *ptr, void const *data, size_t size)
{
	Tls_session &s = *static_cast<Tls_session *>(ptr);
	auto const *bytes = static_cast<uint8_t const *>(data);
	if (s._out) s._out->insert(s._out->end(), bytes, bytes + size);
	return ssize_t(size);   /* without a destination (never while in use): dropped */
}


/* Only asked with a timeout set, which none is: say whether bytes are waiting */
int Tls_session::_pull_timeout(void *ptr, unsigned)
{
	return static_cast<Tls_session *>(ptr)->_in.empty() ? 0 : 1;
}


Tls_session::Tls_session(Tls_context const &context, bool x509)
{
	bool const with_certificate = x509 && context._certificate;

	/*
	 * No session tickets and no session cache: nothing is resumed. The
	 * handshake has no time limit of its own: the connection's apply.
	 * A failure here leaves '_session' null, and the first call fails.
	 */
	if (gnutls_init(&_session, GNUTLS_SERVER | GNUTLS_NONBLOCK | GNUTLS_NO_TICKETS) < 0) {
		_session = nullptr;
		return;
	}
	bool const ok =
		gnutls_priority_set(_session, with_certificate ? context._x509_priority
		                                               : context._anonymous_priority) >= 0
		&& (with_certificate
		    ? gnutls_credentials_set(_session, GNUTLS_CRD_CERTIFICATE, context._certificate)
		    : gnutls_credentials_set(_session, GNUTLS_CRD_ANON, context._anonymous)) >= 0;
	if (!ok) {
		gnutls_deinit(_session);
		_session = nullptr;
		return;
	}
	gnutls_handshake_set_timeout(_session, 0);
	gnutls_transport_set_ptr(_session, this);
	gnutls_transport_set_pull_function(_session, _pull);
	gnutls_transport_set_push_function(_session, _push);
	gnutls_transport_set_pull_timeout_function(_session, _pull_timeout);
}


Tls_session::~Tls_session() { if (_session) gnutls_deinit(_session); }


std::optional<std::string> Tls_session::_handshake()
{
	int const r = gnutls_handshake(_session);
	if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) return std::nullopt;
	if (r < 0 && !gnutls_error_is_fatal(r)) return std::nullopt;   /* a warning alert: go on */
	if (r < 0) {
		(void)gnutls_alert_send_appropriate(_session, r);   /* the alert that says why */
		return "TLS handshake failed: " + reason(r);
	}

	_established = true;
	std::vector<uint8_t> early;
	early.swap(_early);
	if (!_send(early)) return "TLS failed: cannot send";
	return std::nullopt;
}


std::optional<std::string> Tls_session::received(std::span<uint8_t const> wire, std::vector<uint8_t> &plain,
                                                 std::vector<uint8_t> &reply)
{
	if (!_session) return "TLS failed: no session (out of memory)";

	/* GnuTLS reads all of 'wire' now: what is left of a record it keeps */
	_in  = wire;
	_out = &reply;
	struct Reset { Tls_session &s; ~Reset() { s._in = { }; s._out = nullptr; } } const reset { *this };

	if (!_established) {
		if (auto failed = _handshake()) return failed;
		if (!_established) return std::nullopt;
	}
	for (;;) {
		size_t const at = plain.size(), unread = _in.size();
		plain.resize(at + PIECE);
		ssize_t const got = gnutls_record_recv(_session, plain.data() + at, PIECE);
		plain.resize(at + size_t(got > 0 ? got : 0));
		if (got > 0) continue;
		if (got == 0) return "TLS closed by the viewer";
		if (got == GNUTLS_E_AGAIN || got == GNUTLS_E_INTERRUPTED) {
			if (_in.empty() || _in.size() == unread) break;   /* all read, or nothing more taken */
			continue;
		}
		if (got == GNUTLS_E_REHANDSHAKE) {
			/* a viewer's renegotiation is refused, the session goes on */
			(void)gnutls_alert_send(_session, GNUTLS_AL_WARNING, GNUTLS_A_NO_RENEGOTIATION);
			continue;
		}
		if (!gnutls_error_is_fatal(int(got))) continue;   /* a warning alert, a key update */
		return "TLS failed: " + reason(int(got));
	}
	return std::nullopt;
}


bool Tls_session::_send(std::span<uint8_t const> plain)
{
	while (!plain.empty()) {
		ssize_t const n = gnutls_record_send(_session, plain.data(), std::min<size_t>(plain.size(), PIECE));
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) continue;   /* '_push' never refuses */
		if (n <= 0) return false;   /* only after a fatal error */
		plain = plain.subspan(size_t(n));
	}
	return true;
}


bool Tls_session::send(std::span<uint8_t const> plain, std::vector<uint8_t> &wire)
{
	if (!_session) return false;
	if (!_established) { _early.insert(_early.end(), plain.begin(), plain.end()); return true; }

	_out = &wire;
	bool const ok = _send(plain);
	_out = nullptr;
	return ok;
}


std::string Tls_session::description() const
{
	/*
	 * GnuTLS says "(TLS1.3)-(ECDHE-SECP256R1)-(ECDSA-SECP256R1-SHA256)-(AES-256-GCM)",
	 * the log "TLS1.3 ECDHE-SECP256R1 ECDSA-SECP256R1-SHA256 AES-256-GCM"
	 */
	char *desc = _session ? gnutls_session_get_desc(_session) : nullptr;
	if (!desc) return "TLS";
	std::string s;
	for (char const *c = desc; *c; c++) {
		if (*c == '(' || *c == ')') continue;
		bool const between = *c == '-' && c > desc && c[-1] == ')' && c[1] == '(';
		s += between ? ' ' : *c;
	}
	gnutls_free(desc);
	return s;
}


size_t Tls_session::held() const
{
	return SESSION_BYTES + _early.capacity();
}
