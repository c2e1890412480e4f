//! `outreach`: the headless command-line front end of the tablet core, for
//! scripted field simulation, support and tests.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("--version") | Some("-V") => {
            println!(
                "outreach {} (protocol {})",
                env!("CARGO_PKG_VERSION"),
                outreach_mobile::shared::protocol::ProtocolVersion::CURRENT
            );
            ExitCode::SUCCESS
        }
        Some("--help") | Some("-h") | None => {
            println!("outreach: the tablet core's command-line front end.");
            println!("The encrypted store and its commands are not built yet (see issue 3).");
            println!("Usage: outreach --version");
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("outreach: unknown command {other:?}; see `outreach --help`");
            ExitCode::from(2)
        }
    }
}
