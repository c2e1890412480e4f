//! Runs the [`Effect`]s the state machine asks for — on the store thread or
//! the network — and turns their outcome into [`Msg`]s. Front-end neutral:
//! the Dioxus UI awaits these futures on its own runtime.

use std::time::Duration;

use super::core::CoreHandle;
use super::state::{Effect, Msg, ReturnedLog, SaveFailure, UnlockFailure};
use super::text as t;
use crate::KdfParams;
use crate::error::StoreError;
use crate::model::Identity;
use crate::secret::Pin;
use crate::shared::*;
use crate::store::Store;
use crate::sync::{Backoff, SyncClient, SyncError, SyncProgress, enroll_pinned};

/// How hard a running app tries before it reports a failed sync.
pub const APP_BACKOFF: Backoff = Backoff {
    first: Duration::from_millis(500),
    max: Duration::from_secs(8),
    attempts: 3,
};

fn load_error(e: &StoreError) -> Msg {
    match e {
        StoreError::Locked => Msg::Locked,
        _ => Msg::ReturnedLoaded(Err(SaveFailure::from_store(e).message())),
    }
}

impl SaveFailure {
    /// One line for a notice.
    pub fn message(&self) -> String {
        match self {
            SaveFailure::Fields(f) => f
                .iter()
                .map(|(_, m)| m.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            SaveFailure::Locked => t::ERR_LOCKED.into(),
            SaveFailure::Other(m) => m.clone(),
        }
    }
}

/// Runs one effect. `progress` receives sync progress as it happens.
pub async fn run(
    core: &CoreHandle,
    effect: Effect,
    kdf: KdfParams,
    progress: &mut dyn FnMut(SyncProgress),
) -> Vec<Msg> {
    match effect {
        Effect::Enroll {
            server,
            code,
            pins,
            pin,
        } => {
            let resp = match enroll_pinned(&server, &code, &pins, t::APP_TITLE).await {
                Ok(r) => r,
                Err(e) => return vec![Msg::SetupFinished(Err(e.message_ja()))],
            };
            let sent = chrono::Utc::now();
            let r = core
                .call(move |c| -> Result<(), StoreError> {
                    let pin = Pin::new(pin.to_string())?;
                    let identity = Identity {
                        device_id: resp.device_id,
                        user_id: resp.user_id,
                        team_id: resp.team_id,
                    };
                    let mut s = Store::init(c.cfg.clone(), &pin, Some(identity), kdf)?;
                    s.set_server_link_pinned(&server, &resp.token, &pins)?;
                    let offset = (resp.server_time - sent).num_milliseconds();
                    if offset.abs() > 2_000 {
                        s.set_clock_offset(offset)?;
                    }
                    c.store = Some(s);
                    Ok(())
                })
                .await;
            vec![Msg::SetupFinished(
                r.map_err(|e| SaveFailure::from_store(&e).message()),
            )]
        }
        Effect::Unlock(pin) => {
            let r = core
                .with_store(move |s| {
                    s.unlock(&Pin::for_unlock(pin.to_string()))?;
                    let idle = s.idle_timeout_setting();
                    if let Some(idle) = idle {
                        s.set_idle_timeout(idle)?;
                    }
                    Ok(idle)
                })
                .await;
            match r {
                Ok(idle) => {
                    let mut out = vec![Msg::Unlocked(Ok(()))];
                    if let Some(idle) = idle {
                        let minutes = u32::try_from(idle.as_secs() / 60).unwrap_or(u32::MAX);
                        out.push(Msg::IdleSettingLoaded(minutes));
                    }
                    out
                }
                Err(e) => vec![Msg::Unlocked(Err(match e {
                    StoreError::WrongPin { remaining } => UnlockFailure::WrongPin { remaining },
                    StoreError::KeyDestroyed => UnlockFailure::KeyDestroyed,
                    other => UnlockFailure::Other(SaveFailure::from_store(&other).message()),
                }))],
            }
        }
        Effect::LoadUnlockDelay => match core.with_store(|s| s.unlock_delay()).await {
            Ok(wait) => vec![Msg::UnlockDelayLoaded(wait.as_secs())],
            // No store, or it can't be read: the unlock itself will say so.
            Err(_) => Vec::new(),
        },
        Effect::LoadCaseload => match core.with_store(|s| s.caseload()).await {
            Ok(c) => vec![Msg::CaseloadLoaded(Ok(Box::new(c)))],
            Err(StoreError::Locked) => vec![Msg::Locked],
            Err(e) => vec![Msg::CaseloadLoaded(Err(
                SaveFailure::from_store(&e).message()
            ))],
        },
        Effect::LoadTimeline(id) => match core.with_store(move |s| s.timeline(id)).await {
            Ok(tl) => vec![Msg::TimelineLoaded(Ok(Box::new(tl)))],
            Err(StoreError::Locked) => vec![Msg::Locked],
            Err(e) => vec![Msg::TimelineLoaded(Err(
                SaveFailure::from_store(&e).message()
            ))],
        },
        Effect::LoadReturned => match core.with_store(returned_logs).await {
            Ok(v) => vec![Msg::ReturnedLoaded(Ok(v))],
            Err(e) => vec![load_error(&e)],
        },
        Effect::LoadFixes => match core.with_store(|s| s.rejected_changes()).await {
            Ok(l) => vec![Msg::FixesLoaded(Ok(l.items))],
            Err(StoreError::Locked) => vec![Msg::Locked],
            Err(e) => vec![Msg::FixesLoaded(Err(SaveFailure::from_store(&e).message()))],
        },
        Effect::CreatePerson(new) => {
            let r = core.with_store(move |s| s.create_person(new)).await;
            vec![Msg::PersonSaved(
                r.map(|p| p.id).map_err(|e| SaveFailure::from_store(&e)),
            )]
        }
        Effect::UpdatePerson(id, changes) => {
            let r = core.with_store(move |s| s.update_person(id, changes)).await;
            vec![Msg::PersonSaved(
                r.map(|p| p.id).map_err(|e| SaveFailure::from_store(&e)),
            )]
        }
        Effect::SaveMember(person, id, member) => {
            let r = core
                .with_store(move |s| match id {
                    Some(_) => s.edit_household_member(person, member),
                    None => s.add_household_member(person, member),
                })
                .await;
            vec![Msg::MemberSaved(
                r.map(|_| t::MEMBER_SAVED)
                    .map_err(|e| SaveFailure::from_store(&e)),
            )]
        }
        Effect::RemoveMember(person, id) => {
            let r = core
                .with_store(move |s| s.remove_household_member(person, id))
                .await;
            vec![Msg::MemberSaved(
                r.map(|_| t::MEMBER_REMOVED)
                    .map_err(|e| SaveFailure::from_store(&e)),
            )]
        }
        Effect::Correct(op, correction) => {
            let r = core
                .with_store(move |s| s.correct_rejected(op, correction))
                .await;
            vec![Msg::Corrected(r.map_err(|e| SaveFailure::from_store(&e)))]
        }
        Effect::Discard(op) => {
            let r = core.with_store(move |s| s.discard_rejected(op)).await;
            match r {
                Err(StoreError::Locked) => vec![Msg::Locked],
                r => vec![Msg::Discarded(
                    r.map_err(|e| SaveFailure::from_store(&e).message()),
                )],
            }
        }
        Effect::LoadStatus => match core
            .with_store(|s| Ok((s.outbox_status()?, s.sync_state()?)))
            .await
        {
            Ok((o, st)) => vec![Msg::StatusLoaded(o, st)],
            Err(_) => Vec::new(),
        },
        Effect::SaveContact(c, revises) => {
            let r = core
                .with_store(move |s| match revises {
                    Some(id) => s.correct_contact(id, c).map(|_| ()),
                    None => s.log_contact(c).map(|_| ()),
                })
                .await;
            vec![Msg::ContactSaved(
                r.map_err(|e| SaveFailure::from_store(&e)),
            )]
        }
        Effect::Escalate(e) => {
            let r = core
                .with_store(move |s| s.escalate(e).map(|x| x.route))
                .await;
            vec![Msg::Escalated(r.map_err(|e| SaveFailure::from_store(&e)))]
        }
        Effect::ChangeStage(id, to, note) => {
            let r = core
                .with_store(move |s| s.change_stage_with(id, to, note).map(|_| t::STAGE_SAVED))
                .await;
            vec![Msg::StageConsentSaved(
                r.map_err(|e| SaveFailure::from_store(&e)),
            )]
        }
        Effect::RecordConsent(id, mut c) => {
            let r = core
                .with_store(move |s| {
                    c.recorded_by = Some(s.identity().user_id);
                    s.record_consent(id, c).map(|_| t::CONSENT_SAVED)
                })
                .await;
            vec![Msg::StageConsentSaved(
                r.map_err(|e| SaveFailure::from_store(&e)),
            )]
        }
        Effect::WithdrawConsent(id, day) => {
            let r = core
                .with_store(move |s| s.withdraw_consent(id, Some(day)).map(|_| t::CONSENT_SAVED))
                .await;
            vec![Msg::StageConsentSaved(
                r.map_err(|e| SaveFailure::from_store(&e)),
            )]
        }
        Effect::Sync => {
            let link = core
                .with_store(|s| Ok(s.server_link()?.map(|l| (l.url, l.token, l.pins))))
                .await;
            let (url, token, pins) = match link {
                Ok(Some(l)) => l,
                Ok(None) => {
                    return vec![Msg::SyncFinished(Err(SyncError::NotEnrolled.message_ja()))];
                }
                Err(StoreError::Locked) => return vec![Msg::SyncFinished(Ok(())), Msg::Locked],
                Err(e) => {
                    return vec![Msg::SyncFinished(
                        Err(SaveFailure::from_store(&e).message()),
                    )];
                }
            };
            let client = SyncClient::pinned(&url, &token, &pins, Duration::from_secs(30));
            drop(token);
            match client.sync(core, APP_BACKOFF, progress).await {
                Ok(_) => vec![Msg::SyncFinished(Ok(()))],
                Err(SyncError::Revoked) => {
                    core.call(|c| {
                        if let Some(s) = c.store.take() {
                            let _ = s.wipe();
                        }
                    })
                    .await;
                    vec![Msg::Wiped]
                }
                // The store locked (idle) while the sync ran: the app follows.
                Err(SyncError::Store(StoreError::Locked)) => {
                    vec![Msg::SyncFinished(Ok(())), Msg::Locked]
                }
                Err(e) => vec![Msg::SyncFinished(Err(e.message_ja()))],
            }
        }
        Effect::Lock => {
            core.call(|c| {
                if let Some(s) = c.store.as_mut() {
                    s.lock();
                }
            })
            .await;
            Vec::new()
        }
        Effect::SetIdle(minutes) => {
            let _ = core
                .with_store(move |s| {
                    s.set_idle_timeout(Duration::from_secs(u64::from(minutes) * 60))
                })
                .await;
            Vec::new()
        }
        Effect::LoadVisit => match core.with_store(|s| s.open_visit()).await {
            Ok(v) => vec![Msg::VisitLoaded(v)],
            Err(StoreError::Locked) => vec![Msg::Locked],
            Err(_) => vec![Msg::VisitLoaded(None)],
        },
        Effect::StartVisit(person, minutes) => {
            let r = core
                .with_store(move |s| s.start_visit(person, minutes))
                .await;
            vec![Msg::VisitStarted(
                r.map_err(|e| SaveFailure::from_store(&e)),
            )]
        }
        Effect::LoadParticipation(person) => {
            let r = core
                .with_store(move |s| {
                    Ok::<_, StoreError>(super::state::ParticipationData {
                        records: s.participation_of(person)?,
                        resources: s.resources()?,
                    })
                })
                .await;
            match r {
                Ok(d) => vec![Msg::ParticipationLoaded(Ok(Box::new(d)))],
                Err(StoreError::Locked) => vec![Msg::Locked],
                Err(e) => vec![Msg::ParticipationLoaded(Err(
                    SaveFailure::from_store(&e).message()
                ))],
            }
        }
        Effect::LoadResourceNames => match core.with_store(|s| s.resources()).await {
            Ok(all) => vec![Msg::ResourceNamesLoaded(
                all.into_iter().map(|r| r.name).collect(),
            )],
            Err(StoreError::Locked) => vec![Msg::Locked],
            // Without the catalogue the resource is typed in words.
            Err(_) => Vec::new(),
        },
        Effect::RecordParticipation(person, entry) => {
            let r = core
                .with_store(move |s| s.record_participation(person, entry).map(|_| ()))
                .await;
            vec![Msg::ParticipationSaved(
                r.map_err(|e| SaveFailure::from_store(&e)),
            )]
        }
        Effect::LoadCommunity => {
            let r = core.with_store(|s| s.community_activities()).await;
            match r {
                Ok(l) => vec![Msg::CommunityLoaded(Ok(l))],
                Err(StoreError::Locked) => vec![Msg::Locked],
                Err(e) => vec![Msg::CommunityLoaded(Err(
                    SaveFailure::from_store(&e).message()
                ))],
            }
        }
        Effect::LogCommunity(new) => {
            let r = core
                .with_store(move |s| s.log_community_activity(*new).map(|_| ()))
                .await;
            vec![Msg::CommunitySaved(
                r.map_err(|e| SaveFailure::from_store(&e)),
            )]
        }
        Effect::FinishVisit => {
            let r = core.with_store(|s| s.finish_visit()).await;
            vec![Msg::VisitFinished(
                r.map_err(|e| SaveFailure::from_store(&e)),
            )]
        }
        Effect::Reenrol(qr) => {
            let resp = match enroll_pinned(&qr.server, &qr.code, &qr.pins, t::APP_TITLE).await {
                Ok(r) => r,
                Err(e) => return vec![Msg::ReenrolFinished(Err(e.message_ja()))],
            };
            let sent = chrono::Utc::now();
            let r = core
                .with_store(move |s| {
                    s.set_identity(Identity {
                        device_id: resp.device_id,
                        user_id: resp.user_id,
                        team_id: resp.team_id,
                    })?;
                    s.set_server_link_pinned(&qr.server, &resp.token, &qr.pins)?;
                    let offset = (resp.server_time - sent).num_milliseconds();
                    if offset.abs() > 2_000 {
                        s.set_clock_offset(offset)?;
                    }
                    Ok(qr.server)
                })
                .await;
            match r {
                Err(StoreError::Locked) => vec![Msg::Locked],
                r => vec![Msg::ReenrolFinished(
                    r.map_err(|e| SaveFailure::from_store(&e).message()),
                )],
            }
        }
        Effect::Wipe => {
            core.call(|c| {
                if let Some(s) = c.store.take() {
                    let _ = s.wipe();
                }
            })
            .await;
            vec![Msg::Wiped]
        }
    }
}

/// Whether the keys were forgotten for idleness (checked every few seconds).
pub async fn idle_locked(core: &CoreHandle) -> bool {
    core.call(|c| c.store.as_mut().is_none_or(|s| s.check_idle()))
        .await
}

/// Tells the core that a person tapped (see [`Msg::is_input`]): the store's
/// own idle time starts again. Background work never calls this.
pub async fn note_input(core: &CoreHandle) {
    core.call(|c| {
        if let Some(s) = c.store.as_mut() {
            s.touch();
        }
    })
    .await
}

/// Every current contact log a supervisor returned, newest first.
fn returned_logs(s: &mut Store) -> Result<Vec<ReturnedLog>, StoreError> {
    let mut out = Vec::new();
    for p in s.persons()?.items {
        let tl = s.timeline(p.id)?;
        for e in tl.entries.into_iter().filter(|e| e.current) {
            if let Some(r) = e.review.filter(|r| r.status == ReviewStatus::Returned) {
                out.push(ReturnedLog {
                    person: tl.person.clone(),
                    contact: e.contact,
                    comment: r.comment.unwrap_or_default(),
                    reviewed_at: r.reviewed_at,
                });
            }
        }
    }
    out.sort_by_key(|r| std::cmp::Reverse(r.reviewed_at));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::core::AppCore;
    use crate::app::state::{AppState, Screen, update};
    use crate::store::StoreConfig;
    use crate::{NewPerson, Pin};

    /// Drives the state machine with the real runner and a real store, as
    /// the UI does (a tap also tells the store a person is there).
    async fn drive(core: &CoreHandle, s: &mut AppState, msg: Msg) {
        if msg.is_input() {
            note_input(core).await;
        }
        let mut queue = vec![msg];
        while let Some(m) = queue.pop() {
            for fx in update(s, m, chrono::Utc::now()) {
                if matches!(fx, Effect::Sync) {
                    continue; // no server in this test
                }
                queue
                    .extend(run(core, fx, KdfParams::insecure_fast_for_tests(), &mut |_| {}).await);
            }
        }
    }

    #[tokio::test]
    async fn the_pin_pad_says_how_long_an_unlock_waits_after_interrupted_checks() {
        let dir = tempfile::tempdir().unwrap();
        let cfg =
            StoreConfig::new(dir.path().join("d")).with_device_secret_path(dir.path().join("k"));
        let store = Store::init(
            cfg.clone(),
            &Pin::new("975310".into()).unwrap(),
            None,
            KdfParams::insecure_fast_for_tests(),
        )
        .unwrap();
        drop(store);
        // Four checks that never ended (the app killed during Argon2id):
        // the next unlock first waits a second.
        rusqlite::Connection::open(cfg.db_path())
            .unwrap()
            .execute(
                "INSERT INTO meta (key, value) VALUES ('unlock_interrupted', '4')",
                [],
            )
            .unwrap();
        let core = CoreHandle::spawn(AppCore::open(cfg));
        let mut s = AppState::new(true);
        drive(&core, &mut s, Msg::Started).await;
        assert_eq!(s.pin.wait_secs, 1);
        for c in "975310".chars() {
            drive(&core, &mut s, Msg::PinDigit(c)).await;
        }
        drive(&core, &mut s, Msg::PinSubmit).await;
        assert_eq!(s.screen, Screen::Caseload);
        assert_eq!(s.pin.wait_secs, 0, "a right PIN clears the count");

        // A store with no interrupted check: no wait is shown.
        let dir = tempfile::tempdir().unwrap();
        let cfg =
            StoreConfig::new(dir.path().join("d")).with_device_secret_path(dir.path().join("k"));
        drop(
            Store::init(
                cfg.clone(),
                &Pin::new("975310".into()).unwrap(),
                None,
                KdfParams::insecure_fast_for_tests(),
            )
            .unwrap(),
        );
        let core = CoreHandle::spawn(AppCore::open(cfg));
        let mut s = AppState::new(true);
        drive(&core, &mut s, Msg::Started).await;
        assert_eq!(s.pin.wait_secs, 0);
    }

    #[tokio::test]
    async fn unlock_log_a_visit_and_see_it_through_the_real_store() {
        let dir = tempfile::tempdir().unwrap();
        let cfg =
            StoreConfig::new(dir.path().join("d")).with_device_secret_path(dir.path().join("k"));
        let mut store = Store::init(
            cfg.clone(),
            &Pin::new("975310".into()).unwrap(),
            None,
            KdfParams::insecure_fast_for_tests(),
        )
        .unwrap();
        let p = store
            .create_person(NewPerson {
                alias: "架空 三子".into(),
                ..NewPerson::default()
            })
            .unwrap();
        store.lock();
        drop(store);
        let core = CoreHandle::spawn(AppCore::open(cfg));
        let mut s = AppState::new(true);

        for c in "000000".chars() {
            drive(&core, &mut s, Msg::PinDigit(c)).await;
        }
        drive(&core, &mut s, Msg::PinSubmit).await;
        assert!(
            s.pin.error.as_deref().unwrap().contains("あと9回"),
            "{:?}",
            s.pin.error
        );
        for c in "975310".chars() {
            drive(&core, &mut s, Msg::PinDigit(c)).await;
        }
        drive(&core, &mut s, Msg::PinSubmit).await;
        assert_eq!(s.screen, Screen::Caseload);
        assert_eq!(s.caseload.as_ref().unwrap().entries.len(), 1);

        drive(&core, &mut s, Msg::OpenPerson(p.id)).await;
        assert_eq!(s.timeline.as_ref().unwrap().person.alias, "架空 三子");
        drive(&core, &mut s, Msg::StartContact).await;
        drive(&core, &mut s, Msg::ContactMet(MetWhom::Nobody)).await;
        drive(
            &core,
            &mut s,
            Msg::ContactAccompaniment(Accompaniment::Pair),
        )
        .await;
        drive(
            &core,
            &mut s,
            Msg::ContactObservation("不在。手紙を置いた。".into()),
        )
        .await;
        drive(&core, &mut s, Msg::SaveContact).await;
        assert_eq!(s.screen, Screen::Person(p.id));
        let tl = s.timeline.as_ref().unwrap();
        assert_eq!(tl.entries.len(), 1);
        assert_eq!(tl.entries[0].contact.observation, "不在。手紙を置いた。");
        assert_eq!(
            s.sync.pending, 2,
            "the person and the contact wait to be sent"
        );

        drive(&core, &mut s, Msg::StartStageConsent).await;
        drive(&core, &mut s, Msg::GiveConsent(ConsentStatus::Verbal)).await;
        assert_eq!(
            s.timeline.as_ref().unwrap().person.consent.status,
            ConsentStatus::Verbal
        );
        drive(&core, &mut s, Msg::StartEscalation).await;
        assert_eq!(
            s.escalation.as_ref().unwrap().route(),
            Route::MultiLayeredMeeting
        );

        drive(&core, &mut s, Msg::LockNow).await;
        assert!(!idle_locked(&core).await || s.screen == Screen::Unlock);
        let locked = core.with_store(|s| Ok(s.is_unlocked())).await.unwrap();
        assert!(!locked, "the keys are forgotten");
    }
}
