import Foundation
import DroverWire
import SwiftProtobuf

/// Realistic sample messages shared by the vectors and the tests.
enum Fixtures {
    static var hello: Drover_V1_Hello {
        var m = Drover_V1_Hello()
        m.minVersion = 1
        m.maxVersion = 1
        m.capabilities = ["zlib", "command-progress"]
        m.agentVersion = "0.1.0"
        m.hostname = "web-01"
        return m
    }

    static var welcome: Drover_V1_Welcome {
        var m = Drover_V1_Welcome()
        m.version = 1
        m.capabilities = ["zlib", "command-progress"]
        m.maxFrameSize = 4_194_304
        m.maxDecompressedSize = 16_777_216
        m.maxInFlight = 128
        m.heartbeatIntervalMs = 5000
        m.controllerVersion = "0.1.0"
        m.hostID = "host-7f3a9c"
        m.heartbeatRequestEvery = 6
        return m
    }

    static var heartbeat: Drover_V1_Heartbeat {
        var m = Drover_V1_Heartbeat()
        m.sequence = 42
        m.sentUnixMs = 1_767_225_600_000
        return m
    }

    /// The heartbeat after ``heartbeat``, one-way.
    static var heartbeatBetweenRequests: Drover_V1_Heartbeat {
        var m = heartbeat
        m.sequence = 43
        return m
    }

    static var tooManyInFlight: Drover_V1_Error {
        var m = Drover_V1_Error()
        m.code = .tooManyInFlight
        m.message = "129 requests in flight, limit 128"
        m.fatal = false
        m.relatedType = 0x0020
        m.retryAfterMs = 250
        return m
    }

    static var unsupportedVersion: Drover_V1_Error {
        var m = Drover_V1_Error()
        m.code = .unsupportedVersion
        m.message = "agent speaks versions 2-3, controller 1-1"
        m.fatal = true
        m.relatedType = 0x0001
        return m
    }

    static var goodbye: Drover_V1_Goodbye {
        var m = Drover_V1_Goodbye()
        m.reason = "controller restarting"
        m.reconnectAfterMs = 2000
        return m
    }

    static var enrollRequest: Drover_V1_EnrollRequest {
        var m = Drover_V1_EnrollRequest()
        m.token = "drv_join_0123456789abcdef"
        m.csrDer = .init([0x30, 0x82, 0x01, 0x0A, 0x30, 0x81, 0xB1])  // start of a DER SEQUENCE; opaque here
        m.hostname = "web-01"
        m.labels = ["zone": "eu-1", "role": "web"]
        m.agentVersion = "0.1.0"
        return m
    }

    static var enrollResponse: Drover_V1_EnrollResponse {
        var m = Drover_V1_EnrollResponse()
        m.certificateDer = .init([0x30, 0x82, 0x02, 0x10])
        m.caCertificateDer = .init([0x30, 0x82, 0x01, 0xF0])
        m.hostID = "host-7f3a9c"
        m.notAfterUnixMs = 1_775_001_600_000
        m.renewAfterUnixMs = 1_772_409_600_000
        return m
    }

    /// A typical small host: 4 cores, 2 mounts, 1 interface.
    static var smallHostReport: Drover_V1_HostReport {
        hostReport(cores: 4, disks: 2, interfaces: 1)
    }

    /// A bigger host that crosses the compression threshold: 16 cores, 8 mounts, 3 interfaces.
    static var largeHostReport: Drover_V1_HostReport {
        hostReport(cores: 16, disks: 8, interfaces: 3)
    }

