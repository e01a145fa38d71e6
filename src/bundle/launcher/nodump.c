/*
 * attune-nodump.so: preloaded into the agent's node by the launcher (LD_PRELOAD, node only; the actions get the
 * image's own LD_PRELOAD back). Its constructor makes the process non-dumpable before node runs any code:
 * /proc/<pid>/environ, mem, fd, maps… then belong to root and a process of the same uid (an action) can neither
 * read them nor ptrace it. execve resets dumpability, which is why the launcher cannot do this for node itself.
 * No libc: one raw prctl(PR_SET_DUMPABLE, 0) system call, so it loads with any C library.
 */
__attribute__((constructor)) static void attune_nodump(void) {
#if defined(__x86_64__)
  long ret;
  __asm__ volatile("syscall" : "=a"(ret) : "a"(157L), "D"(4L), "S"(0L) : "rcx", "r11", "memory");
  (void)ret;
#elif defined(__aarch64__)
  register long x8 __asm__("x8") = 167;
  register long x0 __asm__("x0") = 4;
  register long x1 __asm__("x1") = 0;
  __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1) : "memory");
#else
#error "attune-nodump: unsupported architecture"
#endif
}
