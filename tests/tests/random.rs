//! A randomised test: three tablets of one team make random offline changes
//! and sync in random orders and interleavings, some syncs meeting a fault
//! (answer dropped after commit, request or answer cut, connection refused). At the end every tablet and
//! the server agree, and every contact logged anywhere is everywhere.

use outreach_shared::protocol::PersonField;
use outreach_shared::*;
use outreach_tests::world::*;
use outreach_tests::{Fault, FaultProxy, ServerProcess};
use std::collections::{BTreeMap, BTreeSet};

/// splitmix64: a small deterministic generator, so a failing seed replays.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

async fn run(seed: u64, steps: usize) {
    let server = ServerProcess::start();
    seed_users(&server);
    let mut devices = [
        Device::enroll(&server, "worker-a").await,
        Device::enroll(&server, "worker-a2").await,
        Device::enroll(&server, "worker-a3").await,
    ];
    let proxy = FaultProxy::start(server.addr()).await.unwrap();
    for dev in devices.iter_mut() {
        dev.via(&proxy.url());
    }
    let mut rng = Rng(seed);
    let mut logged = BTreeSet::new();
    let areas = AreaCode::all();
    for step in 0..steps {
        let d = rng.below(devices.len());
        let dev = &mut devices[d];
        let persons: Vec<PersonId> = dev
            .store
            .persons()
            .unwrap()
            .items
            .iter()
            .map(|p| p.id)
            .collect();
        match rng.below(10) {
            0 | 1 => {
                dev.add_person(&format!("架空 乱数{seed}-{step}"));
            }
            2..=4 if !persons.is_empty() => {
                let p = persons[rng.below(persons.len())];
                logged.insert(dev.visit(p, &format!("乱数の訪問{step}")).id);
            }
            5 | 6 if !persons.is_empty() => {
                let p = persons[rng.below(persons.len())];
                let change = match rng.below(3) {
                    0 => PersonField::Area(Some(areas[rng.below(areas.len())].clone())),
                    1 => PersonField::Summary(Some(format!("概要 {step}"))),
                    _ => PersonField::Kana(Some(
                        ["カクウ", "かくう", "カクウ タロウ"][rng.below(3)].into(),
                    )),
                };
                dev.store.update_person(p, vec![change]).unwrap();
            }
            _ => {
                // Some syncs meet a fault on the way.
                let fault = match rng.below(8) {
                    0 => Some(Fault::DropResponse),
                    1 => Some(Fault::CutResponseAfter(rng.below(4000))),
                    2 => Some(Fault::CutRequestAfter(rng.below(4000))),
                    3 => Some(Fault::Refuse),
                    _ => None,
                };
                let faulty = fault.is_some();
                if let Some(f) = fault {
                    proxy.inject(f).await;
                }
                match dev.sync().await {
                    Ok(_) => {}
                    Err(e) if faulty && e.is_transient() => {}
                    Err(e) => panic!("seed {seed} step {step}: {e:?}"),
                }
                proxy.clear().await;
            }
        }
    }
    // Quiesce: everyone pushes, then everyone pulls.
    for _ in 0..2 {
        for dev in devices.iter_mut() {
            dev.sync().await.unwrap();
        }
    }

    let supervisor = Office::login(&server.url(), "supervisor-a").await;
    let mut views: Vec<BTreeMap<PersonId, Person>> = Vec::new();
    for dev in devices.iter_mut() {
        assert_eq!(dev.pending(), 0, "seed {seed}: nothing left to push");
        let contacts: BTreeSet<_> = dev.all_contacts().into_iter().map(|c| c.id).collect();
        assert_eq!(
            contacts, logged,
            "seed {seed}: every contact on every tablet, once"
        );
        views.push(
            dev.store
                .persons()
                .unwrap()
                .items
                .into_iter()
                .map(|p| (p.id, p))
                .collect(),
        );
    }
    assert!(
        views.windows(2).all(|w| w[0] == w[1]),
        "seed {seed}: the tablets agree"
    );
    for (id, person) in &views[0] {
        let on_server = supervisor.person(*id).await.person;
        assert_eq!(
            &on_server, person,
            "seed {seed}: tablet and server agree on {id}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_tablets_random_changes_random_sync_order_converge() {
    for seed in [1u64, 2, 3] {
        run(seed, 60).await;
    }
}
