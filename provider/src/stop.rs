//! Terraform asked the provider to stop (`StopProvider`, or an interrupt reached the plugin).
//!
//! Work in flight winds down at its next wait: retries, backoffs, rate-limit waits and
//! readiness polls end with [`Stopped`] instead of sleeping, and the resource reports what it
//! made so far, as after any other failure. A request already on the wire is not cut off.

use std::sync::OnceLock;
use std::time::Duration;

use tokio::sync::watch;

fn signal() -> &'static watch::Sender<bool> {
    static STOP: OnceLock<watch::Sender<bool>> = OnceLock::new();
    STOP.get_or_init(|| watch::channel(false).0)
}

/// The provider was asked to stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("Terraform asked the provider to stop")]
pub struct Stopped;

/// Asks every operation in flight to stop at its next wait.
pub fn request() {
    signal().send_replace(true);
}

/// Whether a stop was asked for.
pub fn requested() -> bool {
    *signal().borrow()
}

/// Sleeps for `duration`, or less when a stop is asked for (then [`Stopped`]).
pub async fn sleep(duration: Duration) -> Result<(), Stopped> {
    if requested() {
        return Err(Stopped);
    }
    let mut receiver = signal().subscribe();
    tokio::select! {
        () = tokio::time::sleep(duration) => Ok(()),
        _ = receiver.wait_for(|stop| *stop) => Err(Stopped),
    }
}
