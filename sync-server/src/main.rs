//! `sync-server`: the Hamura Outreach server binary. See `sync-server --help`.

/// mimalloc instead of glibc's malloc: under a burst of tablets the server's
/// threads contended on glibc's arena locks (see the burst profile in
/// `benches/sync_bench.rs`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    sync_server::cli::main()
}
