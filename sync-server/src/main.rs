//! `sync-server`: the Hamura Outreach server binary. See `sync-server --help`.

/// mimalloc instead of glibc's malloc: under a burst of tablets the server's
/// threads contended on glibc's arena locks (see the burst profile in
/// `benches/sync_bench.rs`). Its v2 line (feature `v2`): v3 purges freed
/// memory only after 1 s and only when a thread allocates again, so an idle
/// server kept ~12 MiB more after the 200-tablet burst (issue 17).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    sync_server::cli::main()
}
