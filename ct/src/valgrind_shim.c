/* Client requests to valgrind memcheck; no-ops when not running under valgrind. */
#include <stddef.h>
#include <valgrind/memcheck.h>

void ct_mark_secret(const void *p, size_t n) { VALGRIND_MAKE_MEM_UNDEFINED(p, n); }
void ct_mark_public(const void *p, size_t n) { VALGRIND_MAKE_MEM_DEFINED(p, n); }
