/* The FastCGI auth responder a C user would write on libfcgi: an FCGX_Accept_r loop answering `Status: 204`
 * without looking at anything. One process, one thread. Run it with LIBFCGI_OS_CLOSE_POLL_TIMEOUT=0 in the
 * environment to skip libfcgi's lingering close (shutdown, then up to 2 s of polling for the peer's EOF).
 * Build: cc -O2 -o fcgi-libfcgi fcgi-libfcgi.c -lfcgi     Run: fcgi-libfcgi /path/to/socket */
#include <fcgiapp.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: %s SOCKET\n", argv[0]); return 64; }
    if (FCGX_Init()) { fprintf(stderr, "FCGX_Init failed\n"); return 1; }
    unlink(argv[1]);
    int listener = FCGX_OpenSocket(argv[1], 1024);
    if (listener < 0) { perror("FCGX_OpenSocket"); return 1; }
    chmod(argv[1], 0666);
    signal(SIGPIPE, SIG_IGN);
    FCGX_Request request;
    FCGX_InitRequest(&request, listener, 0);
    while (FCGX_Accept_r(&request) >= 0) {
        FCGX_PutS("Status: 204\r\n\r\n", request.out);
        FCGX_Finish_r(&request);
    }
    return 0;
}
