/*
 * The VNC server's web transport: HTTP requests on the RFB port, the
 * WebSocket handshake and framing, including what a hostile client sends
 */

#include <gtest/gtest.h>
#include "ci_skip.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <assets.h>
#include <base64.h>
#include <sha1.h>
#include <web.h>

using namespace Vnc::Web;

namespace {

	std::span<uint8_t const> bytes(std::string_view s)
	{
		return { (uint8_t const *)s.data(), s.size() };
	}

	std::string text(std::vector<uint8_t> const &v) { return { v.begin(), v.end() }; }

	std::string hex(Sha1::Digest const &d)
	{
		static char const digits[] = "0123456789abcdef";
		std::string s;
		for (uint8_t b : d) { s += digits[b >> 4]; s += digits[b & 15]; }
		return s;
	}

	Http_result request(std::string_view r) { return handle(bytes(r)); }

	std::string status_line(Http_result const &r)
	{
		std::string const s = text(r.response);
		return s.substr(0, s.find("\r\n"));
	}

	std::string const UPGRADE =
		"GET /websockify HTTP/1.1\r\n"
		"Host: 127.0.0.1:5900\r\n"
		"Upgrade: websocket\r\n"
		"Connection: keep-alive, Upgrade\r\n"
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
		"Sec-WebSocket-Version: 13\r\n";

	/* a client frame: masked with 'mask', 'first' the FIN/RSV/opcode byte */
	std::vector<uint8_t> client_frame(uint8_t first, std::string_view payload,
	                                  uint32_t mask = 0x37fa213d)
	{
		std::vector<uint8_t> f { first };
		size_t const n = payload.size();
		if (n < 126) {
			f.push_back(uint8_t(0x80 | n));
		} else if (n <= 0xffff) {
			f.push_back(0x80 | 126);
			f.push_back(uint8_t(n >> 8)); f.push_back(uint8_t(n));
		} else {
			f.push_back(0x80 | 127);
			for (int s = 56; s >= 0; s -= 8) f.push_back(uint8_t(uint64_t(n) >> s));
		}
		uint8_t const m[4] = { uint8_t(mask >> 24), uint8_t(mask >> 16),
		                       uint8_t(mask >> 8),  uint8_t(mask) };
		f.insert(f.end(), m, m + 4);
		for (size_t i = 0; i < n; i++)
			f.push_back(uint8_t(payload[i]) ^ m[i % 4]);
		return f;
	}

	std::vector<uint8_t> concat(std::initializer_list<std::vector<uint8_t>> parts)
	{
		std::vector<uint8_t> all;
		for (auto const &p : parts) all.insert(all.end(), p.begin(), p.end());
		return all;
	}

	struct Decoded
	{
		Websocket::Status    status;
		std::vector<uint8_t> payload, wire_out;
	};

	Decoded decode_all(std::span<uint8_t const> wire)
	{
		Websocket ws;
		Decoded d { };
		d.status = ws.decode(wire, d.payload, d.wire_out);
		return d;
	}

	/* a close frame as the server sends it */
	std::vector<uint8_t> server_close(uint16_t code)
	{
		std::vector<uint8_t> v;
		Websocket::encode_close(code, v);
		return v;
	}
}


/***************
 ** Utilities **
 ***************/

