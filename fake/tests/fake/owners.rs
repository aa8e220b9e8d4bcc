//! Owners, as HubSpot's owners API serves them: listed a page at a time (live ones, or the
//! archived ones), found by email, read by owner id, user id or user id including inactive
//! users; the v3 path until HubSpot retires it.

use crate::support::http::get;
use crate::support::unlimited_fake;
use serde_json::json;

const OWNERS: &str = "/crm/owners/2026-09";

#[tokio::test]
async fn owners_are_listed_page_by_page_and_found_by_email() {
    let fake = unlimited_fake().await;
    let base = fake.base_url();
    let first = get(format!("{base}{OWNERS}?limit=2")).await;
    assert_eq!(first.status, 200, "{}", first.text);
    let ids = |page: &serde_json::Value| -> Vec<String> {
        page["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids(&first.json), ["101", "102"]);
    let after = first.json["paging"]["next"]["after"].as_str().unwrap();
    let rest = get(format!("{base}{OWNERS}?limit=2&after={after}")).await;
    assert_eq!(
        ids(&rest.json),
        ["104", "105"],
        "the archived one is not listed"
    );
    assert!(rest.json.get("paging").is_none(), "the last page");
    let archived = get(format!("{base}{OWNERS}?archived=true")).await;
    assert_eq!(ids(&archived.json), ["103"]);
    assert_eq!(archived.json["results"][0]["archived"], true);
    assert!(archived.json["results"][0].get("userId").is_none());
    let by_email = get(format!("{base}{OWNERS}?email=GRACE@example.test")).await;
    assert_eq!(ids(&by_email.json), ["102"]);
    assert_eq!(by_email.json["results"][0]["userId"], 9002);
    assert_eq!(
        by_email.json["results"][0]["teams"],
        json!([{"id": "1", "name": "Sales", "primary": true}])
    );
    let refused = get(format!("{base}{OWNERS}?limit=501")).await;
    assert_eq!(refused.status, 400);
}

#[tokio::test]
async fn an_owner_is_read_by_id_user_id_or_user_id_including_inactive() {
    let fake = unlimited_fake().await;
    let base = fake.base_url();
    let by_id = get(format!("{base}{OWNERS}/101")).await;
    assert_eq!(by_id.json["email"], "ada@example.test");
    let by_user = get(format!("{base}{OWNERS}/9004?idProperty=userId")).await;
    assert_eq!(by_user.json["id"], "104");
    let inactive = get(format!(
        "{base}{OWNERS}/9003?idProperty=userIdIncludingInactive&archived=true"
    ))
    .await;
    assert_eq!(inactive.status, 200, "{}", inactive.text);
    assert_eq!(inactive.json["id"], "103");
    let deactivated = get(format!("{base}{OWNERS}/9003?idProperty=userId")).await;
    assert_eq!(deactivated.status, 404, "a deactivated user has no user id");
    assert_eq!(get(format!("{base}{OWNERS}/999")).await.status, 404);
    let wrong = get(format!("{base}{OWNERS}/101?idProperty=email")).await;
    assert_eq!(wrong.status, 400);
    assert_eq!(get(format!("{base}{OWNERS}/abc")).await.status, 404);
    // v3 until HubSpot retires it, under the client's name.
    let v3 = get(format!("{base}/crm/v3/owners/101")).await;
    assert_eq!(v3.status, 200);
    let names: Vec<String> = fake
        .requests()
        .iter()
        .map(|r| r.operation.clone())
        .collect();
    assert!(
        names.iter().all(|n| n == "list_owners" || n == "get_owner"),
        "{names:?}"
    );
}

#[tokio::test]
async fn owners_need_their_scope() {
    let fake = hubspot_deals_fake::FakeHubSpot::builder()
        .token_with_scopes("pat-na1-deals-only", ["crm.objects.deals.read"])
        .start()
        .await
        .unwrap();
    let refused = crate::support::http::send(
        crate::support::http::http()
            .get(format!("{}{OWNERS}", fake.base_url()))
            .bearer_auth("pat-na1-deals-only"),
    )
    .await;
    assert_eq!(refused.status, 403);
    assert_eq!(
        refused.json["errors"][0]["context"]["requiredGranularScopes"],
        json!(["crm.objects.owners.read"])
    );
}
