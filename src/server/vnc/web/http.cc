/*
 * HTTP/1.x requests on the RFB port: our page, noVNC, WebSocket upgrade
 *
 * The server answers one request per connection and closes it, which keeps
 * this a pure function of the bytes received: no keep-alive state, no
 * request bodies (GET and HEAD only), no chunked encoding.
 */

#include "web.h"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>

#include "assets.h"
#include "base64.h"
#include "sha1.h"

using namespace Vnc::Web;

namespace {

	constexpr std::string_view METHODS[] = {
		"GET ", "HEAD ", "POST ", "PUT ", "DELETE ", "OPTIONS ", "PATCH ", "CONNECT ", "TRACE " };

	/* RFC 6455, 1.3: appended to the client's key before hashing */
	constexpr std::string_view WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

	char lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }

	bool equal_nocase(std::string_view a, std::string_view b)
	{
		return a.size() == b.size()
		    && std::equal(a.begin(), a.end(), b.begin(),
		                  [] (char x, char y) { return lower(x) == lower(y); });
	}

	std::string_view trim(std::string_view s)
	{
		while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
		while (!s.empty() && (s.back()  == ' ' || s.back()  == '\t')) s.remove_suffix(1);
		return s;
	}

	/* whether the comma-separated list 'value' holds 'token' (case-insensitive) */
	bool has_token(std::string_view value, std::string_view token)
	{
		while (!value.empty()) {
			size_t const comma = value.find(',');
			if (equal_nocase(trim(value.substr(0, comma)), token)) return true;
			if (comma == std::string_view::npos) break;
			value.remove_prefix(comma + 1);
		}
		return false;
	}

	/* RFC 9110 token characters, for method and header names */
	bool is_tchar(char c)
	{
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
		    || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
	}

	bool is_token(std::string_view s)
	{
		return !s.empty() && std::all_of(s.begin(), s.end(), is_tchar);
	}

	/* the header fields the server looks at; a repeated one is refused */
	struct Request
	{
		std::string_view method, target, path;

		std::optional<std::string_view> host, origin, upgrade, connection,
		                                ws_key, ws_version, ws_protocol, if_none_match;
	};

	/* false if the request is malformed */
	bool parse(std::string_view header, Request &request)
	{
		size_t const eol = header.find("\r\n");
		std::string_view line = header.substr(0, eol);
		header.remove_prefix(eol + 2);

		/* request line: method SP request-target SP HTTP-version */
		size_t const sp1 = line.find(' ');
		size_t const sp2 = line.find(' ', sp1 + 1);
		if (sp1 == std::string_view::npos || sp2 == std::string_view::npos) return false;
		request.method = line.substr(0, sp1);
		request.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
		std::string_view const version = line.substr(sp2 + 1);
		if (!is_token(request.method)) return false;
		if (version != "HTTP/1.1" && version != "HTTP/1.0") return false;
		if (request.target.empty() || request.target.front() != '/') return false;
		for (char c : request.target)
			if (c <= ' ' || c == 0x7f) return false;
		request.path = request.target.substr(0, request.target.find_first_of("?#"));

		while (!header.empty()) {
			size_t const end = header.find("\r\n");
			line = header.substr(0, end);
			header.remove_prefix(end + 2);

			/* no obsolete line folding, no whitespace before the colon (RFC 9112, 5) */
			size_t const colon = line.find(':');
			if (colon == std::string_view::npos) return false;
			std::string_view const name  = line.substr(0, colon);
			std::string_view const value = trim(line.substr(colon + 1));
			if (!is_token(name)) return false;
			for (char c : value)
				if ((c < ' ' && c != '\t') || c == 0x7f) return false;

			auto field = [&] () -> std::optional<std::string_view> * {
				if (equal_nocase(name, "Host"))                   return &request.host;
				if (equal_nocase(name, "Origin"))                 return &request.origin;
				if (equal_nocase(name, "Upgrade"))                return &request.upgrade;
				if (equal_nocase(name, "Connection"))             return &request.connection;
				if (equal_nocase(name, "Sec-WebSocket-Key"))      return &request.ws_key;
				if (equal_nocase(name, "Sec-WebSocket-Version"))  return &request.ws_version;
				if (equal_nocase(name, "Sec-WebSocket-Protocol")) return &request.ws_protocol;
				if (equal_nocase(name, "If-None-Match"))          return &request.if_none_match;
				return nullptr;
			} ();
			if (!field) continue;

			/*
			 * A list-valued header may be split over several lines, which
			 * the protocol list of a browser is in practice never; refusing
			 * repeats keeps one view per field and closes the door on
			 * smuggling two different Host or key values.
			 */
			if (field->has_value()) return false;
			*field = value;
		}
		return true;
	}

	std::vector<uint8_t> bytes_of(std::string const &s) { return { s.begin(), s.end() }; }

	Http_result respond(std::string_view status, std::string_view extra_headers,
	                    std::string_view content_type, std::string_view body,
	                    bool head, size_t consumed)
	{
		std::string r;
		r.reserve(256 + body.size());
		r += "HTTP/1.1 ";   r += status;   r += "\r\n";
		r += "Content-Type: ";   r += content_type;   r += "\r\n";
		r += "Content-Length: " + std::to_string(body.size()) + "\r\n";
		r += "X-Content-Type-Options: nosniff\r\n";
		r += "Connection: close\r\n";
		r += extra_headers;
		r += "\r\n";
		if (!head) r += body;
		return { Http_result::Kind::RESPOND_AND_CLOSE, bytes_of(r), consumed };
	}

	Http_result error(std::string_view status, size_t consumed,
	                  std::string_view extra_headers = "")
	{
		std::string const body = std::string(status) + "\n";
		return respond(status, extra_headers, "text/plain; charset=utf-8", body, false, consumed);
	}

	/*
	 * Browsers send the Origin of the page that opens a WebSocket, and the
	 * same-origin policy does not apply to WebSockets. Without this check
	 * any web site the user visits could script a connection to the
	 * desktop on localhost. Clients that are not browsers send no Origin.
	 */
	bool origin_allowed(Request const &request)
	{
		if (!request.origin) return true;
		if (!request.host)   return false;
		std::string_view o = *request.origin;
		if      (o.starts_with("http://"))  o.remove_prefix(7);
		else if (o.starts_with("https://")) o.remove_prefix(8);
		else return false;
		return equal_nocase(o, *request.host);
	}

	Http_result upgrade(Request const &request, size_t consumed)
	{
		if (request.method != "GET")
			return error("405 Method Not Allowed", consumed, "Allow: GET, HEAD\r\n");

		/* RFC 6455, 4.4: name the version we speak */
		if (!request.ws_version || trim(*request.ws_version) != "13")
			return error("426 Upgrade Required", consumed, "Sec-WebSocket-Version: 13\r\n");

		if (!origin_allowed(request))
			return error("403 Forbidden", consumed);

		/* the key is a base64-encoded 16-byte nonce (RFC 6455, 4.1) */
		auto const nonce = request.ws_key ? base64_decode(*request.ws_key) : std::nullopt;
		if (!nonce || nonce->size() != 16)
			return error("400 Bad Request", consumed);

		std::string const keyed = std::string(*request.ws_key) + std::string(WEBSOCKET_GUID);
		Sha1::Digest const digest = Sha1::of({ (uint8_t const *)keyed.data(), keyed.size() });

		std::string r = "HTTP/1.1 101 Switching Protocols\r\n"
		                "Upgrade: websocket\r\n"
		                "Connection: Upgrade\r\n"
		                "Sec-WebSocket-Accept: " + base64_encode(digest) + "\r\n";

		/*
		 * websockify's "binary" subprotocol is what we speak; a client that
		 * offers only others (like the old "base64") gets none selected and
		 * fails the connection itself, as RFC 6455 prescribes.
		 */
		if (request.ws_protocol && has_token(*request.ws_protocol, "binary"))
			r += "Sec-WebSocket-Protocol: binary\r\n";
		r += "\r\n";

		return { Http_result::Kind::UPGRADE_TO_WEBSOCKET, bytes_of(r), consumed };
	}
}


