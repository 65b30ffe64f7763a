/*
 * Parsing init's config
 */

#include <nestbox/init/config_model.h>

#include <cctype>

#include <nestbox/util/arg_string.h>
#include <nestbox/util/xml_depth.h>

using namespace Init;

namespace {

constexpr uint64_t DEFAULT_RAM  = 16ull << 20;
constexpr uint64_t DEFAULT_CAPS = 1000;

std::optional<std::string> optional_attr(pugi::xml_node node, char const *name)
{
	pugi::xml_attribute a = node.attribute(name);
	if (!a) return std::nullopt;
	return std::string(a.value());
}

struct Parse_failure { pugi::xml_node node; std::string message; };

uint64_t size_attr(pugi::xml_node node, char const *name, uint64_t fallback)
{
	pugi::xml_attribute a = node.attribute(name);
	if (!a) return fallback;
	auto v = nestbox::Arg_string::parse_size(a.value());
	if (!v) throw Parse_failure { node, std::string("invalid ") + name + " value \"" + a.value() + "\"" };
	return *v;
}

Route_target parse_target(pugi::xml_node n)
{
	Route_target t;
	std::string_view const type = n.name();
	if (type == "parent")         t.kind = Route_target::Kind::PARENT;
	else if (type == "any-child") t.kind = Route_target::Kind::ANY_CHILD;
	else if (type == "child") {
		t.kind  = Route_target::Kind::CHILD;
		t.child = n.attribute("name").value();
		if (t.child.empty()) throw Parse_failure { n, "<child> target without a name" };
	}
	else throw Parse_failure { n, "unknown route target <" + std::string(type) + ">" };
	t.label            = optional_attr(n, "label");
	t.identity         = optional_attr(n, "identity");
	t.resource         = optional_attr(n, "resource");
	t.prepend_resource = optional_attr(n, "prepend_resource");
	return t;
}

Route parse_route(pugi::xml_node route_node)
{
	Route route;
	for (pugi::xml_node rule_node : route_node.children()) {
		if (rule_node.type() != pugi::node_element) continue;
		std::string_view const type = rule_node.name();
		Route_rule rule;
		if (type == "service") {
			rule.service = rule_node.attribute("name").value();
			if (rule.service->empty()) throw Parse_failure { rule_node, "<service> rule without a name" };
		} else if (type != "any-service") {
			throw Parse_failure { rule_node, "unknown route rule <" + std::string(type) + ">" };
		}
		rule.label          = optional_attr(rule_node, "label");
		rule.label_prefix   = optional_attr(rule_node, "label_prefix");
		rule.label_suffix   = optional_attr(rule_node, "label_suffix");
		rule.label_last     = optional_attr(rule_node, "label_last");
		rule.unscoped_label = optional_attr(rule_node, "unscoped_label");
		for (pugi::xml_node t : rule_node.children())
			if (t.type() == pugi::node_element) rule.targets.push_back(parse_target(t));
		if (rule.targets.empty()) throw Parse_failure { rule_node, "route rule without a target" };
		route.push_back(std::move(rule));
	}
	return route;
}

std::string node_text(pugi::xml_node node)
{
	struct Writer : pugi::xml_writer {
		std::string s;
		void write(void const *data, size_t size) override { s.append(static_cast<char const *>(data), size); }
	} w;
	node.print(w, "\t", pugi::format_default | pugi::format_no_declaration);
	return w.s;
}

Host_grant parse_host_grant(pugi::xml_node g)
{
	/* what ends up in a session argument must not break its syntax */
	auto safe_path = [&] (char const *attr) {
		std::string const p = g.attribute(attr).value();
		if (p.empty() || p[0] != '/' || p.find_first_of("\"|,") != std::string::npos
		 || p.find("/../") != std::string::npos || p.ends_with("/.."))
			throw Parse_failure { g, std::string("<") + g.name() + "> needs an absolute " + attr
			                         + " without '\"', '|', ',' or '..'" };
		return p;
	};

	Host_grant h { Host_grant::Kind::DEVICE };
	std::string_view const type = g.name();
	if (type == "tcp") {
		h.kind    = Host_grant::Kind::TCP_LISTEN;
		h.address = g.attribute("address").as_string("127.0.0.1");
		unsigned const port = g.attribute("listen").as_uint(0);
		if (!port || port > 65535) throw Parse_failure { g, "<tcp> needs a listen port between 1 and 65535" };
		if (h.address.empty() || h.address.find_first_of("\"|,") != std::string::npos)
			throw Parse_failure { g, "invalid <tcp> address" };
		h.port = port;
	} else if (type == "device") {
		h.kind = Host_grant::Kind::DEVICE;
		h.path = safe_path("path");
	} else if (type == "file") {
		/* a file or block device opened by core for a block driver */
		h.kind      = Host_grant::Kind::FILE;
		h.path      = safe_path("path");
		h.writeable = g.attribute("writeable").as_bool(false);
	} else if (type == "directory") {
		h.kind      = Host_grant::Kind::DIRECTORY;
		h.path      = safe_path("path");
		h.writeable = g.attribute("writeable").as_bool(false);
	} else if (type == "x11") {
		/* a local X display: ":N" or ":N.S" */
		h.kind = Host_grant::Kind::X11;
		h.path = g.attribute("display").as_string(":0");
		bool ok = h.path.size() >= 2 && h.path[0] == ':';
		for (size_t i = 1; ok && i < h.path.size(); i++)
			ok = std::isdigit(static_cast<unsigned char>(h.path[i])) || h.path[i] == '.';
		if (!ok) throw Parse_failure { g, "<x11> needs a local display like \":0\"" };
	} else if (type == "tap") {
		/*
		 * A TAP device core creates: in a network namespace (netns="nb0",
		 * made by core where it does not exist), or in the host's own
		 * namespace only where the config says host="yes" explicitly, since
		 * that puts the component's frames on the host's network stack.
		 */
		h.kind = Host_grant::Kind::TAP;
		auto name_ok = [] (std::string const &s, size_t max) {
			if (s.empty() || s.size() > max || s == "." || s == "..") return false;
			for (char c : s)
				if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) return false;
			return true;
		};
		h.path = g.attribute("name").as_string("");
		if (!name_ok(h.path, 15))
			throw Parse_failure { g, "<tap> needs a name of 1 to 15 letters, digits, '-', '_' or '.'" };
		bool const host = g.attribute("host").as_bool(false);
		pugi::xml_attribute const netns = g.attribute("netns");
		if (host && netns)
			throw Parse_failure { g, "<tap> has both netns and host=\"yes\": choose one" };
		if (!host && !netns)
			throw Parse_failure { g, "<tap> needs netns=\"NAME\" (a network namespace core makes) "
			                         "or host=\"yes\" (the host's own network)" };
		h.netns = netns.as_string("");
		if (!host && !name_ok(h.netns, 64))
			throw Parse_failure { g, "<tap> netns needs 1 to 64 letters, digits, '-', '_' or '.'" };
	} else {
		throw Parse_failure { g, "unknown host resource <" + std::string(type) + ">" };
	}
	return h;
}

