#!/bin/sh
# install-agent.sh - install, update or remove the Drover agent on one host.
#
#   install-agent.sh --token drv_... --ca-pin sha256:... --controller HOST:PORT \
#                    --binary PATH|URL [--ca-cert FILE] [--root DIR] [--no-start]
#   install-agent.sh --uninstall [--purge] [--root DIR] [--no-start]
#
# Installs /usr/local/bin/drover-agent, /etc/drover/agent.env (0600: it holds the join
# token), /etc/systemd/system/drover-agent.service and the state directory
# /var/lib/drover-agent (0700), then runs `systemctl daemon-reload` and
# `systemctl enable --now drover-agent` - only on a systemd host, without --root and without
# --no-start. Running it again with the same arguments changes nothing and says so.
# --uninstall removes what it installed but keeps the state directory (the host's key and
# certificate) unless --purge is given.
#
# --binary takes a local path or an http(s):// or file:// URL (downloaded with curl;
# --ca-cert FILE makes curl trust the fleet CA, as for the controller's /download/drover-agent).
#
# Exit codes: 0 ok, 1 usage error, 2 installation failed.
set -eu
# Directories this script creates (/etc/drover, /usr/local/bin under --root) are world-readable.
umask 022

usage() {
    sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
}

die_usage() {
    echo "install-agent.sh: $1" >&2
    echo "run with --help for usage" >&2
    exit 1
}

fail() {
    echo "install-agent.sh: $1" >&2
    exit 2
}

say() {
    echo "drover-agent: $1"
}

TOKEN=""
CA_PIN=""
CONTROLLER=""
BINARY=""
CA_CERT=""
ROOT=""
START=1
MODE=install
PURGE=0

while [ $# -gt 0 ]; do
    case "$1" in
        --token) [ $# -ge 2 ] || die_usage "--token needs a value"; TOKEN=$2; shift 2 ;;
        --token=*) TOKEN=${1#*=}; shift ;;
        --ca-pin) [ $# -ge 2 ] || die_usage "--ca-pin needs a value"; CA_PIN=$2; shift 2 ;;
        --ca-pin=*) CA_PIN=${1#*=}; shift ;;
        --controller) [ $# -ge 2 ] || die_usage "--controller needs a value"; CONTROLLER=$2; shift 2 ;;
        --controller=*) CONTROLLER=${1#*=}; shift ;;
        --binary) [ $# -ge 2 ] || die_usage "--binary needs a value"; BINARY=$2; shift 2 ;;
        --binary=*) BINARY=${1#*=}; shift ;;
        --ca-cert) [ $# -ge 2 ] || die_usage "--ca-cert needs a value"; CA_CERT=$2; shift 2 ;;
        --ca-cert=*) CA_CERT=${1#*=}; shift ;;
        --root) [ $# -ge 2 ] || die_usage "--root needs a value"; ROOT=$2; shift 2 ;;
        --root=*) ROOT=${1#*=}; shift ;;
        --no-start) START=0; shift ;;
        --uninstall) MODE=uninstall; shift ;;
        --purge) PURGE=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) die_usage "unknown argument: $1" ;;
    esac
done

# A trailing slash on --root would double up in the paths below.
ROOT=${ROOT%/}
BIN_PATH="$ROOT/usr/local/bin/drover-agent"
ENV_DIR="$ROOT/etc/drover"
ENV_PATH="$ENV_DIR/agent.env"
UNIT_PATH="$ROOT/etc/systemd/system/drover-agent.service"
STATE_DIR="$ROOT/var/lib/drover-agent"

if [ -n "$ROOT" ]; then
    [ -d "$ROOT" ] || die_usage "--root $ROOT is not a directory"
elif [ "$(id -u)" -ne 0 ]; then
    die_usage "run as root (or use --root DIR to install under a directory)"
fi

