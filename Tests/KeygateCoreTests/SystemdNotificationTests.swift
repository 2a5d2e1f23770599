import KeygateCore
import Testing

struct SystemdNotificationTests {
    @Test func readyNamesTheMainProcessAndItsStatus() {
        let text = SystemdNotification.ready(mainPID: 4242, status: "serving http://127.0.0.1:9000 with 2 workers").text
        #expect(text == "READY=1\nSTATUS=serving http://127.0.0.1:9000 with 2 workers\nMAINPID=4242")
    }

    @Test func reloadingCarriesTheMonotonicTimeInMicroseconds() {
        let text = SystemdNotification.reloading(monotonicMicros: 123_456_789).text
        #expect(text == "RELOADING=1\nSTATUS=reloading the configuration\nMONOTONIC_USEC=123456789")
    }

    @Test func stopping() {
        #expect(SystemdNotification.stopping.text == "STOPPING=1\nSTATUS=stopping: draining workers")
    }

    @Test func aLineBreakInTheStatusCannotAddAnAssignment() {
        let text = SystemdNotification.ready(mainPID: 1, status: "a\nREADY=0\r\nb").text
        #expect(text == "READY=1\nSTATUS=a READY=0 b\nMAINPID=1")  // "\r\n" is one Character
        #expect(text.split(separator: "\n").count == 3)
    }
}