Vnc::Web::Asset const *Vnc::Web::asset(std::string_view path)
{
	for (Asset const &a : assets())
		if (a.path == path) return &a;
	return nullptr;
}


Guess Vnc::Web::guess(std::span<uint8_t const> first)
{
	std::string_view const s { (char const *)first.data(), first.size() };

	bool prefix = false;
	for (std::string_view m : METHODS) {
		if (s.starts_with(m)) return Guess::HTTP;
		if (m.starts_with(s)) prefix = true;
	}
	return prefix ? Guess::NEED_MORE : Guess::NOT_HTTP;
}


Http_result Vnc::Web::handle(std::span<uint8_t const> buffered)
{
	std::string_view const all { (char const *)buffered.data(), buffered.size() };

	size_t const end = all.substr(0, MAX_REQUEST_SIZE).find("\r\n\r\n");
	if (end == std::string_view::npos) {
		if (all.size() >= MAX_REQUEST_SIZE)
			return error("400 Bad Request", all.size());
		return { Http_result::Kind::NEED_MORE, { }, 0 };
	}
	size_t const consumed = end + 4;

	Request request { };
	if (!parse(all.substr(0, end + 2), request))
		return error("400 Bad Request", consumed);

	bool const websocket = request.upgrade && has_token(*request.upgrade, "websocket")
	                    && request.connection && has_token(*request.connection, "upgrade");
	if (websocket)
		return upgrade(request, consumed);

	bool const head = (request.method == "HEAD");
	if (request.method != "GET" && !head)
		return error("405 Method Not Allowed", consumed, "Allow: GET, HEAD\r\n");

	Asset const *file = asset(request.path);
	if (!file)
		return error("404 Not Found", consumed);

	/*
	 * The files change with the binary only, so the browser may keep them
	 * but must ask whether they are still current: a rebuilt server must
	 * never run with the modules of an older noVNC.
	 */
	std::string const cache = "Cache-Control: no-cache\r\nETag: " + std::string(file->etag) + "\r\n";

	if (request.if_none_match && has_token(*request.if_none_match, file->etag)) {
		std::string r = "HTTP/1.1 304 Not Modified\r\n" + cache + "Connection: close\r\n\r\n";
		return { Http_result::Kind::RESPOND_AND_CLOSE, bytes_of(r), consumed };
	}

	/* the page loads nothing from elsewhere, and no other site may frame it */
	std::string const policy = (file->path == "/")
		? "Content-Security-Policy: default-src 'self'; connect-src 'self' ws: wss:; "
		  "img-src 'self' data: blob:; "
		  "frame-ancestors 'none'\r\n"
		: "";

	return respond("200 OK", cache + policy, file->content_type, file->body, head, consumed);
}
