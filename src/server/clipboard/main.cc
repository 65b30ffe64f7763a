/*
 * clipboard: copy and paste between components, as far as a policy allows
 *
 * One clipboard for all clients. A component copies by reporting through a
 * Report session and pastes by reading a ROM session, whatever their
 * labels name. Who may write and who may read what is the config's: each
 * client belongs to the domain of the <policy> its label selects, and a
 * reader sees the clipboard only if it was written from its own domain or
 * a <flow from to> allows the way from the writer's domain to its own
 * (Genode's clipboard server works the same way; its focus rule is not
 * here, see README.md). A reader that may not see the content sees an
 * empty ROM and is not even signalled that something changed.
 */

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <pugixml.hpp>

#include <nestbox/base/dataspace.h>
#include <nestbox/base/signal.h>
#include <nestbox/component.h>
#include <nestbox/config_document.h>
#include <nestbox/log.h>
#include <nestbox/manifest.h>
#include <nestbox/root_component.h>
#include <nestbox/session/report.h>
#include <nestbox/session/rom.h>
#include <nestbox/util/arg_string.h>
#include <nestbox/util/policy.h>

NESTBOX_MANIFEST(R"(
	<manifest>
		<requires/>
		<provides> <service name="Report"/> <service name="ROM"/> </provides>
	</manifest>)");

namespace Clipboard {

	using namespace nestbox;

	struct Policy;
	struct Reader;
	class  Content;
	class  Report_session;
	class  Report_root;
	class  Rom_session;
	class  Rom_root;
	struct Main;
}


/* Domains and flows, from the config */
struct Clipboard::Policy
{
	virtual ~Policy() = default;

	/* The domain of a client label, empty if it has none */
	virtual std::string domain(std::string_view label) = 0;

	/* Whether what 'from' wrote may be read by 'to' */
	virtual bool flow(std::string const &from, std::string const &to) = 0;

	bool readable(std::string const &from, std::string_view reader_label)
	{
		std::string const to = domain(reader_label);
		return !from.empty() && !to.empty() && (from == to || flow(from, to));
	}
};


struct Clipboard::Reader
{
	virtual ~Reader() = default;

	/* The content or the policy changed: what this reader may see may have */
	virtual void changed() = 0;
};


/* The clipboard's one content, the domain it came from, and its readers */
class Clipboard::Content
{
	private:

		Pd::Client &_pd;

		std::string _text { };
		std::string _from { };     /* the writer's domain */
		uint64_t    _version = 0;  /* counts changes; 0: never written */

		std::vector<Reader *> _readers { };

		/* a sealed copy of the current version, shared by the readers that may see it */
		Dataspace_capability _snapshot { };
		uint64_t             _snapshot_version = 0;

		void _free_snapshot()
		{
			if (_snapshot.valid()) (void)_pd.free(std::move(_snapshot));
			_snapshot = Dataspace_capability();
		}

	public:

		explicit Content(Pd::Client &pd) : _pd(pd) { }

		~Content() { _free_snapshot(); }

		Content(Content const &) = delete;

		std::string const &from()    const { return _from; }
		uint64_t           version() const { return _version; }
		bool               empty()   const { return _text.empty(); }

		void add_reader(Reader &r) { _readers.push_back(&r); }
		void remove_reader(Reader &r) { std::erase(_readers, &r); }

		void notify() { for (Reader *r : _readers) r->changed(); }

		void write(std::string_view text, std::string const &from)
		{
			_text.assign(text);
			_from = from;
			_version++;
			_free_snapshot();
			notify();
		}

		/* A read-only copy with a terminating NUL, made on the first request after a change */
		Result<Dataspace_capability> dataspace()
		{
			if (_text.empty()) return failure(Error::UNAVAILABLE);
			if (_snapshot.valid() && _snapshot_version == _version) return _snapshot.copy();

			_free_snapshot();
			auto ds = _pd.alloc(_text.size() + 1);
			if (!ds) return failure(ds.error());
			{
				Attached_dataspace local(ds->copy());
				if (!local.valid()) { (void)_pd.free(std::move(*ds)); return failure(Error::OUT_OF_RAM); }
				std::memcpy(local.local_addr(), _text.data(), _text.size());
				local.local_addr()[_text.size()] = 0;
			}
			Dataspace_capability rw = ds->copy();
			auto ro = seal_readonly(std::move(*ds));
			if (!ro) { (void)_pd.free(std::move(rw)); return failure(ro.error()); }
			_snapshot = std::move(*ro);
			_snapshot_version = _version;
			return _snapshot.copy();
		}
};


class Clipboard::Report_session : public Rpc_object<Report::Session>
{
	private:

		Pd::Client        &_pd;
		Content           &_content;
		Policy            &_policy;
		std::string const  _label;
		Attached_dataspace _buffer;
		bool const        &_verbose;
		bool               _told = false;   /* a refused write is logged once per session */

		std::string client_name() const override { return _label; }

	public:

		Report_session(Pd::Client &pd, Content &content, Policy &policy, std::string label,
		               Attached_dataspace &&buffer, bool const &verbose)
		: _pd(pd), _content(content), _policy(policy), _label(std::move(label)),
		  _buffer(std::move(buffer)), _verbose(verbose) { }

		~Report_session() { (void)_pd.free(_buffer.cap().copy()); }

		Report_session(Report_session const &) = delete;

		Result<Dataspace_capability> dataspace() override { return _buffer.cap().copy(); }