/* a decimal attribute within [min, max], or the fallback if absent */
unsigned bounded_attr(pugi::xml_node n, char const *name, unsigned fallback, unsigned min, unsigned max)
{
	pugi::xml_attribute const a = n.attribute(name);
	if (!a) return fallback;
	std::string_view const v = a.value();
	uint64_t value = 0;
	bool ok = !v.empty() && v.size() <= 9;
	for (char c : v) { ok = ok && c >= '0' && c <= '9'; value = value * 10 + uint64_t(c - '0'); }
	if (!ok || value < min || value > max)
		throw Parse_failure { n, "<" + std::string(n.name()) + "> " + name + "=\"" + std::string(v)
		                         + "\": must be a number from " + std::to_string(min) + " to " + std::to_string(max) };
	return unsigned(value);
}

Restart_policy parse_restart(pugi::xml_node n)
{
	for (pugi::xml_attribute a : n.attributes()) {
		std::string_view const name = a.name();
		if (name != "on" && name != "max" && name != "within_s" && name != "backoff_ms")
			throw Parse_failure { n, "unknown attribute \"" + std::string(name) + "\" of <restart>"
			                         " (on, max, within_s, backoff_ms)" };
	}
	Restart_policy r;
	std::string_view const on = n.attribute("on").as_string("crash");
	if      (on == "crash")   r.on = Restart_policy::On::CRASH;
	else if (on == "failure") r.on = Restart_policy::On::FAILURE;
	else throw Parse_failure { n, "<restart> on=\"" + std::string(on) + "\": must be \"crash\" or \"failure\"" };
	r.max        = bounded_attr(n, "max", r.max, 1, 1000);
	r.within_s   = bounded_attr(n, "within_s", r.within_s, 1, 86400);
	r.backoff_ms = bounded_attr(n, "backoff_ms", r.backoff_ms, 0, 60000);
	return r;
}

