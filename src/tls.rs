//! The TLS configuration: rustls with the `ring` provider and the platform's certificate
//! verifier (system roots), built per client so the process-wide rustls default is never
//! touched and no system OpenSSL is needed.

/// A rustls configuration for HTTPS to HubSpot.
#[cfg(feature = "rustls")]
pub(crate) fn rustls_config() -> Result<rustls::ClientConfig, String> {
    use rustls_platform_verifier::BuilderVerifierExt;
    // rustls 0.23.48 deprecates the ring provider for lacking post-quantum key exchange;
    // ring stays: aws-lc-rs would need a C toolchain (and cmake) on every machine that
    // builds this crate. Revisit when ring gains it or the build can afford aws-lc-rs.
    #[allow(deprecated)]
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup failed: {e}"))?
        .with_platform_verifier()
        .map_err(|e| format!("cannot load the platform's certificate verifier: {e}"))?
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}
