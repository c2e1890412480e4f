//! A case raised for a household (issue 18), end to end on a real server
//! process: three persons of their own linked into one household on a
//! tablet, consent on record for the escalated person and one member but
//! not the other; the escalation for the household carries each member
//! with the route of their own consent, and the 重層的支援会議's roster
//! member reads the consenting member only — the member without consent
//! is not in the case as they read it, their record is refused, and the
//! console's case page says why. Withdrawing a member's consent later
//! moves that member alone out of the meeting.

use outreach_mobile::NewEscalation;
use outreach_shared::protocol::*;
use outreach_shared::*;
use outreach_tests::ServerProcess;
use outreach_tests::office::*;
use outreach_tests::world::{Device, PASSWORD, seed_users};
use serde_json::Value;
use sync_server::store;

const V: ProtocolVersion = ProtocolVersion::CURRENT;

fn linked(relation: Relation, alias: &str, person: PersonId) -> HouseholdMember {
    HouseholdMember {
        id: HouseholdMemberId::parse("00000000-0000-0000-0000-000000000000").unwrap(),
        relation,
        alias: Some(alias.into()),
        birth_year: None,
        lives_together: true,
        note: None,
        person: Some(person),
    }
}

async fn get(http: &reqwest::Client, url: &str, token: &str) -> (u16, Value) {
    let r = http.get(url).bearer_auth(token).send().await.unwrap();
    let st = r.status().as_u16();
    (st, r.json().await.unwrap_or(Value::Null))
}

