//! Runs Progenitor over a normalized deals document and formats the result.
//!
//! Shared, through `#[path]`, by `build.rs` (which writes the client into `OUT_DIR`) and by
//! `xtask` (which proves a downloaded document generates before it replaces `spec/`), so both
//! use exactly the same settings.

use crate::normalize::registry::{self, Api};
use quote::ToTokens;
use std::str::FromStr;

/// The Rust path of the handwritten runtime state handed to every hook.
pub const INNER_TYPE: &str = "crate::runtime::Runtime";

/// The readable names `api`'s types take, each with the names HubSpot's documents give the
/// same schema across API versions (the first one a document has gets the name): the ones
/// every document shares, `api`'s own in the registry, then every other API's (a deals
/// document of 2025-09 carries the associations API's operations and types). The names stay
/// when the client is regenerated from another version; each renamed type's docs say which
/// HubSpot schema it is.
pub fn names(api: &Api) -> impl Iterator<Item = &'static (&'static str, &'static [&'static str])> {
    let others = registry::APIS
        .iter()
        .filter(move |other| other.name != api.name)
        .flat_map(|other| other.names.iter());
    registry::shared_names()
        .iter()
        .chain(api.names)
        .chain(others)
}

/// The schema the normalizer gives associated objects' ids (text or a number on the wire).
pub const OBJECT_ID_SCHEMA: &str = "ObjectId";

/// Types that also derive `Default` (every field has an empty value), so callers can write
/// `SearchRequest { query: Some(..), ..Default::default() }`.
pub const DEFAULTS: &[&str] = &[
    "SearchRequest",
    "FilterGroup",
    "NewDeal",
    "DealUpdate",
    "BatchCreateInput",
    "DealUpsert",
    "BatchUpdateInput",
];

/// Schemas whose HubSpot names already read well.
pub const KEPT: &[&str] = &[
    "AssociatedId",
    "AssociationSpec",
    "AssociationSpecWithLabel",
    "ErrorDetail",
    "Filter",
    "FilterGroup",
    "ForwardPaging",
    "NextPage",
    "ObjectId",
    "Paging",
    "PreviousPage",
    "PublicObjectId",
    "PublicObjectWarning",
];

/// The schemas of a (normalized) document of `api` that [`names`] does not name and [`KEPT`]
/// does not list: they keep HubSpot's name, which `cargo xtask update-spec` reports.
pub fn unnamed_schemas(doc: &serde_json::Value, api: &Api) -> Vec<String> {
    doc.pointer("/components/schemas")
        .and_then(serde_json::Value::as_object)
        .into_iter()
        .flat_map(|schemas| schemas.keys())
        .filter(|name| {
            !KEPT.contains(&name.as_str())
                && !names(api).any(|(_, hubspot)| hubspot.contains(&name.as_str()))
        })
        .cloned()
        .collect()
}

/// For each readable name, the type Progenitor would name after the first of its HubSpot
/// schemas that `doc` has (inline enums are named after their schema and field).
fn renames(doc: &serde_json::Value, api: &Api) -> Vec<(&'static str, &'static str)> {
    let schemas = doc.pointer("/components/schemas");
    let has = |name: &str| {
        let inline_enum = [
            ("Status", "status"),
            ("AssociationCategory", "associationCategory"),
        ]
        .iter()
        .any(|(suffix, field)| {
            name.strip_suffix(suffix).is_some_and(|parent| {
                schemas
                    .and_then(|s| s.get(parent))
                    .and_then(|p| p.pointer(&format!("/properties/{field}/enum")))
                    .is_some()
            })
        });
        inline_enum || schemas.and_then(|s| s.get(name)).is_some()
    };
    let mut renamed: Vec<(&'static str, &'static str)> = Vec::new();
    for (ours, hubspot) in names(api) {
        let found = hubspot.iter().find(|h| has(h));
        if let Some(h) = found
            && !renamed.iter().any(|(o, _)| o == ours)
        {
            renamed.push((*ours, *h));
        }
    }
    renamed
}