# systemctl only on the real root of a running systemd host.
use_systemd() {
    [ -z "$ROOT" ] && [ "$START" -eq 1 ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/drover-install.XXXXXX") || fail "cannot create a temporary directory"
trap 'rm -rf "$WORK"' EXIT INT TERM

CHANGED=0

# install_file SOURCE DEST MODE: copies only when the content or mode differs.
install_file() {
    src=$1
    dest=$2
    mode=$3
    if [ -f "$dest" ] && cmp -s "$src" "$dest"; then
        current=$(stat -c '%a' "$dest")
        if [ "$current" = "${mode#0}" ]; then
            return 0
        fi
        chmod "$mode" "$dest" || fail "cannot chmod $dest"
        say "fixed mode of $dest"
        CHANGED=$((CHANGED + 1))
        return 0
    fi
    mkdir -p "$(dirname "$dest")" || fail "cannot create $(dirname "$dest")"
    # Copy next to the target, then rename: a running agent keeps its old inode.
    tmp="$dest.tmp.$$"
    # Private until chmod: the env file holds the join token.
    (umask 077 && cp "$src" "$tmp") || fail "cannot write $tmp"
    chmod "$mode" "$tmp" || fail "cannot chmod $tmp"
    mv -f "$tmp" "$dest" || fail "cannot install $dest"
    say "wrote $dest"
    CHANGED=$((CHANGED + 1))
}

# The unit is embedded so the script works alone (curl ... | sh); it must stay identical to
# deploy/systemd/drover-agent.service, which DeployTests checks.
write_unit() {
    cat <<'UNIT'
[Unit]
Description=Drover agent (host metrics, container swaps)
Documentation=https://github.com/drover/drover
Wants=network-online.target
After=network-online.target podman.socket docker.service

[Service]
Type=simple
EnvironmentFile=/etc/drover/agent.env
ExecStart=/usr/local/bin/drover-agent
Restart=always
RestartSec=5s
TimeoutStopSec=45s
# Every proxied connection holds two descriptors (client and backend) and each service's
# proxy admits 2,000 clients by default: the default soft limit of 1,024 would starve the
# agent (controller session, engine calls, health checks) long before that.
LimitNOFILE=65536
# Key, certificates and the local journal live here (0700).
StateDirectory=drover-agent
StateDirectoryMode=0700
# Runs as root to reach the container engine's root-owned socket, but with no capabilities
# beyond binding low service ports for the proxy.
CapabilityBoundingSet=CAP_NET_BIND_SERVICE
AmbientCapabilities=CAP_NET_BIND_SERVICE
NoNewPrivileges=yes
ProtectSystem=strict
# read-only rather than yes: the agent reports disk usage of every mount, /home included
# (statvfs needs the mount point to be reachable).
ProtectHome=read-only
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictSUIDSGID=yes
RestrictRealtime=yes
RestrictNamespaces=yes
LockPersonality=yes
MemoryDenyWriteExecute=yes
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallErrorNumber=EPERM
PrivateMounts=yes
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK
ReadWritePaths=/var/lib/drover-agent -/run/podman -/run/docker.sock
UMask=0077

[Install]
WantedBy=multi-user.target
UNIT
}

fetch_binary() {
    case "$BINARY" in
        http://*|https://*|file://*)
            command -v curl >/dev/null 2>&1 || fail "curl is needed to download $BINARY"
            if [ -n "$CA_CERT" ]; then
                curl -fsSL --proto '=https,file' --cacert "$CA_CERT" -o "$WORK/drover-agent" "$BINARY" || fail "download of $BINARY failed"
            else
                curl -fsSL -o "$WORK/drover-agent" "$BINARY" || fail "download of $BINARY failed"
            fi
            ;;
        *)
            [ -f "$BINARY" ] || fail "--binary $BINARY does not exist"
            cp "$BINARY" "$WORK/drover-agent" || fail "cannot read $BINARY"
            ;;
    esac
    [ -s "$WORK/drover-agent" ] || fail "the agent binary from $BINARY is empty"
}

do_install() {
    [ -n "$TOKEN" ] || die_usage "--token is required"
    [ -n "$CA_PIN" ] || die_usage "--ca-pin is required"
    [ -n "$CONTROLLER" ] || die_usage "--controller HOST:PORT is required"
    [ -n "$BINARY" ] || die_usage "--binary PATH|URL is required"
    case "$TOKEN" in
        drv_*_*) ;;
        *) die_usage "--token must look like drv_<id>_<secret>" ;;
    esac
    case "$TOKEN" in
        *[!A-Za-z0-9_]*) die_usage "--token has characters a join token never has" ;;
    esac
    pin_hex=${CA_PIN#sha256:}
    if [ "$pin_hex" = "$CA_PIN" ] || [ ${#pin_hex} -ne 64 ]; then
        die_usage "--ca-pin must be sha256: followed by 64 hex digits"
    fi
    case "$pin_hex" in
        *[!0-9a-fA-F]*) die_usage "--ca-pin must be sha256: followed by 64 hex digits" ;;
    esac
    case "$CONTROLLER" in
        *:*) port=${CONTROLLER##*:} ;;
        *) die_usage "--controller must be HOST:PORT" ;;
    esac
    case "$port" in
        ''|*[!0-9]*) die_usage "--controller must be HOST:PORT" ;;
    esac
    case "$CONTROLLER" in
        *[!A-Za-z0-9.:_\[\]-]*) die_usage "--controller has characters a host name never has" ;;
    esac

    fetch_binary
    (umask 077 && : > "$WORK/agent.env") || fail "cannot write $WORK/agent.env"
    {
        echo "# Written by install-agent.sh. Read by drover-agent.service."
        echo "# The join token is used once, for enrollment; afterwards the agent uses its certificate."
        echo "DROVER_CONTROLLER=$CONTROLLER"
        echo "DROVER_CA_PIN=$CA_PIN"
        echo "DROVER_TOKEN=$TOKEN"
        echo "DROVER_STATE_DIR=/var/lib/drover-agent"
    } > "$WORK/agent.env"
    write_unit > "$WORK/drover-agent.service"

    install_file "$WORK/drover-agent" "$BIN_PATH" 0755
    install_file "$WORK/agent.env" "$ENV_PATH" 0600
    install_file "$WORK/drover-agent.service" "$UNIT_PATH" 0644
    if [ ! -d "$STATE_DIR" ]; then
        mkdir -p "$(dirname "$STATE_DIR")" || fail "cannot create $(dirname "$STATE_DIR")"
        mkdir -m 0700 "$STATE_DIR" || fail "cannot create $STATE_DIR"
        say "created $STATE_DIR"
        CHANGED=$((CHANGED + 1))
    fi
    if [ "$(stat -c '%a' "$STATE_DIR")" != "700" ]; then
        chmod 0700 "$STATE_DIR" || fail "cannot chmod $STATE_DIR"
        say "fixed mode of $STATE_DIR"
        CHANGED=$((CHANGED + 1))
    fi

    if use_systemd; then
        if [ "$CHANGED" -gt 0 ]; then
            systemctl daemon-reload || fail "systemctl daemon-reload failed"
            systemctl enable drover-agent.service || fail "systemctl enable failed"
            systemctl restart drover-agent.service || fail "systemctl restart failed"
            say "service enabled and (re)started"
        else
            systemctl enable --now drover-agent.service || fail "systemctl enable --now failed"
        fi
    else
        say "not starting the service (--root, --no-start, or no systemd)"
    fi

    if [ "$CHANGED" -eq 0 ]; then
        say "already installed and up to date; nothing changed"
    else
        say "installed ($CHANGED change(s))"
    fi
}

