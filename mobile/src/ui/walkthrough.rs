//! A scripted walk through every screen with the demo data, for the
//! screenshot script (`scripts/screenshots`). At each step the app writes
//! `NN-name.ready` into the folder and waits until `NN-name.png` appears
//! (the script takes the screenshot), so no step races the window.

use std::path::PathBuf;
use std::time::Duration;

use dioxus::prelude::*;

use crate::app::state::{AppState, Msg, ParticipationMode, Screen};
use crate::shared::ja;
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
        let opened = move |s: &AppState| s.timeline.as_ref().is_some_and(|t| t.person.id == person);
        send(Msg::OpenPerson(person));
        Self::until(state, opened).await;
        w.shot(5, "person").await;
        // Log a visit, with the next date typed in 令和.
        send(Msg::StartContact);
        send(Msg::ContactMet(MetWhom::Person));
        send(Msg::ContactResponse(PersonResponse::Brief));
        send(Msg::ContactAccompaniment(
            Accompaniment::WithWelfareCommissioner,
        ));
        send(Msg::ContactObservation(
            "民生委員と訪問。玄関先で本人と短く話せた。表情は前回より穏やか。".into(),
        ));
        let due = ja::local_date(chrono::Utc::now()) + chrono::Duration::days(10);
        send(Msg::ContactNextDue(era_short(due)));
        w.shot(6, "log-contact").await;
        send(Msg::SaveContact);
        Self::until(state, |s| s.screen == Screen::Person(person)).await;
        w.shot(7, "saved").await;
        // Stage and consent, with the consent date typed in 令和.
        send(Msg::StartStageConsent);
        send(Msg::ConsentDate(era_short(ja::local_date(
            chrono::Utc::now(),
        ))));
        w.shot(8, "stage-consent").await;
        // Escalate.
        send(Msg::OpenPerson(person));
        Self::until(state, opened).await;
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
        // A second escalation of the same person: the server refuses it
        // (the case is open already) and it waits on the 要修正 screen.
        send(Msg::StartEscalation);
        send(Msg::EscReason(
            "（見本）同じ人をもう一度つないだ例。".into(),
        ));
        send(Msg::SubmitEscalation);
        Self::until(state, |s| s.screen == Screen::Person(person)).await;
        send(Msg::SyncNow);
        Self::until(state, |s| !s.sync.syncing()).await;
        w.shot(11, "synced").await;
        send(Msg::Go(Screen::Fixes));
        Self::until(state, |s| s.screen == Screen::Fixes && s.fixes.loaded).await;
        w.shot(12, "fixes").await;
        // (Read first: a peek must not be held while a message writes the state.)
        let refused = state.peek().fixes.items.first().map(|c| c.op_id);
        if let Some(op) = refused {
            send(Msg::DiscardRequested(op));
            w.shot(13, "fixes-discard").await;
            send(Msg::DiscardCancelled);
            send(Msg::CorrectRejected(op));
            w.shot(14, "fixes-correct").await;
        }
        // Register someone noticed (気づき), from the caseload.
        send(Msg::Go(Screen::Caseload));
        send(Msg::StartRegister);
        w.shot(15, "register").await;
        send(Msg::PfAlias(
            "（見本）栄町の青い屋根のお宅の息子さん".into(),
        ));
        send(Msg::PfKana("ｱｵｲﾔﾈﾉｵﾀｸ".into()));
        send(Msg::PfNoticedBy(Some(NoticedBy::WelfareCommissioner)));
        send(Msg::PfArea("sakaecho-2".into()));
        send(Msg::PfBirthYear("昭和50".into()));
        send(Msg::PfToggleApproximate);
        send(Msg::PfToggleField(LifeField::Elderly));
        send(Msg::PfToggleTag(CrossTag::EightyFifty));
        send(Msg::PfToggleTag(CrossTag::Isolation));
        send(Msg::PfSummary(
            "（見本）民生委員から、高齢の母と二人暮らしで長く外出していないと情報。".into(),
        ));
        w.shot(16, "register-filled").await;
        send(Msg::SavePerson);
        Self::until(state, |s| {
            matches!(s.screen, Screen::Person(_)) && s.timeline.is_some()
        })
        .await;
        let screen = state.peek().screen;
        let Screen::Person(new) = screen else {
            return close();
        };
        let on_new = move |s: &AppState| {
            s.screen == Screen::Person(new)
                && s.timeline.as_ref().is_some_and(|t| t.person.id == new)
        };
        w.shot(17, "registered").await;
        // The household, member by member.
        send(Msg::StartAddMember);
        send(Msg::MfRelation(Relation::Parent));
        send(Msg::MfAlias("母".into()));
        send(Msg::MfBirthYear("S17ごろ".into()));
        send(Msg::MfNote(
            "（見本）要介護1。膝が悪く買い物がつらい。".into(),
        ));
        w.shot(18, "member-add").await;
        send(Msg::SaveMember);
        Self::until(state, on_new).await;
        send(Msg::StartAddMember);
        send(Msg::MfRelation(Relation::Sibling));
        send(Msg::MfAlias("兄".into()));
        send(Msg::MfToggleLivesTogether);
        send(Msg::SaveMember);
        Self::until(state, move |s| {
            on_new(s)
                && s.timeline
                    .as_ref()
                    .is_some_and(|t| t.person.household.members.len() == 2)
        })
        .await;
        w.shot(19, "household").await;
        send(Msg::StartEditProfile);
        w.shot(20, "edit-profile").await;
        // The relationship, up to handing on (with to whom and why).
        for to in [
            Stage::FirstContact,
            Stage::RelationshipForming,
            Stage::AcceptsSupport,
        ] {
            send(Msg::OpenPerson(new));
            Self::until(state, on_new).await;
            send(Msg::StartStageConsent);
            send(Msg::ChooseStage(to));
            Self::until(state, move |s| {
                on_new(s) && s.timeline.as_ref().is_some_and(|t| t.person.stage == to)
            })
            .await;
        }
        send(Msg::StartStageConsent);
        send(Msg::ChooseStage(Stage::HandedOn));
        send(Msg::StageReason(
            "（見本）介護保険の申請につながり、包括が主に関わることになった。".into(),
        ));
        send(Msg::StageHandedAgency(Some(AgencyId::new(
            "houkatsu-asahi",
        ))));
        w.shot(21, "handed-on").await;
        send(Msg::ConfirmStage);
        Self::until(state, move |s| {
            on_new(s)
                && s.timeline
                    .as_ref()
                    .is_some_and(|t| t.person.stage == Stage::HandedOn)
        })
        .await;
        w.shot(22, "handed-on-person").await;
        send(Msg::StartStageConsent);
        send(Msg::ChooseStage(Stage::Closed));
        send(Msg::StageReason(
            "（見本）包括の支援が続き、アウトリーチとしては終える。".into(),
        ));
        send(Msg::ConfirmStage);
        Self::until(state, move |s| {
            on_new(s)
                && s.timeline
                    .as_ref()
                    .is_some_and(|t| t.person.stage == Stage::Closed)
        })
        .await;
        // Closed people are found with the 終結 filter and by a search.
        send(Msg::Go(Screen::Caseload));
        send(Msg::FilterStage(Some("closed".into())));
        Self::until(state, |s| s.caseload.is_some()).await;
        w.shot(23, "closed-filter").await;
        send(Msg::FilterStage(None));
        send(Msg::Search("ｱｵｲ".into()));
        w.shot(24, "search-half-width").await;
        send(Msg::Search(String::new()));
        // Sync, returned logs, settings.
        send(Msg::SyncNow);
        Self::until(state, |s| !s.sync.syncing()).await;
        send(Msg::Go(Screen::Returned));
        Self::until(state, |s| s.screen == Screen::Returned).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        w.shot(25, "returned").await;
        send(Msg::Go(Screen::Settings));
        w.shot(26, "settings").await;
        // The whole team's persons, then this worker's own again.
        send(Msg::Go(Screen::Caseload));
        Self::until(state, |s| s.caseload.is_some()).await;
        send(Msg::ToggleWholeTeam);
        w.shot(27, "whole-team").await;
        send(Msg::ToggleWholeTeam);
        // A person handed over to this worker (the demo has one): the
        // supervisor's note on top of the page.
        let own: Vec<PersonId> = state
            .peek()
            .visible_caseload()
            .iter()
            .map(|e| e.person.id)
            .collect();
        for id in own {
            send(Msg::OpenPerson(id));
            Self::until(state, move |s| {
                s.timeline.as_ref().is_some_and(|t| t.person.id == id)
            })
            .await;
            let handed = state
                .peek()
                .timeline
                .as_ref()
                .is_some_and(|t| t.assignment.handover.is_some());
            if handed {
                w.shot(28, "handover-note").await;
                break;
            }
        }
        // Lone-worker check: start a visit (90 minutes), the banner, the
        // reminder at the expected end, finish and log it.
        send(Msg::OpenPerson(person));
        Self::until(state, opened).await;
        send(Msg::VisitMinutes(90));
        w.shot(29, "visit-start").await;
        send(Msg::StartVisit);
        Self::until(state, |s| s.visit.open.is_some()).await;
        w.shot(30, "visit-in-progress").await;
        // As the tablet shows it once the expected end has passed.
        let open = state.peek().visit.open.clone();
        if let Some(mut v) = open {
            v.expected_end = chrono::Utc::now() - chrono::Duration::minutes(5);
            send(Msg::VisitLoaded(Some(v)));
            w.shot(31, "visit-due").await;
        }
        send(Msg::FinishVisit);
        Self::until(state, |s| {
            s.visit.open.is_none() && s.visit.just_finished.is_some()
        })
        .await;
        w.shot(32, "visit-finished").await;
        send(Msg::LogFinishedVisit);
        w.shot(33, "visit-log").await;
        // A case's outcome (issue 13): the demo's person the coordinator
        // asked this team to find, or one with a plan's task for the 社協.
        let with_outcome = |tasks: bool| {
            state.peek().caseload.as_ref().and_then(|c| {
                c.entries
                    .iter()
                    .find(|e| {
                        e.open_cases
                            .iter()
                            .filter_map(|c| c.status.as_ref())
                            .any(|v| {
                                if tasks {
                                    !v.outreach_tasks.is_empty()
                                } else {
                                    v.find_request.is_some()
                                }
                            })
                    })
                    .map(|e| e.person.id)
            })
        };
        send(Msg::Go(Screen::Caseload));
        Self::until(state, |s| s.caseload.is_some()).await;
        for (n, name, tasks) in [
            (34, "case-outcome-tasks", true),
            (35, "find-request", false),
        ] {
            if let Some(person) = with_outcome(tasks) {
                send(Msg::OpenPerson(person));
                let opened =
                    move |s: &AppState| s.timeline.as_ref().is_some_and(|t| t.person.id == person);
                Self::until(state, opened).await;
                w.shot(n, name).await;
                send(Msg::Go(Screen::Caseload));
            }
        }
        w.participation(state, &send).await;
        w.household(state, &send).await;
        close();
    }

    /// The household as a unit (issue 18): the demo's 8050 household on
    /// the mother's page (her son a person of his own, with his own
    /// consent shown), then the escalation form offering to raise it for
    /// the household.
    async fn household(&self, state: Signal<AppState>, send: &impl Fn(Msg)) {
        let w = self;
        send(Msg::Go(Screen::Caseload));
        Self::until(state, |s| s.caseload.is_some()).await;
        let found = state
            .peek()
            .caseload
            .as_ref()
            .and_then(|c| {
                c.entries
                    .iter()
                    .find(|e| e.person.household.linked_persons().next().is_some())
            })
            .map(|e| e.person.id);
        let Some(person) = found else {
            return;
        };
        send(Msg::OpenPerson(person));
        Self::until(state, move |s| {
            s.timeline
                .as_ref()
                .is_some_and(|t| t.person.id == person && !t.household.is_empty())
        })
        .await;
        // The household card may sit below the fold (landscape).
        let _ = document::eval(
            "document.querySelector('ul.linked')?.scrollIntoView({block: 'center'});",
        );
        w.shot(43, "household").await;
        send(Msg::StartEscalation);
        send(Msg::EscForHousehold(true));
        w.shot(44, "escalate-household").await;
        send(Msg::OpenPerson(person));
    }

    /// 参加支援 (issue 18): on the first person, needs with no suitable
    /// resource, a trial at a resource of the catalogue that answers it,
    /// and the trial stopped with why.
    async fn participation(&self, state: Signal<AppState>, send: &impl Fn(Msg)) {
        let w = self;
        Self::until(state, |s| s.caseload.is_some()).await;
        let Some(person) = state.peek().visible_caseload().first().map(|e| e.person.id) else {
            return;
        };
        send(Msg::OpenPerson(person));
        Self::until(state, move |s| {
            s.timeline.as_ref().is_some_and(|t| t.person.id == person)
        })
        .await;
        send(Msg::StartParticipation);
        let loaded = |s: &AppState| {
            s.participation
                .as_ref()
                .is_some_and(|f| f.data.is_some() && !f.busy)
        };
        Self::until(state, loaded).await;
        send(Msg::PaToggleNeed(NeedKind::PlaceToBe));
        send(Msg::PaToggleNeed(NeedKind::Company));
        send(Msg::PaToggleUnmet);
        send(Msg::PaUnmetArea("sakaecho-3".into()));
        send(Msg::PaUnmetText(
            "栄町で若者が夕方に行ける居場所がない".into(),
        ));
        w.shot(36, "participation-needs").await;
        send(Msg::SaveParticipation);
        Self::until(state, loaded).await;
        let (resource, need) = {
            let s = state.peek();
            let d = s.participation.as_ref().and_then(|f| f.data.clone());
            let resource = d.as_ref().and_then(|d| {
                d.resources
                    .iter()
                    .find(|r| r.kind == ResourceKind::PlaceToBe && r.accepts_new)
                    .or(d.resources.first())
                    .map(|r| r.id)
            });
            let need = d.and_then(|d| participation::open_unmet(&d.records).last().map(|r| r.id));
            (resource, need)
        };
        send(Msg::PaMode(ParticipationMode::Trial));
        send(Msg::PaResource(resource));
        send(Msg::PaMeets(need));
        w.shot(37, "participation-trial").await;
        send(Msg::SaveParticipation);
        Self::until(state, loaded).await;
        let trial = state.peek().participation.as_ref().and_then(|f| {
            f.data.as_ref().and_then(|d| {
                participation::trials(&d.records)
                    .first()
                    .map(|t| t.trial.id)
            })
        });
        send(Msg::PaMode(ParticipationMode::FollowUp));
        send(Msg::PaTrial(trial));
        send(Msg::PaOutcome(TrialOutcome::Stopped));
        send(Msg::PaReason(
            "（見本）夜は家族の介護があり続けられなかった".into(),
        ));
        w.shot(38, "participation-follow-up").await;
        send(Msg::SaveParticipation);
        Self::until(state, loaded).await;
        w.shot(39, "participation-stopped").await;

        // 地域づくり: the 地域活動 tab from the home screen, the team's
        // activities (the demo's year), and a patrol that brings up a
        // person to find.
        send(Msg::Go(Screen::Community));
        let listed = |s: &AppState| s.community.activities.is_some() && !s.community.busy;
        Self::until(state, listed).await;
        w.shot(40, "community").await;
        send(Msg::CoKind(ActivityKind::Patrol));
        send(Msg::CoArea("hanenishi-3".into()));
        send(Msg::CoCount(ParticipantRole::CouncilStaff, "2".into()));
        send(Msg::CoCount(
            ParticipantRole::WelfareCommissioner,
            "1".into(),
        ));
        send(Msg::CoLearned(
            "（見本）雨戸が閉まったままの家がある。近所の方も最近見ていない。".into(),
        ));
        send(Msg::CoFollowUp(
            "（見本）民生委員と日中にもう一度訪ねる。".into(),
        ));
        send(Msg::CoFinds("羽西3丁目 高齢男性".into()));
        w.shot(41, "community-form").await;
        send(Msg::SaveCommunity);
        Self::until(state, |s| {
            s.community.activities.as_ref().is_some_and(|l| {
                l.first().is_some_and(|a| {
                    a.kind == ActivityKind::Patrol && !a.persons_to_find.is_empty()
                })
            })
        })
        .await;
        w.shot(42, "community-saved").await;
    }
}

/// A date as a worker types it: 「R8.6.11」.
fn era_short(d: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    match ja::era_year(d) {
        Some(("令和", y)) => format!("R{y}.{}.{}", d.month(), d.day()),
        _ => ja::date_input_text(d),
    }
}

fn close() {
    #[cfg(feature = "desktop")]
    dioxus::desktop::window().close();
}
