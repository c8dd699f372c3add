#pragma once
// A hint that the memory at `p` is read soon, so its cache line is fetched meanwhile. Never
// faults and never reads for the program: `p` may be null or point anywhere.
//
// On x86 it is the instruction itself, in an asm statement the compiler keeps: GCC 12 deletes
// __builtin_prefetch in some places (a call to an inline function doing nothing else, or one
// under `if (!v.empty())`), having no effect the language sees, and emitted none of the
// import's prefetches (docs/performance.md).

namespace patrond {

inline void prefetchRead(const void* p) {
#if defined(__x86_64__) || defined(__i386__)
  __asm__ __volatile__("prefetcht0 (%0)" : : "r"(p));
#else
  __builtin_prefetch(p);
#endif
}

}  // namespace patrond
