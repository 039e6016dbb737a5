/// The Docker Engine API bodies Drover sends and reads (v1.41; Podman's compatible service too).
///
/// Only the fields Drover uses; unknown fields in answers are ignored by `JSONDecoder`.
enum DockerAPI {
    /// `POST /containers/create`.
    struct CreateContainer: Encodable {
        var Image: String
        var Cmd: [String]?
        var Env: [String]
        var Labels: [String: String]
        var ExposedPorts: [String: Empty]?
        var HostConfig: HostConfig
    }

    struct HostConfig: Codable {
        var PortBindings: [String: [PortBinding]?]?
    }

    struct PortBinding: Codable {
        var HostIp: String?
        var HostPort: String?
    }

    /// `{}` in JSON.
    struct Empty: Codable {}

    /// The answer to a create: the new id.
    struct Created: Decodable {
        var Id: String
    }

    /// `GET /containers/{id}/json`.
    struct ContainerInspect: Decodable {
        var Id: String
        var Name: String
        var State: State
        var Config: Config
        var HostConfig: HostConfig?
        var NetworkSettings: NetworkSettings?

        struct State: Decodable {
            var Status: String
            var Running: Bool
            var ExitCode: Int32
        }

        struct Config: Decodable {
            var Labels: [String: String]?
        }

        struct NetworkSettings: Decodable {
            var Ports: [String: [PortBinding]?]?
        }
    }

    /// One row of `GET /containers/json`.
    struct ContainerSummary: Decodable {
        var Id: String
    }

    /// `POST /containers/{id}/exec`.
    struct CreateExec: Encodable {
        var Cmd: [String]
        var AttachStdin = false
        // Podman refuses an attached start with no stream, and a detached start leaves its
        // conmon waiting for an attach that never comes (podman 4.3).
        var AttachStdout = true
        var AttachStderr = true
    }

    /// `POST /exec/{id}/start`.
    struct StartExec: Encodable {
        var Detach = false
        var Tty = false
    }

    /// `GET /exec/{id}/json`.
    struct ExecInspect: Decodable {
        var Running: Bool
        var ExitCode: Int32?
    }

    /// An error answer.
    struct ErrorMessage: Decodable {
        var message: String
    }

    /// One line of the `POST /images/create` progress stream.
    struct PullProgress: Decodable {
        var error: String?
        var errorDetail: ErrorMessage?
    }
}
