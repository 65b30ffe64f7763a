/*
 * What Debian's lwipopts.h declares for its core locking, with C linkage
 *
 * lwipopts.h declares these without 'extern "C"' (it is included ahead of
 * lwIP's own guards), so C++ would look for C++ symbols. Declared here
 * first with C linkage, the later declarations take that linkage. Include
 * this before any lwIP header where the LOCK_TCPIP_CORE macros are used.
 */
#pragma once

extern "C" {
	void sys_check_core_locking(void);
	void sys_mark_tcpip_thread(void);
	void sys_lock_tcpip_core(void);
	void sys_unlock_tcpip_core(void);
}
