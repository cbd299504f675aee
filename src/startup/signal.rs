//! Stopping on the operator's or service manager's signal.

use std::{future::Future, io};

/// Takes over SIGINT (Ctrl-C) and SIGTERM, the signals operators and service managers send, at once; the
/// future resolves when one arrives.
///
/// The handlers are installed by this call, not when the future is first polled: a SIGTERM that arrives right
/// after "listening on" (a service manager stopping a server it just started) must still stop it gracefully
/// rather than kill it with the default action.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    use tokio::signal::unix::{signal, Signal, SignalKind};
    async fn received(signal: io::Result<Signal>, name: &str) {
        match signal {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for {name}");
                std::future::pending::<()>().await;
            }
        }
    }
    let interrupt = signal(SignalKind::interrupt());
    let terminate = signal(SignalKind::terminate());
    async move {
        tokio::select! {
            () = received(interrupt, "SIGINT") => {},
            () = received(terminate, "SIGTERM") => {},
        }
        tracing::info!("shutdown signal received; finishing in-flight requests");
    }
}
