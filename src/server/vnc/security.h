/*
 * Which security types vnc offers (config "security", README "Security")
 *
 * The types and their names are TigerVNC's (its SecurityTypes parameter):
 * None and VncAuth in the clear, and VeNCrypt's (RFB type 19) TLSNone and
 * TLSVnc over anonymous TLS, X509None and X509Vnc over TLS with the
 * server's certificate. What is offered is the configured list less what
 * the config cannot back: the X509 types need a certificate, the *Vnc
 * types a password, and the *None types are never offered while there is
 * one (they would let a viewer past it).
 */
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace Vnc {

	enum Security_type : uint32_t {
		SECURITY_NONE     = 1,
		SECURITY_VNC_AUTH = 2,
		SECURITY_VENCRYPT = 19,

		/* VeNCrypt's subtypes */
		VENCRYPT_TLS_NONE  = 257,
		VENCRYPT_TLS_VNC   = 258,
		VENCRYPT_X509_NONE = 260,
		VENCRYPT_X509_VNC  = 261,
	};

	/* What one type means once the viewer chose it */
	struct Security_kind
	{
		bool tls;        /* over TLS (VeNCrypt) */
		bool x509;       /* the TLS with the certificate */
		bool password;   /* VNC authentication follows */
	};

	inline Security_kind kind_of(uint32_t type)
	{
		switch (type) {
		case VENCRYPT_TLS_NONE:  return { true,  false, false };
		case VENCRYPT_TLS_VNC:   return { true,  false, true  };
		case VENCRYPT_X509_NONE: return { true,  true,  false };
		case VENCRYPT_X509_VNC:  return { true,  true,  true  };
		case SECURITY_VNC_AUTH:  return { false, false, true  };
		default:                 return { false, false, false };
		}
	}

	struct Security_offer
	{
		std::vector<uint32_t> plain    { };   /* SECURITY_NONE, SECURITY_VNC_AUTH, in order of preference */
		std::vector<uint32_t> vencrypt { };   /* VeNCrypt subtypes, in order of preference */

		bool empty() const { return plain.empty() && vencrypt.empty(); }

		bool tls_first = false;   /* VeNCrypt preferred to the plain types */

		/* The types of RFB's security handshake, in the order of preference */
		std::vector<uint8_t> rfb_types() const
		{
			std::vector<uint8_t> types;
			if (!vencrypt.empty() && tls_first) types.push_back(SECURITY_VENCRYPT);
			for (uint32_t t : plain) types.push_back(uint8_t(t));
			if (!vencrypt.empty() && !tls_first) types.push_back(SECURITY_VENCRYPT);
			return types;
		}

		bool offers(std::vector<uint32_t> const &list, uint32_t t) const
		{
			for (uint32_t o : list) if (o == t) return true;
			return false;
		}
	};

	struct Security_config
	{
		std::string_view list;         /* the "security" attribute; empty: the default */
		bool             loopback;     /* served on a loopback address only */
		bool             certificate;  /* an X.509 certificate and key are there */
		bool             password;     /* "password" or "view_password" is set */
	};

	/* The default list (README): see security.cc */
	std::string default_security(bool loopback, bool certificate);

	struct Security_result
	{
		Security_offer offer;
		std::string    error;      /* an unknown name in the list */
		std::string    left_out;   /* names in the list the config cannot back, and why */
	};

	Security_result security_offer(Security_config const &);

	/* The name of a type or subtype, as in the config */
	char const *security_name(uint32_t type);
}
