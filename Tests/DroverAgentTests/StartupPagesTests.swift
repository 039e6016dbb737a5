import DroverAgent
import Foundation
import Testing

/// Paging out start-up pages: which mappings qualify, and that the advice really lowers this
/// process's file-backed resident set.
@Suite struct StartupPagesTests {
    /// Lines as /proc/self/maps prints them (from a running drover-agent, shortened).
    let maps = """
        5581c0a00000-5581c0dd5000 r--p 00000000 fd:01 2231       /usr/local/bin/drover-agent
        5581c0dd5000-5581c1bc8000 r-xp 003d4000 fd:01 2231       /usr/local/bin/drover-agent
        5581c1bc8000-5581c1c54000 rw-p 011c6000 fd:01 2231       /usr/local/bin/drover-agent
        5581c1c55000-5581c1e9e000 rw-p 01252000 fd:01 2231       /usr/local/bin/drover-agent
        5581c1e9e000-5581c1f5b000 rw-p 00000000 00:00 0 
        5581c2f1e000-5581c2f3f000 rw-p 00000000 00:00 0          [heap]
        7f3a1c000000-7f3a1c021000 rw-p 00000000 00:00 0 
        7f3a20bc5000-7f3a20e42000 r-xp 000c5000 fd:01 5123       /usr/lib/x86_64-linux-gnu/libcrypto.so.3
        7f3a20e42000-7f3a20f20000 r--p 00342000 fd:01 5123       /usr/lib/x86_64-linux-gnu/libcrypto.so.3
        7f3a21000000-7f3a21001000 ---p 00000000 fd:01 5123       /usr/lib/x86_64-linux-gnu/libcrypto.so.3
        7f3a21100000-7f3a21101000 r--p 00000000 fd:01 6001       /opt/my dir/lib with spaces.so (deleted)
        7f3a21200000-7f3a21300000 rw-s 00000000 00:1a 7001       /dev/shm/segment
        7f3a21300000-7f3a21400000 r--p 00000000 00:01 7002       /memfd:jit (deleted)
        7f3a21400000-7f3a21401000 r--p 00000000 00:06 7003       /dev/zero (deleted)
        7f3a21500000-7f3a21600000 r--s 00000000 fd:01 7004       /var/lib/shared.db
        7ffd5a9f2000-7ffd5aa13000 rw-p 00000000 00:00 0          [stack]
        7ffd5ab6e000-7ffd5ab72000 r--p 00000000 00:00 0          [vvar]
        7ffd5ab72000-7ffd5ab74000 r-xp 00000000 00:00 0          [vdso]
        ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0  [vsyscall]
        """

    @Test func readableFileMappingsQualify() {
        let found = StartupPages.candidates(inMaps: maps)
        #expect(
            found == [
                .init(start: 0x5581_c0a0_0000, end: 0x5581_c0dd_5000, path: "/usr/local/bin/drover-agent"),
                .init(start: 0x5581_c0dd_5000, end: 0x5581_c1bc_8000, path: "/usr/local/bin/drover-agent"),
                .init(start: 0x5581_c1bc_8000, end: 0x5581_c1c5_4000, path: "/usr/local/bin/drover-agent"),
                .init(start: 0x5581_c1c5_5000, end: 0x5581_c1e9_e000, path: "/usr/local/bin/drover-agent"),
                .init(start: 0x7f3a_20bc_5000, end: 0x7f3a_20e4_2000, path: "/usr/lib/x86_64-linux-gnu/libcrypto.so.3"),
                .init(start: 0x7f3a_20e4_2000, end: 0x7f3a_20f2_0000, path: "/usr/lib/x86_64-linux-gnu/libcrypto.so.3"),
                .init(start: 0x7f3a_2110_0000, end: 0x7f3a_2110_1000, path: "/opt/my dir/lib with spaces.so (deleted)"),
            ])
    }

    @Test func malformedLinesAreSkipped() {
        let text = """
            not a mapping
            zz-10 r--p 00000000 fd:01 1 /bin/x
            2000-1000 r--p 00000000 fd:01 1 /bin/x
            1000-2000 r--p 00000000 fd:01 1
            1000-2000 r-p 00000000 fd:01 1 /bin/x

            3000-4000 r-xp 00000000 fd:01 1 /bin/ok
            """
        #expect(StartupPages.candidates(inMaps: text) == [.init(start: 0x3000, end: 0x4000, path: "/bin/ok")])
    }

    /// Present anonymous pages (relocated or written copies) split the advice; file pages,
    /// absent pages and swapped-out pages do not.
    @Test func runsLeaveAnonymousPagesOut() {
        let present: UInt64 = 1 << 63
        let file: UInt64 = 1 << 61
        let swapped: UInt64 = 1 << 62
        let entries: [UInt64] = [present | file, 0, present, present, swapped, present | file, present]
        #expect(
            StartupPages.fileRuns(start: 0x10000, pageSize: 0x1000, entries: entries) == [
                0x10000..<0x12000, 0x14000..<0x16000,
            ])
        #expect(StartupPages.fileRuns(start: 0x10000, pageSize: 0x1000, entries: [UInt64]()) == [])
        #expect(StartupPages.fileRuns(start: 0x10000, pageSize: 0x1000, entries: [0, file]) == [0x10000..<0x12000])
    }

    /// The real thing, on this test process: its own image is mapped by no one else, so paging
    /// it out must lower the file-backed resident set.
    @Test func releaseLowersThisProcessFileBackedRSS() throws {
        let before = try Self.residentFileKiB()
        let advised = try #require(StartupPages.release())
        let after = try Self.residentFileKiB()
        #expect(advised > 0)
        #expect(after < before, "RssFile \(before) kB before, \(after) kB after paging out")
    }

    static func residentFileKiB() throws -> Int {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("RssFile:") })
        return try #require(Int(line.split(separator: " ")[1]))
    }
}
