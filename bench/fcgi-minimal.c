/* The physical limit of the FastCGI auth path: a raw FastCGI responder (no libfcgi) that reads a request's records
 * until the end of PARAMS and answers `Status: 204` without looking at anything. One process, blocking accept.
 * Build: cc -O2 -o fcgi-minimal fcgi-minimal.c     Run: fcgi-minimal /path/to/socket */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int read_full(int fd, unsigned char *buf, size_t n) {
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r <= 0) return -1;
        got += (size_t)r;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: %s SOCKET\n", argv[0]); return 64; }
    signal(SIGPIPE, SIG_IGN);
    int listener = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    strncpy(addr.sun_path, argv[1], sizeof(addr.sun_path) - 1);
    unlink(argv[1]);
    if (bind(listener, (struct sockaddr *)&addr, sizeof addr) || listen(listener, 1024)) { perror("bind/listen"); return 1; }
    chmod(argv[1], 0666);
    static const unsigned char reply[] = {
        1, 6, 0, 1, 0, 15, 1, 0, 'S', 't', 'a', 't', 'u', 's', ':', ' ', '2', '0', '4', '\r', '\n', '\r', '\n', 0,
        1, 6, 0, 1, 0, 0, 0, 0,
        1, 3, 0, 1, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    unsigned char header[8], content[65536 + 256];
    for (;;) {
        int fd = accept(listener, NULL, NULL);
        if (fd < 0) continue;
        for (;;) {
            if (read_full(fd, header, 8)) break;
            size_t length = (size_t)header[4] << 8 | header[5], padding = header[6];
            if (read_full(fd, content, length + padding)) break;
            if (header[1] == 4 && length == 0) {  /* end of PARAMS: answer now, never wait for STDIN */
                (void)!write(fd, reply, sizeof reply);
                break;
            }
        }
        close(fd);
    }
}
