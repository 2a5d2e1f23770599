/* The physical limit of the HTTP auth path: a single-process epoll HTTP/1.1 responder that answers
 * "HTTP/1.1 204 No Content" to each complete request head (several heads per read allowed) without looking at
 * anything, and keeps every connection alive. Made for nginx auth_request with an upstream `keepalive` pool.
 * Build: cc -O2 -o http-minimal http-minimal.c     Run: http-minimal PORT  (binds 127.0.0.1 only) */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_FD 65536
#define BUFFER 16384

/* Per connection: how far "\r\n\r\n" has been matched at the end of the last read (0-3). */
static unsigned char matched[MAX_FD];

static const char reply[] = "HTTP/1.1 204 No Content\r\n\r\n";

static void drop(int epfd, int fd) {
    epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
    close(fd);
}

/* Reads what is there; answers once per "\r\n\r\n" seen (state carried across reads). */
static void serve(int epfd, int fd) {
    static char in[BUFFER], out[BUFFER / 4 * (sizeof reply - 1) + sizeof reply];
    for (;;) {
        ssize_t n = read(fd, in, sizeof in);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) { drop(epfd, fd); return; }
        if (n < 0) return;
        size_t heads = 0;
        unsigned char m = matched[fd];
        for (ssize_t i = 0; i < n; i++) {
            char c = in[i];
            if ((m == 0 || m == 2) && c == '\r') m++;
            else if ((m == 1 || m == 3) && c == '\n') m++;
            else m = c == '\r' ? 1 : 0;
            if (m == 4) { heads++; m = 0; }
        }
        matched[fd] = m;
        size_t length = 0;
        for (size_t h = 0; h < heads; h++) { memcpy(out + length, reply, sizeof reply - 1); length += sizeof reply - 1; }
        for (size_t sent = 0; sent < length;) {
            ssize_t w = write(fd, out + sent, length - sent);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) { drop(epfd, fd); return; }  /* a 27-byte reply never fills a socket buffer in practice */
            sent += (size_t)w;
        }
        if ((size_t)n < sizeof in) return;
    }
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: %s PORT\n", argv[0]); return 64; }
    signal(SIGPIPE, SIG_IGN);
    int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[1]))};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(listener, (struct sockaddr *)&addr, sizeof addr) || listen(listener, 1024)) { perror("bind/listen"); return 1; }
    int epfd = epoll_create1(0);
    struct epoll_event event = {.events = EPOLLIN, .data.fd = listener}, events[256];
    epoll_ctl(epfd, EPOLL_CTL_ADD, listener, &event);
    for (;;) {
        int ready = epoll_wait(epfd, events, 256, -1);
        for (int i = 0; i < ready; i++) {
            int fd = events[i].data.fd;
            if (fd != listener) { serve(epfd, fd); continue; }
            for (;;) {
                int client = accept4(listener, NULL, NULL, SOCK_NONBLOCK);
                if (client < 0) break;
                if (client >= MAX_FD) { close(client); continue; }
                setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                matched[client] = 0;
                struct epoll_event add = {.events = EPOLLIN, .data.fd = client};
                epoll_ctl(epfd, EPOLL_CTL_ADD, client, &add);
            }
        }
    }
}
