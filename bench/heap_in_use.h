/* heap_in_use.h — the bytes the program's malloc has handed out and not
 * had back, for the benchmarks' per-message and per-event figures. With
 * tcmalloc (CMakeLists.txt: mailsim_malloc) that is its own count, every
 * block included; glibc's mallinfo2 would read zeros there. With glibc:
 * mallinfo2's in-use bytes, the heap's and the mmapped blocks'. */
#ifndef MAILSIM_HEAP_IN_USE_H
#define MAILSIM_HEAP_IN_USE_H

#include <stddef.h>

#ifdef MAILSIM_TCMALLOC
#include <gperftools/malloc_extension_c.h>

static inline size_t heap_in_use(void)
{
	size_t v = 0;
	MallocExtension_GetNumericProperty("generic.current_allocated_bytes", &v);
	return v;
}

static const char heap_counter[] = "tcmalloc";
#else
#include <malloc.h>

static inline size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
}

static const char heap_counter[] = "glibc";
#endif

#endif
