//! The workspace's binaries start and say which version they are.

use outreach_tests::binary;
use std::process::Command;

#[test]
fn both_binaries_print_their_version() {
    for bin in ["sync-server", "outreach"] {
        let out = Command::new(binary(bin))
            .arg("--version")
            .output()
            .unwrap_or_else(|e| panic!("cannot run {bin}: {e}"));
        assert!(out.status.success(), "{bin} --version failed");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains(env!("CARGO_PKG_VERSION")), "{bin}: {text}");
    }
}
