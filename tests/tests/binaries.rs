//! The workspace's binaries start and agree on the protocol version.

use std::process::Command;

fn version_line(bin: &str) -> String {
    let out = Command::new(bin)
        .arg("--version")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {bin}: {e}"));
    assert!(out.status.success(), "{bin} --version failed");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn server_and_cli_speak_the_same_protocol() {
    let proto = outreach_shared::protocol::ProtocolVersion::CURRENT.to_string();
    let server = version_line(env!("CARGO_BIN_EXE_sync-server"));
    let cli = version_line(env!("CARGO_BIN_EXE_outreach"));
    assert!(server.contains(&format!("protocol {proto}")), "{server}");
    assert!(cli.contains(&format!("protocol {proto}")), "{cli}");
}

#[test]
fn unknown_commands_fail_with_a_message() {
    for bin in [env!("CARGO_BIN_EXE_sync-server"), env!("CARGO_BIN_EXE_outreach")] {
        let out = Command::new(bin).arg("frobnicate").output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("unknown command"));
    }
}