do_uninstall() {
    if use_systemd && [ -f "$UNIT_PATH" ]; then
        systemctl disable --now drover-agent.service || true
    fi
    for path in "$BIN_PATH" "$ENV_PATH" "$UNIT_PATH"; do
        if [ -e "$path" ]; then
            rm -f "$path" || fail "cannot remove $path"
            say "removed $path"
            CHANGED=$((CHANGED + 1))
        fi
    done
    if [ -d "$ENV_DIR" ]; then
        rmdir "$ENV_DIR" 2>/dev/null && say "removed $ENV_DIR"
    fi
    if [ -d "$STATE_DIR" ]; then
        if [ "$PURGE" -eq 1 ]; then
            rm -rf "$STATE_DIR" || fail "cannot remove $STATE_DIR"
            say "removed $STATE_DIR (--purge)"
            CHANGED=$((CHANGED + 1))
        else
            say "kept $STATE_DIR (the host's key and certificate; --purge removes it)"
        fi
    fi
    if use_systemd && [ "$CHANGED" -gt 0 ]; then
        systemctl daemon-reload || true
    fi
    if [ "$CHANGED" -eq 0 ]; then
        say "nothing to uninstall"
    else
        say "uninstalled"
    fi
}

case "$MODE" in
    install) do_install ;;
    uninstall) do_uninstall ;;
esac
