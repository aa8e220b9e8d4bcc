//! Runs Progenitor over a normalized deals document and formats the result.
//!
//! Shared, through `#[path]`, by `build.rs` (which writes the client into `OUT_DIR`) and by
//! `xtask` (which proves a downloaded document generates before it replaces `spec/`), so both
//! use exactly the same settings.

use std::str::FromStr;

/// The Rust path of the handwritten runtime state handed to every hook.
pub const INNER_TYPE: &str = "crate::runtime::Runtime";

/// Generates the client for `doc` (already normalized) and returns formatted Rust source.
///
/// Progenitor reports some unsupported documents by panicking; the panic is caught and
/// returned as an error message, so callers can print one readable line.
pub fn generate(doc: &serde_json::Value) -> Result<String, String> {
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
    let file: syn::File = syn::parse2(tokens)
        .map_err(|e| format!("Progenitor produced code that does not parse: {e}"))?;
    Ok(prettyplease::unparse(&file))
}
