/*
 * A binary for check's tests only: its manifest requires Timer
 *
 * It is never run; 'nestbox check' reads nothing but its manifest.
 */

#include <nestbox/manifest.h>

NESTBOX_MANIFEST(R"(
	<manifest>
		<requires> <service name="Timer"/> </requires>
	</manifest>)");

int main() { return 0; }
