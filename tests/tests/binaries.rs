//! The workspace's binaries start and agree on the protocol version.

use outreach_tests::binary;
use std::process::Command;

fn version_line(bin: &str) -> String {
    let out = Command::new(binary(bin))
        .arg("--version")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {bin}: {e}"));
    assert!(out.status.success(), "{bin} --version failed");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn server_and_cli_speak_the_same_protocol() {
    let proto = outreach_shared::protocol::ProtocolVersion::CURRENT.to_string();
    let server = version_line("sync-server");
    let cli = version_line("outreach");
    assert!(server.contains(&format!("protocol {proto}")), "{server}");
    assert!(cli.contains(&format!("protocol {proto}")), "{cli}");
}
