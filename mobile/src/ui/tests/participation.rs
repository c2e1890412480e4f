//! The 参加支援 screen rendered (issue 18): the trials with where each
//! stands and why one stopped, the unmet needs, the catalogue to choose
//! from, and the three modes of the form.

use super::*;
use std::collections::BTreeSet;

fn resource() -> LocalResource {
    LocalResource {
        id: ResourceId::new_v7(1, [4; 10]),
        name: "架空の夜の居場所".into(),
        kind: ResourceKind::PlaceToBe,
        areas: ["sakaecho-1".parse().unwrap()].into(),
        for_whom: "若い世代の方".into(),
        days: "毎週金曜 17時〜20時".into(),
        contact: "架空の居場所（042-000-0000）".into(),
        accepts_new: false,
        updated_at: now(),
    }
}

fn state(mode: ParticipationMode) -> AppState {
    let p = person("架空 参加", 3);
    let rec = |n: u8, entry| ParticipationRecord {
        id: ParticipationId::new_v7(u64::from(n), [n; 10]),
        person_id: p.id,
        author: UserId::new_v7(1, [9; 10]),
        recorded_at: now() - Duration::days(i64::from(10 - n)),
        entry,
    };
    let trial = rec(
        2,
        ParticipationEntry::Trial {
            resource: resource().id,
            resource_name: resource().name,
            step: TrialStep::Proposed,
            meets: None,
            note: None,
        },
    );
    let records = vec![
        rec(
            1,
            ParticipationEntry::Needs {
                needs: BTreeSet::from([NeedKind::Work]),
                note: None,
                unmet: Some(UnmetNeed {
                    area: "sakaecho-2".parse().unwrap(),
                    description: "近所で短時間だけ働ける場がない".into(),
                }),
            },
        ),
        trial.clone(),
        rec(
            3,
            ParticipationEntry::FollowUp {
                trial: trial.id,
                outcome: TrialOutcome::Stopped,
                reason: Some("夜は家族の介護がある".into()),
            },
        ),
    ];
    let mut s = AppState::new(true);
    s.screen = Screen::Participation;
    let mut f = ParticipationForm::new(&p);
    f.data = Some(ParticipationData {
        records,
        resources: vec![resource()],
    });
    f.mode = mode;
    f.resource = Some(resource().id);
    f.outcome = Some(TrialOutcome::Stopped);
    s.participation = Some(f);
    s
}

#[test]
fn the_participation_screen_shows_trials_unmet_needs_and_the_form() {
    let html = render(state(ParticipationMode::Needs));
    assert!(html.contains(t::PA_TITLE) && html.contains("架空 参加"));
    assert!(html.contains("架空の夜の居場所") && html.contains("中断"));
    assert!(html.contains("夜は家族の介護がある"));
    assert!(html.contains("近所で短時間だけ働ける場がない") && html.contains("栄町2丁目"));
    for n in NeedKind::ALL {
        assert!(html.contains(ja::Label::ja(&n)), "{n:?}");
    }
    assert!(html.contains(t::PA_UNMET));

    let trial = render(state(ParticipationMode::Trial));
    assert!(trial.contains("id=\"paresource\""));
    assert!(trial.contains("毎週金曜 17時〜20時") && trial.contains(t::PA_FULL));
    assert!(trial.contains(t::PA_MEETS), "an unmet need to answer");

    let follow = render(state(ParticipationMode::FollowUp));
    assert!(follow.contains("id=\"patrial\"") && follow.contains(t::PA_REASON));
    for o in TrialOutcome::ALL {
        assert!(follow.contains(ja::Label::ja(&o)));
    }
}

#[test]
fn the_person_page_offers_participation() {
    let p = person("架空 参加", 3);
    let mut s = AppState::new(true);
    s.screen = Screen::Person(p.id);
    s.timeline = Some(Timeline {
        person: p,
        entries: Vec::new(),
        cases: Vec::new(),
        conflicts: Vec::new(),
        damaged: Vec::new(),
        assignment: Default::default(),
        found_by: None,
        household: Vec::new(),
    });
    let html = render(s);
    assert!(html.contains("id=\"participation\"") && html.contains(t::PARTICIPATION));
}