		Result<void> submit(uint64_t length) override
		{
			if (length > _buffer.size()) {
				warning("clipboard report of '", _label, "': length ", length,
				        " exceeds the buffer of ", _buffer.size(), " bytes, ignored");
				return failure(Error::INVALID_ARGS);
			}
			/* the policy of now: a new config applies to open sessions too */
			std::string const domain = _policy.domain(_label);
			if (domain.empty()) {
				if (!_told)
					warning("'", _label, "' may not write the clipboard: its policy names no domain"
					        " (logged once per session)");
				_told = true;
				return failure(Error::DENIED);
			}
			/* copied once: the client may write to the buffer while we read it */
			std::string const text(_buffer.local_addr<char>(), size_t(length));
			if (_verbose) log("clipboard: ", text.size(), " bytes from '", _label, "' (domain ", domain, ")");
			_content.write(text, domain);
			return { };
		}
};


class Clipboard::Report_root : public Root_component<Report_session>
{
	private:

		Pd::Client &_pd;
		Content    &_content;
		Policy     &_policy;
		bool const &_verbose;

		Result<std::unique_ptr<Report_session>> _create_session(std::string_view args) override
		{
			std::string const label = Arg_string::string(args, "label");
			uint64_t    const size  = Arg_string::number(args, "buffer_size", 0);

			if (size == 0) {
				warning("clipboard report of '", label, "': no buffer_size given");
				return failure(Error::INVALID_ARGS);
			}
			/* the buffer is our memory: the session quota must pay for it */
			if (Arg_string::number(args, "ram_quota") < size) {
				warning("clipboard report of '", label, "': ram_quota must cover buffer_size (",
				        Arg_string::format_size(size), ")");
				return failure(Error::OUT_OF_RAM);
			}
			auto ds = _pd.alloc(size);
			if (!ds) {
				warning("clipboard report of '", label, "': no buffer of ", Arg_string::format_size(size),
				        ": ", error_name(ds.error()));
				return failure(ds.error());
			}
			Attached_dataspace buffer(ds->copy());
			if (!buffer.valid()) { (void)_pd.free(std::move(*ds)); return failure(Error::OUT_OF_RAM); }
			return std::make_unique<Report_session>(_pd, _content, _policy, label, std::move(buffer), _verbose);
		}

	public:

		Report_root(Entrypoint &ep, Pd::Client &pd, Content &content, Policy &policy, bool const &verbose)
		: Root_component(ep), _pd(pd), _content(content), _policy(policy), _verbose(verbose) { }
};


class Clipboard::Rom_session : public Rpc_object<Rom::Session>, private Reader
{
	private:

		Content           &_content;
		Policy            &_policy;
		std::string const  _label;

		Signal_context_capability _sigh { };

		/* what the client has: the version it fetched, 0 for an empty ROM */
		uint64_t _client_version = 0;

		/* what it may see now: the content's version if the policy lets it, else 0 (empty) */
		uint64_t _visible()
		{
			return !_content.empty() && _policy.readable(_content.from(), _label) ? _content.version() : 0;
		}

		void changed() override
		{
			/* a reader kept from the content learns nothing, not even that it changed */
			if (_visible() != _client_version) Signal_transmitter::submit(_sigh);
		}

	public:

		Rom_session(Content &content, Policy &policy, std::string label)
		: _content(content), _policy(policy), _label(std::move(label)) { _content.add_reader(*this); }

		~Rom_session() { _content.remove_reader(*this); }

		Rom_session(Rom_session const &) = delete;

		std::string client_name() const override { return _label; }

		Result<Dataspace_capability> dataspace() override
		{
			_client_version = _visible();
			if (!_client_version) return failure(Error::UNAVAILABLE);
			return _content.dataspace();
		}

		bool update() override { return _visible() == _client_version; }

		void sigh(Signal_context_capability cap) override
		{
			_sigh = std::move(cap);
			changed();   /* a change between the first fetch and this call is not lost */
		}
};


class Clipboard::Rom_root : public Root_component<Rom_session>
{
	private:

		Content &_content;
		Policy  &_policy;

		/* any label: the clipboard is one; a client without a domain sees it empty */
		Result<std::unique_ptr<Rom_session>> _create_session(std::string_view args) override
		{
			return std::make_unique<Rom_session>(_content, _policy, Arg_string::string(args, "label"));
		}

	public:

		Rom_root(Entrypoint &ep, Content &content, Policy &policy)
		: Root_component(ep), _content(content), _policy(policy) { }
};


struct Clipboard::Main : Policy
{
	Env &_env;

	Config_document _config { _env };
	bool            _verbose = false;

	Content     _content     { _env.pd() };
	Report_root _report_root { _env.ep(), _env.pd(), _content, *this, _verbose };
	Rom_root    _rom_root    { _env.ep(), _content, *this };

	Signal_handler<Main> _config_handler { _env.ep(), *this, &Main::_handle_config };

	void _handle_config()
	{
		if (!_config.update("nobody may use the clipboard")) return;
		_verbose = _config.node().attribute("verbose").as_bool(false);

		/* domains and flows may have changed: readers whose view changed are signalled */
		_content.notify();
	}

	/* Policy interface */

	std::string domain(std::string_view label) override
	{
		pugi::xml_node const policy = select_policy(_config.node(), label);
		return policy ? policy.attribute("domain").value() : "";
	}

	bool flow(std::string const &from, std::string const &to) override
	{
		for (pugi::xml_node f : _config.node().children("flow"))
			if (from == f.attribute("from").value() && to == f.attribute("to").value()) return true;
		return false;
	}

	Main(Env &env) : _env(env)
	{
		_config.sigh(_config_handler.cap());
		_handle_config();

		(void)announce(_env, "Report", _report_root);
		(void)announce(_env, "ROM",    _rom_root);
	}
};


void nestbox::construct(nestbox::Env &env) { static Clipboard::Main main(env); }