Start_node parse_start(pugi::xml_node n, Config_model const &model)
{
	Start_node s;
	s.name = n.attribute("name").value();
	if (s.name.empty()) throw Parse_failure { n, "<start> node without a name" };
	if (s.name.find(" -> ") != std::string::npos || s.name.find('"') != std::string::npos)
		throw Parse_failure { n, "invalid start name \"" + s.name + "\"" };

	s.binary = s.name;
	if (pugi::xml_node b = n.child("binary")) {
		s.binary = b.attribute("name").value();
		if (s.binary.empty() || s.binary.find('/') != std::string::npos)
			throw Parse_failure { b, "invalid binary name \"" + s.binary + "\"" };
	}
	s.version = n.attribute("version").value();
	s.ram     = size_attr(n, "ram",  model.default_ram);
	s.caps    = size_attr(n, "caps", model.default_caps);

	for (pugi::xml_node r : n.children("resource")) {
		std::string_view const name = r.attribute("name").value();
		if (name == "RAM") s.ram  = size_attr(r, "quantum", s.ram);
		if (name == "CAP") s.caps = size_attr(r, "quantum", s.caps);
	}

	if (pugi::xml_node c = n.child("config")) s.config = node_text(c);

	for (pugi::xml_node p : n.child("provides").children("service")) {
		std::string name = p.attribute("name").value();
		if (name.empty()) throw Parse_failure { p, "<service> in <provides> without a name" };
		s.provides.push_back(std::move(name));
	}

	if (pugi::xml_node r = n.child("route")) s.route = parse_route(r);

	if (pugi::xml_node h = n.child("heartbeat"))
		s.restart_after_skipped = h.attribute("restart_after_skipped").as_uint(0);
	s.affinity = bool(n.child("affinity"));

	if (pugi::xml_node r = n.child("restart")) s.restart = parse_restart(r);

	for (pugi::xml_node g : n.child("host").children()) {
		if (g.type() != pugi::node_element) continue;
		s.host.push_back(parse_host_grant(g));
	}
	return s;
}

Report_detail parse_report(pugi::xml_node n)
{
	Report_detail r;
	r.ids          = n.attribute("ids").as_bool(false);
	r.requested    = n.attribute("requested").as_bool(false);
	r.provided     = n.attribute("provided").as_bool(false);
	r.session_args = n.attribute("session_args").as_bool(false);
	r.child_ram    = n.attribute("child_ram").as_bool(false);
	r.child_caps   = n.attribute("child_caps").as_bool(false);
	r.init_ram     = n.attribute("init_ram").as_bool(false);
	r.init_caps    = n.attribute("init_caps").as_bool(false);
	r.delay_ms     = n.attribute("delay_ms").as_ullong(100);
	r.buffer       = size_attr(n, "buffer", 4096);
	if (r.buffer < 256 || r.buffer > (64ull << 20))
		throw Parse_failure { n, "report buffer must be between 256 and 64M bytes" };
	return r;
}

