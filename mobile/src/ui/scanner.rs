//! Reading the enrolment QR code with the tablet's camera. The web view
//! films (`getUserMedia`, back camera), a small script sends downscaled
//! grey frames, and Rust finds and decodes the QR code in them (`rqrr`,
//! pure Rust: no platform barcode API, so Android's and iOS's web views
//! behave alike). Only the text leaves this module; it is read by
//! `shared::enrolment` like a pasted one. No frame is stored.
//!
//! Offered where the platform has a camera ([`CAMERA`]: Android and iOS);
//! on the desktop the worker pastes the QR's text or types the address and
//! code.

// rsx! expands event handlers to qualified paths.
#![allow(unused_qualifications)]

use base64::Engine;
use dioxus::prelude::*;

use crate::app::text as t;

/// Whether the app offers the camera (the tablets).
pub const CAMERA: bool = cfg!(any(target_os = "android", target_os = "ios"));

/// Largest frame side accepted from the web view.
const MAX_SIDE: usize = 1280;

/// Finds a QR code in a grey image (one byte per pixel, rows top down) and
/// returns its text.
pub fn decode_luma(width: usize, height: usize, luma: &[u8]) -> Option<String> {
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
        return None;
    }
    if luma.len() != width * height {
        return None;
    }
    let mut img =
        rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| luma[y * width + x]);
    img.detect_grids()
        .into_iter()
        .find_map(|grid| grid.decode().ok().map(|(_, text)| text))
}

/// One message from the camera script.
#[derive(serde::Deserialize)]
struct Frame {
    w: Option<usize>,
    h: Option<usize>,
    luma: Option<String>,
    error: Option<String>,
    stopped: Option<bool>,
}

const SCAN_JS: &str = r#"
const video = document.getElementById("qr-video");
if (!video || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
  dioxus.send({ error: "no-camera" });
  return;
}
let stream;
try {
  stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
} catch (e) {
  dioxus.send({ error: "no-camera" });
  return;
}
const stop = () => stream.getTracks().forEach((t) => t.stop());
video.setAttribute("playsinline", "");
video.muted = true;
video.srcObject = stream;
await video.play();
const canvas = document.createElement("canvas");
const ctx = canvas.getContext("2d", { willReadFrequently: true });
while (true) {
  await new Promise((r) => setTimeout(r, 350));
  if (!document.getElementById("qr-video")) { stop(); dioxus.send({ stopped: true }); return; }
  const w0 = video.videoWidth, h0 = video.videoHeight;
  if (!w0 || !h0) continue;
  const scale = Math.min(1, 640 / Math.max(w0, h0));
  const w = Math.round(w0 * scale), h = Math.round(h0 * scale);
  canvas.width = w; canvas.height = h;
  ctx.drawImage(video, 0, 0, w, h);
  const px = ctx.getImageData(0, 0, w, h).data;
  const g = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i++) g[i] = (px[4 * i] * 77 + px[4 * i + 1] * 150 + px[4 * i + 2] * 29) >> 8;
  let bin = "";
  for (let i = 0; i < g.length; i += 8192) bin += String.fromCharCode.apply(null, g.subarray(i, i + 8192));
  dioxus.send({ w, h, luma: btoa(bin) });
  if ((await dioxus.recv()) === "stop") { stop(); return; }
}
"#;

/// The camera button and, while reading, the picture with a stop button.
/// Calls `on_text` with the text of the first QR code seen.
#[component]
pub fn QrScanner(on_text: EventHandler<String>) -> Element {
    let mut active = use_signal(|| false);
    let mut note = use_signal(|| None::<&'static str>);
    use_effect(move || {
        if !active() {
            return;
        }
        spawn(async move {
            let mut eval = document::eval(SCAN_JS);
            while let Ok(frame) = eval.recv::<Frame>().await {
                if frame.error.is_some() {
                    note.set(Some(t::SETUP_QR_NO_CAMERA));
                    active.set(false);
                    return;
                }
                if frame.stopped.is_some() {
                    return;
                }
                let (Some(w), Some(h), Some(b64)) = (frame.w, frame.h, frame.luma) else {
                    continue;
                };
                let found = base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .ok()
                    .and_then(|luma| decode_luma(w, h, &luma));
                match found {
                    Some(text) => {
                        let _ = eval.send("stop");
                        active.set(false);
                        on_text.call(text);
                        return;
                    }
                    None => {
                        if eval.send("more").is_err() {
                            return;
                        }
                    }
                }
            }
        });
    });
    rsx! {
        div { class: "scanner",
            if active() {
                video { id: "qr-video", class: "qr-video", autoplay: true, muted: true }
                p { class: "hint", "{t::SETUP_QR_CAMERA_HINT}" }
                button { onclick: move |_| active.set(false), "{t::SETUP_QR_CAMERA_STOP}" }
            } else {
                button { class: "primary", id: "qr-camera",
                    onclick: move |_| { note.set(None); active.set(true) },
                    "{t::SETUP_QR_CAMERA}"
                }
            }
            if let Some(n) = note() { p { class: "err", role: "alert", "{n}" } }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use outreach_shared::enrolment::{EnrolmentQr, SpkiPin};

    /// Draws `text` as a QR code, `scale` pixels a module, with a quiet
    /// zone, on a grey background, as a camera frame would show it.
    fn frame(text: &str, scale: usize) -> (usize, usize, Vec<u8>) {
        let code = qrcode::QrCode::new(text.as_bytes()).unwrap();
        let n = code.width();
        let colors = code.to_colors();
        let side = (n + 8) * scale;
        let mut luma = vec![200u8; side * side];
        for y in 0..side {
            for x in 0..side {
                let (mx, my) = ((x / scale) as isize - 4, (y / scale) as isize - 4);
                if mx >= 0 && my >= 0 && (mx as usize) < n && (my as usize) < n {
                    let dark = colors[my as usize * n + mx as usize] == qrcode::Color::Dark;
                    luma[y * side + x] = if dark { 20 } else { 235 };
                }
            }
        }
        (side, side, luma)
    }

    #[test]
    fn a_filmed_enrolment_qr_reads_back_to_the_same_enrolment() {
        let qr = EnrolmentQr {
            server: "https://outreach.example.invalid:8443".into(),
            code: "ABCD-EFGH-JKLM".into(),
            pins: vec![SpkiPin::of_spki_der(b"fictitious server key")],
        };
        let (w, h, luma) = frame(&qr.to_text(), 4);
        let text = decode_luma(w, h, &luma).expect("the QR code is found");
        assert_eq!(EnrolmentQr::parse(&text).unwrap(), qr);
    }

    #[test]
    fn frames_without_a_code_or_of_a_wrong_size_give_nothing() {
        assert_eq!(decode_luma(64, 64, &[128; 64 * 64]), None);
        assert_eq!(decode_luma(64, 64, &[128; 10]), None);
        assert_eq!(decode_luma(0, 0, &[]), None);
        assert_eq!(decode_luma(MAX_SIDE + 1, 1, &[0; MAX_SIDE + 1]), None);
    }
}