async fn post(http: &reqwest::Client, url: &str, token: &str, body: &impl serde::Serialize) {
    let r = http
        .post(url)
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap();
    let st = r.status().as_u16();
    assert_eq!(st, 200, "{url}: {}", r.text().await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_household_escalation_sends_only_the_consenting_member_to_the_multi_layered_meeting() {
    let s = ServerProcess::start();
    seed_users(&s);
    let out = s.command(&[
        "admin",
        "add-user",
        "--username",
        "kikan",
        "--display-name",
        "架空 相談員",
        "--role",
        "agency-member",
        "--agency",
        "kikan-soudan",
        "--password",
        PASSWORD,
    ]);
    assert!(out.status.success());
    let mut d = Device::enroll(&s, "worker-a").await;

    // The son (escalated), his mother and his sister: persons of their own.
    let son = d.add_person("架空 一郎");
    let mother = d.add_person("架空 ハナ");
    let sister = d.add_person("架空 二葉");
    d.store
        .add_household_member(son.id, linked(Relation::Parent, "母", mother.id))
        .unwrap();
    d.store
        .add_household_member(son.id, linked(Relation::Sibling, "姉", sister.id))
        .unwrap();
    d.consent(son.id);
    d.consent(sister.id);
    // The mother has not consented: the son's consent does not cover her.
    let esc = d
        .store
        .escalate(NewEscalation {
            person_id: son.id,
            reason: "（架空）8050：母の介護と本人のひきこもり".into(),
            fields: [LifeField::Elderly].into(),
            tags: Default::default(),
            agencies_involved: Default::default(),
            urgency: Urgency::High,
            for_household: true,
        })
        .unwrap();
    assert_eq!(esc.route, Route::MultiLayeredMeeting);
    let route_of = |p: PersonId| {
        esc.household
            .iter()
            .find(|m| m.person_id == p)
            .map(|m| m.route)
    };
    assert_eq!(route_of(mother.id), Some(Route::SupportMeeting));
    assert_eq!(route_of(sister.id), Some(Route::MultiLayeredMeeting));
    assert_eq!(d.sync().await.unwrap().rejected, 0);

    // The coordinator sees the case with both members, each with their route.
    let http = reqwest::Client::new();
    let url = s.url();
    let (_, body) = api_login(&http, &url, "coordinator", PASSWORD, None, None).await;
    let coord = token_of(&body);
    let (st, list) = get(&http, &format!("{url}/api/v1/cases"), &coord).await;
    assert_eq!(st, 200);
    let item: CaseQueueItem = serde_json::from_value(list["items"][0].clone()).unwrap();
    assert_eq!(item.household.len(), 2, "{list}");
    let case = item.escalation.case_id;
    let (st, _) = get(
        &http,
        &format!("{url}/api/v1/persons/{}", mother.id),
        &coord,
    )
    .await;
    assert_eq!(st, 200, "the coordinator reads every member the case lists");

    // The 重層的支援会議's roster: one agency member.
    let kikan = store::read(&*store_of(&s), |tx| tx.users())
        .unwrap()
        .into_iter()
        .find(|u| u.username == "kikan")
        .unwrap()
        .id;
    post(
        &http,
        &format!("{url}/api/v1/cases/{case}/move"),
        &coord,
        &CaseMoveRequest {
            protocol: V,
            to: CaseStatus::Triage,
            return_reason: None,
        },
    )
    .await;
    post(
        &http,
        &format!("{url}/api/v1/cases/{case}/roster"),
        &coord,
        &RosterRequest {
            protocol: V,
            user: kikan,
            agency: AgencyId::new("kikan-soudan"),
            pledge_recorded_at: None,
        },
    )
    .await;

    // What the meeting's member reads: the son and the sister, never the mother.
    let (_, body) = api_login(&http, &url, "kikan", PASSWORD, None, None).await;
    let agency = token_of(&body);
    let (st, detail) = get(&http, &format!("{url}/api/v1/cases/{case}"), &agency).await;
    assert_eq!(st, 200, "{detail}");
    let seen: CaseDetail = serde_json::from_value(detail.clone()).unwrap();
    let ids: Vec<PersonId> = seen.item.household.iter().map(|m| m.person_id).collect();
    assert_eq!(
        ids,
        vec![sister.id],
        "only the consenting member goes to the meeting"
    );
    assert!(
        !detail.to_string().contains(&mother.id.to_string()),
        "not even the mother's id reaches the meeting"
    );
    for (p, want) in [(son.id, 200), (sister.id, 200), (mother.id, 404)] {
        let (st, body) = get(&http, &format!("{url}/api/v1/persons/{p}"), &agency).await;
        assert_eq!(st, want, "{p}: {body}");
        if st == 200 {
            assert!(
                body["person"]["household"]["members"]
                    .as_array()
                    .is_none_or(|m| m.is_empty()),
                "an agency member reads alias and consent only: {body}"
            );
        }
    }

    // The console's case page for the coordinator: both members, the
    // mother marked as not going to the 重層的支援会議.
    let mut console = Console::new(&url);
    console.login("coordinator", PASSWORD).await;
    let page = console.get(&format!("/console/cases/{case}")).await.body;
    assert!(page.contains("id=\"household\""), "{page}");
    assert!(page.contains("架空 ハナ") && page.contains("架空 二葉"));
    assert!(page.contains(ja::member_meeting_label(false, Route::SupportMeeting)));
    assert!(page.contains(ja::member_meeting_label(true, Route::MultiLayeredMeeting)));
    // The agency member's page: the sister only.
    let mut console = Console::new(&url);
    console.login("kikan", PASSWORD).await;
    let page = console.get(&format!("/console/cases/{case}")).await.body;
    assert!(page.contains("架空 二葉"), "{page}");
    assert!(!page.contains("架空 ハナ"), "{page}");

    // The sister withdraws her consent: she alone leaves the meeting.
    d.store
        .record_consent(sister.id, ConsentRecord::none())
        .unwrap();
    assert_eq!(d.sync().await.unwrap().rejected, 0);
    let (st, body) = get(
        &http,
        &format!("{url}/api/v1/persons/{}", sister.id),
        &agency,
    )
    .await;
    assert_eq!(st, 404, "{body}");
    let (_, detail) = get(&http, &format!("{url}/api/v1/cases/{case}"), &agency).await;
    let seen: CaseDetail = serde_json::from_value(detail).unwrap();
    assert!(seen.item.household.is_empty());
    assert_eq!(
        seen.item.route,
        Route::MultiLayeredMeeting,
        "the case stays"
    );
    let (st, _) = get(&http, &format!("{url}/api/v1/persons/{}", son.id), &agency).await;
    assert_eq!(st, 200);
}
