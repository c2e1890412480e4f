//! `sync-server`: the Hamura Outreach server binary. See `sync-server --help`.

/// mimalloc instead of glibc's malloc: under a burst of tablets the server's
/// threads contended on glibc's arena locks (see the burst profile in
/// `benches/sync_bench.rs`). Its v2 line (feature `v2`): v3 purges freed
/// memory only after 1 s and only when a thread allocates again, so an idle
/// server kept ~12 MiB more after the 200-tablet burst (issue 17).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[allow(unsafe_code)] // the one foreign call of the workspace: see release_freed_memory
unsafe extern "C" {
    /// mimalloc's collect: frees this thread's empty pages and gives them
    /// back to the system now (`force`), not after its purge delay.
    fn mi_collect(force: bool);
}

/// Hooked into `sync_server::idle`: called by a thread that waits.
#[allow(unsafe_code)]
fn release_freed_memory() {
    // SAFETY: mimalloc is the global allocator (above) and mi_collect only
    // touches the calling thread's heap and the allocator's own state.
    unsafe { mi_collect(true) }
}

fn main() -> std::process::ExitCode {
    sync_server::idle::set_release(release_freed_memory);
    sync_server::cli::main()
}
