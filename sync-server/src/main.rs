//! `sync-server`: the Hamura Outreach server binary. See `sync-server --help`.

fn main() -> std::process::ExitCode {
    sync_server::cli::main()
}
