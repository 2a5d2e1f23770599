#ifndef _GNU_SOURCE
#error You must define _GNU_SOURCE
#endif
#include "CKeygateLinux.h"
#include <string.h>
#include <sys/prctl.h>
#include <pthread.h>

int CKeygateLinux_set_parent_death_signal(int sig) { return prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0); }
int CKeygateLinux_errno(void) { return errno; }
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