Service_export parse_service_export(pugi::xml_node n)
{
	Service_export e;
	e.name = n.attribute("name").value();
	if (e.name.empty()) throw Parse_failure { n, "<service> without a name" };

	for (pugi::xml_node p : n.children()) {
		if (p.type() != pugi::node_element) continue;
		std::string_view const type = p.name();
		if (type != "policy" && type != "default-policy")
			throw Parse_failure { p, "unknown node <" + std::string(type) + "> in <service>" };
		Service_export::Policy policy;
		policy.is_default   = type == "default-policy";
		policy.label        = optional_attr(p, "label");
		policy.label_prefix = optional_attr(p, "label_prefix");
		policy.label_suffix = optional_attr(p, "label_suffix");
		policy.label_last   = optional_attr(p, "label_last");
		pugi::xml_node child = p.child("child");
		if (!child || std::string_view(child.attribute("name").value()).empty())
			throw Parse_failure { p, "policy of <service name=\"" + e.name + "\"> without a <child name>" };
		policy.child         = child.attribute("name").value();
		policy.rewrite_label = optional_attr(child, "label");
		e.policies.push_back(std::move(policy));
	}
	return e;
}

}


std::string Host_grant::encoded() const
{
	switch (kind) {
	case Kind::TCP_LISTEN: return "tcp:" + address + ":" + std::to_string(port);
	case Kind::DEVICE:     return "device:" + path;
	case Kind::DIRECTORY:  return std::string(writeable ? "dir-rw:" : "dir-ro:") + path;
	case Kind::X11:        return "x11:" + path;
	case Kind::FILE:       return std::string(writeable ? "file-rw:" : "file-ro:") + path;
	case Kind::TAP:        return "tap:" + path + "@" + netns;
	}
	return { };
}


std::string Route_target::rewritten(std::string const &l) const
{
	using nestbox::Label::SEPARATOR;
	if (label) return *label;

	/* identity: everything before the last element; resource: the last element */
	size_t const sep = l.rfind(SEPARATOR);
	std::string id  = sep == std::string::npos ? std::string() : l.substr(0, sep);
	std::string res = sep == std::string::npos ? l : l.substr(sep + SEPARATOR.size());

	if (identity)         id  = *identity;
	if (resource)         res = *resource;
	if (prepend_resource) res = *prepend_resource + res;

	if (id.empty())  return res;
	if (res.empty()) return id;
	return id + std::string(SEPARATOR) + res;
}


Service_export::Policy const *Service_export::select(std::string_view l) const
{
	Policy const *exact = nullptr, *best = nullptr, *fallback = nullptr;
	size_t best_prefix = 0, best_suffix = 0;

	for (auto const &p : policies) {
		if (p.is_default) { if (!fallback) fallback = &p; continue; }
		if (p.label) { if (!exact && *p.label == l) exact = &p; continue; }
		if (!p.label_prefix && !p.label_suffix && !p.label_last) { if (!fallback) fallback = &p; continue; }
		if (p.label_prefix && !l.starts_with(*p.label_prefix)) continue;
		if (p.label_suffix && !l.ends_with(*p.label_suffix))   continue;
		if (p.label_last && *p.label_last != nestbox::Label::last_element(l)) continue;
		size_t const pl = p.label_prefix ? p.label_prefix->size() : 0;
		size_t const sl = p.label_suffix ? p.label_suffix->size() : 0;
		if (!best || pl > best_prefix || (pl == best_prefix && sl > best_suffix)) {
			best = &p; best_prefix = pl; best_suffix = sl;
		}
	}
	return exact ? exact : best ? best : fallback;
}


