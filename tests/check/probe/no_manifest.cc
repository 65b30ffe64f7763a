/*
 * A binary for check's tests only: an ELF executable without a manifest
 */

int main() { return 0; }
