//! Tells the command line's tests whether a PostgreSQL server is named
//! (`HUBSPOT_DEALS_POSTGRES`): without one, the PostgreSQL halves of the `sync` tests are
//! compiled as ignored, so the summary a person reads counts them as ignored, not passed.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(postgres_tests)");
    println!("cargo::rerun-if-env-changed=HUBSPOT_DEALS_POSTGRES");
    if std::env::var_os("HUBSPOT_DEALS_POSTGRES").is_some() {
        println!("cargo::rustc-cfg=postgres_tests");
    }
}
