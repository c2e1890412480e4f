//! Several `sync-server` processes on one PostgreSQL database (issue 8):
//! tablets sync through different instances at the same time, round after
//! round, some answers lost so that operations arrive again at another
//! instance. At the end every tablet has every change of its team once, the
//! server stored every operation once, and the audit chain is one unbroken
//! chain.
//!
//! Runs in `scripts/test`'s PostgreSQL pass (`OUTREACH_TEST_BACKEND=postgres`);
//! elsewhere it says it was skipped.

use outreach_shared::*;
use outreach_tests::world::*;
use outreach_tests::{Fault, FaultProxy, ServerProcess};
use std::collections::BTreeSet;
use sync_server::store::{self, StoreOptions};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_many_rounds_every_tablet_converges() {
    if !store::scratch::test_backend_is_postgres() {
        eprintln!("skipped: runs in the PostgreSQL pass of scripts/test");
        return;
    }
    let first = ServerProcess::start();
    assert!(first.is_postgres());
    seed_users(&first);
    let servers = [first.another_instance(), first.another_instance()];
    let instances = [&first, &servers[0], &servers[1]];
    let urls: Vec<String> = instances.iter().map(|s| s.url()).collect();

    // Each tablet enrols through a different instance.
    let logins = ["worker-a", "worker-a2", "worker-a3", "worker-b"];
    let mut devices = Vec::new();
    for (i, login) in logins.iter().enumerate() {
        devices.push(
            Device::enroll_with_skew(&first, &urls[i % 3], login, chrono::Duration::zero()).await,
        );
    }
    // A proxy in front of the first instance loses answers after commit.
    let proxy = FaultProxy::start(first.addr()).await.unwrap();

    let mut logged_a = BTreeSet::new();
    let mut logged_b = BTreeSet::new();
    const ROUNDS: usize = 30;
    for round in 0..ROUNDS {
        // Offline work on every tablet.
        for (i, dev) in devices.iter_mut().enumerate() {
            if round % 4 == 0 {
                dev.add_person(&format!("架空 多重{i}-{round}"));
            }
            let persons: Vec<PersonId> = dev
                .store
                .persons()
                .unwrap()
                .items
                .iter()
                .map(|p| p.id)
                .collect();
            for (k, p) in persons
                .iter()
                .enumerate()
                .filter(|(k, _)| (k + round) % 3 == 0)
            {
                let c = dev.visit(*p, &format!("訪問 {round}-{k}"));
                if i < 3 {
                    logged_a.insert(c.id);
                } else {
                    logged_b.insert(c.id);
                }
            }
            // Each round every tablet goes through another instance.
            dev.via(&urls[(i + round) % 3]);
        }
        // Every third round the first tablet's answer is lost after the
        // commit; next round it pushes the same operations elsewhere.
        let lossy = round % 3 == 1;
        if lossy {
            proxy.inject(Fault::DropResponse).await;
            devices[0].via(&proxy.url());
        }
        // All four sync at the same moment.
        let [d0, d1, d2, d3] = &mut devices[..] else {
            unreachable!()
        };
        let (r0, r1, r2, r3) = tokio::join!(d0.sync(), d1.sync(), d2.sync(), d3.sync());
        match r0 {
            Ok(_) => assert!(!lossy, "round {round}: the lost answer was noticed"),
            Err(e) => assert!(lossy && e.is_transient(), "round {round}: {e:?}"),
        }
        for (n, r) in [r1, r2, r3].into_iter().enumerate() {
            r.unwrap_or_else(|e| panic!("round {round}, tablet {}: {e:?}", n + 1));
        }
        proxy.clear().await;
    }
    // Quiesce: everyone pushes, then everyone pulls, each through another
    // instance.
    for pass in 0..2 {
        for (i, dev) in devices.iter_mut().enumerate() {
            dev.via(&urls[(i + pass + 1) % 3]);
            dev.sync().await.unwrap();
        }
    }

    for (i, dev) in devices.iter_mut().enumerate() {
        assert_eq!(dev.pending(), 0, "tablet {i}: nothing left to push");
        let contacts = dev.all_contacts();
        let ids: BTreeSet<_> = contacts.iter().map(|c| c.id).collect();
        assert_eq!(ids.len(), contacts.len(), "tablet {i}: no contact twice");
        let expected = if i < 3 { &logged_a } else { &logged_b };
        assert_eq!(&ids, expected, "tablet {i}: every contact of its team");
    }
    let views: Vec<BTreeSet<PersonId>> = devices[..3]
        .iter_mut()
        .map(|d| {
            d.store
                .persons()
                .unwrap()
                .items
                .iter()
                .map(|p| p.id)
                .collect()
        })
        .collect();
    assert!(
        views.windows(2).all(|w| w[0] == w[1]),
        "team A's tablets agree"
    );

    // A second tablet of worker-a, enrolled through the last instance, pulls the team's
    // whole history from an empty cursor: nothing skipped, nothing twice.
    let mut fresh =
        Device::enroll_with_skew(&first, &urls[2], "worker-a", chrono::Duration::zero()).await;
    fresh.sync().await.unwrap();
    let ids: BTreeSet<_> = fresh.all_contacts().iter().map(|c| c.id).collect();
    assert_eq!(ids, logged_a);

    // The server stored each operation once: one contact row per contact,
    // and each contact named once by the audit (a push's entry per person
    // names its contacts), whatever the number of deliveries.
    let db = store::open(
        &first.database_url().parse().unwrap(),
        &StoreOptions::default(),
    )
    .unwrap();
    let stored = store::read(&*db, |tx| tx.contact_count()).unwrap();
    assert_eq!(stored as usize, logged_a.len() + logged_b.len());
    let entries = store::read(&*db, |tx| tx.audit_entries(0, u32::MAX)).unwrap();
    let audited: Vec<&str> = entries
        .iter()
        .filter(|e| e.action == "push.log_contact")
        .flat_map(|e| e.entity.split_whitespace())
        .filter_map(|w| w.strip_prefix("contact:"))
        .collect();
    let distinct: BTreeSet<&str> = audited.iter().copied().collect();
    assert_eq!(audited.len(), distinct.len(), "a contact audited twice");
    assert_eq!(audited.len(), logged_a.len() + logged_b.len());
    // One chain, written by three processes: no fork, no gap.
    let out = first.command(&["audit", "verify"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
