#ifndef _GNU_SOURCE
#error You must define _GNU_SOURCE
#endif
#include "CKeygateLinux.h"
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <pthread.h>
#include <linux/futex.h>
#include <sys/syscall.h>

int CKeygateLinux_set_parent_death_signal(int sig) { return prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0); }
int CKeygateLinux_errno(void) { return errno; }
const char *CKeygateLinux_errno_name(int code) { return strerrorname_np(code); }
const char *CKeygateLinux_errno_description(int code) { return strerrordesc_np(code); }
int CKeygateLinux_block_signals(const sigset_t *set, sigset_t *old) { return pthread_sigmask(SIG_BLOCK, set, old); }
void CKeygateLinux_sigset(sigset_t *set, const int *signals, int count) {
    sigemptyset(set);
    for (int i = 0; i < count; i++) sigaddset(set, signals[i]);
}
int CKeygateLinux_sockaddr_un(struct sockaddr_un *addr, const char *path) {
    size_t n = strlen(path);
    if (n >= sizeof(addr->sun_path)) return -1;
    memset(addr, 0, sizeof(*addr));
    addr->sun_family = AF_UNIX;
    memcpy(addr->sun_path, path, n + 1);
    return 0;
}
int CKeygateLinux_is_socket_mode(unsigned int mode) { return S_ISSOCK(mode); }
int CKeygateLinux_accept4(int fd, int flags) { return accept4(fd, NULL, NULL, flags); }
int CKeygateLinux_pipe2(int fds[2], int flags) { return pipe2(fds, flags); }

int CKeygateLinux_memfd_create(const char *name) { return memfd_create(name, MFD_CLOEXEC); }

// SIGBUS guard for shared mappings: a file truncated under a MAP_SHARED mapping raises SIGBUS on access past its new
// end. A guarded range is then replaced by anonymous zero pages (the access retries and succeeds) and marked lost.
#define GUARD_SLOTS 256
static struct {
    void *volatile base;
    volatile size_t length;
    int32_t *volatile lost;
    int claimed;
} guarded[GUARD_SLOTS];
static struct sigaction previous_bus_action;
static pthread_once_t bus_handler_once = PTHREAD_ONCE_INIT;
static int bus_handler_status = -1;

static void bus_handler(int sig, siginfo_t *info, void *context) {
    (void)context;
    char *address = (char *)info->si_addr;
    for (int i = 0; i < GUARD_SLOTS; i++) {
        char *base = (char *)guarded[i].base;
        size_t length = guarded[i].length;
        if (base == NULL || address < base || address >= base + length) continue;
        void *replaced = mmap(base, length, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (replaced != MAP_FAILED) {
            __atomic_store_n(guarded[i].lost, 1, __ATOMIC_RELAXED);
            return;  // the faulting access is retried, on a zero page
        }
        break;
    }
    // Not a guarded mapping (a real bug): the previous action handles the fault when it re-raises.
    sigaction(sig, &previous_bus_action, NULL);
}

static void install_bus_handler(void) {
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_sigaction = bus_handler;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    bus_handler_status = sigaction(SIGBUS, &action, &previous_bus_action);
}

int CKeygateLinux_guard_mapping(void *base, size_t length, int32_t *lost) {
    pthread_once(&bus_handler_once, install_bus_handler);
    if (bus_handler_status != 0) return -1;
    for (int i = 0; i < GUARD_SLOTS; i++) {
        if (!__sync_bool_compare_and_swap(&guarded[i].claimed, 0, 1)) continue;
        guarded[i].lost = lost;
        guarded[i].length = length;
        guarded[i].base = base;  // last: the handler matches only complete entries
        return i;
    }
    errno = ENOSPC;
    return -1;
}

void CKeygateLinux_unguard_mapping(int index) {
    if (index < 0 || index >= GUARD_SLOTS) return;
    guarded[index].base = NULL;
    guarded[index].length = 0;
    guarded[index].lost = NULL;
    __sync_lock_release(&guarded[index].claimed);
}

int CKeygateLinux_futex_wait(uint32_t *address, uint32_t expected, int timeout_millis) {
    struct timespec timeout = {timeout_millis / 1000, (long)(timeout_millis % 1000) * 1000000L};
    return (int)syscall(SYS_futex, address, FUTEX_WAIT, expected, &timeout, NULL, 0);
}

int CKeygateLinux_futex_wake(uint32_t *address) {
    return (int)syscall(SYS_futex, address, FUTEX_WAKE, INT32_MAX, NULL, NULL, 0);
}
