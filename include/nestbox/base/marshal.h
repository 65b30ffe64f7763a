/*
 * Marshalling of RPC arguments and results
 *
 * 'Marshal<T>' knows how to put a T into a message and get it back. Plain
 * data (integers, enums, trivially copyable structs) is copied bytewise;
 * strings carry a length; capabilities travel as descriptors. A reader that
 * runs past the message or finds a missing descriptor fails, and the RPC
 * layer answers such a message with Error::MALFORMED.
 */
#pragma once

#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <nestbox/base/capability.h>
#include <nestbox/base/message.h>

namespace nestbox {

template <typename T, typename = void> struct Marshal;

template <typename T>
concept Plain_data = std::is_trivially_copyable_v<T> && !std::is_pointer_v<T>
                  && !std::is_member_pointer_v<T> && std::is_standard_layout_v<T>
                  && !Is_result<T>::value && !std::is_same_v<T, std::string_view>;

template <typename T>
struct Marshal<T, std::enable_if_t<Plain_data<T>>>
{
	static void put(Msg_writer &w, T const &v) { w.put_raw(v); }
	static T    get(Msg_reader &r)             { return r.get_raw<T>(); }
};

template <>
struct Marshal<std::string_view>
{
	static void put(Msg_writer &w, std::string_view s)
	{
		w.put_raw(uint32_t(s.size()));
		w.put_bytes(s.data(), s.size());
	}
	static std::string_view get(Msg_reader &r) { return r.get_view(r.get_raw<uint32_t>()); }
};

template <>
struct Marshal<std::string>
{
	static void put(Msg_writer &w, std::string const &s) { Marshal<std::string_view>::put(w, s); }
	static std::string get(Msg_reader &r) { return std::string(Marshal<std::string_view>::get(r)); }
};

template <typename T>
struct Marshal<std::vector<T>>
{
	static void put(Msg_writer &w, std::vector<T> const &v)
	{
		w.put_raw(uint32_t(v.size()));
		for (auto const &e : v) Marshal<T>::put(w, e);
	}
	static std::vector<T> get(Msg_reader &r)
	{
		uint32_t const n = r.get_raw<uint32_t>();
		std::vector<T> v;
		for (uint32_t i = 0; i < n && !r.failed(); i++) v.push_back(Marshal<T>::get(r));
		return v;
	}
};

/* Descriptors: a presence flag and an index into the message's capabilities */
struct Marshal_fd
{
	static void put(Msg_writer &w, Unique_fd &&fd)
	{
		bool const present = fd.valid();
		w.put_raw(uint8_t(present));
		if (present) w.put_raw(w.put_cap(std::move(fd)));
	}
	static Unique_fd get(Msg_reader &r)
	{
		if (!r.get_raw<uint8_t>()) return { };
		return r.take_cap(r.get_raw<uint8_t>());
	}
};

/*
 * Capabilities are put from an lvalue or rvalue alike and move either way:
 * the sender gives up its channel end when the message is sent.
 */
template <typename T>
requires std::is_base_of_v<Untyped_capability, T>
struct Marshal<T>
{
	static void put(Msg_writer &w, T const &cap) { Marshal_fd::put(w, const_cast<T &>(cap).release_fd()); }
	static T get(Msg_reader &r) { return T(Marshal_fd::get(r)); }
};

template <>
struct Marshal<Signal_context_capability>
{
	static void put(Msg_writer &w, Signal_context_capability const &c)
	{
		Marshal_fd::put(w, const_cast<Signal_context_capability &>(c).release_fd());
	}
	static Signal_context_capability get(Msg_reader &r) { return Signal_context_capability(Marshal_fd::get(r)); }
};

template <>
struct Marshal<Dataspace_capability>
{
	static void put(Msg_writer &w, Dataspace_capability const &c)
	{
		w.put_raw(uint64_t(c.size()));
		w.put_raw(uint8_t(c.writeable()));
		Marshal_fd::put(w, const_cast<Dataspace_capability &>(c).release_fd());
	}
	static Dataspace_capability get(Msg_reader &r)
	{
		uint64_t const size      = r.get_raw<uint64_t>();
		bool     const writeable = r.get_raw<uint8_t>();
		Unique_fd fd = Marshal_fd::get(r);
		return Dataspace_capability(std::move(fd), size_t(size), writeable);
	}
};

template <typename T>
struct Marshal<Result<T>>
{
	static void put(Msg_writer &w, Result<T> const &res)
	{
		w.put_raw(uint8_t(res.ok()));
		if (!res.ok()) { w.put_raw(int32_t(res.error())); return; }
		if constexpr (!std::is_void_v<T>) Marshal<T>::put(w, res.value());
	}
	static Result<T> get(Msg_reader &r)
	{
		if (!r.get_raw<uint8_t>()) {
			int32_t const e = r.get_raw<int32_t>();
			return failure(e >= int(Error::PEER_DEAD) && e <= int(Error::UNAVAILABLE)
			               ? Error(e) : Error::MALFORMED);
		}
		if constexpr (std::is_void_v<T>) return { };
		else return Marshal<T>::get(r);
	}
};

/* Helper for composite types: marshal the listed members in order */
#define NESTBOX_MARSHAL_FIELDS(TYPE, ...)                                      \
	template <> struct nestbox::Marshal<TYPE> {                                \
		static void put(nestbox::Msg_writer &w, TYPE const &v) {               \
			auto const &[__VA_ARGS__] = v;                                     \
			nestbox::marshal_put_all(w, __VA_ARGS__); }                        \
		static TYPE get(nestbox::Msg_reader &r) {                              \
			TYPE v { };                                                        \
			auto &[__VA_ARGS__] = v;                                           \
			nestbox::marshal_get_all(r, __VA_ARGS__);                          \
			return v; }                                                        \
	};

template <typename... T>
void marshal_put_all(Msg_writer &w, T const &... v) { (Marshal<std::decay_t<T>>::put(w, v), ...); }

template <typename... T>
void marshal_get_all(Msg_reader &r, T &... v) { ((v = Marshal<std::decay_t<T>>::get(r)), ...); }

} /* namespace nestbox */
