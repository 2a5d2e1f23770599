#ifndef CKEYGATE_LINUX_H
#define CKEYGATE_LINUX_H
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <unistd.h>
#include <time.h>
#include <stdint.h>
#include <stddef.h>

/// Asks the kernel to send `sig` to this process when its parent dies (prctl is variadic).
int CKeygateLinux_set_parent_death_signal(int sig);
/// The current thread's errno (a macro in glibc).
int CKeygateLinux_errno(void);
/// The symbolic name of an errno value ("EBADF"), or NULL if glibc knows none (strerrorname_np needs _GNU_SOURCE).
const char *CKeygateLinux_errno_name(int code);
/// The English text of an errno value ("Bad file descriptor"), or NULL if glibc knows none (strerrordesc_np:
/// thread-safe and never translated, unlike strerror).
const char *CKeygateLinux_errno_description(int code);
/// Adds the signals in `set` to this thread's blocked set (pthread_sigmask); the old mask goes to `old` unless NULL.
int CKeygateLinux_block_signals(const sigset_t *set, sigset_t *old);
/// Fills `set` with exactly the listed signals.
void CKeygateLinux_sigset(sigset_t *set, const int *signals, int count);
/// Copies `path` into a sockaddr_un; returns -1 if it does not fit.
int CKeygateLinux_sockaddr_un(struct sockaddr_un *addr, const char *path);
/// accept4 needs _GNU_SOURCE, which the Swift importer does not see.
int CKeygateLinux_accept4(int fd, int flags);
/// pipe2 needs _GNU_SOURCE, which the Swift importer does not see.
int CKeygateLinux_pipe2(int fds[2], int flags);

/// memfd_create(name, MFD_CLOEXEC): a memory file in no directory (glibc declares it under _GNU_SOURCE only).
int CKeygateLinux_memfd_create(const char *name);
/// S_ISSOCK on an fstat mode (a macro).
int CKeygateLinux_is_socket_mode(unsigned int mode);
/// Guards the shared mapping [base, base+length) against SIGBUS (its file truncated): a fault inside it replaces the
/// whole range with anonymous zero pages, stores 1 in `*lost` and lets the access retry. A fault outside every guarded
/// range goes to the previous SIGBUS action. Returns a guard index for `CKeygateLinux_unguard_mapping`, or -1 (errno).
int CKeygateLinux_guard_mapping(void *base, size_t length, int32_t *lost);
/// Forgets a guard (before the mapping is unmapped).
void CKeygateLinux_unguard_mapping(int index);
/// Sleeps while the shared 32-bit word at `address` holds `expected`, for at most `timeout_millis` (FUTEX_WAIT on a
/// word that other processes map too); 0 when woken, -1 with errno EAGAIN (the word differed), ETIMEDOUT or EINTR.
int CKeygateLinux_futex_wait(uint32_t *address, uint32_t expected, int timeout_millis);
/// Wakes every process sleeping in CKeygateLinux_futex_wait on `address`; how many were woken, or -1.
int CKeygateLinux_futex_wake(uint32_t *address);
#endif
