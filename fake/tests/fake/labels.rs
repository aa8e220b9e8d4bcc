//! Association labels over HTTP: created, numbered so a removed one's id is never handed to
//! another while one holds it, and bounded.

use crate::support::http::{delete, get, post};
use crate::support::unlimited_fake as fake;
use serde_json::json;

const LABELS: &str = "/crm/associations/v4/deals/contacts/labels";

#[tokio::test]
async fn a_new_label_never_takes_the_id_of_one_there_is() {
    let fake = fake().await;
    let url = format!("{}{LABELS}", fake.base_url());
    let create = |name: &'static str| {
        let url = url.clone();
        async move {
            let created = post(url, json!({"label": name, "name": name})).await;
            assert_eq!(created.status, 200, "{}", created.text);
            created.json["results"][0]["typeId"].as_i64().unwrap()
        }
    };
    let (a, b) = (create("a").await, create("b").await);
    assert_ne!(a, b);
    assert_eq!(delete(format!("{url}/{a}")).await.status, 204);
    let c = create("c").await;
    assert_ne!(c, b, "b still holds its id");
    let listed = get(url.clone()).await;
    let ids: Vec<i64> = listed.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["typeId"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [3, b, c], "HubSpot's default type, then ours");
    let taken = post(url.clone(), json!({"label": "B again", "name": "b"})).await;
    assert_eq!(taken.status, 409, "a name is one label");
}
