import Glibc
import KeygateSystem
import Testing

/// The one syscall wrapper: EINTR retried there, any other errno carried as a value that prints as text.
struct SyscallTests {
    @Test func interruptedCallsAreRetriedUntilTheyAnswer() throws {
        var calls = 0
        let result = retryingInterrupts { () -> CInt in
            calls += 1
            guard calls == 3 else {
                errno = EINTR
                return -1
            }
            return 42
        }
        #expect(calls == 3)
        #expect(try result.get() == 42)
    }

    @Test func anotherErrnoIsReturnedAtOnce() {
        var calls = 0
        let result = retryingInterrupts { () -> Int in
            calls += 1
            errno = EAGAIN
            return -1
        }
        #expect(calls == 1)
        #expect(result == .failure(Errno(EAGAIN)))
    }

    @Test func aSignalStormEndsAsAnError() {
        var calls = 0
        let result = retryingInterrupts { () -> CInt in
            calls += 1
            errno = EINTR
            return -1
        }
        #expect(calls == maxInterruptedRetries)
        #expect(result == .failure(Errno(EINTR)))
    }

    @Test func errnoPrintsAsTextAndName() {
        #expect("\(Errno(EBADF))" == "Bad file descriptor (EBADF)")
        #expect("\(Errno(ENOENT))" == "No such file or directory (ENOENT)")
        #expect("\(Errno(EAGAIN))" == "Resource temporarily unavailable (EAGAIN)")
        #expect("\(Errno(4242))" == "Unknown error 4242 (errno 4242)")
    }

    @Test func aFailedCallThrowsItsNameAndErrnoAsText() throws {
        let path = "/nonexistent-keygate-dir/file"
        let error = try #require(
            #expect(throws: SystemCallError.self) {
                try syscall("open", detail: path) { open(path, O_RDONLY) }
            })
        #expect(error.errno == Errno(ENOENT))
        #expect(
            "\(error)" == "open failed for /nonexistent-keygate-dir/file: No such file or directory (ENOENT)")
        #expect(
            "\(SystemCallError(call: "epoll_ctl(ADD, fd 12)", errno: Errno(EBADF)))"
                == "epoll_ctl(ADD, fd 12): Bad file descriptor (EBADF)")
    }

    @Test func theCallsNameIsBuiltOnlyWhenItFails() throws {
        var built = 0
        func name() -> String {
            built += 1
            return "getpid"
        }
        #expect(try syscall(name()) { getpid() } > 0)
        #expect(built == 0)
    }

    @Test func aBadDescriptorIsABugAndTraps() async {
        await #expect(processExitsWith: .failure) {
            _ = try? syscall("fcntl(F_GETFL)") { fcntl(-1, F_GETFL) }
        }
    }
}
