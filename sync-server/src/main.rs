//! `sync-server`: the Hamura Outreach server binary.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("--version") | Some("-V") => {
            println!(
                "sync-server {} (protocol {})",
                env!("CARGO_PKG_VERSION"),
                sync_server::shared::protocol::ProtocolVersion::CURRENT
            );
            ExitCode::SUCCESS
        }
        Some("--help") | Some("-h") | None => {
            println!("sync-server: the Hamura Outreach server.");
            println!("Serving is not built yet (see issue 4).");
            println!("Usage: sync-server --version");
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("sync-server: unknown command {other:?}; see `sync-server --help`");
            ExitCode::from(2)
        }
    }
}
