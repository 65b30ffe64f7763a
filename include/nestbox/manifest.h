/*
 * A component's manifest: the services it requires and provides
 *
 *   NESTBOX_MANIFEST(R"(
 *     <manifest>
 *       <requires> <service name="Timer"/> <service name="Report" optional="yes"/> </requires>
 *       <provides> <service name="LOG"/> </provides>
 *     </manifest>)");
 *
 * The text is placed in the ELF section ".nestbox_manifest" of the binary, so
 * that 'nestbox check' can validate a system's routing before anything runs,
 * without executing a component. The environment sessions (PD, CPU, LOG and
 * the binary's ROM) and the "config" ROM are implied and need not be listed.
 * 'optional' services are used only with some configs: check warns, not fails,
 * when they do not route. A required service may name the 'label' the
 * component asks for (init's Report "state"), and <provides per_config="yes"/>
 * says the provided services depend on the component's config (init's
 * <service> exports). docs/CHECK.md has the details.
 */
#pragma once

#define NESTBOX_MANIFEST(text) \
	[[gnu::used, gnu::section(".nestbox_manifest")]] \
	static char const nestbox_manifest_text[] = text
