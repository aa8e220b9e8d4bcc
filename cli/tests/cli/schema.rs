//! `pipelines`, `properties list|create` and `deals export --stage-labels`, against the fake.

use super::*;

#[tokio::test(flavor = "multi_thread")]
async fn pipelines_and_properties_list_and_a_property_is_created() {
    let fake = fake_with(0, base()).await;
    let scratch = Scratch::new("schema");
    scratch.login(&fake);

    let pipelines = scratch.run(&fake, &["pipelines"]);
    exits(&pipelines, 0);
    let first: serde_json::Value =
        serde_json::from_str(text(&pipelines.stdout).lines().next().unwrap()).unwrap();
    assert_eq!(first["id"], "default");
    assert_eq!(first["stages"][5]["label"], "Closed Won");

    let created = scratch.run(
        &fake,
        &[
            "properties",
            "create",
            "erp_tier",
            "--type",
            "enumeration",
            "--option",
            "gold=Gold",
            "--option",
            "silver",
        ],
    );
    exits(&created, 0);
    assert!(text(&created.stderr).contains("Created the deal property erp_tier"));
    let unique = scratch.run(
        &fake,
        &[
            "properties",
            "create",
            "erp_ref",
            "--type",
            "string",
            "--unique",
        ],
    );
    exits(&unique, 0);
    let listed = scratch.run(&fake, &["properties", "list"]);
    exits(&listed, 0);
    let all: Vec<serde_json::Value> = text(&listed.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let find = |name: &str| all.iter().find(|p| p["name"] == name).unwrap().clone();
    assert_eq!(find("erp_tier")["options"][1]["label"], "silver");
    assert_eq!(find("erp_ref")["hasUniqueValue"], true);
    assert_eq!(find("amount")["type"], "number");

    let enumeration_without_options = scratch.run(
        &fake,
        &["properties", "create", "empty", "--type", "enumeration"],
    );
    exits(&enumeration_without_options, 2);
    let taken = scratch.run(
        &fake,
        &["properties", "create", "erp_ref", "--type", "string"],
    );
    assert_ne!(code(&taken), 0);
    assert!(
        text(&taken.stderr).contains("409"),
        "{}",
        text(&taken.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_export_with_stage_labels_names_each_deals_stage_and_pipeline() {
    let fake = fake_with(
        0,
        base().pipeline(hubspot_deals_fake::Pipeline::new("77", ["s1", "s2"])),
    )
    .await;
    fake.seed_deals([
        vec![
            ("dealname".to_string(), "Won".to_string()),
            ("dealstage".to_string(), "closedwon".to_string()),
        ],
        vec![
            ("dealname".to_string(), "Custom".to_string()),
            ("pipeline".to_string(), "77".to_string()),
            ("dealstage".to_string(), "s2".to_string()),
        ],
    ])
    .unwrap();
    let scratch = Scratch::new("stage-labels");
    scratch.login(&fake);
    let export = scratch.run(
        &fake,
        &["deals", "export", "--stage-labels", "--output", "deals.csv"],
    );
    exits(&export, 0);
    let mut reader = csv::Reader::from_path(scratch.file("deals.csv")).unwrap();
    let headers = reader.headers().unwrap().clone();
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let row = |name: &str| {
        rows.iter()
            .find(|r| &r[column("dealname")] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(&row("Won")[column("dealstage_label")], "Closed Won");
    assert_eq!(&row("Won")[column("pipeline_label")], "Sales Pipeline");
    assert_eq!(&row("Custom")[column("dealstage_label")], "s2");
    assert_eq!(&row("Custom")[column("pipeline_label")], "77");

    let jsonl = scratch.run(&fake, &["deals", "export", "--stage-labels"]);
    exits(&jsonl, 0);
    assert!(text(&jsonl.stdout).contains("\"dealstage_label\":\"Closed Won\""));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_export_of_every_property_and_the_associations_loses_nothing() {
    // 400 custom properties: their names alone pass HubSpot's URL limit.
    let names: Vec<String> = (1..=400)
        .map(|n| format!("custom_property_{n:03}"))
        .collect();
    let mut builder = base();
    for name in &names {
        builder = builder.property(name.clone());
    }
    let fake = fake_with(0, builder).await;
    let deals = (0..250).map(|i| {
        let mut properties = vec![("dealname".to_string(), format!("Deal {i}"))];
        properties.extend(names.iter().map(|n| (n.clone(), format!("{n} of {i}"))));
        let associated = if i % 5 == 0 {
            Vec::new()
        } else {
            vec![
                ("contacts".to_string(), format!("{}", 100 + i)),
                ("contacts".to_string(), format!("{}", 101 + i)),
                ("companies".to_string(), format!("{}", 9000 + i % 7)),
            ]
        };
        (properties, associated)
    });
    let ids = fake.seed_associated_deals(deals).unwrap();
    let scratch = Scratch::new("every-property");
    scratch.login(&fake);

    let export = scratch.run(
        &fake,
        &[
            "deals",
            "export",
            "--properties",
            "all",
            "--associations",
            "contacts,companies",
            "--output",
            "deals.jsonl",
        ],
    );
    exits(&export, 0);
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(scratch.file("deals.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 250);
    for deal in &lines {
        let i: usize = deal["properties"]["dealname"].as_str().unwrap()[5..]
            .parse()
            .unwrap();
        assert_eq!(deal["id"], ids[i]);
        for name in &names {
            assert_eq!(deal["properties"][name], format!("{name} of {i}"), "{name}");
        }
        let contacts: Vec<&str> = deal["associations"]["contacts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap())
            .collect();
        if i.is_multiple_of(5) {
            assert!(contacts.is_empty());
        } else {
            let expected = [format!("{}", 100 + i), format!("{}", 101 + i)];
            assert_eq!(contacts, expected);
            assert_eq!(
                deal["associations"]["companies"][0]["id"],
                format!("{}", 9000 + i % 7)
            );
        }
    }
    let counters = fake.counters();
    assert_eq!(counters.by_status.get(&414), None, "no URL too long");
    // 250 deals: one batch read per type.
    assert_eq!(counters.by_operation["batch_read_associations"], 2);

    let csv = scratch.run(
        &fake,
        &[
            "deals",
            "export",
            "--properties",
            "dealname",
            "--associations",
            "contacts",
            "--output",
            "deals.csv",
        ],
    );
    exits(&csv, 0);
    let mut reader = csv::Reader::from_path(scratch.file("deals.csv")).unwrap();
    let headers = reader.headers().unwrap().clone();
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        ["id", "dealname", "associated_contacts"]
    );
    let second = reader.records().nth(1).unwrap().unwrap();
    assert_eq!(&second[2], "101;102");

    let twice = scratch.run(
        &fake,
        &[
            "deals",
            "export",
            "--properties",
            "dealname",
            "--associations",
            "contacts,contacts",
            "--format",
            "csv",
        ],
    );
    exits(&twice, 0);
    assert!(
        text(&twice.stdout).starts_with("id,dealname,associated_contacts\n"),
        "each type once: {}",
        text(&twice.stdout).lines().next().unwrap_or_default()
    );
    let blank = scratch.run(&fake, &["deals", "export", "--associations", "contacts,"]);
    exits(&blank, 2);
    let mixed = scratch.run(&fake, &["deals", "export", "--properties", "all,amount"]);
    exits(&mixed, 2);
    assert!(text(&mixed.stderr).contains("--properties all"));
}

#[tokio::test(flavor = "multi_thread")]
async fn owners_are_listed_as_json_lines_or_the_archived_ones() {
    let scratch = Scratch::new("owners");
    let fake = base().start().await.unwrap();
    scratch.login(&fake);
    let listed = scratch.run(&fake, &["owners"]);
    exits(&listed, 0);
    let lines: Vec<serde_json::Value> = text(&listed.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ids: Vec<&str> = lines.iter().map(|o| o["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["101", "102", "104", "105"]);
    assert_eq!(lines[0]["email"], "ada@example.test");
    let archived = scratch.run(&fake, &["owners", "--archived"]);
    exits(&archived, 0);
    let out = text(&archived.stdout);
    assert_eq!(out.lines().count(), 1);
    assert!(out.contains("\"id\":\"103\""), "{out}");
    let owners: Vec<String> = fake
        .requests()
        .iter()
        .filter(|r| r.operation == "list_owners")
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(
        owners,
        ["/crm/owners/2026-09", "/crm/owners/2026-09"],
        "one call each"
    );
}
