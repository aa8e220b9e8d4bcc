//! Associations v4 and association labels, generated like deals and sent through the same
//! runtime, and `associations::read_many` over many deals, against the fake.

use crate::support::fake::{oauth_fake, pat_client};
use futures_util::TryStreamExt;
use hubspot_deals::association_labels::types::PublicAssociationDefinitionCreateRequest;
use hubspot_deals::associations::{self, types};
use hubspot_deals::clock::ManualClock;
use hubspot_deals::{Client, RetryPolicy};
use hubspot_deals_fake::FakeHubSpot;

async fn started() -> (FakeHubSpot, Client) {
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock).start().await.unwrap();
    let client = pat_client(&fake, &clock, RetryPolicy::default());
    (fake, client)
}

/// The ids of every deal, in order.
async fn deal_ids(client: &Client) -> Vec<String> {
    client
        .deals()
        .list()
        .stream()
        .map_ok(|deal| deal.id)
        .try_collect()
        .await
        .unwrap()
}

fn pair(from: &str, to: &str) -> types::PublicDefaultAssociationMultiPost {
    types::PublicDefaultAssociationMultiPost {
        from: types::PublicObjectId { id: from.into() },
        to: types::PublicObjectId { id: to.into() },
    }
}

#[tokio::test]
async fn labelled_associations_are_created_read_and_removed_by_label() {
    let (fake, client) = started().await;
    fake.seed_deals([[("dealname".to_string(), "Labelled".to_string())]])
        .unwrap();
    let deal = deal_ids(&client).await.remove(0);

    // A label of our own for deals' contacts, then listed beside HubSpot's default type.
    let created = client
        .association_labels()
        .create_association_label()
        .to_object_type("contacts")
        .body(PublicAssociationDefinitionCreateRequest {
            label: "Decision maker".into(),
            name: "decision_maker".into(),
            inverse_label: None,
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    let label = &created.results[0];
    assert_eq!(label.label.as_deref(), Some("Decision maker"));
    let listed = client
        .association_labels()
        .list_association_labels()
        .to_object_type("contacts")
        .send()
        .await
        .unwrap()
        .into_inner();
    let type_ids: Vec<i32> = listed.results.iter().map(|l| l.type_id).collect();
    assert_eq!(type_ids, [3, label.type_id]);

    // Contact 901 by the label and by default, 902 by default only.
    let labelled = client
        .associations()
        .create_labelled_association()
        .object_id(&deal)
        .to_object_type("contacts")
        .to_object_id("901")
        .body(vec![types::AssociationSpec {
            association_category: types::AssociationCategory::UserDefined,
            association_type_id: label.type_id,
        }])
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(labelled.labels, ["Decision maker"]);
    assert_eq!(
        labelled.to_object_id.as_str(),
        "901",
        "a number on the wire"
    );
    for contact in ["901", "902"] {
        client
            .associations()
            .create_default_association()
            .from_object_id(&deal)
            .to_object_type("contacts")
            .to_object_id(contact)
            .send()
            .await
            .unwrap();
    }
    let read = |client: Client, deal: String| async move {
        // 2026-09 has no single-deal read: the batch read serves one deal as well.
        let all = hubspot_deals::associations::read_many(&client, "contacts", [deal.clone()])
            .await
            .unwrap();
        all.get(&deal)
            .into_iter()
            .flatten()
            .map(|a| {
                let mut labels: Vec<String> = a
                    .association_types
                    .iter()
                    .map(|t| t.label.clone().unwrap_or_else(|| t.type_id.to_string()))
                    .collect();
                labels.sort();
                (a.to_object_id.to_string(), labels)
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        read(client.clone(), deal.clone()).await,
        [
            (
                "901".to_string(),
                vec!["3".to_string(), "Decision maker".to_string()]
            ),
            ("902".to_string(), vec!["3".to_string()]),
        ]
    );

    // Removing the label leaves the default association; removing the pair leaves nothing.
    client
        .associations()
        .batch_archive_association_labels()
        .to_object_type("contacts")
        .body(types::BatchInputPublicAssociationMultiPost {
            inputs: vec![types::PublicAssociationMultiPost {
                from: types::PublicObjectId { id: deal.clone() },
                to: types::PublicObjectId { id: "901".into() },
                types: vec![types::AssociationSpec {
                    association_category: types::AssociationCategory::UserDefined,
                    association_type_id: label.type_id,
                }],
            }],
        })
        .send()
        .await
        .unwrap();
    client
        .associations()
        .remove_associations()
        .object_id(&deal)
        .to_object_type("contacts")
        .to_object_id("902")
        .send()
        .await
        .unwrap();
    assert_eq!(
        read(client.clone(), deal.clone()).await,
        [("901".to_string(), vec!["3".to_string()])]
    );

    // A type that is not defined is refused with the reason.
    let refused = client
        .associations()
        .create_labelled_association()
        .object_id(&deal)
        .to_object_type("contacts")
        .to_object_id("903")
        .body(vec![types::AssociationSpec {
            association_category: types::AssociationCategory::UserDefined,
            association_type_id: 4242,
        }])
        .send()
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(400));
    assert!(refused.to_string().contains("not defined"), "{refused}");
}

#[tokio::test]
async fn read_many_reads_every_association_of_many_deals_in_batches_of_1000() {
    let (fake, client) = started().await;
    let named = |i: usize| [("dealname".to_string(), format!("Deal {i}"))];
    fake.seed_deals((0..2_300).map(named)).unwrap();
    let ids = deal_ids(&client).await;
    assert_eq!(ids.len(), 2_300);

    // Every deal but the last has one company; the first also has 1,200 companies (past
    // HubSpot's 500 a page).
    let mut expected = std::collections::BTreeMap::<String, Vec<String>>::new();
    let mut inputs = Vec::new();
    for (i, id) in ids[..2_299].iter().enumerate() {
        let company = format!("{}", 50_000 + i);
        inputs.push(pair(id, &company));
        expected.entry(id.clone()).or_default().push(company);
    }
    for j in 0..1_200 {
        let company = format!("{}", 90_000 + j);
        inputs.push(pair(&ids[0], &company));
        expected.get_mut(&ids[0]).unwrap().push(company);
    }
    for chunk in inputs.chunks(hubspot_deals::limits::ASSOCIATIONS_BATCH_READ_INPUTS) {
        client
            .associations()
            .batch_create_default_associations()
            .to_object_type("companies")
            .body(types::BatchInputPublicDefaultAssociationMultiPost {
                inputs: chunk.to_vec(),
            })
            .send()
            .await
            .unwrap();
    }

    fake.clear_log();
    let mut asked = ids.clone();
    asked.push("999999999".into()); // no such deal: absent, not an error
    let found = associations::read_many(&client, "companies", asked)
        .await
        .unwrap();
    let got: std::collections::BTreeMap<String, Vec<String>> = found
        .iter()
        .map(|(deal, to)| {
            let ids = to.iter().map(|a| a.to_object_id.to_string()).collect();
            (deal.clone(), ids)
        })
        .collect();
    assert_eq!(got, expected, "every association, nothing else");
    assert!(!found.contains_key(&ids[2_299]));
    // 2,301 deals: three batches of at most 1,000, then the first deal's 1,201 companies
    // continue for two more pages of 500.
    let calls = fake.counters().by_operation["batch_read_associations"];
    assert_eq!(calls, 5);
}

#[tokio::test]
async fn more_than_1000_inputs_in_one_associations_batch_are_refused() {
    let (_fake, client) = started().await;
    let inputs = (0..1_001)
        .map(|i| types::AssociationsReadInput {
            id: i.to_string(),
            after: None,
        })
        .collect();
    let refused = client
        .associations()
        .batch_read_associations()
        .to_object_type("contacts")
        .body(types::AssociationsBatchRead { inputs })
        .send()
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(400));
    assert!(refused.to_string().contains("at most 1000"), "{refused}");
}