/// Generates the client for `doc` (a normalized document of `api`) and returns formatted
/// Rust source.
///
/// Progenitor reports some unsupported documents by panicking; the panic is caught and
/// returned as an error message, so callers can print one readable line.
pub fn generate(doc: &serde_json::Value, api: &Api) -> Result<String, String> {
    let spec: openapiv3::OpenAPI = serde_json::from_value(doc.clone())
        .map_err(|e| format!("the document is not a valid OpenAPI 3.0 document: {e}"))?;
    let inner = proc_macro2::TokenStream::from_str(INNER_TYPE)
        .map_err(|e| format!("bad inner type path: {e}"))?;
    let mut settings = progenitor::GenerationSettings::new();
    settings
        .with_interface(progenitor::InterfaceStyle::Builder)
        .with_tag(progenitor::TagStyle::Merged)
        .with_hooks(progenitor::HooksMode::Expected)
        .with_inner_type(inner)
        .with_derive("PartialEq");
    // The ids of associated objects, which HubSpot's documents type as text and HubSpot
    // sends as numbers (`spec/normalize.rs`, `numeric_object_ids`): a handwritten type that
    // reads either.
    settings.with_replacement(
        OBJECT_ID_SCHEMA,
        "crate::associations::ObjectId",
        [progenitor::TypeImpl::Display].into_iter(),
    );
    for (ours, hubspot) in renames(doc, api) {
        let mut patch = progenitor::TypePatch::default();
        patch.with_rename(ours).with_attr(format!(
            "#[doc = \"\"] #[doc = \"HubSpot's schema `{hubspot}`.\"]"
        ));
        if DEFAULTS.contains(&ours) {
            patch.with_derive("Default");
        }
        settings.with_patch(hubspot, &patch);
    }
    for kept in KEPT.iter().filter(|k| DEFAULTS.contains(k)) {
        let mut patch = progenitor::TypePatch::default();
        patch.with_derive("Default");
        settings.with_patch(kept, &patch);
    }

    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let outcome = std::panic::catch_unwind(|| {
        let mut generator = progenitor::Generator::new(&settings);
        generator.generate_tokens(&spec)
    });
    std::panic::set_hook(previous_hook);

    let tokens = match outcome {
        Ok(Ok(tokens)) => tokens,
        Ok(Err(e)) => return Err(format!("Progenitor rejected the document: {e}")),
        Err(payload) => {
            let why = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown reason".into());
            return Err(format!("Progenitor failed on the document: {why}"));
        }
    };
    let mut file: syn::File = syn::parse2(tokens)
        .map_err(|e| format!("Progenitor produced code that does not parse: {e}"))?;
    typed_send(&mut file)?;
    Ok(prettyplease::unparse(&file))
}

/// Gives every builder a `send()` that returns the crate's own `Error`, and a `send_raw()`
/// that returns Progenitor's: Progenitor's `send` becomes the crate's `send_unscoped`, and
/// each runs it in the scope of one call (`crate::runtime::call`) with the operation's name.
fn typed_send(file: &mut syn::File) -> Result<(), String> {
    let builders = file
        .items
        .iter_mut()
        .find_map(|item| match item {
            syn::Item::Mod(module) if module.ident == "builder" => module.content.as_mut(),
            _ => None,
        })
        .ok_or("Progenitor's output has no `builder` module (is the interface style Builder?)")?;
    let mut count = 0;
    for item in builders.1.iter_mut() {
        let syn::Item::Impl(block) = item else {
            continue;
        };
        let builder = block.self_ty.to_token_stream().to_string();
        let mut added = Vec::new();
        for member in block.items.iter_mut() {
            let syn::ImplItem::Fn(method) = member else {
                continue;
            };
            if method.sig.ident != "send" {
                continue;
            }
            let operation = operation_id(&method.block.to_token_stream())
                .ok_or_else(|| format!("cannot find the operation id in {builder}::send"))?;
            let ok = ok_type(&method.sig.output)
                .ok_or_else(|| format!("{operation}: send() does not return a Result"))?;
            let raw_output = method.sig.output.clone();
            method.sig.ident = syn::Ident::new("send_unscoped", method.sig.ident.span());
            method.vis = syn::parse_quote!(pub(crate));
            method.attrs.retain(|attr| !attr.path().is_ident("doc"));
            added.push(syn::parse_quote! {
                /// Sends the request like [`send`](Self::send), returning Progenitor's raw
                /// error type: a failure the runtime understood (a refused refresh, a permit
                /// that would wait too long) comes back as the last HTTP answer instead.
                pub async fn send_raw(self) #raw_output {
                    crate::runtime::call::raw(#operation, self.send_unscoped()).await
                }
            });
            added.push(syn::parse_quote! {
                /// Sends the request through the client's runtime (auth, rate limit, retries)
                /// and returns the response, or the crate's [`Error`](crate::Error).
                pub async fn send(self) -> ::std::result::Result<#ok, crate::Error> {
                    crate::runtime::call::send(#operation, self.send_unscoped()).await
                }
            });
            count += 1;
        }
        block.items.extend(added.into_iter().map(syn::ImplItem::Fn));
    }
    if count == 0 {
        return Err("Progenitor's output has no builder with a send() method".into());
    }
    Ok(())
}

/// The literal of `operation_id: "..."` inside a generated `send`.
fn operation_id(tokens: &proc_macro2::TokenStream) -> Option<String> {
    let mut iter = tokens.clone().into_iter().peekable();
    while let Some(token) = iter.next() {
        match token {
            proc_macro2::TokenTree::Ident(ident) if ident == "operation_id" => {
                if let (
                    Some(proc_macro2::TokenTree::Punct(colon)),
                    Some(proc_macro2::TokenTree::Literal(lit)),
                ) = (iter.next(), iter.next())
                    && colon.as_char() == ':'
                {
                    return syn::parse_str::<syn::LitStr>(&lit.to_string())
                        .ok()
                        .map(|l| l.value());
                }
            }
            proc_macro2::TokenTree::Group(group) => {
                if let Some(found) = operation_id(&group.stream()) {
                    return Some(found);
                }
            }
            _ => {}
        }
    }
    None
}

/// `T` of a `-> Result<T, E>` return type.
fn ok_type(output: &syn::ReturnType) -> Option<syn::Type> {
    let syn::ReturnType::Type(_, ty) = output else {
        return None;
    };
    let syn::Type::Path(path) = ty.as_ref() else {
        return None;
    };
    let last = path.path.segments.last()?;
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(ok) => Some(ok.clone()),
        _ => None,
    }
}