TEST(Vnc_web_sha1, fips_test_vectors)
{
	EXPECT_EQ(hex(Sha1::of(bytes(""))), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
	EXPECT_EQ(hex(Sha1::of(bytes("abc"))), "a9993e364706816aba3e25717850c26c9cd0d89d");
	EXPECT_EQ(hex(Sha1::of(bytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))),
	          "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
	EXPECT_EQ(hex(Sha1::of(bytes("The quick brown fox jumps over the lazy dog"))),
	          "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12");
}


TEST(Vnc_web_sha1, million_a_in_pieces_of_odd_size)
{
	std::string const piece(997, 'a');
	Sha1 sha1;
	size_t left = 1000000;
	while (left) {
		size_t const n = std::min(left, piece.size());
		sha1.update(bytes(std::string_view(piece).substr(0, n)));
		left -= n;
	}
	EXPECT_EQ(hex(sha1.finish()), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}


TEST(Vnc_web_sha1, lengths_around_the_padding_boundary)
{
	/* 55, 56 and 64 bytes need one, two and two final blocks */
	EXPECT_EQ(hex(Sha1::of(bytes(std::string(55, 'a')))), "c1c8bbdc22796e28c0e15163d20899b65621d65a");
	EXPECT_EQ(hex(Sha1::of(bytes(std::string(56, 'a')))), "c2db330f6083854c99d4b5bfb6e8f29f201be699");
	EXPECT_EQ(hex(Sha1::of(bytes(std::string(64, 'a')))), "0098ba824b5c16427bd7a1122a5a442a25ec644d");
}


TEST(Vnc_web_base64, rfc4648_vectors_both_ways)
{
	std::pair<std::string_view, std::string_view> const vectors[] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" } };

	for (auto [plain, encoded] : vectors) {
		EXPECT_EQ(base64_encode(bytes(plain)), encoded);
		auto const decoded = base64_decode(encoded);
		ASSERT_TRUE(decoded.has_value()) << encoded;
		EXPECT_EQ(text(*decoded), plain);
	}
}


TEST(Vnc_web_base64, refuses_what_is_not_canonical)
{
	for (std::string_view bad : { "Zg=", "Zg", "Z===", "Zh==", "Zm9=", "Zm=v", "=Zm9",
	                              "Zm9v\n", "Zm 9v", "Zm9v====", "Zg==Zg==" })
		EXPECT_FALSE(base64_decode(bad).has_value()) << bad;
}


/***********
 ** Guess **
 ***********/

TEST(Vnc_web_guess, http_methods_and_their_prefixes)
{
	EXPECT_EQ(guess(bytes("")),          Guess::NEED_MORE);
	EXPECT_EQ(guess(bytes("G")),         Guess::NEED_MORE);
	EXPECT_EQ(guess(bytes("GE")),        Guess::NEED_MORE);
	EXPECT_EQ(guess(bytes("GET")),       Guess::NEED_MORE);
	EXPECT_EQ(guess(bytes("GET ")),      Guess::HTTP);
	EXPECT_EQ(guess(bytes("GET / HTTP/1.1\r\n")), Guess::HTTP);
	EXPECT_EQ(guess(bytes("POST /")),    Guess::HTTP);
	EXPECT_EQ(guess(bytes("OPTIONS *")), Guess::HTTP);
	EXPECT_EQ(guess(bytes("P")),         Guess::NEED_MORE);
}


TEST(Vnc_web_guess, anything_else_is_not_http)
{
	EXPECT_EQ(guess(bytes("RFB 003.008\n")), Guess::NOT_HTTP);
	EXPECT_EQ(guess(bytes("GETX")),          Guess::NOT_HTTP);
	EXPECT_EQ(guess(bytes("get ")),          Guess::NOT_HTTP);
	EXPECT_EQ(guess(bytes("\x16\x03\x01")),  Guess::NOT_HTTP);   /* TLS */
	uint8_t const zero[1] { 0 };
	EXPECT_EQ(guess(zero), Guess::NOT_HTTP);
}


/**********
 ** HTTP **
 **********/

TEST(Vnc_web_http, page_at_root)
{
	Http_result const r = request("GET / HTTP/1.1\r\nHost: localhost:5900\r\n\r\n");
	ASSERT_EQ(r.kind, Http_result::Kind::RESPOND_AND_CLOSE);
	std::string const s = text(r.response);
	EXPECT_EQ(status_line(r), "HTTP/1.1 200 OK");
	EXPECT_NE(s.find("Content-Type: text/html; charset=utf-8\r\n"), std::string::npos);
	EXPECT_NE(s.find("Cache-Control: no-cache\r\n"), std::string::npos);
	EXPECT_NE(s.find("Connection: close\r\n"), std::string::npos);
	EXPECT_NE(s.find("Content-Security-Policy: "), std::string::npos);
	EXPECT_NE(s.find("<!DOCTYPE html>"), std::string::npos);

	/* the body is what Content-Length says */
	size_t const body = s.find("\r\n\r\n") + 4;
	Asset const *page = asset("/");
	ASSERT_NE(page, nullptr);
	EXPECT_EQ(s.substr(body), page->body);
	EXPECT_NE(s.find("Content-Length: " + std::to_string(page->body.size()) + "\r\n"),
	          std::string::npos);
}


TEST(Vnc_web_http, query_is_ignored_and_head_has_no_body)
{
	Http_result const r = request("HEAD /?scale=0 HTTP/1.0\r\n\r\n");
	std::string const s = text(r.response);
	EXPECT_EQ(status_line(r), "HTTP/1.1 200 OK");
	EXPECT_EQ(s.find("\r\n\r\n") + 4, s.size());
}


TEST(Vnc_web_http, page_script_and_novnc_modules)
{
	Http_result const r = request("GET /page.js HTTP/1.1\r\n\r\n");
	EXPECT_EQ(status_line(r), "HTTP/1.1 200 OK");
	EXPECT_NE(text(r.response).find("Content-Type: text/javascript"), std::string::npos);

	if (!novnc_embedded()) NESTBOX_SKIP_MISSING("noVNC not installed (npm ci)", "");

	Http_result const m = request("GET /novnc/core/rfb.js HTTP/1.1\r\n\r\n");
	EXPECT_EQ(status_line(m), "HTTP/1.1 200 OK");
	EXPECT_NE(text(m.response).find("Content-Type: text/javascript"), std::string::npos);
	EXPECT_NE(asset("/novnc/vendor/pako/lib/zlib/inflate.js"), nullptr);
}


TEST(Vnc_web_http, etag_revalidation)
{
	Asset const *page = asset("/");
	ASSERT_NE(page, nullptr);
	std::string const req = "GET / HTTP/1.1\r\nIf-None-Match: " + std::string(page->etag) + "\r\n\r\n";
	Http_result const r = request(req);
	EXPECT_EQ(status_line(r), "HTTP/1.1 304 Not Modified");

	Http_result const other = request("GET / HTTP/1.1\r\nIf-None-Match: \"stale\"\r\n\r\n");
	EXPECT_EQ(status_line(other), "HTTP/1.1 200 OK");
}


TEST(Vnc_web_http, incomplete_header_needs_more)
{
	std::string_view const full = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	for (size_t n = 0; n < full.size(); n++)
		EXPECT_EQ(handle(bytes(full.substr(0, n))).kind, Http_result::Kind::NEED_MORE) << n;
	EXPECT_EQ(handle(bytes(full)).kind, Http_result::Kind::RESPOND_AND_CLOSE);
	EXPECT_EQ(handle(bytes(full)).consumed, full.size());
}


TEST(Vnc_web_http, unknown_path_is_404)
{
	EXPECT_EQ(status_line(request("GET /etc/passwd HTTP/1.1\r\n\r\n")), "HTTP/1.1 404 Not Found");
	EXPECT_EQ(status_line(request("GET /../page.js HTTP/1.1\r\n\r\n")), "HTTP/1.1 404 Not Found");
	EXPECT_EQ(status_line(request("GET /index.html HTTP/1.1\r\n\r\n")), "HTTP/1.1 404 Not Found");
}


TEST(Vnc_web_http, other_methods_are_405)
{
	for (std::string_view m : { "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "BREW" }) {
		Http_result const r = request(std::string(m) + " / HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
		EXPECT_EQ(status_line(r), "HTTP/1.1 405 Method Not Allowed") << m;
		EXPECT_NE(text(r.response).find("Allow: GET, HEAD\r\n"), std::string::npos);
	}
}


TEST(Vnc_web_http, malformed_requests_are_400)
{
	for (std::string_view bad : {
		"GET\r\n\r\n",
		"GET /\r\n\r\n",
		"GET / HTTP/2.0\r\n\r\n",
		"GET / HTTP/1.1 extra\r\n\r\n",
		"GET  / HTTP/1.1\r\n\r\n",
		"GET relative HTTP/1.1\r\n\r\n",
		"GET / HTTP/1.1\r\nNo colon here\r\n\r\n",
		"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
		"GET / HTTP/1.1\r\n: empty name\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
		"GET / HTTP/1.1\r\nX: bare\nLF\r\n\r\n",
		"GET /\x01 HTTP/1.1\r\n\r\n",
		"G\x80T / HTTP/1.1\r\n\r\n" })
	{
		Http_result const r = request(bad);
		EXPECT_EQ(r.kind, Http_result::Kind::RESPOND_AND_CLOSE) << bad;
		EXPECT_EQ(status_line(r), "HTTP/1.1 400 Bad Request") << bad;
	}
}


TEST(Vnc_web_http, oversized_header_is_400)
{
	std::string req = "GET / HTTP/1.1\r\n";
	while (req.size() < MAX_REQUEST_SIZE)
		req += "X-Filler: " + std::string(100, 'x') + "\r\n";

	Http_result const r = request(req);
	EXPECT_EQ(status_line(r), "HTTP/1.1 400 Bad Request");

	/* even when the end of the header follows */
	EXPECT_EQ(status_line(request(req + "\r\n")), "HTTP/1.1 400 Bad Request");
}


/***********************
 ** WebSocket upgrade **
 ***********************/

TEST(Vnc_web_upgrade, rfc6455_example_key)
{
	Http_result const r = request(UPGRADE + "\r\n");
	ASSERT_EQ(r.kind, Http_result::Kind::UPGRADE_TO_WEBSOCKET);
	EXPECT_EQ(text(r.response),
	          "HTTP/1.1 101 Switching Protocols\r\n"
	          "Upgrade: websocket\r\n"
	          "Connection: Upgrade\r\n"
	          "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"   /* RFC 6455, 1.3 */
	          "\r\n");
	EXPECT_EQ(r.consumed, UPGRADE.size() + 2);
}


TEST(Vnc_web_upgrade, bytes_after_the_header_are_websocket_data)
{
	std::string const req = UPGRADE + "\r\n";
	std::vector<uint8_t> all(req.begin(), req.end());
	auto const frame = client_frame(0x82, "RFB 003.008\n");
	all.insert(all.end(), frame.begin(), frame.end());

	Http_result const r = handle(all);
	ASSERT_EQ(r.kind, Http_result::Kind::UPGRADE_TO_WEBSOCKET);
	ASSERT_EQ(r.consumed, req.size());

	Decoded const d = decode_all(std::span(all).subspan(r.consumed));
	EXPECT_EQ(d.status, Websocket::Status::OK);
	EXPECT_EQ(text(d.payload), "RFB 003.008\n");
}


TEST(Vnc_web_upgrade, binary_protocol_is_echoed)
{
	Http_result const r = request(UPGRADE + "Sec-WebSocket-Protocol: base64, binary\r\n\r\n");
	ASSERT_EQ(r.kind, Http_result::Kind::UPGRADE_TO_WEBSOCKET);
	EXPECT_NE(text(r.response).find("Sec-WebSocket-Protocol: binary\r\n"), std::string::npos);

	Http_result const none = request(UPGRADE + "Sec-WebSocket-Protocol: base64\r\n\r\n");
	ASSERT_EQ(none.kind, Http_result::Kind::UPGRADE_TO_WEBSOCKET);
	EXPECT_EQ(text(none.response).find("Sec-WebSocket-Protocol"), std::string::npos);
}


TEST(Vnc_web_upgrade, header_names_and_tokens_are_case_insensitive)
{
	Http_result const r = request(
		"GET / HTTP/1.1\r\n"
		"host: h\r\nUPGRADE: WebSocket\r\nconnection: upgrade\r\n"
		"sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n\r\n");
	EXPECT_EQ(r.kind, Http_result::Kind::UPGRADE_TO_WEBSOCKET);
}


TEST(Vnc_web_upgrade, same_origin_only)
{
	Http_result const same = request(UPGRADE + "Origin: http://127.0.0.1:5900\r\n\r\n");
	EXPECT_EQ(same.kind, Http_result::Kind::UPGRADE_TO_WEBSOCKET);

	for (std::string_view origin : { "http://evil.example", "http://127.0.0.1:5901",
	                                 "null", "file://", "http://127.0.0.1:5900.evil" }) {
		Http_result const r = request(UPGRADE + "Origin: " + std::string(origin) + "\r\n\r\n");
		EXPECT_EQ(status_line(r), "HTTP/1.1 403 Forbidden") << origin;
	}
}


TEST(Vnc_web_upgrade, bad_handshakes)
{
	std::string const base =
		"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n";

	/* wrong or missing version: 426 naming ours */
	Http_result const v8 = request(base + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	                                      "Sec-WebSocket-Version: 8\r\n\r\n");
	EXPECT_EQ(status_line(v8), "HTTP/1.1 426 Upgrade Required");
	EXPECT_NE(text(v8.response).find("Sec-WebSocket-Version: 13\r\n"), std::string::npos);

	/* keys that are not 16 bytes of base64 */
	for (std::string_view key : { "", "short", "dGhlIHNhbXBsZSBub25jZQ", "dGhlIHNhbXBsZSBub25jZQo=",
	                              "dGhlIHNhbXBsZSBub25jZSE=" }) {
		Http_result const r = request(base + "Sec-WebSocket-Key: " + std::string(key) +
		                              "\r\nSec-WebSocket-Version: 13\r\n\r\n");
		EXPECT_EQ(status_line(r), "HTTP/1.1 400 Bad Request") << key;
	}
	Http_result const no_key = request(base + "Sec-WebSocket-Version: 13\r\n\r\n");
	EXPECT_EQ(status_line(no_key), "HTTP/1.1 400 Bad Request");

	Http_result const post = request("POST / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	                                  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	                                  "Sec-WebSocket-Version: 13\r\n\r\n");
	EXPECT_EQ(status_line(post), "HTTP/1.1 405 Method Not Allowed");
}


/*******************
 ** Framing: ours **
 *******************/

TEST(Vnc_web_websocket, encode_uses_the_shortest_length)
{
	for (size_t n : { 0ul, 1ul, 125ul, 126ul, 0xfffful, 0x10000ul }) {
		std::vector<uint8_t> const payload(n, 0xab);
		std::vector<uint8_t> out { 0xee };   /* appends, keeps what is there */
		Websocket::encode(payload, out);

		size_t const header = n < 126 ? 2 : n <= 0xffff ? 4 : 10;
		ASSERT_EQ(out.size(), 1 + header + n) << n;
		EXPECT_EQ(out[0], 0xee);
		EXPECT_EQ(out[1], 0x82);                /* FIN, binary */
		EXPECT_EQ(out[2] & 0x80, 0);            /* servers do not mask */
		if (n >= 126 && n <= 0xffff) {
			EXPECT_EQ(out[2], 126);
			EXPECT_EQ(size_t(out[3]) << 8 | out[4], n);
		}
		if (n > 0xffff) {
			EXPECT_EQ(out[2], 127);
			uint64_t len = 0;
			for (int i = 0; i < 8; i++) len = len << 8 | out[3 + i];
			EXPECT_EQ(len, n);
		}
	}
}


/***********************************
 ** Framing: what clients send us **
 ***********************************/

TEST(Vnc_web_websocket, one_binary_frame)
{
	Decoded const d = decode_all(client_frame(0x82, "hello"));
	EXPECT_EQ(d.status, Websocket::Status::OK);
	EXPECT_EQ(text(d.payload), "hello");
	EXPECT_TRUE(d.wire_out.empty());
}


TEST(Vnc_web_websocket, frames_split_at_every_byte)
{
	std::string const big(70000, 'z');   /* a 64-bit length */
	std::string const mid(300, 'm');     /* a 16-bit length */
	auto const wire = concat({ client_frame(0x02, "frag"), client_frame(0x89, "ping!"),
	                           client_frame(0x80, "ment"), client_frame(0x82, mid),
	                           client_frame(0x82, big),    client_frame(0x82, "") ,
	                           client_frame(0x82, "end") });
	std::string const expected = "fragment" + mid + big + "end";

	/* every split point of the first few hundred bytes, then coarser ones */
	for (size_t split = 0; split <= wire.size(); split += (split < 400 ? 1 : 997)) {
		Websocket ws;
		std::vector<uint8_t> payload, out;
		EXPECT_EQ(ws.decode(std::span(wire).first(split), payload, out), Websocket::Status::OK);
		EXPECT_EQ(ws.decode(std::span(wire).subspan(split), payload, out), Websocket::Status::OK);
		ASSERT_EQ(text(payload), expected) << "split at " << split;

		std::vector<uint8_t> pong;
		Websocket::encode(bytes("ping!"), pong);
		pong[0] = 0x8a;
		ASSERT_EQ(out, pong) << "split at " << split;
	}
}


TEST(Vnc_web_websocket, byte_by_byte)
{
	auto const wire = concat({ client_frame(0x82, std::string(200, 'q')), client_frame(0x82, "x") });
	Websocket ws;
	std::vector<uint8_t> payload, out;
	for (uint8_t b : wire)
		ASSERT_EQ(ws.decode({ &b, 1 }, payload, out), Websocket::Status::OK);
	EXPECT_EQ(text(payload), std::string(200, 'q') + "x");
}


TEST(Vnc_web_websocket, fragmented_message_with_interleaved_pong)
{
	auto const wire = concat({ client_frame(0x02, "a"), client_frame(0x00, "b"),
	                           client_frame(0x8a, "hb"), client_frame(0x80, "c") });
	Decoded const d = decode_all(wire);
	EXPECT_EQ(d.status, Websocket::Status::OK);
	EXPECT_EQ(text(d.payload), "abc");
	EXPECT_TRUE(d.wire_out.empty());   /* pongs are not answered */
}


TEST(Vnc_web_websocket, ping_is_answered_with_its_payload)
{
	Decoded const d = decode_all(client_frame(0x89, "abc"));
	EXPECT_EQ(d.status, Websocket::Status::OK);
	EXPECT_EQ(d.wire_out, (std::vector<uint8_t> { 0x8a, 3, 'a', 'b', 'c' }));
}


TEST(Vnc_web_websocket, close_is_echoed_and_ends_decoding)
{
	auto const wire = concat({ client_frame(0x88, std::string("\x03\xe8" "bye", 5)),
	                           client_frame(0x82, "late") });
	Websocket ws;
	std::vector<uint8_t> payload, out;
	EXPECT_EQ(ws.decode(wire, payload, out), Websocket::Status::CLOSED);
	EXPECT_EQ(out, (std::vector<uint8_t> { 0x88, 2, 0x03, 0xe8 }));
	EXPECT_TRUE(payload.empty());

	out.clear();
	EXPECT_EQ(ws.decode(client_frame(0x82, "more"), payload, out), Websocket::Status::CLOSED);
	EXPECT_TRUE(out.empty());
	EXPECT_TRUE(payload.empty());
}


TEST(Vnc_web_websocket, empty_close)
{
	Decoded const d = decode_all(client_frame(0x88, ""));
	EXPECT_EQ(d.status, Websocket::Status::CLOSED);
	EXPECT_EQ(d.wire_out, (std::vector<uint8_t> { 0x88, 0 }));
}


TEST(Vnc_web_websocket, mask_varies_per_frame)
{
	auto const wire = concat({ client_frame(0x82, "abcdefg", 0x01020304),
	                           client_frame(0x82, "hij", 0xffffffff),
	                           client_frame(0x82, "k", 0) });
	EXPECT_EQ(text(decode_all(wire).payload), "abcdefghijk");
}


/*************
 ** Hostile **
 *************/

namespace {

	void expect_protocol_error(std::vector<uint8_t> const &wire, uint16_t code,
	                           std::string_view what)
	{
		Decoded const d = decode_all(wire);
		EXPECT_EQ(d.status, Websocket::Status::PROTOCOL_ERROR) << what;
		EXPECT_EQ(d.wire_out, server_close(code)) << what;
	}
}


TEST(Vnc_web_websocket_hostile, unmasked_frame)
{
	expect_protocol_error({ 0x82, 0x03, 'a', 'b', 'c' }, 1002, "unmasked");
}


TEST(Vnc_web_websocket_hostile, reserved_bits_and_opcodes)
{
	for (uint8_t first : { 0xc2, 0xa2, 0x92, 0x83, 0x87, 0x8b, 0x8f })
		expect_protocol_error(client_frame(first, "x"), 1002, std::to_string(first));
}


TEST(Vnc_web_websocket_hostile, text_frames_are_unsupported)
{
	expect_protocol_error(client_frame(0x81, "UkZC"), 1003, "text");
}


TEST(Vnc_web_websocket_hostile, control_frames_fragmented_or_oversized)
{
	expect_protocol_error(client_frame(0x09, "x"), 1002, "fragmented ping");
	expect_protocol_error(client_frame(0x89, std::string(126, 'p')), 1002, "126-byte ping");
	expect_protocol_error(client_frame(0x88, "\x03"), 1002, "1-byte close");
}


TEST(Vnc_web_websocket_hostile, broken_fragment_sequences)
{
	expect_protocol_error(client_frame(0x80, "lone continuation"), 1002, "continuation");
	expect_protocol_error(concat({ client_frame(0x02, "a"), client_frame(0x82, "b") }),
	                      1002, "new message inside a fragmented one");
}


TEST(Vnc_web_websocket_hostile, huge_lengths)
{
	/* 2^63 and just over the limit: refused from the header alone */
	std::vector<uint8_t> const huge { 0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4 };
	expect_protocol_error(huge, 1009, "2^63");

	uint64_t const over = Websocket::MAX_PAYLOAD + 1;
	std::vector<uint8_t> f { 0x82, 0xff };
	for (int s = 56; s >= 0; s -= 8) f.push_back(uint8_t(over >> s));
	f.insert(f.end(), { 1, 2, 3, 4 });
	expect_protocol_error(f, 1009, "16 MiB + 1");

	/* exactly the limit is accepted, and its payload passed on as it arrives */
	std::vector<uint8_t> ok { 0x82, 0xff };
	for (int s = 56; s >= 0; s -= 8) ok.push_back(uint8_t(Websocket::MAX_PAYLOAD >> s));
	ok.insert(ok.end(), { 1, 2, 3, 4 });
	Decoded const d = decode_all(ok);
	EXPECT_EQ(d.status, Websocket::Status::OK);
	EXPECT_TRUE(d.payload.empty());
}


TEST(Vnc_web_websocket_hostile, error_is_sticky)
{
	Websocket ws;
	std::vector<uint8_t> payload, out;
	std::vector<uint8_t> const unmasked { 0x82, 0x01, 'x' };
	EXPECT_EQ(ws.decode(unmasked, payload, out), Websocket::Status::PROTOCOL_ERROR);
	out.clear();
	EXPECT_EQ(ws.decode(client_frame(0x82, "y"), payload, out), Websocket::Status::PROTOCOL_ERROR);
	EXPECT_TRUE(out.empty());
	EXPECT_TRUE(payload.empty());
}
