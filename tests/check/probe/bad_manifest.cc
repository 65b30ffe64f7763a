/*
 * A binary for check's tests only: its manifest is no valid XML
 */

#include <nestbox/manifest.h>

NESTBOX_MANIFEST(R"(<manifest> <requires> </manifest>)");

int main() { return 0; }
