import DroverHost
import Testing

@Suite("/proc/self/mounts")
struct MountTableTests {
    @Test("the captured mount table of this machine: only the ext4 root is a real disk")
    func liveFixture() throws {
        let table = try MountTable.parse(try Fixture.bytes("live-mounts.txt"))
        #expect(table.entries.count == 18)  // 20 lines, /dev/pts and /dev/shm mounted twice
        let disks = table.filtered(by: .default).entries
        #expect(
            disks == [
                MountEntry(
                    device: "/dev/vda", mountPoint: "/", fsType: "ext4",
                    options: "rw,relatime,discard,resv_strict,resuid=65534,resgid=65534")
            ])
    }

    @Test("pseudo filesystems, container layers and tmpfs are filtered; NFS and btrfs subvolumes kept")
    func mixed() throws {
        let disks = try MountTable.parse(try Fixture.bytes("mounts-mixed.txt")).filtered(by: .default).entries
        #expect(
            disks.map(\.mountPoint) == [
                "/", "/home", "/var/log", "/boot/efi", "/var/lib/docker", "/mnt/Backup Disk",
                "/srv/tab\tand\\slash", "/mnt/media", "/mnt/builds", "/scratch",
            ])
        let byPoint = Dictionary(uniqueKeysWithValues: disks.map { ($0.mountPoint, $0) })
        #expect(byPoint["/home"]?.device == "/dev/nvme0n1p2")
        #expect(byPoint["/home"]?.fsType == "btrfs")
        #expect(byPoint["/mnt/media"]?.device == "nas.example.internal:/export/media")
        #expect(byPoint["/mnt/media"]?.fsType == "nfs4")
        #expect(byPoint["/mnt/builds"]?.fsType == "nfs")
        // Mounted twice: the later mount is the one statvfs sees.
        #expect(byPoint["/scratch"]?.device == "/dev/sdf2")
        #expect(byPoint["/scratch"]?.fsType == "ext4")
    }

    @Test("a real disk hidden by a later tmpfs on the same point is not reported")
    func overmountedByTmpfs() throws {
        let table = try MountTable.parse(try Fixture.bytes("mounts-mixed.txt"))
        #expect(table.entries.first { $0.mountPoint == "/data" }?.fsType == "tmpfs")
        #expect(!table.filtered(by: .default).entries.contains { $0.mountPoint == "/data" })
    }

    @Test("octal escapes are decoded in devices and mount points")
    func escapes() throws {
        let table = try MountTable.parse(
            "/dev/disk/by-label/My\\040Disk /media/My\\040Disk ext4 rw 0 0\n"
                + "/dev/sdz1 /odd\\09x\\400 xfs rw 0 0\n"
                + "/dev/sdz2 /trailing\\ ext4 rw 0 0\n"
                + "/dev/sdz3 /new\\012line ext4 rw 0 0\n")
        #expect(table.entries.map(\.device)[0] == "/dev/disk/by-label/My Disk")
        #expect(table.entries.map(\.mountPoint) == ["/media/My Disk", "/odd\\09x\\400", "/trailing\\", "/new\nline"])
    }

    @Test("mount point rules match whole path components")
    func mountPointRules() {
        let filter = MountFilter.default
        func included(_ point: String, _ type: String = "ext4") -> Bool {
            filter.includes(MountEntry(device: "/dev/sdx", mountPoint: point, fsType: type))
        }
        #expect(!included("/dev"))
        #expect(!included("/dev/shm/x"))
        #expect(included("/devices"))
        #expect(!included("/sys/fs/x"))
        #expect(included("/system"))
        #expect(included("/run/credentials"))
        #expect(!included("/run/credentials/unit.service"))
        #expect(included("/var/lib/docker"))
        #expect(!included("/var/lib/docker/volumes/x"))
        #expect(included("/var/lib/containers/storage"))
        #expect(!included("/var/lib/containers/storage/overlay"))
        #expect(!included("/", "overlay"))
        #expect(!included("/mnt/ram", "tmpfs"))
        #expect(included("/mnt/ram", "fuse.sshfs"))
    }

    @Test("a line with fewer than three fields throws naming the file and line")
    func malformed() {
        #expect(
            throws: HostMetricsError(
                .malformed, file: "/proc/self/mounts", line: 2,
                detail: "expected device, mount point and type, found 2 fields")
        ) {
            try MountTable.parse("/dev/sda1 / ext4 rw 0 0\n/dev/sda2 /home\n")
        }
    }
}
