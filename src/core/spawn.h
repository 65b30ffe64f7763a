/*
 * Starting a component process, sealed (the default) or not
 */
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nestbox/util/result.h>
#include <nestbox/util/unique_fd.h>

#include "tap.h"

namespace Core {

/* Host resources granted by the start node, opened by core (see Host_grant) */
struct Host_resources
{
	struct Fd { std::string name; nestbox::Unique_fd fd; bool device; };
	struct Directory { std::string path; bool writeable; };

	std::vector<Fd>        fds { };          /* given to the component from descriptor 7 on */
	std::vector<Directory> directories { };  /* bound into its root at the same path */
	bool                   tcp = false;
	bool                   files = false;     /* a granted file or block device (<file>) */
	std::string            x11_display { };  /* a local X display the component may connect to */
	std::vector<Owned_netns> namespaces { }; /* made for <tap> grants: removed with the component */

	/* Open what the PD session's "host" argument lists; 'problem' says what failed */
	static nestbox::Result<Host_resources> open(std::string const &grants, std::string &problem);

	/* NESTBOX_HOST: "name=fd|name=fd|…", how the component finds them */
	std::string environment() const;
};

struct Spawn_request
{
	/* borrowed descriptors of the component's environment (see Env::Fd) */
	int binary, parent, pd, cpu, log;

	std::string const    &label;
	int                   nice;
	bool                  sealed;
	Host_resources const &host;

	/* sealed: called with the stub's pid before the component is forked */
	std::function<void(pid_t)> before_fork { };
};

struct Spawned
{
	pid_t              pid = -1;             /* what core waits for: the stub when sealed */
	pid_t              component_pid = -1;   /* the component itself, as core sees it */
	nestbox::Unique_fd pidfd { };            /* of 'pid' */
	nestbox::Unique_fd output { };           /* the component's stdout and stderr */
	nestbox::Unique_fd status { };           /* sealed: the stub reports the wait status here */
	nestbox::Unique_fd listener { };         /* sealed: seccomp notifications */
};

/*
 * Start the process and wait until its binary runs (or could not be
 * executed: then 'problem' says why). Never waits on the component itself.
 */
nestbox::Result<Spawned> spawn(Spawn_request const &, std::string &problem);

} /* namespace Core */
