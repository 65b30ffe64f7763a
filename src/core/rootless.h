/*
 * Sealing without root: one user namespace per component
 *
 * As an ordinary user, core cannot create the component's mount, PID,
 * network, IPC and UTS namespaces directly: they need CAP_SYS_ADMIN. Where
 * the kernel lets unprivileged users create user namespaces, core creates
 * each component's namespaces together with a user namespace of its own,
 * in which the stub holds the capabilities it needs to build the empty root.
 * The namespace maps uid and gid 65534 (what a component runs as under
 * root, too) to the invoking user and group, nothing else.
 *
 * Why one per component and not one for core: core stays an ordinary
 * process of the user in the host's namespaces, so what it opens for host
 * grants, cgroups and reports it opens with exactly the user's rights, and
 * the stub's capabilities reach nothing but the namespaces of its own
 * component. The root and rootless paths then differ only in one clone flag,
 * the id maps and setgroups.
 */
#pragma once

#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace Core::Rootless {

/* True when core runs without root: sealing then uses user namespaces */
bool active();

/*
 * Whether this user may create user namespaces: nullopt if so, else the
 * reason (a disabled sysctl, or what a real attempt returned)
 */
std::optional<std::string> user_namespaces_unavailable();

/*
 * Map uid and gid 65534 of the user namespace of 'pid' (just created by
 * core) to core's own uid and gid. Returns the problem, if any.
 */
std::optional<std::string> map_ids(pid_t pid);

/*
 * What is weaker than under root, one line each, for core to log at start;
 * 'memory_problem' is why no memory cgroup is used ("" if one is)
 */
std::vector<std::string> warnings(std::string const &memory_problem);

} /* namespace Core::Rootless */
