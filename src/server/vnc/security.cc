/*
 * Which security types vnc offers
 */

#include <algorithm>
#include <cctype>

#include "security.h"

using namespace Vnc;

namespace {

	struct Named { char const *name; uint32_t type; };

	constexpr Named TYPES[] = {
		{ "X509Vnc",  VENCRYPT_X509_VNC  },
		{ "X509None", VENCRYPT_X509_NONE },
		{ "TLSVnc",   VENCRYPT_TLS_VNC   },
		{ "TLSNone",  VENCRYPT_TLS_NONE  },
		{ "VncAuth",  SECURITY_VNC_AUTH  },
		{ "None",     SECURITY_NONE      },
	};

	bool same_name(std::string_view a, std::string_view b)
	{
		return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [] (char x, char y) {
			return std::tolower((unsigned char)x) == std::tolower((unsigned char)y); });
	}
}


char const *Vnc::security_name(uint32_t type)
{
	for (Named const &n : TYPES) if (n.type == type) return n.name;
	return "unknown";
}


/*
 * On loopback there is no network path to protect: the plain types, as
 * every viewer and browser speaks them, and the certificate's first where
 * one is configured (whoever configured it wants it used). Serving the
 * network, only TLS, and only with the certificate where there is one:
 * the list of types travels in the clear, and an attacker in the path who
 * could strike the X509 types from it would get the viewer to accept
 * anonymous TLS, which he can intercept.
 */
std::string Vnc::default_security(bool loopback, bool certificate)
{
	if (loopback)    return certificate ? "X509Vnc,X509None,VncAuth,None" : "VncAuth,None";
	if (certificate) return "X509Vnc,X509None";
	return "TLSVnc,TLSNone";
}


Security_result Vnc::security_offer(Security_config const &config)
{
	Security_result result { };
	std::string const list = config.list.empty() ? default_security(config.loopback, config.certificate)
	                                             : std::string(config.list);

	auto left_out = [&] (std::string_view name, char const *why) {
		if (config.list.empty()) return;   /* the default list adapts silently */
		result.left_out += (result.left_out.empty() ? "" : ", ") + std::string(name) + " (" + why + ")";
	};

	size_t at = 0;
	while (at < list.size()) {
		size_t const end = list.find_first_of(", ", at);
		std::string_view const name = std::string_view(list).substr(at, end == std::string::npos ? std::string::npos : end - at);
		at = end == std::string::npos ? list.size() : end + 1;
		if (name.empty()) continue;

		Named const *named = nullptr;
		for (Named const &n : TYPES) if (same_name(n.name, name)) named = &n;
		if (!named) {
			result.error = "unknown security type \"" + std::string(name)
			             + "\" (known: X509Vnc, X509None, TLSVnc, TLSNone, VncAuth, None)";
			return result;
		}
		Security_kind const kind = kind_of(named->type);
		if (kind.x509 && !config.certificate) { left_out(name, "no certificate"); continue; }
		if (kind.password && !config.password) { left_out(name, "no password"); continue; }
		if (!kind.password && config.password) { left_out(name, "a password is set"); continue; }

		if (kind.tls && result.offer.plain.empty()) result.offer.tls_first = true;
		auto &into = kind.tls ? result.offer.vencrypt : result.offer.plain;
		if (!result.offer.offers(into, named->type)) into.push_back(named->type);
	}
	return result;
}