static bool label_matches(std::optional<std::string> const &pattern, std::string_view label)
{
	return !pattern || *pattern == label;
}


bool Route_rule::matches(std::string_view service_name, std::string_view label, std::string_view unscoped) const
{
	if (service && *service != service_name) return false;
	if (!label_matches(this->label, label)) return false;
	if (label_prefix && !label.starts_with(*label_prefix)) return false;
	if (label_suffix && !label.ends_with(*label_suffix)) return false;
	if (label_last && *label_last != nestbox::Label::last_element(label)) return false;
	if (!label_matches(unscoped_label, unscoped)) return false;
	return true;
}


std::optional<Config_model> Init::parse_config(std::string_view text, Config_error &error)
{
	pugi::xml_document doc;
	pugi::xml_parse_result const parsed = doc.load_buffer(text.data(), text.size());
	if (!parsed) {
		/* pugixml may point one past the end of a truncated document */
		error = { std::min(size_t(parsed.offset), text.size()), parsed.description() };
		return std::nullopt;
	}

	pugi::xml_node const config = doc.document_element();
	if (std::string_view(config.name()) != "config") {
		error = { size_t(config.offset_debug()), "the top-level node must be <config>" };
		return std::nullopt;
	}

	/* nested inits re-print their children's configs: bound the work and the depth */
	if (pugi::xml_node const deep = nestbox::too_deep(config)) {
		error = { size_t(deep.offset_debug()),
		          "the config is nested deeper than " + std::to_string(nestbox::MAX_XML_DEPTH)
		          + " levels (nested inits included)" };
		return std::nullopt;
	}

	try {
		Config_model model;
		model.verbose = config.attribute("verbose").as_bool(false);
		model.version = config.attribute("version").value();

		for (pugi::xml_node r : config.children("resource"))
			if (std::string_view(r.attribute("name").value()) == "RAM")
				model.preserve_ram = size_attr(r, "preserve", model.preserve_ram);

		if (pugi::xml_node r = config.child("report")) model.report = parse_report(r);
		model.affinity_space = bool(config.child("affinity-space"));
		if (pugi::xml_node h = config.child("heartbeat")) {
			model.heartbeat_ms = h.attribute("rate_ms").as_ullong(1000);
			if (model.heartbeat_ms < 10) throw Parse_failure { h, "heartbeat rate_ms below 10" };
		}

		for (pugi::xml_node s : config.children("service"))
			model.services.push_back(parse_service_export(s));

		pugi::xml_node const defaults = config.child("default");
		model.default_ram  = size_attr(defaults, "ram",  DEFAULT_RAM);
		model.default_caps = size_attr(defaults, "caps", DEFAULT_CAPS);
		if (pugi::xml_node d = config.child("default-caps")) model.default_caps = size_attr(d, "quantum", model.default_caps);

		for (pugi::xml_node s : config.child("parent-provides").children("service"))
			model.parent_provides.insert(s.attribute("name").value());

		if (pugi::xml_node r = config.child("default-route")) model.default_route = parse_route(r);

		for (pugi::xml_node s : config.children("start")) {
			Start_node start = parse_start(s, model);
			if (model.start(start.name))
				throw Parse_failure { s, "more than one <start> node named \"" + start.name + "\"" };
			model.starts.push_back(std::move(start));
		}

		for (pugi::xml_node a : config.children("alias")) {
			std::string name  = a.attribute("name").value();
			std::string child = a.attribute("child").value();
			if (name.empty() || child.empty())
				throw Parse_failure { a, "<alias> needs a name and a child" };
			if (model.start(name))
				throw Parse_failure { a, "alias \"" + name + "\" is also the name of a <start> node" };
			model.aliases.emplace_back(std::move(name), std::move(child));
		}
		return model;
	}
	catch (Parse_failure const &f) {
		error = { size_t(f.node.offset_debug()), f.message };
		return std::nullopt;
	}
}
