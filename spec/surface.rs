//! The public surface of a generated client, as stable text: every operation with its HTTP
//! method and path, parameters and their types, and result; every type with its fields.
//!
//! Shared, through `#[path]`, by `xtask` (which writes `spec/surface.txt` next to the
//! document) and by the snapshot test (which checks the client `build.rs` generated still
//! matches it), so a spec update shows its API diff in review.

use quote::ToTokens;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Renders the surface of generated client source code.
pub fn surface(source: &str) -> Result<String, String> {
    let file = syn::parse_file(source).map_err(|e| e.to_string())?;
    let mut operations: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut builders: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut results: BTreeMap<String, String> = BTreeMap::new();
    let mut types: BTreeMap<String, Vec<String>> = BTreeMap::new();

    for item in &file.items {
        match item {
            syn::Item::Impl(block)
                if type_name(&block.self_ty) == "Client" && block.trait_.is_none() =>
            {
                for item in &block.items {
                    if let syn::ImplItem::Fn(method) = item {
                        let builder = match &method.sig.output {
                            syn::ReturnType::Type(_, ty) => type_name(ty),
                            syn::ReturnType::Default => continue,
                        };
                        let route = doc_text(&method.attrs)
                            .lines()
                            .find_map(route_of)
                            .unwrap_or_default();
                        if !route.is_empty() {
                            operations.insert(method.sig.ident.to_string(), (route, builder));
                        }
                    }
                }
            }
            syn::Item::Mod(module) if module.ident == "builder" => {
                for item in module_items(module) {
                    match item {
                        syn::Item::Struct(s) => {
                            let fields = s
                                .fields
                                .iter()
                                .filter(|f| f.ident.as_ref().is_some_and(|i| i != "client"))
                                .map(parameter)
                                .collect();
                            builders.insert(s.ident.to_string(), fields);
                        }
                        syn::Item::Impl(block) => {
                            for item in &block.items {
                                if let syn::ImplItem::Fn(method) = item
                                    && method.sig.ident == "send"
                                    && let syn::ReturnType::Type(_, ty) = &method.sig.output
                                {
                                    results.insert(type_name(&block.self_ty), render(ty));
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
            syn::Item::Mod(module) if module.ident == "types" => {
                for item in module_items(module) {
                    match item {
                        syn::Item::Struct(s) => {
                            let fields = s.fields.iter().map(field).collect();
                            types.insert(format!("struct {}", s.ident), fields);
                        }
                        syn::Item::Enum(e) => {
                            let variants = e.variants.iter().map(variant).collect();
                            types.insert(format!("enum {}", e.ident), variants);
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }

    let mut out = String::new();
    for (name, (route, builder)) in &operations {
        let _ = writeln!(out, "operation {name}: {route}");
        for parameter in builders.get(builder).into_iter().flatten() {
            let _ = writeln!(out, "    {parameter}");
        }
        let result = results.get(builder).map_or("?", String::as_str);
        let _ = writeln!(out, "    -> {result}");
    }
    for (name, members) in &types {
        let _ = writeln!(out, "{name}");
        for member in members {
            let _ = writeln!(out, "    {member}");
        }
    }
    Ok(out)
}

fn module_items(module: &syn::ItemMod) -> &[syn::Item] {
    module
        .content
        .as_ref()
        .map_or(&[], |(_, items)| items.as_slice())
}

fn type_name(ty: &syn::Type) -> String {
    match ty {
        syn::Type::Path(p) => p
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default(),
        _ => render(ty),
    }
}

/// Token text without spaces and without the paths that only add noise.
fn render(tokens: &dyn ToTokens) -> String {
    let mut text: String = tokens
        .to_token_stream()
        .to_string()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    text = text.replace("crate::", "hubspot_deals::");
    for noise in [
        "::std::result::",
        "::std::string::",
        "::std::vec::",
        "::std::collections::",
        "::std::option::",
        "::std::",
        "std::",
        "::chrono::",
        "::uuid::",
        "::serde_json::",
        "super::",
        "types::",
        "progenitor_client::",
        "builder::",
    ] {
        text = text.replace(noise, "");
    }
    text.replace(",>", ">").replace(',', ", ")
}

fn doc_text(attrs: &[syn::Attribute]) -> String {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `Sends a `GET` request to `/path`` -> `GET /path`.
fn route_of(line: &str) -> Option<String> {
    let rest = line.trim().strip_prefix("Sends a `")?;
    let (method, rest) = rest.split_once('`')?;
    let path = rest.split('`').nth(1)?;
    Some(format!("{method} {path}"))
}

/// A builder field `name: Result<T, String>` -> `name: T`, `Option<T>` marking optional.
fn parameter(field: &syn::Field) -> String {
    let name = field
        .ident
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    let ty = render(&field.ty);
    let ty = ty
        .strip_prefix("Result<")
        .and_then(|t| t.strip_suffix(", String>"))
        .unwrap_or(&ty);
    format!("{name}: {ty}")
}

/// A type field, with its JSON name when serde renames it.
fn field(field: &syn::Field) -> String {
    let name = field
        .ident
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    let json = serde_rename(&field.attrs)
        .map(|json| format!(" ({json})"))
        .unwrap_or_default();
    format!("{name}{json}: {}", render(&field.ty))
}

fn variant(variant: &syn::Variant) -> String {
    let json = serde_rename(&variant.attrs)
        .map(|json| format!(" ({json})"))
        .unwrap_or_default();
    let fields = if variant.fields.is_empty() {
        String::new()
    } else {
        render(&variant.fields)
    };
    format!("{}{json}{fields}", variant.ident)
}

fn serde_rename(attrs: &[syn::Attribute]) -> Option<String> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("serde"))
        .find_map(|a| {
            let text = a.meta.to_token_stream().to_string();
            let rest = text.split("rename = \"").nth(1)?;
            rest.split('"').next().map(str::to_string)
        })
}