    static func hostReport(cores: Int, disks: Int, interfaces: Int) -> Drover_V1_HostReport {
        var m = Drover_V1_HostReport()
        m.sequence = 1207
        m.collectedUnixMs = 1_767_225_605_000
        m.intervalMs = 5000
        var cpu = Drover_V1_CpuStats()
        cpu.cores = UInt32(cores)
        cpu.usageBp = 2315
        cpu.userBp = 1804
        cpu.systemBp = 420
        cpu.iowaitBp = 61
        cpu.stealBp = 30
        cpu.perCoreBp = (0..<cores).map { UInt32(1500 + ($0 * 397) % 2000) }
        m.cpu = cpu
        var memory = Drover_V1_MemoryStats()
        memory.totalBytes = 33_554_432_000
        memory.availableBytes = 21_474_836_480
        memory.usedBytes = 12_079_595_520
        memory.swapTotalBytes = 4_294_967_296
        memory.swapUsedBytes = 0
        m.memory = memory
        let mounts = ["/", "/boot", "/var/lib/containers", "/srv", "/data1", "/data2", "/data3", "/data4"]
        m.disks = (0..<disks).map { i in
            var d = Drover_V1_DiskStats()
            d.mountPoint = mounts[i % mounts.count]
            d.device = "/dev/nvme0n1p\(i + 1)"
            d.fsType = i == 1 ? "vfat" : "ext4"
            d.totalBytes = 512_110_190_592 >> UInt64(i % 3)
            d.usedBytes = 201_326_592_000 >> UInt64(i % 3)
            d.freeBytes = 284_958_023_680 >> UInt64(i % 3)
            d.inodesTotal = 31_260_672
            d.inodesFree = 30_112_455 - UInt64(i * 1000)
            return d
        }
        var load = Drover_V1_LoadAverage()
        load.load1Milli = 1250
        load.load5Milli = 980
        load.load15Milli = 760
        m.load = load
        m.uptimeSeconds = 1_209_600
        m.net = (0..<interfaces).map { i in
            var n = Drover_V1_NetInterface()
            n.name = "eth\(i)"
            n.rxBytes = 918_273_645_123 + UInt64(i)
            n.txBytes = 123_456_789_012 + UInt64(i)
            return n
        }
        return m
    }

    static var command: Drover_V1_Command {
        var m = Drover_V1_Command()
        m.id = "1b4e28ba-2fa1-41d2-883f-0016d3cca427"
        m.kind = .noop
        m.deadlineUnixMs = 1_767_225_900_000
        m.attempt = 1
        m.payload = .init([0x01, 0x02, 0x03])
        return m
    }

    static var commandAck: Drover_V1_CommandAck {
        var m = Drover_V1_CommandAck()
        m.commandID = "1b4e28ba-2fa1-41d2-883f-0016d3cca427"
        m.status = .accepted
        return m
    }

    static var commandProgress: Drover_V1_CommandProgress {
        var m = Drover_V1_CommandProgress()
        m.commandID = "1b4e28ba-2fa1-41d2-883f-0016d3cca427"
        m.step = "health-check"
        m.percent = 60
        m.message = "2 of 2 checks passing"
        m.unixMs = 1_767_225_610_000
        return m
    }

    static var swapCommand: Drover_V1_Command {
        var m = Drover_V1_Command()
        m.id = "6fa459ea-ee8a-4ca4-894e-db77e160355e"
        m.kind = .swap
        m.deadlineUnixMs = 1_767_226_200_000
        m.attempt = 1
        var deterministic = BinaryEncodingOptions()
        deterministic.useDeterministicOrdering = true
        m.payload = (try? PayloadVectors.catalog()[0].message.serializedData(options: deterministic)) ?? Data()
        return m
    }

    static var commandResult: Drover_V1_CommandResult {
        var m = Drover_V1_CommandResult()
        m.commandID = "1b4e28ba-2fa1-41d2-883f-0016d3cca427"
        m.outcome = .succeeded
        m.message = "noop done"
        m.startedUnixMs = 1_767_225_605_100
        m.finishedUnixMs = 1_767_225_605_140
        m.details = ["attempt": "1", "agent": "web-01"]
        return m
    }

    static var duplicateAck: Drover_V1_CommandAck {
        var m = Drover_V1_CommandAck()
        m.commandID = "1b4e28ba-2fa1-41d2-883f-0016d3cca427"
        m.status = .duplicate
        m.result = commandResult
        return m
    }
}
