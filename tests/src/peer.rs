//! The PouchDB peer's figures from the same benchmark run: `scripts/bench`
//! runs the peer harness (PouchDB 9 → pouchdb-server, the Community Health
//! Toolkit's sync stack) first and names its `results.json` in
//! `OUTREACH_PEER_RESULTS`; the benchmarks read it here and print each
//! ratio beside their own figure.

use std::time::Duration;

/// The peer's medians for 10,000 documents.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Peer {
    pub push: Duration,
    pub pull: Duration,
    /// 10 new local documents, one-shot sync (push 10, pull 0).
    pub incremental: Duration,
    /// pouchdb-server's peak RSS (VmHWM) over the run, KiB.
    pub server_peak_kib: Option<u64>,
}

/// The size the peer is compared at.
pub const N: u64 = 10_000;

/// The peer's figures, or why there are none (to print instead).
pub fn load() -> Result<Peer, String> {
    let path = std::env::var("OUTREACH_PEER_RESULTS")
        .map_err(|_| "not run (OUTREACH_PEER_RESULTS not set; scripts/bench sets it)".to_owned())?;
    let text = std::fs::read_to_string(&path).map_err(|e| format!("not readable: {e}"))?;
    parse(&text)
}

/// Reads the peer harness's `results.json`.
pub fn parse(text: &str) -> Result<Peer, String> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let results = v["results"]
        .as_array()
        .ok_or("no results in the peer's file")?;
    let at = |key: &str| {
        results
            .iter()
            .find(|r| r["key"] == key && r["n"].as_u64() == Some(N))
    };
    let ms = |key: &str| -> Result<Duration, String> {
        at(key)
            .and_then(|r| r["median_ms"].as_f64())
            .map(|ms| Duration::from_secs_f64(ms / 1e3))
            .ok_or_else(|| format!("the peer has no {key} figure for N = {N}"))
    };
    Ok(Peer {
        push: ms("push")?,
        pull: ms("pull")?,
        incremental: ms("incremental")?,
        server_peak_kib: at("server_vmhwm_kb").and_then(|r| r["value"].as_u64()),
    })
}

/// "8.1× faster than the peer" (or slower), for a note.
pub fn versus(ours: Duration, peer: Duration) -> String {
    let r = peer.as_secs_f64() / ours.as_secs_f64().max(1e-9);
    if r >= 1.0 {
        format!("{r:.1}× faster than the peer")
    } else {
        format!("{:.1}× slower than the peer", 1.0 / r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_harness_results_at_ten_thousand() {
        let text = r#"{"env":{},"results":[
            {"n":1000,"key":"push","median_ms":700},
            {"n":10000,"key":"push","median_ms":6220.5},
            {"n":10000,"key":"pull","median_ms":4970},
            {"n":10000,"key":"incremental","median_ms":39.9},
            {"n":10000,"key":"server_vmhwm_kb","value":191488}]}"#;
        let p = parse(text).unwrap();
        assert_eq!(p.push, Duration::from_micros(6_220_500));
        assert_eq!(p.pull, Duration::from_millis(4970));
        assert_eq!(p.server_peak_kib, Some(191_488));
        assert_eq!(
            versus(Duration::from_millis(622), p.push),
            "10.0× faster than the peer"
        );
        assert!(parse(r#"{"results":[]}"#).unwrap_err().contains("push"));
    }
}
