/*
 * Errors as values: a small std::expected-like type for C++20.
 *
 * Every fallible operation of nestbox returns a Result. One error enum serves
 * the whole system so that transport errors (a dead peer) and session errors
 * (out of RAM) travel the same way from a server to its client.
 */
#pragma once

#include <cassert>
#include <string_view>
#include <utility>
#include <variant>

namespace nestbox {

enum class Error : int {
	PEER_DEAD = 1,       /* the other end of a channel is gone */
	MALFORMED,           /* a message that does not decode */
	INVALID_OPCODE,      /* no such function in the interface */
	INVALID_ARGS,        /* arguments out of range or inconsistent */
	INVALID_CAP,         /* a capability argument that is not what was expected */
	DENIED,              /* no route or no policy permits the request */
	OUT_OF_RAM,
	OUT_OF_CAPS,
	NOT_FOUND,
	IO_ERROR,
	TIMEOUT,
	UNAVAILABLE,         /* a resource or service that is not (yet) there */
};

inline std::string_view error_name(Error e)
{
	switch (e) {
	case Error::PEER_DEAD:      return "peer dead";
	case Error::MALFORMED:      return "malformed message";
	case Error::INVALID_OPCODE: return "invalid opcode";
	case Error::INVALID_ARGS:   return "invalid arguments";
	case Error::INVALID_CAP:    return "invalid capability";
	case Error::DENIED:         return "denied";
	case Error::OUT_OF_RAM:     return "out of RAM";
	case Error::OUT_OF_CAPS:    return "out of caps";
	case Error::NOT_FOUND:      return "not found";
	case Error::IO_ERROR:       return "I/O error";
	case Error::TIMEOUT:        return "timeout";
	case Error::UNAVAILABLE:    return "unavailable";
	}
	return "unknown error";
}

/* Tag that makes the error constructor explicit at call sites */
struct Failure { Error error; };
inline Failure failure(Error e) { return Failure { e }; }

template <typename T>
class [[nodiscard]] Result
{
	private:

		std::variant<T, Error> _v;

	public:

		using Value = T;

		Result(T &&v) : _v(std::in_place_index<0>, std::move(v)) { }
		Result(T const &v) : _v(std::in_place_index<0>, v) { }
		template <typename U>
		requires (std::is_constructible_v<T, U &&> && !std::is_same_v<std::decay_t<U>, Result>
		          && !std::is_same_v<std::decay_t<U>, Failure>)
		Result(U &&v) : _v(std::in_place_index<0>, T(std::forward<U>(v))) { }
		Result(Failure f) : _v(std::in_place_index<1>, f.error) { }

		bool ok()     const { return _v.index() == 0; }
		explicit operator bool() const { return ok(); }

		T       &value()       { assert(ok()); return std::get<0>(_v); }
		T const &value() const { assert(ok()); return std::get<0>(_v); }
		T       &operator * ()       { return value(); }
		T const &operator * () const { return value(); }
		T       *operator -> ()       { return &value(); }
		T const *operator -> () const { return &value(); }

		Error error() const { assert(!ok()); return std::get<1>(_v); }
};

template <>
class [[nodiscard]] Result<void>
{
	private:

		bool  _ok    = true;
		Error _error = Error::PEER_DEAD;

	public:

		using Value = void;

		Result() { }
		Result(Failure f) : _ok(false), _error(f.error) { }

		bool ok() const { return _ok; }
		explicit operator bool() const { return _ok; }
		Error error() const { assert(!_ok); return _error; }
};

template <typename> struct Is_result : std::false_type { };
template <typename T> struct Is_result<Result<T>> : std::true_type { };

} /* namespace nestbox */
