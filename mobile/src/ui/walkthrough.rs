//! A scripted walk through every screen with the demo data, for the
//! screenshot script (`scripts/screenshots`). At each step the app writes
//! `NN-name.ready` into the folder and waits until `NN-name.png` appears
//! (the script takes the screenshot), so no step races the window.

use std::path::PathBuf;
use std::time::Duration;

use dioxus::prelude::*;

use crate::app::state::{AppState, Msg, Screen};
use crate::shared::*;

/// What the walk-through needs.
#[derive(Clone, Debug)]
pub struct Walkthrough {
    pub dir: PathBuf,
    pub code: String,
    pub pin: String,
}

impl Walkthrough {
    async fn shot(&self, n: u32, name: &str) {
        // Let the webview paint.
        tokio::time::sleep(Duration::from_millis(700)).await;
        let base = format!("{n:02}-{name}");
        let _ = std::fs::write(self.dir.join(format!("{base}.ready")), b"");
        let png = self.dir.join(format!("{base}.png"));
        for _ in 0..200 {
            if png.exists() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn until(state: Signal<AppState>, what: impl Fn(&AppState) -> bool) -> bool {
        for _ in 0..600 {
            if what(&state.peek()) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        false
    }

    /// Runs the walk-through, then closes the app.
    pub async fn run(self, state: Signal<AppState>, send: impl Fn(Msg)) {
        let w = self;
        tokio::time::sleep(Duration::from_secs(2)).await;
        // First run: server and code, then the PIN.
        send(Msg::SetupCode(w.code.clone()));
        w.shot(1, "setup").await;
        send(Msg::SetupNext);
        send(Msg::SetupPin(w.pin.clone()));
        send(Msg::SetupPinConfirm(w.pin.clone()));
        w.shot(2, "choose-pin").await;
        send(Msg::SetupSubmit);
        Self::until(state, |s| s.screen == Screen::Caseload).await;
        // Lock, then unlock with a wrong PIN first.
        send(Msg::LockNow);
        for c in "000000".chars() {
            send(Msg::PinDigit(c));
        }
        send(Msg::PinSubmit);
        Self::until(state, |s| s.pin.error.is_some()).await;
        for c in w.pin.chars() {
            send(Msg::PinDigit(c));
        }
        w.shot(3, "unlock").await;
        send(Msg::PinSubmit);
        Self::until(state, |s| s.screen == Screen::Caseload).await;
        // The first sync brings the caseload down.
        send(Msg::SyncNow);
        Self::until(state, |s| {
            !s.sync.syncing() && s.caseload.as_ref().is_some_and(|c| !c.entries.is_empty())
        })
        .await;
        w.shot(4, "caseload").await;
        let first = state.peek().visible_caseload().first().map(|e| e.person.id);
        let Some(person) = first else { return close() };
        send(Msg::OpenPerson(person));
        Self::until(state, |s| {
            s.timeline.as_ref().is_some_and(|t| t.person.id == person)
        })
        .await;
        w.shot(5, "person").await;
        // Log a visit.
        send(Msg::StartContact);
        send(Msg::ContactMet(MetWhom::Person));
        send(Msg::ContactResponse(PersonResponse::Brief));
        send(Msg::ContactAccompaniment(Accompaniment::Pair));
        send(Msg::ContactObservation(
            "玄関先で本人と短く話せた。表情は前回より穏やか。次回は手紙を持って行く。".into(),
        ));
        w.shot(6, "log-contact").await;
        send(Msg::SaveContact);
        Self::until(state, |s| s.screen == Screen::Person(person)).await;
        w.shot(7, "saved").await;
        // Stage and consent.
        send(Msg::StartStageConsent);
        w.shot(8, "stage-consent").await;
        // Escalate.
        send(Msg::OpenPerson(person));
        Self::until(state, |s| {
            s.timeline.as_ref().is_some_and(|t| t.person.id == person)
        })
        .await;
        send(Msg::StartEscalation);
        send(Msg::EscReason(
            "母親の介護と本人の長期ひきこもりが重なり、単独の機関では支えきれない。".into(),
        ));
        send(Msg::EscToggleAgency(AgencyId::new("houkatsu-asahi")));
        w.shot(9, "escalate").await;
        send(Msg::EscUrgency(Urgency::Emergency));
        w.shot(10, "escalate-emergency").await;
        send(Msg::EscUrgency(Urgency::High));
        send(Msg::SubmitEscalation);
        Self::until(state, |s| s.screen == Screen::Person(person)).await;
        // Sync, returned logs, settings.
        send(Msg::SyncNow);
        Self::until(state, |s| !s.sync.syncing()).await;
        w.shot(11, "synced").await;
        send(Msg::Go(Screen::Returned));
        Self::until(state, |s| s.screen == Screen::Returned).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        w.shot(12, "returned").await;
        send(Msg::Go(Screen::Settings));
        w.shot(13, "settings").await;
        close();
    }
}

fn close() {
    #[cfg(feature = "desktop")]
    dioxus::desktop::window().close();
}
