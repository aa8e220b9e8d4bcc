//! The operations only the date-versioned APIs have (associations, GDPR deletion), through a
//! client regenerated for such a version (`cargo xtask update-spec --api-version 2026-03`),
//! against the fake. Each test compiles only where its operations exist: with the v3 client
//! this file is empty, and `.ci/versions` runs it for every version.

#![allow(unused_imports, dead_code)]

use crate::support::fake::{erp_fake, pat_client};
use hubspot_deals::clock::ManualClock;
use hubspot_deals::{Client, RetryPolicy, types};
use hubspot_deals_fake::FakeHubSpot;

async fn fake_with_deal() -> (FakeHubSpot, Client, String) {
    let clock = ManualClock::default();
    let fake = erp_fake(&clock, |fake| fake).await;
    let client = pat_client(&fake, &clock, RetryPolicy::default());
    let body = types::NewDeal {
        properties: [
            ("dealname".to_string(), "Associated".to_string()),
            ("erp_id".to_string(), "E-1".to_string()),
        ]
        .into(),
        ..Default::default()
    };
    let deal = client.create().body(body).send().await.unwrap();
    let id = deal.into_inner().id;
    (fake, client, id)
}

/// The ids of the contacts a deal shows when read with `associations=contacts`.
async fn contacts_of(client: &Client, id: &str) -> Vec<String> {
    let deal = client
        .get_by_id()
        .deal_id(id)
        .associations(vec!["contacts".to_string()])
        .send()
        .await
        .unwrap()
        .into_inner();
    deal.associations
        .get("contacts")
        .map(|page| page.results.iter().map(|a| a.id.clone()).collect())
        .unwrap_or_default()
}

#[cfg(all(
    hubspot_deals_op = "create_labelled_association",
    hubspot_deals_op = "create_default_association",
    hubspot_deals_op = "remove_associations"
))]
#[tokio::test]
async fn associate_with_a_type_or_the_default_then_remove() {
    let (_fake, client, id) = fake_with_deal().await;
    let spec = types::AssociationSpec {
        association_category: types::AssociationCategory::HubspotDefined,
        association_type_id: 3,
    };
    let labels = client
        .create_labelled_association()
        .object_id(&id)
        .to_object_type("contacts")
        .to_object_id("901")
        .body(vec![spec])
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (
            labels.from_object_id.as_str(),
            labels.to_object_type_id.as_str(),
            labels.to_object_id.as_str()
        ),
        (id.as_str(), "0-1", "901")
    );
    let default = client
        .create_default_association()
        .from_object_id(&id)
        .to_object_type("contacts")
        .to_object_id("902")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(default.results[0].to.id, "902");
    assert_eq!(default.results[0].association_spec.association_type_id, 3);
    assert_eq!(contacts_of(&client, &id).await, ["901", "902"]);
    client
        .remove_associations()
        .object_id(&id)
        .to_object_type("contacts")
        .to_object_id("901")
        .send()
        .await
        .unwrap();
    assert_eq!(contacts_of(&client, &id).await, ["902"]);
    let refused = client
        .create_default_association()
        .from_object_id(&id)
        .to_object_type("tickets")
        .to_object_id("1")
        .send()
        .await
        .unwrap_err();
    let hubspot_deals::Error::Api(api) = &refused else {
        panic!("{refused:?}")
    };
    assert_eq!(api.status, 400);
}

#[cfg(all(
    hubspot_deals_op = "read_associations",
    hubspot_deals_op = "create_default_association"
))]
#[tokio::test]
async fn associations_are_listed_page_by_page() {
    let (_fake, client, id) = fake_with_deal().await;
    for contact in ["11", "12", "13"] {
        client
            .create_default_association()
            .from_object_id(&id)
            .to_object_type("contacts")
            .to_object_id(contact)
            .send()
            .await
            .unwrap();
    }
    let first = client
        .read_associations()
        .object_id(&id)
        .to_object_type("contacts")
        .limit(2)
        .send()
        .await
        .unwrap()
        .into_inner();
    let ids: Vec<&str> = first
        .results
        .iter()
        .map(|a| a.to_object_id.as_str())
        .collect();
    assert_eq!(ids, ["11", "12"]);
    let after = first.paging.and_then(|p| p.next).map(|n| n.after).unwrap();
    let rest = client
        .read_associations()
        .object_id(&id)
        .to_object_type("contacts")
        .after(after)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(rest.results.len(), 1);
    assert_eq!(rest.results[0].to_object_id.as_str(), "13");
    assert!(rest.paging.is_none());
}

#[cfg(hubspot_deals_op = "gdpr_delete")]
#[tokio::test]
async fn gdpr_deletion_by_id_or_unique_value() {
    let (fake, client, id) = fake_with_deal().await;
    client
        .gdpr_delete()
        .body(types::GdprDeleteRequest {
            object_id: "E-1".into(),
            id_property: Some("erp_id".into()),
        })
        .send()
        .await
        .unwrap();
    assert_eq!(fake.deal_count(), 0);
    let gone = client.get_by_id().deal_id(&id).send().await.unwrap_err();
    assert!(gone.is_not_found(), "{gone:?}");
}
